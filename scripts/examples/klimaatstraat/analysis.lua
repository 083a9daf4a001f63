-- Klimaatstraat Apeldoorn: how do the wadis, tree pits, green roof and the
-- paved square respond to rain and heat?  Each row of readings.csv is one
-- hourly reading of one sensor station.  The data describe the street, not
-- people, so the profile allows row access.
local readings = data.open("readings")

-- Rain per day, from the rain gauge on the square (every station reports
-- the street's one gauge; counting one station avoids counting it six
-- times).
local rain = readings:sum("rain_mm", {
	by = { "day" },
	where = { station = { "plein" } },
})
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

-- Row access: find the wettest hour and how long each station stayed
-- above 35 % soil moisture afterwards.
local wettest_day, wettest_hour, wettest = nil, nil, -1
for row in readings:rows{ "day", "hour", "rain_mm" } do
	local mm = tonumber(row.rain_mm)
	if mm ~= nil and mm > wettest then
		wettest, wettest_day, wettest_hour = mm, row.day, row.hour
	end
end

local wet_hours = {}
for row in readings:rows{ "station", "day", "soil_moisture_pct" } do
	if row.day == wettest_day and (tonumber(row.soil_moisture_pct) or 0) > 35 then
		wet_hours[row.station] = (wet_hours[row.station] or 0) + 1
	end
end

local lines = { string.format("Wettest hour: %s %02d:00 with %.1f mm.",
	tostring(wettest_day), tonumber(wettest_hour) or 0, wettest) }
local stations = {}
for station in pairs(wet_hours) do stations[#stations + 1] = station end
table.sort(stations)
for _, station in ipairs(stations) do
	lines[#lines + 1] = string.format("%s: %d hours above 35%% soil moisture that day",
		station, wet_hours[station])
end
output.text("wettest_day", table.concat(lines, "\n"))
print("klimaatstraat: " .. #stations .. " stations stayed wet")
