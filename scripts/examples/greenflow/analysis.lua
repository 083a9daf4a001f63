-- Greenflow: do smart traffic lights give emergency vehicles a green light,
-- and how long do those vehicles still wait?  Each row of events.csv is one
-- priority request from an ambulance, fire engine or police car to one
-- intersection controller.  Licence plates are in the file but never
-- readable: the script only asks for aggregates.
local events = data.open("events")

-- Requests per intersection and service, and how many were granted.
local requests = events:count{ by = { "intersection", "service" } }
output.table("requests_by_intersection", requests,
	{ description = "Priority requests per intersection and service, March 2026" })

local granted = events:count{
	by = { "intersection" },
	where = { granted = { "yes" } },
}
output.table("granted_by_intersection", granted,
	{ description = "Granted priority requests per intersection" })

-- The delay that remains, split by whether priority was granted.
local delay_granted = events:mean("delay_s", {
	by = { "intersection" },
	where = { granted = { "yes" } },
})
output.table("mean_delay_granted", delay_granted,
	{ description = "Mean remaining delay (s) per intersection, priority granted" })

local delay_refused = events:mean("delay_s", {
	by = { "intersection" },
	where = { granted = { "no" } },
})
output.table("mean_delay_refused", delay_refused,
	{ description = "Mean delay (s) per intersection, priority refused" })

-- Morning rush: is the refusal delay worse between 07:00 and 10:00?
local rush = events:mean("delay_s", {
	by = { "service" },
	where = { granted = { "no" }, hour = { "7", "8", "9" } },
})
output.table("rush_delay_refused", rush,
	{ description = "Mean delay (s) per service when refused, 07:00-10:00" })

output.text("notes", "Delays are measured from the request to the green "
	.. "light; requests without a green light within 120 s count as refused.")
print("greenflow: aggregates computed")
