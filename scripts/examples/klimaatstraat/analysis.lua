-- Klimaatstraat Apeldoorn: how do the wadis, tree pits, green roof and the
-- paved square respond to rain and heat?  Each row of readings.csv is one
-- hourly reading of one sensor station.  The data describe the street, not
-- people, and the profile allows row access; this script still asks only
-- for aggregates, so every output can be released without a person's
-- judgement (a run that reads rows is always reviewed).
local readings = data.open("readings")

-- Rain per day, from the rain gauge on the square (every station reports
-- the street's one gauge; counting one station avoids counting it six
-- times).
local gauge = { station = { "plein" } }
local rain = readings:sum("rain_mm", { by = { "day" }, where = gauge })
output.table("rain_by_day", rain,
	{ description = "Rain per day (mm), gauge on the square" })

-- Soil moisture and temperature per station.
local moisture = readings:mean("soil_moisture_pct", { by = { "station" } })
output.table("moisture_by_station", moisture,
	{ description = "Mean soil moisture (%) per station, two weeks" })

local afternoon = readings:mean("temperature_c", {
	by = { "station" },
	where = { hour = { "13", "14", "15", "16" } },
})
output.table("afternoon_temperature", afternoon,
	{ description = "Mean air temperature (C) per station, 13:00-17:00" })

-- The wettest day, read from the released rain table, and how each
-- station's soil moisture went through that day: the wadis and tree pits
-- should stay wet for hours after the square has dried.
local wettest_day, wettest = nil, -1
for r in rain:rows() do
	if r.sum > wettest then
		wettest_day, wettest = r.day, r.sum
	end
end
if wettest_day ~= nil then
	local hourly = readings:mean("soil_moisture_pct", {
		by = { "station", "hour" },
		where = { day = { wettest_day } },
	})
	output.table("moisture_on_wettest_day", hourly, {
		description = "Mean soil moisture (%) per station and hour on the wettest day",
	})
end
