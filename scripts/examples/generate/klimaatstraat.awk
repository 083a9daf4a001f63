# Deterministic synthetic sensor readings for the klimaatstraat example
# (a climate-adaptive street in Apeldoorn): hourly rain, soil moisture and
# air temperature from stations along the street.
# Usage: awk -f klimaatstraat.awk > ../klimaatstraat/data/readings.csv
# Park-Miller generator; decimals are printed from integers (tenths), so
# every awk prints the same bytes.  No real data is involved.
function rnd() { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
function tenths(v) { return sprintf("%s%d.%d", v < 0 ? "-" : "", int((v < 0 ? -v : v) / 10), (v < 0 ? -v : v) % 10) }
BEGIN {
	seed = 20260402
	nst = split("wadi-noord wadi-zuid boomkrans-1 boomkrans-2 " \
	    "groendak-1 plein", st, " ")
	print "station,day,hour,rain_mm,soil_moisture_pct,temperature_c,battery_mv"
	for (s = 1; s <= nst; s++) moist[s] = 250 + int(rnd() * 100)
	for (day = 1; day <= 14; day++) {
		# A few wet days with showers; the rest dry.
		wet = rnd() < 0.4
		for (hour = 0; hour < 24; hour++) {
			shower = wet && rnd() < 0.3
			rain = shower ? int(rnd() * rnd() * 180) : 0
			# Temperature in tenths of a degree: a daily curve.
			dt = hour < 14 ? hour : 28 - hour
			for (s = 1; s <= nst; s++) {
				# Wadis collect water; paved plein dries fast.
				gain = st[s] ~ /^wadi/ ? 3 : st[s] == "plein" ? 0 : 2
				moist[s] += int(rain * gain / 10) - (st[s] == "plein" ? 4 : 2)
				if (moist[s] < 80) moist[s] = 80
				if (moist[s] > 480) moist[s] = 480
				temp = 60 + dt * 9 + int(rnd() * 20) - (st[s] ~ /^boom/ ? 15 : 0)
				printf "%s,2026-06-%02d,%d,%s,%s,%s,%d\n", st[s], day, hour, \
				    tenths(rain), tenths(moist[s]), tenths(temp), \
				    3300 + int(rnd() * 400)
			}
		}
	}
}
