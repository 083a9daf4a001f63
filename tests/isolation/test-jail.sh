#!/bin/sh
# test-jail.sh PROBE - the child's setting, descriptors, environment,
# limits, end classes, die-with-parent, and the exit-71 path.
probe=$1
. "$(dirname "$0")/../lib/tap.sh"
need_userns
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

out=$("$probe" ok)
has_lines "a clean run is OK with the full setting read back" "$out" end=OK \
    setting.valid=1 setting.namespaces=user,mnt,pid,net,ipc,uts,cgroup \
    setting.no_new_privs=1 setting.seccomp_mode=2 setting.cap_eff=0 \
    setting.rlimit_fsize=0
sha=$(printf '%s\n' "$out" | sed -n 's/^setting.filter_sha256=//p')
if printf '%s' "$sha" | grep -qE '^[0-9a-f]{64}$'; then
	pass "filter digest is a SHA-256"
else
	fail "filter digest is a SHA-256" "$sha"
fi
abi=$(printf '%s\n' "$out" | sed -n 's/^setting.landlock_abi=//p')
if [ "$abi" -ge 1 ]; then
	pass "Landlock ABI recorded ($abi)"
elif grep -qw landlock /sys/kernel/security/lsm 2>/dev/null; then
	fail "Landlock ABI recorded" "kernel has Landlock, setting says $abi"
else
	pass "Landlock ABI recorded # SKIP this kernel has no Landlock"
fi
out2=$("$probe" --intake ok)
sha2=$(printf '%s\n' "$out2" | sed -n 's/^setting.filter_sha256=//p')
[ -n "$sha2" ] && [ "$sha" != "$sha2" ] && pass "intake filter differs from the Lua filter" \
    || fail "intake filter differs from the Lua filter"
allow=$(printf '%s\n' "$out" | sed -n 's/^setting.allowlist=//p')
case ",$allow," in
*,openat,* | *,socket,* | *,execve,* | *,clone,* | *,ioctl,* | *,fork,*)
	fail "Lua allowlist has no open/socket/exec/clone/ioctl" "$allow" ;;
*) pass "Lua allowlist has no open/socket/exec/clone/ioctl" ;;
esac

out=$("$probe" forge_setting)
has_lines "a setting record from the payload is refused" "$out" end=LUA_ERROR \
    "detail=the payload sent a setting record"
out=$("$probe" exit0)
has_lines "exit 0 without a DONE record is not OK" "$out" end=LUA_ERROR

# Descriptors: a writable host file and a kept read-only one.
echo original > "$tmp/host"
exec 7>>"$tmp/host"
out=$("$probe" --intake --keep "$tmp/host" fds)
exec 7>&-
has_lines "no inherited descriptor is writable from the child" "$out" \
    end=OK "log=writable=0|"
[ "$(cat "$tmp/host")" = original ] && pass "the host file is unchanged" \
    || fail "the host file is unchanged" "$(cat "$tmp/host")"

# The intake allowlist + Landlock: create below the write directory only.
mkdir "$tmp/w"
out=$("$probe" --intake --write-dir "$tmp/w" intake_write)
if [ "$abi" -ge 1 ]; then
	has_lines "intake child creates files below its directory, not beside it" \
	    "$out" end=OK "log=made=1 escape_errno=13|" setting.rlimit_fsize=1048576
	[ "$(cat "$tmp/w/sub/f" 2>/dev/null)" = data ] && [ ! -e "$tmp/escape" ] &&
	    pass "the file arrived and nothing escaped" ||
	    fail "the file arrived and nothing escaped" "$(ls -R "$tmp")"
else
	has_lines "without Landlock a write directory is refused" "$out" end=SETUP_FAILED
fi
"$probe" --write-dir "$tmp/w" ok >/dev/null
[ $? = 70 ] && pass "a write directory with the Lua allowlist is refused" ||
    fail "a write directory with the Lua allowlist is refused"

