#!/bin/sh
# test-syscalls.sh PROBE - every forbidden syscall ends the child as
# SECCOMP_VIOLATION naming that syscall, and nothing outside changes.
probe=$1
. "$(dirname "$0")/../lib/tap.sh"
need_userns

# A same-uid bystander: kill(-1) or kill(parent) must not reach it.
sleep 60 &
bystander=$!

while read -r name expect; do
	out=$("$probe" "$name")
	has_lines "$name -> SECCOMP_VIOLATION ($expect)" "$out" \
	    end=SECCOMP_VIOLATION "syscall=$expect" setting.valid=1
done <<'LIST'
socket_inet socket
socket_unix socket
socket_netlink socket
openat openat
open open
execve execve
execveat execveat
fork fork
vfork vfork
clone clone
clone3 clone3
unshare unshare
setns setns
ptrace ptrace
process_vm_readv process_vm_readv
kill_parent kill
kill_all kill
mount mount
umount2 umount2
pivot_root pivot_root
chroot chroot
bpf bpf
perf_event_open perf_event_open
userfaultfd userfaultfd
keyctl keyctl
io_uring_setup io_uring_setup
tiocsti ioctl
tiocsti_high ioctl
tioclinux ioctl
x32 x32:socket
pdeathsig prctl
personality personality
mmap_exec mmap
mprotect_exec mprotect
seccomp seccomp
LIST

if kill -0 "$bystander" 2>/dev/null; then
	pass "a same-uid bystander survived every probe"
else
	fail "a same-uid bystander survived every probe"
fi
kill "$bystander" 2>/dev/null

# The same filter with the intake allowlist still refuses the dangerous
# calls; openat is allowed there only relative to a real directory fd.
for name in socket_inet execve clone openat openat_fdcwd_64 tiocsti; do
	out=$("$probe" --intake "$name")
	has_lines "intake: $name is refused" "$out" end=SECCOMP_VIOLATION
done

# Running as an unprivileged user gives the same result (incl. the name).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$probe" socket_inet)
	has_lines "as uid 65534: socket -> SECCOMP_VIOLATION" "$out" \
	    end=SECCOMP_VIOLATION syscall=socket setting.cap_eff=0
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$probe" ok)
	has_lines "as uid 65534: a clean run is OK" "$out" end=OK setting.valid=1
fi
finish
