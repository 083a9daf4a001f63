# Deterministic synthetic person records for the jeugdzorg-preventie
# example (prevention of youth-care cases, with the statistics office).
# One row per pseudonymised child; entirely made up: no real person, no
# real pseudonym, no real distribution.
# Usage: awk -f jeugdzorg-preventie.awk > ../jeugdzorg-preventie/data/children.csv
# Park-Miller generator, integer-only output: every awk prints the same
# bytes.
function rnd() { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
function pick(n) { return 1 + int(rnd() * n) }
BEGIN {
	seed = 20260311
	nw = split("Centrum Noord Oost Zuid West Haven", wijk, " ")
	na = split("0-3 4-11 12-17", age, " ")
	nh = split("two-parent single-parent other", hh, " ")
	print "rin_pseudonym,birth_date,postcode,wijk,age_group,household,parental_benefit,school_absence_days,youth_care"
	for (i = 1; i <= 6000; i++) {
		w = pick(nw); a = pick(na)
		r = rnd(); h = r < 0.68 ? 1 : r < 0.93 ? 2 : 3
		benefit = rnd() < (h == 2 ? 0.35 : 0.10)
		absence = a == 1 ? 0 : int(rnd() * rnd() * (benefit ? 40 : 20))
		# Risk rises with single parenthood, benefits and absence.
		p = 0.04 + (h == 2 ? 0.05 : 0) + (benefit ? 0.05 : 0) + absence / 400
		care = rnd() < p
		printf "%08X%08X,%d-%02d-%02d,%d%c%c,%s,%s,%s,%s,%d,%d\n", \
		    int(rnd() * 2147483647), int(rnd() * 2147483647), \
		    2026 - (a == 1 ? pick(3) : a == 2 ? 4 + pick(8) : 12 + pick(6)), \
		    pick(12), pick(28), 7300 + int(rnd() * 99), 65 + pick(25), \
		    65 + pick(25), wijk[w], age[a], hh[h], \
		    benefit ? "yes" : "no", absence, care ? 1 : 0
	}
}
