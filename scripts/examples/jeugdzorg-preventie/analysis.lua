-- Jeugdzorg-preventie: where, at what age and in which households do
-- children end up in youth care?  Each row of children.csv is one
-- pseudonymised child; youth_care is 1 when the child received youth care
-- this year.  The data are special-category: the profile allows
-- aggregates only, cells of at least 15 children, and fails any zero cell.
--
-- Good practice: a count of youth-care cases is a count of children, and
-- every published group must hold at least 15 of them.  The household type
-- "other" has fewer cases than that, so a table by household type would
-- be withheld, and with the totals per neighbourhood its cases could be
-- worked out; parental benefit, the prevention question, splits the
-- children into groups that are large enough.
local children = data.open("children")

-- Children and youth-care cases per neighbourhood.
local population = children:count{ by = { "wijk" } }
output.table("children_by_wijk", population,
	{ description = "Children per neighbourhood" })

local cases = children:sum("youth_care", { by = { "wijk" } })
output.table("youth_care_by_wijk", cases,
	{ description = "Children in youth care per neighbourhood" })

-- By age group and by parental benefit: the prevention question.
local by_age = children:sum("youth_care", { by = { "age_group" } })
output.table("youth_care_by_age", by_age,
	{ description = "Children in youth care per age group" })

local benefit = children:count{ by = { "parental_benefit" } }
output.table("children_by_benefit", benefit,
	{ description = "Children per parental benefit (yes: a parent receives a benefit)" })

local benefit_cases = children:sum("youth_care", { by = { "parental_benefit" } })
output.table("youth_care_by_benefit", benefit_cases,
	{ description = "Children in youth care per parental benefit" })

-- School absence of children with and without youth care.
local absence = children:mean("school_absence_days", { by = { "youth_care" } })
output.table("absence_by_youth_care", absence,
	{ description = "Mean school absence (days) of children with (1) and without (0) youth care" })
print("jeugdzorg-preventie: aggregates computed")
