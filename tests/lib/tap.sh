# tests/lib/tap.sh - the TAP helpers of the shell tests (sourced).
# Needs $T (a scratch folder).  ok STATUS DESCRIPTION prints one TAP line;
# expect STATUS DESCRIPTION -- COMMAND... runs COMMAND with its stdout and
# stderr in $T/out and $T/err and checks the exit status; has FILE TEXT
# is true when FILE holds TEXT (fixed string).  finish prints the plan and
# sets the exit status.
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

has() {
	grep -qF -- "$2" "$1"
}

finish() {
	echo "1..$n"
	[ "$fails" -eq 0 ]
	exit $?
}
