# Deterministic synthetic sample for the default profile's example: a
# generic table of groups and values, the shape `proeftuin init` starts
# from.  Usage: awk -f default.awk > ../default/data/sample.csv
# Park-Miller generator, integer-only output: every awk prints the same
# bytes.  No real data is involved.
function rnd() { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
BEGIN {
	seed = 20260101
	ng = split("alpha beta gamma delta", grp, " ")
	print "record_id,group,value"
	for (i = 1; i <= 400; i++) {
		g = 1 + int(rnd() * ng)
		printf "R%05d,%s,%d\n", i, grp[g], 10 + int(rnd() * 90) + g * 5
	}
}
