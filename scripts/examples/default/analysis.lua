-- The default example: the smallest realistic analysis of the generic
-- `sample` dataset the default profile grants.  Each row is one record
-- with a group label and a value.
local sample = data.open("sample")

local per_group = sample:count{ by = { "group" } }
output.table("records_by_group", per_group,
	{ description = "Records per group" })

local totals = sample:sum("value", { by = { "group" } })
output.table("value_by_group", totals,
	{ description = "Sum of value per group" })

local means = sample:mean("value", { by = { "group" } })
output.table("mean_value_by_group", means,
	{ description = "Mean value per group" })
print("default: aggregates computed")
