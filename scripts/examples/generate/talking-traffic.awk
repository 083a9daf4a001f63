# Deterministic synthetic vehicle-intersection passages for the
# talking-traffic example (exchange of traffic data between road authorities
# and service providers).  Each row is one pseudonymous vehicle passing one
# intersection.
# Usage: awk -f talking-traffic.awk > ../talking-traffic/data/passages.csv
# Park-Miller generator, integer-only output: every awk prints the same
# bytes.  The pseudonyms are random hex, not derived from anything real.
function rnd() { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
function pick(n) { return 1 + int(rnd() * n) }
BEGIN {
	seed = 20260517
	nx = split("VRI-101 VRI-102 VRI-205 VRI-206 VRI-310", ix, " ")
	nc = split("car car car car van truck bus", cls, " ")
	nd = split("N E S W", dir, " ")
	# A fleet of recurring vehicles, so pseudonyms repeat as in real feeds.
	for (v = 1; v <= 400; v++)
		fleet[v] = sprintf("%08x%04x", int(rnd() * 2147483647), int(rnd() * 65535))
	print "vehicle_pseudonym,intersection,day,hour,vehicle_class,from_dir,to_dir,speed_kmh,wait_s"
	for (day = 1; day <= 7; day++) {
		for (hour = 6; hour < 22; hour++) {
			peak = (hour >= 7 && hour <= 9) || (hour >= 16 && hour <= 18)
			n = peak ? 40 + pick(20) : 10 + pick(15)
			for (k = 0; k < n; k++) {
				x = pick(nx); c = cls[pick(nc)]
				from = pick(nd); to = pick(nd)
				if (to == from) to = to % nd + 1
				wait = int(rnd() * (peak ? 70 : 35))
				speed = (c == "truck" || c == "bus") ? 20 + pick(25) : 25 + pick(30)
				printf "%s,%s,2026-05-%02d,%d,%s,%s,%s,%d,%d\n", \
				    fleet[pick(400)], ix[x], 10 + day, hour, c, \
				    dir[from], dir[to], speed, wait
			}
		}
	}
}
