-- Talking Traffic: waiting times and turning movements at connected traffic
-- lights (iVRIs).  Each row of passages.csv is one vehicle passing one
-- intersection; the vehicle pseudonym is an identifier and never readable.
local passages = data.open("passages")

-- Passages per intersection and hour of the day.
local volume = passages:count{ by = { "intersection", "hour" } }
output.table("passages_by_hour", volume,
	{ description = "Passages per intersection and hour, one week" })

-- Mean waiting time per intersection and vehicle class.
local wait = passages:mean("wait_s", { by = { "intersection", "vehicle_class" } })
output.table("wait_by_class", wait,
	{ description = "Mean waiting time (s) per intersection and vehicle class" })

-- Peak hours only: where do vehicles wait longest?
local peak = passages:mean("wait_s", {
	by = { "intersection" },
	where = { hour = { "7", "8", "9", "16", "17", "18" } },
})
output.table("peak_wait", peak,
	{ description = "Mean waiting time (s) per intersection in the peak hours" })

-- Turning movements per intersection.
local turns = passages:count{ by = { "intersection", "from_dir", "to_dir" } }
output.table("turning_movements", turns,
	{ description = "Passages per intersection, approach and exit direction" })
print("talking-traffic: aggregates computed")
