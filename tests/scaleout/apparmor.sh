#!/bin/sh
# apparmor.sh - the shipped AppArmor profiles parse: scripts/apparmor/
# usr.bin.proeftuin (Ubuntu 24.04's userns restriction) and scripts/
# kubernetes/proeftuin-outer.apparmor (the container profile), with
# apparmor_parser -Q (compile, no kernel load).  Both need AppArmor 4
# ('userns,', abi 4.0); an older parser (Debian 12 has 3.0) checks the
# rest of each profile and the full parse is skipped with that reason.
# usage: apparmor.sh PROEFTUIN SRCDIR; TAP on stdout.
set -u
SRC=$(cd "$2" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$SRC/tests/lib/tap.sh"

if ! command -v apparmor_parser >/dev/null 2>&1; then
	echo "1..0 # SKIP apparmor_parser missing (Debian package apparmor)"
	exit "${TAP_SKIP_EXIT:-77}"
fi
version=$(apparmor_parser --version 2>/dev/null | sed -n '1s/.*version //p')
parse() { apparmor_parser -Q -K "$1" >"$T/out" 2>&1; }

for f in apparmor/usr.bin.proeftuin kubernetes/proeftuin-outer.apparmor; do
	p="$SRC/scripts/$f"
	grep -q '^  userns,$' "$p" && grep -q '^abi <abi/4.0>,$' "$p"
	ok $? "$f has 'userns,' under abi 4.0"
	if [ -e /etc/apparmor.d/abi/4.0 ]; then
		parse "$p"
		ok $? "$f: apparmor_parser $version -Q accepts it"
	else
		ok 0 "$f: full parse # SKIP apparmor_parser $version predates AppArmor 4 (no abi 4.0, no 'userns,')"
	fi
	# The rest of the profile, which this parser knows, must parse...
	sed -e 's|<abi/4.0>|<abi/3.0>|' -e '/^  userns,$/d' "$p" >"$T/v3"
	parse "$T/v3"
	ok $? "$f without 'userns,' parses under abi 3.0 (apparmor_parser $version)"
	# ...and the check can fail.
	sed 's|^}$|  no_such_rule_kind,\n}|' "$T/v3" >"$T/bad"
	! parse "$T/bad"
	ok $? "$f with a bad rule is refused (so the check above can fail)"
done

p="$SRC/scripts/apparmor/usr.bin.proeftuin"
grep -q '^profile proeftuin /usr/{,local/}bin/proeftuin flags=(unconfined) {$' "$p"
ok $? "usr.bin.proeftuin attaches to /usr/bin and /usr/local/bin/proeftuin, unconfined otherwise"
grep -q '^profile proeftuin-outer ' "$SRC/scripts/kubernetes/proeftuin-outer.apparmor" &&
	grep -q 'localhostProfile: proeftuin-outer ' "$SRC/scripts/kubernetes/proeftuin-job.yaml"
ok $? "the Job names the outer profile by the name it defines"
for r in mount umount pivot_root; do
	grep -q "^  $r,$" "$SRC/scripts/kubernetes/proeftuin-outer.apparmor"
	ok $? "proeftuin-outer allows $r, which a container default denies"
done
finish
