#!/bin/sh
# probe.sh - proeftuin probe on this host, and under real refusals: a
# seccomp filter that denies what a container runtime's default profile
# denies (the deny helper), and user.max_user_namespaces=0 set inside a
# fresh user namespace.  Each must name the step, the layer and the fix,
# exit 71, and agree with what a real run does.
# usage: probe.sh PROEFTUIN SRCDIR DENY; TAP on stdout.
set -u
P=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SRC=$2
DENY=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$SRC/tests/lib/tap.sh"

field() { # FILE KEY: a top-level string of the probe's JSON
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$1" "$2"
}
step_detail() { # FILE STEP
	python3 -c '
import json, sys
for s in json.load(open(sys.argv[1]))["steps"]:
    if s["step"] == sys.argv[2]:
        print(s.get("errno", ""), s.get("detail", ""))' "$1" "$2"
}

# On this host the sandbox works: every step passes, and so does a run.
expect 0 "probe passes on this host" -- "$P" probe
n_ok=$(grep -c '^ok ' "$T/out")
[ "$n_ok" -ge 9 ] && has "$T/out" "result: the sandbox is available"
ok $? "every step is listed as ok ($n_ok)"
expect 0 "probe --json passes" -- "$P" probe --json
python3 - "$T/out" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
names = [s["step"] for s in j["steps"]]
assert names == ["user namespace", "uid/gid map", "mount namespace",
                 "PID namespace", "network, IPC, UTS and cgroup namespaces",
                 "mounts and pivot_root", "no_new_privs", "Landlock",
                 "seccomp filter", "sandbox run"], names
assert all(s["state"] in ("ok", "warn") for s in j["steps"]), j["steps"]
assert j["result"] == "available" and j["exit"] == 0 and "failed_step" not in j
assert j["host"]["seccomp"] == 0, j["host"]
EOF
ok $? "the JSON lists the steps in the order of a real run, all passed"
(cd "$T" && "$P" run "$SRC/scripts/examples/default" \
	--profile "$SRC/profiles/default.ini" --out "$T/r0" >/dev/null 2>&1)
ok $? "and a real run works here, as probe says"

if command -v setpriv >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	expect 0 "probe passes as a non-root user (runAsUser: 65534)" \
		-- setpriv --reuid=65534 --regid=65534 --clear-groups "$P" probe
else
	ok 0 "probe as a non-root user # SKIP needs root and setpriv"
fi

# Refusals as a container runtime makes them.  MODE STEP ERRNO LAYER
check() {
	mode=$1 step=$2 errno=$3 layer=$4
	expect 71 "$mode refused: probe exits 71" \
		-- "$DENY" "$mode" "$P" probe --json
	cp "$T/out" "$T/$mode.json"
	cp "$T/err" "$T/$mode.err"
	[ "$(field "$T/$mode.json" failed_step)" = "$step" ] &&
		step_detail "$T/$mode.json" "$step" | grep -q "^$errno"
	ok $? "$mode refused: the failing step is '$step' with $errno"
	field "$T/$mode.json" layer | grep -qF "$layer"
	ok $? "$mode refused: the layer is $layer"
	has "$T/$mode.err" "isolation unavailable: $step: $errno"
	ok $? "$mode refused: stderr says isolation unavailable: $step: $errno"
	(cd "$T" && "$DENY" "$mode" "$P" run "$SRC/scripts/examples/default" \
		--profile "$SRC/profiles/default.ini" --out "$T/r-$mode" \
		>/dev/null 2>&1)
	st=$?
	[ "$st" = 71 ] && [ ! -e "$T/r-$mode" ]
	ok $? "$mode refused: a real run also stops with 71 and writes nothing (got $st)"
}
check userns "user namespace" EPERM "container runtime seccomp"
field "$T/userns.json" fix | grep -q "Localhost" &&
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["host"]["seccomp"] == 2 and j["host"]["no_new_privs"] == 1' "$T/userns.json" &&
	grep -q "Creating new namespace failed: Operation not permitted" "$T/userns.json"
ok $? "userns refused: the fix names the Localhost profile, the host facts show the outer filter, and bwrap's message is quoted"
check netns "network, IPC, UTS and cgroup namespaces" EPERM "container runtime seccomp"
check mount "mounts and pivot_root" EPERM "container runtime seccomp"
step_detail "$T/mount.json" "mounts and pivot_root" | grep -q "make / private"
ok $? "mount refused: the sub-step is 'make / private'"
check pivot_root "mounts and pivot_root" EPERM "container runtime seccomp"
step_detail "$T/pivot_root.json" "mounts and pivot_root" | grep -q "EPERM pivot_root"
ok $? "pivot_root refused: the sub-step is pivot_root"
check mount-eacces "mounts and pivot_root" EACCES "AppArmor 'deny mount'"
grep -q "Failed to make / slave: Permission denied" "$T/mount-eacces.json"
ok $? "EACCES on mount quotes the docker-default symptom"
check seccomp "seccomp filter" EPERM "container runtime seccomp"

# user.max_user_namespaces=0, for real, in a fresh user namespace.
if unshare -U -r sh -c 'echo 0 >/proc/sys/user/max_user_namespaces' 2>/dev/null; then
	unshare -U -r sh -c 'echo 0 >/proc/sys/user/max_user_namespaces &&
		exec "$0" probe' "$P" >"$T/out" 2>"$T/err"
	st=$?
	[ "$st" = 71 ] && has "$T/out" "step:   user namespace" &&
		has "$T/out" "layer:  sysctl user.max_user_namespaces" &&
		has "$T/out" "User namespaces are limited to 0 (RHEL 7, Bottlerocket, hardening baseline)."
	ok $? "max_user_namespaces=0: probe exits 71 and names the sysctl ($st)"
	has "$T/out" '`user.max_user_namespaces=15000`; on Kubernetes the node must be prepared.' &&
		has "$T/out" "note: already inside a user namespace"
	ok $? "max_user_namespaces=0: the fix is scaleout.md's, and the nesting is noted"
else
	ok 0 "max_user_namespaces=0 # SKIP no user namespaces to set it in"
	ok 0 "max_user_namespaces=0 fix # SKIP no user namespaces to set it in"
fi

# --explain: messages of other tools.
expect 0 "--explain knows bwrap's uid map message" \
	-- "$P" probe --explain "bwrap: setting up uid map: Permission denied"
has "$T/out" "Ubuntu's unprivileged_userns AppArmor transition" &&
	has "$T/out" "apparmor_parser -r /etc/apparmor.d/usr.bin.proeftuin"
ok $? "--explain gives the meaning and the fix"
expect 0 "--explain knows the Bottlerocket symptom" \
	-- "$P" probe --explain "failed to start noop process for unshare: fork/exec /proc/self/exe: no space left on device"
has "$T/out" "max_user_namespaces=0"
ok $? "--explain names the sysctl"
expect 65 "--explain of an unknown text: 65" -- "$P" probe --explain "all is well"
expect 64 "probe takes no operands" -- "$P" probe extra

finish
