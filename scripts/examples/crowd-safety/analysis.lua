-- Crowd safety on the Scheveningen boulevard: how many visitors did each
-- zone see, and how busy was the busiest quarter hour?  Each row of
-- counts.csv is one sensor reading: visitors counted in one zone during one
-- 15-minute window.
local counts = data.open("counts")

-- Total visitors per zone over the whole day.
local per_zone = counts:sum("visitors", { by = { "zone" } })
output.table("visitors_by_zone", per_zone,
	{ description = "Visitors per zone, whole day" })

-- Average visitors per reading, per zone and window, for the evening peak.
local evening = counts:mean("visitors", {
	by = { "zone", "window_start" },
	where = { window_start = { "19:00", "19:15", "19:30", "19:45" } },
})
output.table("evening_peak", evening,
	{ description = "Mean visitors per reading, 19:00-20:00, per zone" })

print("zones and windows aggregated")
