/*
 * probe.c - test-only entry point: goes through exactly the setup sbx_run()
 * gives every payload, then does one forbidden (or ordinary) thing, and
 * prints how the child ended as key=value lines.  Used by test-*.sh.
 *
 *	probe [--wall-ms N] [--cpu N] [--as BYTES] [--log-cap N]
 *	      [--intake] [--keep PATH] [--script LUA] NAME
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "luabox.h"
#include "sandbox.h"

extern char **environ;

static struct {
	const char *name;
	pid_t runner;
	int block_fd; /* read end of a pipe nobody writes: "sleep" */
	unsigned long env_start, env_end;
	const char *script;
	int write_dir; /* --write-dir: the intake's directory fd */
} g;

static int
done(int chan_fd)
{
	struct sbuf sb = SBUF_INIT;

	return chan_send(chan_fd, CHAN_DONE, &sb) < 0 ? 1 : 0;
}

static void
say(const char *s)
{
	(void)pt_write_all(STDOUT_FILENO, s, strlen(s));
}

/* How many descriptors other than stdout, stderr and the channel accept a
 * write (needs the intake allowlist, where write is not pinned to fds). */
static int
count_writable(int chan_fd)
{
	int fd, n = 0;
	char line[64];

	for (fd = 0; fd < 1024; fd++) {
		if (fd == 1 || fd == 2 || fd == chan_fd)
			continue;
		if (write(fd, "FORGED", 6) >= 0)
			n++;
	}
	snprintf(line, sizeof(line), "writable=%d\n", n);
	say(line);
	return done(chan_fd);
}

/* Occurrences of PROBE_SECRET in the initial environment block. */
static int
count_secret(void)
{
	const char *p;
	int found = 0;

	for (p = (const char *)g.env_start; p + 12 <= (const char *)g.env_end;
	     p++)
		if (memcmp(p, "PROBE_SECRET", 12) == 0)
			found++;
	return found;
}

/* Is anything of the runner's environment left in our memory? */
static int
check_env(int chan_fd)
{
	char line[96];
	int entries = 0, found = count_secret();
	char **e;

	for (e = environ; e != NULL && *e != NULL; e++)
		entries++;
	snprintf(line, sizeof(line),
		 "env_entries=%d secret_in_env_block=%d "
		 "getenv=%s\n",
		 entries, found, getenv("PROBE_SECRET") ? "set" : "unset");
	say(line);
	return done(chan_fd);
}

/* What the unpacker does: make a directory and a file below its write
 * directory; then try to leave it with "..", which Landlock must refuse. */
