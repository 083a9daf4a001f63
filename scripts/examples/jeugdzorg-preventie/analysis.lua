-- Jeugdzorg-preventie: where, and in which households, do children end up
-- in youth care?  Each row of children.csv is one pseudonymised child;
-- youth_care is 1 when the child received youth care this year.  The data
-- are special-category: the profile allows aggregates only, cells of at
-- least 15 children, and fails any zero cell.
local children = data.open("children")

-- Children and youth-care cases per neighbourhood.
local population = children:count{ by = { "wijk" } }
output.table("children_by_wijk", population,
	{ description = "Children per neighbourhood" })

local cases = children:sum("youth_care", { by = { "wijk" } })
output.table("youth_care_by_wijk", cases,
	{ description = "Children in youth care per neighbourhood" })

-- By household type and parental benefit: the prevention question.
local by_household = children:sum("youth_care", {
	by = { "household", "parental_benefit" },
})
output.table("youth_care_by_household", by_household,
	{ description = "Children in youth care per household type and parental benefit" })

local households = children:count{ by = { "household", "parental_benefit" } }
output.table("children_by_household", households,
	{ description = "Children per household type and parental benefit" })

-- School absence of children with and without youth care.
local absence = children:mean("school_absence_days", { by = { "youth_care" } })
output.table("absence_by_youth_care", absence,
	{ description = "Mean school absence (days) of children with (1) and without (0) youth care" })
print("jeugdzorg-preventie: aggregates computed")
