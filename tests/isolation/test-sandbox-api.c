/*
 * test-sandbox-api.c - sbx_run() through the library as the runner links
 * it (in the sanitizer build too, so the ASan additions to the allowlist
 * are exercised), and the strict setting-record decoder.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "channel.h"
#include "luabox.h"
#include "sandbox.h"
#include "setting.h"

static int
noop(void *arg, int chan_fd)
{
	struct sbuf sb = SBUF_INIT;

	(void)arg;
	return chan_send(chan_fd, CHAN_DONE, &sb) < 0 ? 1 : 0;
}

static int
open_socket(void *arg, int chan_fd)
{
	(void)arg;
	(void)chan_fd;
	return socket(AF_INET, SOCK_STREAM, 0) < 0 ? 3 : 4;
}

static void
run_payload(const struct sbx_payload *pl, struct sbx_result *res)
{
	struct sbx_policy *p = sbx_policy_new();
	struct pt_err err = { 0, "" };

	sbx_policy_set_wall_ms(p, 20000);
	assert_int_equal(sbx_run(p, pl, res, &err), 0);
	sbx_policy_free(p);
}

static void
run(sbx_payload_fn fn, void *arg, struct sbx_result *res)
{
	struct sbx_payload pl = { NULL, fn, arg };

	run_payload(&pl, res);
}

static void
test_host_check(void **state)
{
	struct pt_err err = { 0, "" };

	(void)state;
	assert_int_equal(sbx_host_check(&err), 0);
}

static void
test_noop_ok(void **state)
{
	struct sbx_result res;
	const uint8_t *payload;
	size_t off = 0;
	uint32_t len;
	uint8_t type;

	(void)state;
	run(noop, NULL, &res);
	assert_string_equal(sbx_end_name(res.end), "OK");
	assert_true(res.setting.valid);
	assert_int_equal(res.setting.seccomp_mode, 2);
	/* The first record is the setting, as channel.h promises. */
	assert_int_equal(chan_next_record(res.channel.buf, res.channel.len,
					  &off, &type, &payload, &len),
			 1);
	assert_int_equal(type, CHAN_SETTING);
	sbx_result_fini(&res);
}

static void
test_socket_violation(void **state)
{
	struct sbx_result res;

	(void)state;
	run(open_socket, NULL, &res);
	assert_string_equal(sbx_end_name(res.end), "SECCOMP_VIOLATION");
	assert_string_equal(res.syscall, "socket");
	sbx_result_fini(&res);
}

static void
test_lua_ok(void **state)
{
	static const char text[] = "local t = {} for i = 1, 1000 do "
				   "t[i] = i * 2 end print(#t)";
	struct luabox_script script = { "a.lua", text, sizeof(text) - 1 };
	struct luabox_config cfg;
	struct sbx_payload pl;
	struct sbx_result res;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.scripts = &script;
	cfg.nscripts = 1;
	cfg.entry = "a.lua";
	cfg.memory_bytes = 32u << 20;
	cfg.instructions = 10000000u;
	cfg.output_bytes = 4096;
	pl = luabox_payload(&cfg);
	run_payload(&pl, &res);
	assert_string_equal(sbx_end_name(res.end), "OK");
	assert_string_equal(res.log.buf, "1000\n");
	sbx_result_fini(&res);
}

static int
say_prepared(void *arg, int chan_fd)
{
	(void)arg;
	(void)chan_fd;
	return write(STDOUT_FILENO, "p", 1) == 1 ? 0 : 3;
}

static int
say_run(void *arg, int chan_fd)
{
	(void)arg;
	if (write(STDOUT_FILENO, "r", 1) != 1)
		return 3;
	return noop(NULL, chan_fd);
}

/* prepare runs first, then run, in the same child. */
static void
test_prepare_then_run(void **state)
{
	struct sbx_payload pl = { say_prepared, say_run, NULL };
	struct sbx_result res;

	(void)state;
	run_payload(&pl, &res);
	assert_string_equal(sbx_end_name(res.end), "OK");
	assert_string_equal(res.log.buf, "pr");
	assert_true(res.setting.valid);
	sbx_result_fini(&res);
}

/* prepare already runs under the filter. */
static void
test_prepare_is_filtered(void **state)
{
	struct sbx_payload pl = { open_socket, say_run, NULL };
	struct sbx_result res;

	(void)state;
	run_payload(&pl, &res);
	assert_string_equal(sbx_end_name(res.end), "SECCOMP_VIOLATION");
	assert_string_equal(res.syscall, "socket");
	sbx_result_fini(&res);
}

static int
prepare_out_of_memory(void *arg, int chan_fd)
{
	(void)arg;
	(void)chan_fd;
	return SBX_EXIT_MEMORY_LIMIT;
}

/* A prepare that ends the child is the payload's end, not a setup failure;
 * run never starts. */