static int
intake_write(int chan_fd)
{
	char line[96];
	int fd, made = 0, escape_errno = 0;

	if (mkdirat(g.write_dir, "sub", 0755) == 0 &&
	    (fd = openat(g.write_dir, "sub/f", O_WRONLY | O_CREAT | O_EXCL,
			 0644)) >= 0) {
		made = write(fd, "data", 4) == 4;
		close(fd);
	}
	fd = openat(g.write_dir, "../escape", O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		escape_errno = errno;
	snprintf(line, sizeof(line), "made=%d escape_errno=%d\n", made,
		 escape_errno);
	say(line);
	return done(chan_fd);
}

/* The "lua" probe: the Lua box exactly as the runner starts it (prepare
 * while the parent checks, then run). */
static struct luabox_script lua_script;
static struct luabox_config lua_cfg;

static void
lua_setup(void)
{
	lua_script =
	    (struct luabox_script){ "probe.lua", g.script, strlen(g.script) };
	memset(&lua_cfg, 0, sizeof(lua_cfg));
	lua_cfg.scripts = &lua_script;
	lua_cfg.nscripts = 1;
	lua_cfg.entry = "probe.lua";
	lua_cfg.memory_bytes = 64u << 20;
	lua_cfg.instructions = 100000000u;
	lua_cfg.output_bytes = 1u << 20;
}

static int
payload(void *arg, int chan_fd)
{
	const char *n = g.name;
	static char buf[64];
	struct sock_filter insn = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { 1, &insn };
	static char sh[] = "sh";
	char *argv[] = { sh, NULL };

	(void)arg;
	if (strcmp(n, "ok") == 0)
		return done(chan_fd);
	if (strcmp(n, "forge_setting") == 0) {
		struct sbuf sb = SBUF_INIT;

		chan_put_cstr(&sb, "seccomp_mode");
		chan_put_cstr(&sb, "2");
		(void)chan_send(chan_fd, CHAN_SETTING, &sb);
		return done(chan_fd);
	}
	if (strcmp(n, "exit0") == 0)
		return 0; /* clean exit but no CHAN_DONE */
	if (strcmp(n, "fds") == 0)
		return count_writable(chan_fd);
	if (strcmp(n, "env") == 0)
		return check_env(chan_fd);
	if (strcmp(n, "intake_write") == 0)
		return intake_write(chan_fd);
	if (strcmp(n, "flood") == 0) {
		memset(buf, 'x', sizeof(buf));
		for (;;)
			(void)!write(STDOUT_FILENO, buf, sizeof(buf));
	}
	if (strcmp(n, "sleep") == 0) {
		(void)!read(g.block_fd, buf, 1);
		return done(chan_fd);
	}
	if (strcmp(n, "spin") == 0)
		for (;;)
			__asm__ volatile("" ::: "memory");
	if (strcmp(n, "memory") == 0) {
		for (;;) {
			char *p = malloc(1u << 20);

			if (p == NULL)
				return SBX_EXIT_MEMORY_LIMIT;
			memset(p, 1, 1u << 20);
		}
	}
	if (strcmp(n, "socket_inet") == 0)
		socket(AF_INET, SOCK_STREAM, 0);
	else if (strcmp(n, "socket_unix") == 0)
		socket(AF_UNIX, SOCK_STREAM, 0);
	else if (strcmp(n, "socket_netlink") == 0)
		socket(AF_NETLINK, SOCK_RAW, 0);
	else if (strcmp(n, "openat") == 0)
		openat(AT_FDCWD, "/etc/passwd", O_RDONLY);
	else if (strcmp(n, "openat_fdcwd_64") == 0)
		/* AT_FDCWD in the low 32 bits only: the kernel reads an int. */
		syscall(SYS_openat, 0xffffff9cul, "/etc/passwd", O_RDONLY);
	else if (strcmp(n, "open") == 0)
		syscall(SYS_open, "/etc/passwd", O_RDONLY);
	else if (strcmp(n, "execve") == 0)
		execve("/bin/sh", argv, argv + 1);
	else if (strcmp(n, "execveat") == 0)
		syscall(SYS_execveat, AT_FDCWD, "/bin/sh", argv, argv + 1, 0);
	else if (strcmp(n, "fork") == 0)
		syscall(SYS_fork);
	else if (strcmp(n, "vfork") == 0)
		syscall(SYS_vfork);
	else if (strcmp(n, "clone") == 0)
		syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL);
	else if (strcmp(n, "clone3") == 0)
		syscall(SYS_clone3, (void *)1, 88);
	else if (strcmp(n, "unshare") == 0)
		unshare(CLONE_NEWUSER);
	else if (strcmp(n, "setns") == 0)
		setns(-1, 0);
	else if (strcmp(n, "ptrace") == 0)
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	else if (strcmp(n, "process_vm_readv") == 0)
		syscall(SYS_process_vm_readv, g.runner, NULL, 0, NULL, 0, 0);
	else if (strcmp(n, "kill_parent") == 0)
		syscall(SYS_kill, g.runner, SIGKILL);
	else if (strcmp(n, "kill_all") == 0)
		syscall(SYS_kill, -1, SIGKILL);
	else if (strcmp(n, "mount") == 0)
		mount("none", "/", "tmpfs", 0, NULL);
	else if (strcmp(n, "umount2") == 0)
		umount2("/", MNT_DETACH);
	else if (strcmp(n, "pivot_root") == 0)
		syscall(SYS_pivot_root, ".", ".");
	else if (strcmp(n, "chroot") == 0)
		(void)!chroot("/");
	else if (strcmp(n, "bpf") == 0)
		syscall(SYS_bpf, 0, NULL, 0);
	else if (strcmp(n, "perf_event_open") == 0)
		syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
	else if (strcmp(n, "userfaultfd") == 0)
		syscall(SYS_userfaultfd, 0);
	else if (strcmp(n, "keyctl") == 0)
		syscall(SYS_keyctl, 0, 0, 0, 0, 0);
	else if (strcmp(n, "io_uring_setup") == 0)
		syscall(SYS_io_uring_setup, 1, NULL);
	else if (strcmp(n, "tiocsti") == 0)
		ioctl(STDOUT_FILENO, TIOCSTI, "x");
	else if (strcmp(n, "tiocsti_high") == 0)
		syscall(SYS_ioctl, STDOUT_FILENO, (1ul << 32) | TIOCSTI, "x");
	else if (strcmp(n, "tioclinux") == 0)
		ioctl(STDOUT_FILENO, TIOCLINUX, buf);
	else if (strcmp(n, "x32") == 0)
		syscall(41 | 0x40000000, AF_INET, SOCK_STREAM, 0);
	else if (strcmp(n, "pdeathsig") == 0)
		prctl(PR_SET_PDEATHSIG, 0);
	else if (strcmp(n, "personality") == 0)
		personality(READ_IMPLIES_EXEC);
	else if (strcmp(n, "mmap_exec") == 0)
		mmap(NULL, 4096, PROT_READ | PROT_EXEC,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	else if (strcmp(n, "mprotect_exec") == 0) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return 3;
		mprotect(p, 4096, PROT_READ | PROT_EXEC);
	} else if (strcmp(n, "seccomp") == 0)
		syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	else
		return 2; /* unknown probe */
	/* Reached only when the call was allowed: report, then stop. */
	snprintf(buf, sizeof(buf), "returned errno=%d\n", errno);
	say(buf);
	return done(chan_fd);
}

