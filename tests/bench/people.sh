#!/bin/sh
# people.sh - the person-level CSV and the grouped script the data and
# protection benchmarks share.  Not a test.
#
#   tests/bench/people.sh ROWS DIR
#
# Writes DIR/people-ROWS.csv (once: an existing file is kept; mawk with a
# fixed seed, so the same rows every time) and DIR/grouped.lua (a count
# and a sum of youth_care by neighbourhood and gender), and prints the
# CSV's path.
set -eu

ROWS=$1
DIR=$2
CSV=$DIR/people-$ROWS.csv

mkdir -p "$DIR"
if [ ! -s "$CSV" ]; then
	echo "generating $ROWS rows in $CSV" >&2
	mawk -v rows="$ROWS" 'BEGIN {
		srand(7)
		print "person_id,birth_year,gender,neighbourhood,household_size,income_decile,youth_care"
		g[0] = "F"; g[1] = "M"; g[2] = "X"
		for (i = 1; i <= rows; i++)
			printf "%d,%d,%s,wijk-%03d,%d,%d,%d\n", 1000000 + i,
			    1930 + int(rand() * 95), g[int(rand() * 2.02)],
			    1 + int(rand() * 120), 1 + int(rand() * 6),
			    1 + int(rand() * 10), (rand() < 0.08)
	}' > "$CSV.tmp"
	mv "$CSV.tmp" "$CSV"
fi

cat > "$DIR/grouped.lua" <<'LUA'
local ds = data.open("people")
local opts = { by = { "neighbourhood", "gender" } }
local n = ds:count(opts)
local care = ds:sum("youth_care", opts)
output.table("count_by_nb_gender", n)
output.table("youth_care_by_nb_gender", care)
LUA
echo "$CSV"
