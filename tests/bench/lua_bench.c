/*
 * lua_bench.c - run one Lua script over one CSV dataset through luabox_main
 * in a sandboxed child (sbx_run), as `proeftuin run` will once the runner
 * drives it; print the end class, wall time, peak RSS and the first table.
 *
 *   lua_bench SCRIPT.lua DATA.csv NAME ACCESS(aggregate|rows) COLS
 *
 * Used by tests/bench/data.sh; not a test.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "luabox.h"
#include "sandbox.h"

static char *
slurp(const char *path, size_t *len)
{
	struct sbuf sb = SBUF_INIT;
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		perror(path);
		exit(66);
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sbuf_add(&sb, buf, (size_t)n);
	close(fd);
	*len = sb.len;
	return sbuf_steal(&sb);
}

int
main(int argc, char **argv)
{
	struct sbx_payload payload;
	struct luabox_script script;
	struct luabox_dataset ds;
	struct luabox_config cfg;
	struct sbx_policy *p;
	struct sbx_result res;
	struct pt_err err;
	const char *cols[64];
	char *colbuf, *tok, *save = NULL;
	size_t ncols = 0, off = 0;
	const uint8_t *pl;
	uint32_t len;
	uint8_t type;

	if (argc != 6) {
		fprintf(stderr,
			"usage: lua_bench SCRIPT DATA NAME ACCESS COLS\n");
		return 64;
	}
	memset(&cfg, 0, sizeof(cfg));
	script.path = "analysis.lua";
	script.text = slurp(argv[1], &script.len);
	ds.name = argv[3];
	ds.source = "sample";
	ds.fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (ds.fd < 0) {
		perror(argv[2]);
		return 66;
	}
	ds.access = strcmp(argv[4], "rows") == 0 ? LUABOX_ACCESS_ROWS
						 : LUABOX_ACCESS_AGGREGATE;
	colbuf = xstrdup(argv[5]);
	for (tok = strtok_r(colbuf, ",", &save); tok != NULL && ncols < 64;
	     tok = strtok_r(NULL, ",", &save))
		cols[ncols++] = tok;
	ds.columns = cols;
	ds.ncolumns = ncols;
	cfg.scripts = &script;
	cfg.nscripts = 1;
	cfg.entry = "analysis.lua";
	cfg.datasets = &ds;
	cfg.ndatasets = 1;
	cfg.memory_bytes = 256u << 20;
	cfg.instructions = 2000000000;
	cfg.output_bytes = 1u << 20;
	cfg.seed = 42;
	/* The profile's defaults (runner/profile.c), so that the answers are
	 * protected and audited as in a real run; LUA_BENCH_EXACT=1 turns
	 * protection off to compare the numbers with another tool's. */
	if (getenv("LUA_BENCH_EXACT") != NULL) {
		cfg.disclosure.min_cell = 1;
		cfg.disclosure.round_to = 1;
		cfg.disclosure.dominance_n = 2;
		cfg.disclosure.dominance_k = 100;
	} else {
		cfg.disclosure.min_cell = 10;
		cfg.disclosure.round_to = 5;
		cfg.disclosure.dominance_n = 2;
		cfg.disclosure.dominance_k = 85;
		cfg.disclosure.p_percent = 10;
		cfg.disclosure.zeros = SDC_ACT_REVIEW;
		cfg.disclosure.negatives = SDC_ACT_REVIEW;
		cfg.disclosure.missing = SDC_ACT_REVIEW;
	}
	cfg.audit_seed = 1;

	p = sbx_policy_new();
	sbx_policy_set_wall_ms(p, 120000);
	sbx_policy_set_cpu_seconds(p, 60);
	payload = luabox_payload(&cfg);
	if ((ds.fd = sbx_policy_keep_fd(p, ds.fd, &err)) < 0 ||
	    sbx_run(p, &payload, &res, &err) < 0) {
		fprintf(stderr, "lua_bench: %s\n", err.msg);
		return 70;
	}
	printf("end=%s wall_ms=%.1f cpu_ms=%.1f max_rss_kib=%llu\n",
	       sbx_end_name(res.end), (double)res.wall_ns / 1e6,
	       (double)res.cpu_ns / 1e6, (unsigned long long)res.max_rss_kib);
	while (chan_next_record(res.channel.buf, res.channel.len, &off, &type,
				&pl, &len) == 1) {
		struct chan_cursor c;

		chan_cursor_init(&c, pl, len);
		if (type == CHAN_TABLE) {
			char *name = chan_get_strdup(&c);

			printf("table %s (%u bytes)\n", name, len);
			free(name);
		} else if (type == CHAN_TEXT || type == CHAN_ERROR) {
			char *a = chan_get_strdup(&c), *b = chan_get_strdup(&c);
			char *t = chan_get_strdup(&c);

			/* LUA_BENCH_FULL=1 prints whole texts (for checks) */
			if (getenv("LUA_BENCH_FULL") != NULL)
				printf("%s\n", t);
			else
				printf("%s %s: %.200s %.200s\n",
				       type == CHAN_TEXT ? "text" : "error", a,
				       b, t);
			free(a);
			free(b);
			free(t);
		}
	}
	if (res.log.len > 0)
		printf("log: %.500s\n", res.log.buf);
	return res.end == SBX_OK ? 0 : 1;
}
