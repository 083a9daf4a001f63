-- Crowd safety on the Scheveningen boulevard: how many visitors did each
-- zone see, and how busy was the evening peak?  Each row of counts.csv is
-- one sensor reading: visitors counted in one zone during one 15-minute
-- window, by one of the zone's three sensors.
--
-- Good practice: every cell must rest on enough readings (10, the
-- profile's min_cell).  A zone has only three readings per window, so a
-- table by zone and window would be withheld; the evening is shown per
-- zone over the whole hour (12 readings), and per window over all zones
-- (18 readings).
local counts = data.open("counts")

-- Total visitors per zone over the whole day.
local per_zone = counts:sum("visitors", { by = { "zone" } })
output.table("visitors_by_zone", per_zone,
	{ description = "Visitors per zone, whole day" })

local evening = { window_start = { "19:00", "19:15", "19:30", "19:45" } }

-- Average visitors per reading in each zone during the evening peak.
local peak = counts:mean("visitors", { by = { "zone" }, where = evening })
output.table("evening_peak_by_zone", peak,
	{ description = "Mean visitors per reading, 19:00-20:00, per zone" })

-- The boulevard as a whole, quarter by quarter.
local quarters = counts:sum("visitors", { by = { "window_start" }, where = evening })
output.table("evening_by_quarter", quarters,
	{ description = "Visitors on the whole boulevard per quarter hour, 19:00-20:00" })

print("zones and windows aggregated")
