# tests/lib/tap.sh - the TAP helpers of the shell tests (sourced).
#   ok STATUS DESC          one TAP line: ok when STATUS is 0
#   pass DESC, fail DESC [NOTE...]   the same without a status (notes
#                           become "# " lines)
#   check_cmd DESC CMD...   ok when CMD succeeds
#   expect STATUS DESC -- CMD...     runs CMD with its stdout and stderr in
#                           $T/out and $T/err (needs $T, a scratch folder)
#                           and checks the exit status
#   has FILE TEXT           FILE holds TEXT (fixed string)
#   has_lines DESC OUTPUT LINE...    every LINE is a whole line of OUTPUT
#   need_userns             skip the file (77) without user namespaces
#   bail MSG [FILE]         stop the file: "Bail out!", FILE as notes
#   finish                  the plan, and the exit status
#   tap_start PROEFTUIN SRCDIR ...  PT and SRC from a test's arguments, and
#                           $T, a scratch folder removed at exit
# $fails counts the failures so far.
n=0
fails=0

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fails=$((fails + 1))
	fi
}

expect() {
	want=$1
	desc=$2
	shift 3
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "# $desc: exit $got, wanted $want" >&2
		sed 's/^/# stdout: /' "$T/out" >&2
		sed 's/^/# stderr: /' "$T/err" >&2
	fi
	[ "$got" -eq "$want" ]
	ok $? "$desc"
}

tap_start() {
	PT=$1
	SRC=$2
	T=$(mktemp -d) || exit 1
	trap 'rm -rf "$T"' EXIT
}

pass() {
	ok 0 "$1"
}

fail() {
	ok 1 "$1"
	shift
	for note in "$@"; do
		printf '%s\n' "$note" | sed 's/^/# /'
	done
}

check_cmd() {
	desc=$1
	shift
	"$@"
	ok $? "$desc"
}

has_lines() {
	desc=$1 out=$2
	shift 2
	for line in "$@"; do
		if ! printf '%s\n' "$out" | grep -qxF -- "$line"; then
			fail "$desc" "expected $line" \
			    "$(printf '%s\n' "$out" | head -12)"
			return
		fi
	done
	pass "$desc"
}

need_userns() {
	if ! unshare -U true 2>/dev/null; then
		echo "1..0 # SKIP user namespaces unavailable on this host"
		exit 77
	fi
}

bail() {
	fails=$((fails + 1))
	echo "Bail out! $1"
	[ $# -lt 2 ] || sed 's/^/# /' "$2"
	exit 1
}

has() {
	grep -qF -- "$2" "$1"
}

finish() {
	echo "1..$n"
	[ "$fails" -eq 0 ]
	exit $?
}
