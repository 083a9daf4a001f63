-- Greenflow: do smart traffic lights give emergency vehicles a green light,
-- and how long do those vehicles still wait?  Each row of events.csv is one
-- priority request from an ambulance, fire engine or police car to one
-- intersection controller.  Licence plates are in the file but never
-- readable: the script only asks for aggregates.
--
-- Good practice: refusals are rare at some intersections (a handful a
-- month), so "granted per intersection" would let the refusals of such an
-- intersection be worked out from the requests per intersection; the
-- runner would withhold it.  Granted and refused are compared per
-- service instead, where every group holds dozens of requests.
local events = data.open("events")

-- Requests per intersection and service.
local requests = events:count{ by = { "intersection", "service" } }
output.table("requests_by_intersection", requests,
	{ description = "Priority requests per intersection and service, March 2026" })

-- How often each service was granted priority.
local granted = events:count{ by = { "service" }, where = { granted = { "yes" } } }
output.table("granted_by_service", granted,
	{ description = "Granted priority requests per service" })

-- The delay that remains, granted or not.  Delays run from the request to
-- the green light; a request without a green light within 120 s counts
-- as refused.
local delay = events:mean("delay_s", { by = { "service", "granted" } })
output.table("mean_delay_by_service", delay,
	{ description = "Mean remaining delay (s) per service, priority granted (yes) or refused (no); "
		.. "measured from the request to the green light" })

-- Morning rush: is the refusal delay worse between 07:00 and 10:00?
local rush = events:mean("delay_s", {
	by = { "service" },
	where = { granted = { "no" }, hour = { "7", "8", "9" } },
})
output.table("rush_delay_refused", rush,
	{ description = "Mean delay (s) per service when refused, 07:00-10:00" })
print("greenflow: aggregates computed")
