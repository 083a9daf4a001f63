# tap.sh - tiny TAP helpers shared by the isolation tests (sourced).
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
# check DESC OUTPUT KEY=VALUE...: every key=value line must be in OUTPUT.
check() {
	desc=$1 out=$2
	shift 2
	for kv in "$@"; do
		if ! printf '%s\n' "$out" | grep -qxF -- "$kv"; then
			not_ok "$desc" "expected $kv" "$(printf '%s\n' "$out" | head -12)"
			return
		fi
	done
	ok "$desc"
}
finish() { echo "1..$n"; exit $failed; }
# Skip the whole file (exit 77) when the host lacks user namespaces.
need_userns() {
	if ! unshare -U true 2>/dev/null; then
		echo "1..0 # SKIP user namespaces unavailable on this host"
		exit 77
	fi
}