/* The addresses of our own initial environment block, so the "env" probe
 * can check that the child zeroed it. */
static void
find_env_block(void)
{
	char stat[4096], *p;
	int field, fd = open("/proc/self/stat", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, stat, sizeof(stat) - 1);
	close(fd);
	if (n <= 0)
		return;
	stat[n] = '\0';
	p = strrchr(stat, ')');
	for (field = 2; p != NULL && field < 50; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL ||
	    sscanf(p + 1, "%lu %lu", &g.env_start, &g.env_end) != 2)
		g.env_start = g.env_end = 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Benchmark helper: `n` sbx_run() calls in this process, median wall time
 * of the whole call (setup, payload, teardown) in microseconds. */
static int
bench(struct sbx_policy *p, const struct sbx_payload *pl, int n)
{
	uint64_t *us = calloc((size_t)n, sizeof(*us));
	struct pt_err err = { 0, "" };
	struct sbx_result res;
	int i;

	if (us == NULL)
		return EX_OSERR;
	for (i = 0; i < n; i++) {
		struct timespec a, b;

		clock_gettime(CLOCK_MONOTONIC, &a);
		if (sbx_run(p, pl, &res, &err) < 0 || res.end != SBX_OK) {
			printf("error=%s\n", err.msg);
			return EX_SOFTWARE;
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		sbx_result_fini(&res);
		us[i] = (uint64_t)(b.tv_sec - a.tv_sec) * 1000000u +
			(uint64_t)(b.tv_nsec - a.tv_nsec) / 1000u;
	}
	qsort(us, (size_t)n, sizeof(*us), cmp_u64);
	printf("median_us=%llu\n", (unsigned long long)us[n / 2]);
	free(us);
	sbx_policy_free(p);
	return 0;
}

static void
print_escaped(const char *key, const char *s, size_t n)
{
	size_t i;

	printf("%s=", key);
	for (i = 0; i < n; i++)
		putchar(s[i] == '\n' ? '|' : s[i]);
	putchar('\n');
}

int
main(int argc, char **argv)
{
	struct sbx_policy *p = sbx_policy_new();
	struct pt_err err = { 0, "" };
	struct sbx_result res;
	const struct sbx_setting *s = &res.setting;
	struct sbx_payload pl = { NULL, payload, NULL };
	int pipefd[2], i, repeat = 0;

	if (sbx_refuse_setuid(&err) < 0) {
		printf("error=%s\n", err.msg);
		return err.code;
	}
	g.block_fd = -1;
	g.runner = getpid();
	g.script = "";
	sbx_policy_set_wall_ms(p, 5000);
	for (i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "--wall-ms") == 0)
			sbx_policy_set_wall_ms(p,
					       strtoull(argv[++i], NULL, 10));
		else if (strcmp(argv[i], "--cpu") == 0)
			sbx_policy_set_cpu_seconds(
			    p, strtoull(argv[++i], NULL, 10));
		else if (strcmp(argv[i], "--as") == 0)
			sbx_policy_set_address_space(
			    p, strtoull(argv[++i], NULL, 10));
		else if (strcmp(argv[i], "--log-cap") == 0)
			sbx_policy_set_log_cap(p,
					       strtoull(argv[++i], NULL, 10));
		else if (strcmp(argv[i], "--repeat") == 0)
			repeat = atoi(argv[++i]);
		else if (strcmp(argv[i], "--write-dir") == 0) {
			g.write_dir = open(argv[++i], O_RDONLY | O_DIRECTORY);
			/* The child sees it under the returned number. */
			if (g.write_dir >= 0)
				g.write_dir = sbx_policy_set_write_dir(
				    p, g.write_dir, &err);
			if (g.write_dir < 0) {
				fprintf(stderr, "probe: --write-dir %s\n",
					argv[i]);
				return EX_USAGE;
			}
			sbx_policy_set_file_size(p, 1 << 20);
		} else if (strcmp(argv[i], "--intake") == 0)
			sbx_policy_set_allowlist(p, SBX_ALLOW_INTAKE);
		else if (strcmp(argv[i], "--script") == 0)
			g.script = argv[++i];
		else if (strcmp(argv[i], "--keep") == 0) {
			int fd = open(argv[++i], O_RDONLY);

			if (fd < 0 || sbx_policy_keep_fd(p, fd, &err) < 0) {
				fprintf(stderr, "probe: --keep %s\n", argv[i]);
				return EX_USAGE;
			}
		} else
			break;
	}
	if (i != argc - 1) {
		fprintf(stderr, "usage: probe [options] NAME\n");
		return EX_USAGE;
	}
	g.name = argv[i];
	/* Only the probes that need them get the pipe and the block's
	 * address, so "lua" is set up like the runner's one-script run. */
	if (strcmp(g.name, "sleep") == 0) {
		if (pipe(pipefd) < 0)
			return EX_OSERR;
		/* The child sees the pipe under the number keep_fd returns. */
		g.block_fd = sbx_policy_keep_fd(p, pipefd[0], &err);
		if (g.block_fd < 0)
			return EX_SOFTWARE;
	}
	if (strcmp(g.name, "env") == 0) {
		find_env_block();
		printf("parent_secret_in_env_block=%d\n", count_secret());
	}
	if (strcmp(g.name, "lua") == 0) {
		lua_setup();
		pl = luabox_payload(&lua_cfg);
	}
	if (repeat > 0)
		return bench(p, &pl, repeat);
	if (sbx_run(p, &pl, &res, &err) < 0) {
		printf("error=%s\n", err.msg);
		sbx_policy_free(p);
		return err.code;
	}
	printf("end=%s\nsyscall=%s\nexit=%d\nsignal=%d\n",
	       sbx_end_name(res.end), res.syscall, res.exit_status,
	       res.term_signal);
	printf("detail=%s\n", res.detail);
	print_escaped("log", res.log.buf ? res.log.buf : "", res.log.len);
	printf("cpu_ms=%llu\n", (unsigned long long)(res.cpu_ns / 1000000u));
	printf("log_truncated=%d\nchannel_bytes=%zu\nwall_ms=%llu\n",
	       res.log_truncated, res.channel.len,
	       (unsigned long long)(res.wall_ns / 1000000u));
	printf("setting.valid=%d\nsetting.namespaces=%s\n"
	       "setting.allowlist=%s\nsetting.filter_sha256=%s\n"
	       "setting.landlock_abi=%d\nsetting.no_new_privs=%d\n"
	       "setting.seccomp_mode=%d\nsetting.cap_eff=%llx\n"
	       "setting.rlimit_nofile=%llu\nsetting.rlimit_fsize=%llu\n",
	       s->valid, s->namespaces, s->allowlist, s->filter_sha256,
	       s->landlock_abi, s->no_new_privs, s->seccomp_mode,
	       (unsigned long long)s->cap_eff,
	       (unsigned long long)s->rlimit_nofile,
	       (unsigned long long)s->rlimit_fsize);
	sbx_result_fini(&res);
	sbx_policy_free(p);
	return 0;
}
