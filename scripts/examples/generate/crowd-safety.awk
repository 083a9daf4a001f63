# Deterministic synthetic sensor readings for the crowd-safety example.
# Usage: awk -f crowd-safety.awk > counts.csv
# Park-Miller minimal standard generator: exact in awk's doubles, so every
# awk (mawk, gawk, busybox) prints the same file.  No real data is involved.
function rnd() { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
BEGIN {
	seed = 20260815
	nz = split("A B C D E F", zone, " ")
	print "sensor_id,mac_hash,zone,window_start,visitors"
	for (slot = 0; slot < 96; slot++) {
		hh = int(slot / 4); mm = (slot % 4) * 15
		window = sprintf("%02d:%02d", hh, mm)
		# Busier in the evening, quiet at night.
		base = (hh >= 10 && hh <= 22) ? 40 : 3
		if (hh >= 18 && hh <= 21) base = 90
		for (z = 1; z <= nz; z++) {
			for (s = 1; s <= 3; s++) {
				v = int(base * (0.4 + rnd()) * (z == 6 ? 0.1 : 1))
				printf "S%d%d,%08x,%s,%s,%d\n", z, s, int(rnd() * 2147483647), zone[z], window, v
			}
		}
	}
}
