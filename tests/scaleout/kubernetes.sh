#!/bin/sh
# kubernetes.sh - scripts/kubernetes/: the Indexed Job manifest against the
# Kubernetes API schema (npm kubernetes-models) and Pod Security
# "restricted" (k8s/validate.mjs), each setting commented, the exit-code
# policy as proeftuin(1) documents it; broken copies must fail the same
# checks.  The Localhost seccomp profile is re-derived: strace over real
# proeftuin commands must show no call the profile lacks, and each rule
# beyond RuntimeDefault must be one the sandbox makes.
# usage: kubernetes.sh PROEFTUIN SRCDIR BUILDDIR; TAP on stdout.
set -u
P=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SRC=$(cd "$2" && pwd)
BUILD=${3:-}
HERE="$SRC/tests/scaleout"
K="$SRC/scripts/kubernetes"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$SRC/tests/lib/tap.sh"
unset JOB_COMPLETION_INDEX SLURM_ARRAY_TASK_ID

skip_all() {
	echo "1..0 # SKIP $1"
	exit "${TAP_SKIP_EXIT:-77}"
}
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
	skip_all "node and npm are missing"

# kubernetes-models and js-yaml from the lock, into the build tree, once.
NM=${BUILD:-$T}/tests/scaleout/k8s-node
if [ ! -f "$NM/node_modules/kubernetes-models/package.json" ] ||
	! cmp -s "$HERE/k8s/package-lock.json" "$NM/package-lock.json"; then
	mkdir -p "$NM" && cp "$HERE/k8s/package.json" "$HERE/k8s/package-lock.json" "$NM/" &&
		npm ci --prefix "$NM" --no-audit --no-fund >"$T/npm.log" 2>&1 || {
		sed 's/^/# /' "$T/npm.log"
		echo "Bail out! npm ci of kubernetes-models failed"
		exit 1
	}