static void
test_prepare_end_is_payload_end(void **state)
{
	struct sbx_payload pl = { prepare_out_of_memory, say_run, NULL };
	struct sbx_result res;

	(void)state;
	run_payload(&pl, &res);
	assert_string_equal(sbx_end_name(res.end), "MEMORY_LIMIT");
	assert_true(res.setting.valid);
	assert_int_equal(res.log.len, 0);
	sbx_result_fini(&res);
}

/* Back-to-back runs in one process, each a seccomp kill whose syscall the
 * supervisor names: the tracer lives in the supervising thread, so no
 * helper thread can linger into the next run's single-thread check. */
static void
test_back_to_back_violations(void **state)
{
	struct sbx_result res;
	int i;

	(void)state;
	for (i = 0; i < 20; i++) {
		run(open_socket, NULL, &res);
		assert_string_equal(sbx_end_name(res.end), "SECCOMP_VIOLATION");
		assert_string_equal(res.syscall, "socket");
		sbx_result_fini(&res);
	}
}

static volatile sig_atomic_t sigchld_seen;

static void
count_sigchld(int sig)
{
	(void)sig;
	sigchld_seen++;
}

/* Count SIGCHLDs from now on; the handler before goes to *old. */
static void
catch_sigchld(struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = count_sigchld;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGCHLD, &sa, old), 0);
	sigchld_seen = 0;
}

/* sbx_run blocks SIGCHLD only while it runs, restores the caller's mask,
 * and the SIGCHLDs of its own child never reach the caller's handler. */
static void
test_sigchld_left_alone(void **state)
{
	struct sigaction old;
	sigset_t before, after;
	struct sbx_result res;

	(void)state;
	catch_sigchld(&old);
	assert_int_equal(sigprocmask(SIG_SETMASK, NULL, &before), 0);
	run(noop, NULL, &res);
	assert_string_equal(sbx_end_name(res.end), "OK");
	sbx_result_fini(&res);
	run(open_socket, NULL, &res);
	assert_string_equal(sbx_end_name(res.end), "SECCOMP_VIOLATION");
	sbx_result_fini(&res);
	assert_int_equal(sigprocmask(SIG_SETMASK, NULL, &after), 0);
	assert_int_equal(sigismember(&after, SIGCHLD),
			 sigismember(&before, SIGCHLD));
	assert_int_equal(sigchld_seen, 0);
	assert_int_equal(sigaction(SIGCHLD, &old, NULL), 0);
}

/* 300 000 bytes on stdout, then the end record and a normal exit: the
 * parent takes the result at the exit stop, before the pipes close. */
static int
flood_then_exit(void *arg, int chan_fd)
{
	static const char line[100] = "0123456789";
	int i;

	(void)arg;
	for (i = 0; i < 3000; i++)
		if (pt_write_all(1, line, sizeof(line)) < 0)
			return 5;
	return noop(NULL, chan_fd);
}

static void
test_output_complete_at_exit(void **state)
{
	struct sbx_policy *p = sbx_policy_new();
	struct pt_err err = { 0, "" };
	struct sbx_result res;

	(void)state;
	sbx_policy_set_wall_ms(p, 20000);
	sbx_policy_set_log_cap(p, 1u << 20);
	assert_int_equal(
	    sbx_run(p, &(struct sbx_payload){ NULL, flood_then_exit, NULL },
		    &res, &err),
	    0);
	assert_string_equal(sbx_end_name(res.end), "OK");
	assert_int_equal(res.exit_status, 0);
	assert_int_equal(res.log.len, 300000);
	assert_false(res.log_truncated);
	sbx_result_fini(&res);
	sbx_policy_free(p);
}

/* About 0.2 s of CPU and 32 MiB touched, then a normal exit. */
static int
burn_and_touch(void *arg, int chan_fd)
{
	struct timespec a, b;
	size_t i, n = 32u << 20;
	volatile char *mem = malloc(n);

	(void)arg;
	if (mem == NULL)
		return 5;
	for (i = 0; i < n; i += 4096)
		mem[i] = 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) <
	       200000000L);
	return mem[n - 4096] == 1 ? noop(NULL, chan_fd) : 6;
}

/* CPU time and peak RSS are the kernel's, also when the result was taken
 * at the exit stop. */
static void
test_usage_at_exit(void **state)
{
	struct sbx_result res;

	(void)state;
	run(burn_and_touch, NULL, &res);
	assert_string_equal(sbx_end_name(res.end), "OK");
	assert_true(res.cpu_ns >= 100000000u);
	assert_true(res.cpu_ns < 20000000000u);
	assert_true(res.max_rss_kib >= 32u * 1024);
	sbx_result_fini(&res);
}

/* A child reaped after sbx_run returned sends the caller no SIGCHLD, and
 * sbx_reap leaves no child behind. */
