# Deterministic synthetic priority requests for the greenflow example:
# emergency vehicles asking smart traffic lights for a green light.
# Usage: awk -f greenflow.awk > ../greenflow/data/events.csv
# Park-Miller minimal standard generator with integer-only output, so every
# awk (mawk, gawk, busybox) prints the same file.  No real data is involved;
# the licence plates are made up and follow no real series.
function rnd() { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
function pick(n) { return 1 + int(rnd() * n) }
BEGIN {
	seed = 20260901
	nx = split("Laan-van-NOI Koningskade Javastraat Prinsegracht " \
	    "Troelstrakade Lijnbaan Zuidwal Waldorpstraat", ix, " ")
	ns = split("ambulance fire police", svc, " ")
	na = split("N E S W", appr, " ")
	print "licence_plate,intersection,day,hour,service,approach,granted,delay_s"
	for (day = 1; day <= 28; day++) {
		n = 60 + pick(30)
		for (k = 0; k < n; k++) {
			x = pick(nx); s = pick(ns)
			# Ambulances ride most; police least.
			if (s == 3 && rnd() < 0.5) s = 1
			hour = int(24 * rnd() * rnd() + 7 * rnd()) % 24
			# Older controllers (the last three) grant less often.
			granted = rnd() < (x > 5 ? 0.70 : 0.92)
			if (granted)
				delay = int(rnd() * 12)
			else
				delay = 8 + int(rnd() * 50) + (hour >= 7 && hour <= 9 ? 15 : 0)
			plate = sprintf("%02d-%c%c%c-%d", pick(99), 65 + pick(20), \
			    65 + pick(20), 65 + pick(20), pick(9))
			printf "%s,%s,2026-03-%02d,%d,%s,%s,%s,%d\n", plate, ix[x], \
			    day, hour, svc[s], appr[pick(na)], \
			    granted ? "yes" : "no", delay
		}
	}
}