fi
cp "$HERE/k8s/validate.mjs" "$NM/validate.mjs"
validate() { node "$NM/validate.mjs" "$1" >"$T/v.out" 2>&1; }
yaml2json() {
	(cd "$NM" && node -e 'const y=require("js-yaml");const fs=require("fs");
process.stdout.write(JSON.stringify(y.load(fs.readFileSync(process.argv[1],"utf8"))))' "$1")
}

J="$K/proeftuin-job.yaml"
validate "$J"
st=$?
sed 's/^/# /' "$T/v.out"
[ $st = 0 ] && has "$T/v.out" "ok: Job proeftuin-array: valid against the Kubernetes API schema"
ok $? "the Job validates against the Kubernetes API schema (kubernetes-models)"
has "$T/v.out" "ok: Job proeftuin-array: Pod Security restricted"
ok $? "the Job meets Pod Security restricted"

# Broken copies fail: the checks can fail.
bad() { # DESC SED-EXPRESSION WANT
	sed "$2" "$J" >"$T/bad.yaml"
	! validate "$T/bad.yaml" && has "$T/v.out" "$3"
	ok $? "refused: $1"
}
bad "completionMode of the wrong type" 's/completionMode: Indexed/completionMode: 7/' "schema"
bad "a podFailurePolicy action that does not exist" 's/action: FailIndex/action: Retry/' "schema"
bad "allowPrivilegeEscalation: true" 's/allowPrivilegeEscalation: false/allowPrivilegeEscalation: true/' "allowPrivilegeEscalation not false"
bad "seccomp Unconfined" 's/type: Localhost # a profile file/type: Unconfined # a profile file/' "seccomp"
bad "runAsUser 0" 's/runAsUser: 1000/runAsUser: 0/' "runAsUser 0"
bad "a capability added" 's/drop: \["ALL"\]/drop: ["ALL"]\n              add: ["SYS_ADMIN"]/' "adds SYS_ADMIN"
bad "a hostPath volume" 's/emptyDir:/hostPath: {path: \/tmp}\n          emptyDir:/' "hostPath volume"
bad "privileged: true" 's/privileged: false/privileged: true/' "privileged"
bad "procMount: Unmasked" 's/readOnlyRootFilesystem: true/readOnlyRootFilesystem: true\n            procMount: Unmasked/' "procMount"

# Every setting carries its reason: a comment on its line or just above.
python3 - "$J" <<'EOF'
import re, sys
lines = open(sys.argv[1]).read().split("\n")
bad = []
for i, l in enumerate(lines):
    m = re.match(r"^\s*(- )?([A-Za-z][A-Za-z0-9.]*):", l)
    if not m or "#" in l:
        continue
    j = i - 1
    while j >= 0 and lines[j].strip() == "":
        j -= 1
    if j < 0 or not lines[j].strip().startswith("#"):
        bad.append(f"{i + 1}: {l.strip()}")
if bad:
    print("\n".join("# uncommented " + b for b in bad))
    sys.exit(1)
EOF
ok $? "every setting in the manifest is commented with its reason"

# The settings the sandbox relies on, and the exit-code policy.
yaml2json "$J" >"$T/job.json"
python3 - "$T/job.json" "$K" <<'EOF'
import json, os, sys
j = json.load(open(sys.argv[1]))
s, t = j["spec"], j["spec"]["template"]["spec"]
assert s["completionMode"] == "Indexed" and s["backoffLimitPerIndex"] >= 0
assert t["hostUsers"] is False and t["restartPolicy"] == "Never"
psc = t["securityContext"]
assert psc["runAsNonRoot"] is True and psc["runAsUser"] != 0
assert psc["seccompProfile"]["type"] == "Localhost"
assert os.path.basename(psc["seccompProfile"]["localhostProfile"]) in os.listdir(sys.argv[2])
assert psc["appArmorProfile"] == {"type": "Localhost", "localhostProfile": "proeftuin-outer"}
for c in t["initContainers"] + t["containers"]:
    sc = c["securityContext"]
    assert sc["allowPrivilegeEscalation"] is False and sc["capabilities"]["drop"] == ["ALL"], c
assert t["initContainers"][0]["command"] == ["proeftuin", "probe"]
assert t["containers"][0]["command"][:2] == ["proeftuin", "run-index"]
rules = s["podFailurePolicy"]["rules"]
def action(code):
    for r in rules:
        e = r.get("onExitCodes")
        if e and e["operator"] == "In" and code in e["values"]:
            return r["action"]
    return "Count"
assert action(71) == "FailJob", "71 must stop the Job, not be retried"
assert action(64) == "FailJob" and action(73) == "FailJob"
for c in (1, 2, 65, 66, 78):
    assert action(c) == "FailIndex", c
for c in (70, 74, 137):
    assert action(c) == "Count", c
assert any(p.get("type") == "DisruptionTarget" and r["action"] == "Ignore"
           for r in rules for p in r.get("onPodConditions", []))
EOF
ok $? "Indexed, hostUsers false, non-root, no caps, no escalation, Localhost profiles; 71 FailJob, 1 2 65 66 78 FailIndex, 70 74 retried"

# The seccomp profile: well-formed, default deny, and its rules honest.
S="$K/proeftuin-seccomp.json"
python3 - "$S" >"$T/allowed" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
assert p["defaultAction"] == "SCMP_ACT_ERRNO", p["defaultAction"]
for r in p["syscalls"]:
    assert r["comment"] and r["names"] and r["action"].startswith("SCMP_ACT_"), r
    if r["action"] == "SCMP_ACT_ALLOW":
        for n in r["names"]:
            print(("+" if r["comment"].startswith("beyond RuntimeDefault") else "=") + n)
EOF
ok $? "the seccomp profile is default-deny, every rule commented"
if command -v strace >/dev/null 2>&1; then
	mkdir -p "$T/st" && cd "$T/st" || exit 1
	"$P" pack "$SRC/scripts/examples/default" -o d.tar.gz >/dev/null 2>&1
	printf '%s %s\n' "$SRC/scripts/examples/default" "$SRC/profiles/default.ini" >l.txt
	printf '%s %s\n' "$T/st/d.tar.gz" "$SRC/profiles/default.ini" >>l.txt
	i=0
	for args in "probe" \
		"run $SRC/scripts/examples/crowd-safety --profile $SRC/profiles/crowd-safety.ini --out o1" \
		"run d.tar.gz --profile $SRC/profiles/default.ini --out o2" \
		"run-index l.txt --index 0 --results res" \
		"run-index l.txt --index 1 --results res" \
		"collect res"; do
		# shellcheck disable=SC2086
		strace -f -qq -o "trace.$i" "$P" $args >/dev/null 2>&1
		i=$((i + 1))
	done
	cat trace.* | sed -E 's/^[0-9]+ +//; s/^<\.\.\. ([a-z0-9_]+) resumed>.*/\1/; s/^([a-z0-9_]+)\(.*/\1/' |
		grep -E '^[a-z0-9_]+$' | sort -u >"$T/observed"
	cd "$T" || exit 1
	sed 's/^.//' "$T/allowed" | sort -u >"$T/allowed.names"
	missing=$(comm -23 "$T/observed" "$T/allowed.names" | grep -v '^clone3$' | tr '\n' ' ')
	[ -z "$missing" ]
	ok $? "every call proeftuin makes ($(wc -l <"$T/observed") seen) is in the profile${missing:+; missing: $missing}"
	extra=""
	for sc in $(sed -n 's/^+//p' "$T/allowed"); do
		grep -qx "$sc" "$T/observed" ||
			grep -q "SYS_$sc\b" "$SRC"/sandbox/jail/*.c || extra="$extra $sc"
	done
	[ -z "$extra" ]
	ok $? "every rule beyond RuntimeDefault is a call the sandbox makes${extra:+; not made:$extra}"
	for sc in unshare clone mount umount2 pivot_root; do
		grep -qx "+$sc" "$T/allowed"
		ok $? "$sc is allowed beyond RuntimeDefault (the sandbox calls it)"
	done
else
	ok 0 "calls derived by strace # SKIP strace missing"
fi
finish