out=$(PROBE_SECRET=s3cret "$probe" env)
has_lines "the environment is empty and its initial block zeroed" "$out" \
    parent_secret_in_env_block=1 end=OK \
    "log=env_entries=0 secret_in_env_block=0 getenv=unset|"

out=$("$probe" --log-cap 65536 flood)
has_lines "stdout flood is cut at the cap" "$out" end=OUTPUT_LIMIT log_truncated=1
out=$("$probe" --wall-ms 300 sleep)
has_lines "sleeping past the deadline is TIMEOUT" "$out" end=TIMEOUT signal=9
out=$("$probe" --wall-ms 20000 --cpu 1 spin)
has_lines "a CPU spin ends as CPU_LIMIT (SIGXCPU caught)" "$out" end=CPU_LIMIT exit=106
out=$("$probe" --as 67108864 memory)
has_lines "allocating past RLIMIT_AS ends as MEMORY_LIMIT" "$out" end=MEMORY_LIMIT

# The real Lua box runs under the tight allowlist.
out=$("$probe" --script 'local t = {} for i = 1, 20000 do t[i] = tostring(i) end
print(#table.concat(t), string.format("%.2f", math.pi), ("x"):rep(3))
local co = coroutine.wrap(function() coroutine.yield(1) end) print(co())
output.text("t", "x")' lua)
has_lines "a Lua script runs under the Lua allowlist" "$out" end=OK \
    "log=88894	3.14	xxx|1|"
out=$("$probe" --script 'while true do end' lua)
has_lines "a Lua loop ends as INSTRUCTION_LIMIT" "$out" end=INSTRUCTION_LIMIT

# Killing the runner takes the child down within a second.
"$probe" --wall-ms 30000 sleep >/dev/null &
runner=$!
child=
for _ in $(seq 100); do
	child=$(cat /proc/$runner/task/*/children 2>/dev/null | tr ' ' '\n' | grep . | head -1)
	[ -n "$child" ] && break
	sleep 0.02
done
sleep 0.2
kill -9 "$runner"
gone=no
for _ in $(seq 20); do
	state=$(awk '{print $3}' "/proc/$child/stat" 2>/dev/null)
	if [ -z "$state" ] || [ "$state" = Z ]; then gone=yes; break; fi
	sleep 0.05
done
wait "$runner" 2>/dev/null
[ -n "$child" ] && [ $gone = yes ] && pass "SIGKILL of the runner ends the child within 1 s" \
    || fail "SIGKILL of the runner ends the child within 1 s" "child=$child state=$state"

# Exit 71 with a hint when the host refuses namespaces: set a per-userns
# limit to 0 inside a user namespace of our own; the limits of an outer
# user namespace hold for every one inside it.  NAME LIMIT HINT.
refused_with_hint() {
	out=$(unshare -U -r sh -c "echo 0 > /proc/sys/user/$2 && exec \"\$0\" ok" "$probe")
	rc=$?
	if [ $rc = 71 ] && printf '%s\n' "$out" | grep -qF "$3"; then
		pass "no $1 namespaces -> exit 71 with a hint"
	else
		fail "no $1 namespaces -> exit 71 with a hint" "rc=$rc" "$out"
	fi
}
refused_with_hint user max_user_namespaces 'max_user_namespaces=0); hint:'
# Network namespaces, which the child makes itself.
refused_with_hint network max_net_namespaces 'max_net_namespaces=15000'

# Refuse to run set-user-ID.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	cp "$probe" "$tmp/suid-probe" && chmod 4755 "$tmp/suid-probe" && chmod 755 "$tmp"
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/suid-probe" ok)
	rc=$?
	if [ $rc = 77 ] && printf '%s\n' "$out" | grep -q 'set-user-ID'; then
		pass "a set-user-ID runner refuses to start"
	elif mount | grep -q " $(df --output=target "$tmp" | tail -1) .*nosuid"; then
		pass "set-user-ID check # SKIP $tmp is mounted nosuid"
	else
		fail "a set-user-ID runner refuses to start" "rc=$rc" "$out"
	fi
fi
finish