static void
test_reaped_quietly(void **state)
{
	struct sigaction old;
	struct sbx_result res;
	siginfo_t si;
	int i;

	(void)state;
	catch_sigchld(&old);
	for (i = 0; i < 12; i++) {
		run(noop, NULL, &res);
		assert_string_equal(sbx_end_name(res.end), "OK");
		sbx_result_fini(&res);
	}
	usleep(100000);
	sbx_reap();
	memset(&si, 0, sizeof(si));
	errno = 0;
	assert_int_equal(waitid(P_ALL, 0, &si, WEXITED | WNOHANG | __WALL), -1);
	assert_int_equal(errno, ECHILD);
	assert_int_equal(sigchld_seen, 0);
	assert_int_equal(sigaction(SIGCHLD, &old, NULL), 0);
}

static void *
park(void *arg)
{
	int *fd = arg;
	char c;

	(void)!read(*fd, &c, 1);
	return NULL;
}

/* A raw clone copies one thread; with others alive sbx_run must refuse. */
static void
test_refuses_threads(void **state)
{
	struct sbx_policy *p = sbx_policy_new();
	struct pt_err err = { 0, "" };
	struct sbx_result res;
	pthread_t th;
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(pthread_create(&th, NULL, park, &fds[0]), 0);
	assert_int_equal(
	    sbx_run(p, &(struct sbx_payload){ NULL, noop, NULL }, &res, &err),
	    -1);
	assert_non_null(strstr(err.msg, "single-threaded"));
	assert_int_equal(write(fds[1], "x", 1), 1);
	pthread_join(th, NULL);
	close(fds[0]);
	close(fds[1]);
	sbx_policy_free(p);
}

static void
test_setting_roundtrip(void **state)
{
	struct sbx_setting a, b;
	struct sbuf sb = SBUF_INIT;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	strcpy(a.namespaces, "user,mnt");
	strcpy(a.allowlist_name, "lua");
	strcpy(a.allowlist, "brk,read");
	strcpy(a.filter_sha256, "ab");
	a.landlock_abi = 7;
	a.rlimit_cpu_soft = a.rlimit_cpu_hard = 30;
	a.rlimit_as = UINT64_MAX;
	a.rlimit_nofile = 16;
	a.rlimit_nproc = 1;
	a.no_new_privs = true;
	a.seccomp_mode = 2;
	a.cap_bnd = 0x1ff;
	sbx_setting_encode(&a, &sb);
	assert_int_equal(setting_decode((const uint8_t *)sb.buf, sb.len, &b),
			 0);
	assert_memory_equal(&a, &b, sizeof(a));
	sbuf_free(&sb);
}

static void
test_setting_strict(void **state)
{
	static const char *const bad[][2] = {
		{ "no_such_key", "1" },
		{ "rlimit_nofile", "-1" },
		{ "rlimit_nofile", "" },
		{ "rlimit_nofile", "12x" },
		{ "no_new_privs", "2" },
		{ "cap_eff", "zz" },
		{ "filter_sha256",
		  "0123456789012345678901234567890123456789012345678901234567"
		  "890123456789" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < PT_ARRAY_LEN(bad); i++) {
		struct sbx_setting s;
		struct sbuf sb = SBUF_INIT;

		memset(&s, 0, sizeof(s));
		chan_put_cstr(&sb, bad[i][0]);
		chan_put_cstr(&sb, bad[i][1]);
		assert_int_equal(
		    setting_decode((const uint8_t *)sb.buf, sb.len, &s), -1);
		/* A truncated record is refused too. */
		assert_int_equal(
		    setting_decode((const uint8_t *)sb.buf, sb.len - 1, &s),
		    -1);
		sbuf_free(&sb);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setting_roundtrip),
		cmocka_unit_test(test_setting_strict),
		cmocka_unit_test(test_host_check),
		cmocka_unit_test(test_noop_ok),
		cmocka_unit_test(test_socket_violation),
		cmocka_unit_test(test_lua_ok),
		cmocka_unit_test(test_prepare_then_run),
		cmocka_unit_test(test_prepare_is_filtered),
		cmocka_unit_test(test_prepare_end_is_payload_end),
		cmocka_unit_test(test_back_to_back_violations),
		cmocka_unit_test(test_sigchld_left_alone),
		cmocka_unit_test(test_refuses_threads),
		cmocka_unit_test(test_output_complete_at_exit),
		cmocka_unit_test(test_usage_at_exit),
		cmocka_unit_test(test_reaped_quietly),
	};

	struct pt_err err = { 0, "" };

	/* Skip only when the host lacks the kernel features (exit 71). */
	if (sbx_host_check(&err) < 0 && err.code == 71) {
		printf("1..0 # SKIP %s\n", err.msg);
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
