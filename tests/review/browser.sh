#!/bin/sh
# browser.sh - the advisor's review page (review --serve) in headless
# Chromium, clicked as a reviewer would (browser/review_page.mjs), with the
# records, the server's exit and the signatures checked from outside.
# usage: browser.sh PROEFTUIN SRCDIR [BUILDDIR]; TAP on stdout, 77 = skip.
# PT_KEEP=1 keeps the temporary folder (screenshots, logs) after a pass.
set -u

P=$1
SRC=$2
BUILD=${3:-${MESON_BUILD_ROOT:-}}
HERE=$SRC/tests/review
CHROMIUM=/usr/bin/chromium

skip() {
	echo "1..0 # SKIP $1"
	echo "# SKIP $1" >&2
	exit 77
}

command -v node >/dev/null 2>&1 || skip "node is missing"
command -v npm >/dev/null 2>&1 || skip "npm is missing"
# Debian's chromium: playwright's own browser builds cannot be fetched here.
if [ ! -x "$CHROMIUM" ] && [ "$(id -u)" = 0 ] &&
	command -v apt-get >/dev/null 2>&1; then
	echo "# installing chromium with apt-get"
	{ apt-get install -y chromium ||
		{ apt-get update && apt-get install -y chromium; }; } \
		>/dev/null 2>&1
fi
[ -x "$CHROMIUM" ] || skip "$CHROMIUM is missing and could not be installed"

T=$(mktemp -d) || exit 1
servers=
. "$(dirname "$0")/../lib/tap.sh"

# Each server runs under a subshell that writes its exit status to
# $T/NAME.rc; until then the pid in $T/NAME.pid is still the server's.
cleanup() {
	for s in $servers; do
		if [ ! -e "$T/$s.rc" ] && [ -s "$T/$s.pid" ]; then
			kill "$(cat "$T/$s.pid")" 2>/dev/null
		fi
	done
	wait
	if [ "$fails" = 0 ] && [ "${PT_KEEP:-0}" = 0 ]; then
		rm -rf "$T"
	else
		echo "# kept $T"
	fi
}
trap cleanup EXIT
# A signal still runs cleanup, through exit.
trap 'fails=1; exit 130' INT
trap 'fails=1; exit 143' TERM HUP

# serve NAME ADVISOR: start the page; sets url, or bails.
serve() {
	servers="$servers $1"
	(
		"$P" review "$T/rep" --as "$2" --serve >"$T/$1.out" \
			2>"$T/$1.err" &
		echo $! >"$T/$1.pid"
		wait $!
		echo $? >"$T/$1.rc"
	) &
	url=
	i=0
	while [ $i -lt 100 ] && [ ! -e "$T/$1.rc" ]; do
		url=$(sed -n 's/^review page: //p' "$T/$1.out" 2>/dev/null)
		[ -z "$url" ] || break
		sleep 0.1
		i=$((i + 1))
	done
	case $url in
	http://127.0.0.1:*/\?t=*) ;;
	*) bail "review --serve printed no address" "$T/$1.err" ;;
	esac
}

# stopped NAME: the server's exit status within 5 s; sets rc.
stopped() {
	i=0
	while [ $i -lt 50 ] && [ ! -e "$T/$1.rc" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	rc=$(cat "$T/$1.rc" 2>/dev/null)
	[ "$rc" = 0 ]
}

# playwright-core from the lock, into the build tree, once.
NM=${BUILD:-$T}/tests/review/browser-node
if [ ! -f "$NM/node_modules/playwright-core/package.json" ] ||
	! cmp -s "$HERE/browser/package-lock.json" "$NM/package-lock.json"; then
	mkdir -p "$NM" &&
		cp "$HERE/browser/package.json" "$HERE/browser/package-lock.json" \
			"$NM/" &&
		npm ci --prefix "$NM" --no-audit --no-fund >"$T/npm.log" 2>&1 ||
		bail "npm ci of playwright-core failed" "$T/npm.log"
fi

export PROEFTUIN_KEYRING="$T/keys" SOURCE_DATE_EPOCH=1767225600
for who in custodian:data alice:alice bob:bob; do
	"$P" key new "${who%%:*}" --email "${who#*:}@zwolle.example" \
		>>"$T/setup.log" 2>&1 || bail "key new ${who%%:*}" "$T/setup.log"
done
cp -R "$SRC/scripts/examples/jeugdzorg-preventie" "$T/b" || bail "copy example"
# Free text is held for review, and hostile text is what a page must escape.
echo 'output.text("notes", "Method: counts per wijk, rounded to 5. <script>alert(1)</script>")' \
	>>"$T/b/analysis.lua"
"$P" run "$T/b" --profile "$SRC/profiles/jeugdzorg-preventie.ini" \
	--out "$T/rep" --sign custodian >>"$T/setup.log" 2>&1
rc=$?
[ "$rc" = 1 ] || bail "run gave exit $rc, not 1 (REVIEW)" "$T/setup.log"

serve page alice
pass "review --serve prints the page's address"

# The browser's lines, numbered in with ours.
timeout 180 node "$HERE/browser/review_page.mjs" "$url" "$T" "$NM" \
	>"$T/browser.tap" 2>"$T/browser.err"
rc=$?
while IFS= read -r line; do
	case $line in
	"ok - "*) pass "${line#ok - }" ;;
	"not ok - "*) fail "${line#not ok - }" ;;
	*) echo "$line" ;;
	esac
done <"$T/browser.tap"
if [ "$rc" != 0 ]; then
	fail "the browser script exits 0 (exit $rc)"
	sed 's/^/# /' "$T/browser.err"
fi

if stopped page; then
	pass "Finish stops the server, exit 0, within 5 s"
else
	fail "Finish stops the server, exit 0, within 5 s (exit ${rc:-none})"
	sed 's/^/# /' "$T/page.err"
fi

# The vote as the CLI sees it, under its output: "your vote" before the
# overall decision, the author's name after it.
"$P" review "$T/rep" --as alice --list >"$T/list.out" 2>&1
check_cmd "review --list shows alice's approve under notes" \
	awk '/^  [^ ]/ { out = $1 }
		out == "notes" && /^    (your vote|alice): approve$/ { f = 1 }
		END { exit !f }' "$T/list.out" || sed 's/^/# /' "$T/list.out"

# The vote and the decision, nothing forged.
lines=$({ wc -l <"$T/rep/decisions/alice.jsonl"; } 2>/dev/null)
check_cmd "decisions/alice.jsonl holds 2 records (got ${lines:-none})" \
	[ "${lines:-0}" -eq 2 ]

# SIGTERM, as from a service manager or this file's cleanup, stops it too.
serve term bob
kill -TERM "$(cat "$T/term.pid")"
if stopped term; then
	pass "SIGTERM stops the server, exit 0, within 5 s"
else
	fail "SIGTERM stops the server, exit 0, within 5 s (exit ${rc:-none})"
fi

"$P" verify "$T/rep" >"$T/verify.out" 2>&1
rc=$?
if [ "$rc" = 0 ] && grep -q '^signatures: valid' "$T/verify.out"; then
	pass "verify: signatures: valid, exit 0"
else
	fail "verify: signatures: valid, exit 0 (exit $rc)"
	sed 's/^/# /' "$T/verify.out"
fi

finish
