/* harness.c - see harness.h. */
#include <fcntl.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "channel.h"
#include "evidence.h"
#include "harness.h"

/*
 * Each test runs luabox_main through sbx_run(), so it gets the real jail:
 * namespaces, an empty root, rlimits and, last, the SBX_ALLOW_LUA seccomp
 * allowlist.  Every test therefore also proves the Lua child needs nothing
 * more than that allowlist.
 */

/* Write `csv` to an unlinked temporary file; return a read-only fd. */
static int
temp_csv(const char *csv, size_t len)
{
	char path[] = "/tmp/pt-lua-test-XXXXXX";
	int fd = mkstemp(path), ro;

	if (fd < 0) {
		perror("mkstemp");
		abort();
	}
	if (pt_write_all(fd, csv, len) < 0)
		abort();
	ro = open(path, O_RDONLY | O_CLOEXEC);
	unlink(path);
	close(fd);
	if (ro < 0)
		abort();
	return ro;
}

static char **
split_columns(const char *s, size_t *n)
{
	char **v = NULL, *copy = xstrdup(s), *tok, *save = NULL;

	*n = 0;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		v = xreallocarray(v, *n + 1, sizeof(*v));
		v[(*n)++] = xstrdup(tok);
	}
	free(copy);
	return v;
}

static void
render_cell(struct chan_cursor *c, struct sbuf *sb)
{
	uint8_t kind = chan_get_u8(c);
	const char *s;
	size_t n;

	if (kind == CELL_MISSING) {
		sbuf_addc(sb, '-');
	} else if (kind == CELL_STR) {
		n = chan_get_str(c, &s);
		sbuf_add(sb, s, n);
	} else if (kind == CELL_NUM) {
		sbuf_printf(sb, "%.17g", chan_get_f64(c));
	} else {
		c->bad = true;
	}
}

static void
parse_table(struct h_run *r, const uint8_t *p, uint32_t len)
{
	struct chan_cursor c;
	struct h_table *t;
	uint32_t ncols, nrows, i, j;

	if (r->ntables == 8) {
		r->malformed = true;
		return;
	}
	t = &r->tables[r->ntables++];
	memset(t, 0, sizeof(*t));
	sbuf_add(&t->raw, p, len);
	chan_cursor_init(&c, p, len);
	t->name = chan_get_strdup(&c);
	t->description = chan_get_strdup(&c);
	t->statistic = chan_get_strdup(&c);
	t->dataset = chan_get_strdup(&c);
	t->value_column = chan_get_strdup(&c);
	t->has_evidence = chan_get_u8(&c);
	ncols = chan_get_u32(&c);
	t->nkeys = chan_get_u32(&c);
	for (i = 0; i < ncols && !c.bad; i++) {
		const char *s;
		size_t n = chan_get_str(&c, &s);

		if (i > 0)
			sbuf_addc(&t->render, ',');
		sbuf_add(&t->render, s, n);
	}
	nrows = chan_get_u32(&c);
	for (i = 0; i < nrows && !c.bad; i++) {
		sbuf_addc(&t->render, '|');
		for (j = 0; j < ncols && !c.bad; j++) {
			if (j > 0)
				sbuf_addc(&t->render, ',');
			render_cell(&c, &t->render);
		}
	}
	if (t->has_evidence) {
		bool count = strcmp(t->statistic, "count") == 0;

		for (i = 0; i < nrows && !c.bad; i++) {
			struct sdc_evidence e;

			evidence_get(&c, &e);
			if (i > 0)
				sbuf_addc(&t->evidence, '|');
			if (count)
				sbuf_printf(&t->evidence, "%llu",
					    (unsigned long long)e.rows);
			else
				sbuf_printf(&t->evidence,
					    "%llu/%llu/%llu/%.17g/%.17g/%.17g",
					    (unsigned long long)e.nonzero,
					    (unsigned long long)e.negatives,
					    (unsigned long long)e.missing,
					    e.ntop > 0 ? e.top[0] : 0,
					    e.ntop > 1 ? e.top[1] : 0, e.sum);
		}
	}
	t->query = chan_get_u32(&c);
	t->after_rows = chan_get_u8(&c);
	if (!chan_cursor_done(&c))
		r->malformed = true;
	if (t->render.buf == NULL)
		sbuf_adds(&t->render, "");
	if (t->evidence.buf == NULL)
		sbuf_adds(&t->evidence, "");
}

static void
parse_channel(struct h_run *r, const struct sbuf *ch)
{
	size_t off = 0;
	uint8_t type;
	const uint8_t *p;
	uint32_t len;
	int rc;

	while ((rc = chan_next_record(ch->buf, ch->len, &off, &type, &p,
				      &len)) == 1) {
		struct chan_cursor c;

		chan_cursor_init(&c, p, len);
		switch (type) {
		case CHAN_SETTING:
			/* The jail's record of what it enforced; the isolation
			 * tests check it, these tests only need it to parse. */
			continue;
		case CHAN_TABLE:
			parse_table(r, p, len);
			continue;
		case CHAN_TEXT:
			if (r->ntexts == 8) {
				r->malformed = true;
				continue;
			}
			r->text_name[r->ntexts] = chan_get_strdup(&c);
			r->text_desc[r->ntexts] = chan_get_strdup(&c);
			r->text[r->ntexts++] = chan_get_strdup(&c);
			r->text_after_rows[r->ntexts - 1] = chan_get_u8(&c);
			break;
		case CHAN_QUERY: {
			uint32_t id = chan_get_u32(&c), n, i, j, k, nw;
			char *ds = chan_get_strdup(&c),
			     *st = chan_get_strdup(&c),
			     *vc = chan_get_strdup(&c);

			sbuf_printf(&r->ledger, "%s%u %s %s %s",
				    r->ledger.len ? "|" : "", id, ds, st, vc);
			free(ds);
			free(st);
			free(vc);
			n = chan_get_u32(&c);
			for (i = 0; i < n && !c.bad; i++) {
				char *b = chan_get_strdup(&c);

				sbuf_printf(&r->ledger, "%sby=%s",
					    i ? "," : " ", b);
				free(b);
			}
			nw = chan_get_u32(&c);
			for (i = 0; i < nw && !c.bad; i++) {
				char *col = chan_get_strdup(&c);

				sbuf_printf(&r->ledger, " %s=", col);
				free(col);
				n = chan_get_u32(&c);
				for (j = 0; j < n && !c.bad; j++) {
					if (j > 0)
						sbuf_addc(&r->ledger, '/');
					render_cell(&c, &r->ledger);
				}
			}
			sbuf_printf(&r->ledger, " released=%u",
				    chan_get_u32(&c));
			for (k = 0; k < 2 && !c.bad; k++) {
				n = chan_get_u32(&c);
				for (i = 0; i < n && !c.bad; i++) {
					char *why = chan_get_strdup(&c);

					sbuf_printf(&r->ledger, " %s%s=%u",
						    k == 0 ? "" : "flag:", why,
						    chan_get_u32(&c));
					free(why);
				}
			}
			if (chan_get_u8(&c))
				sbuf_adds(&r->ledger, " after_rows");
			break;
		}
		case CHAN_USAGE: {
			uint32_t n, i;
			char *s;

			if (r->usage.len > 0)
				sbuf_addc(&r->usage, ';');
			s = chan_get_strdup(&c);
			sbuf_printf(&r->usage, "%s:", s);
			free(s);
			s = chan_get_strdup(&c);
			sbuf_printf(&r->usage, "%s:", s);
			free(s);
			sbuf_printf(&r->usage, "%llu:",
				    (unsigned long long)chan_get_u64(&c));
			n = chan_get_u32(&c);
			for (i = 0; i < n && !c.bad; i++) {
				s = chan_get_strdup(&c);
				sbuf_printf(&r->usage, "%s%s", i ? "," : "", s);
				free(s);
			}
			if (chan_get_u8(&c))
				sbuf_adds(&r->usage, ":iterated");
			break;
		}
		case CHAN_ERROR:
			free(r->err_class);
			free(r->err_msg);
			free(r->err_tb);
			r->err_class = chan_get_strdup(&c);
			r->err_msg = chan_get_strdup(&c);
			r->err_tb = chan_get_strdup(&c);
			break;
		case CHAN_DONE:
			r->done = true;
			break;
		default:
			r->malformed = true;
			break;
		}
		if (!chan_cursor_done(&c))
			r->malformed = true;
	}
	if (rc < 0)
		r->malformed = true;
}

void
h_run(struct h_run *r, const char *script, const struct h_opts *o)
{
	struct sbx_payload pl;
	struct luabox_script scripts[8];
	struct luabox_dataset ds[4];
	char **cols[4];
	struct luabox_config cfg;
	struct sbx_policy *p = sbx_policy_new();
	struct sbx_result res;
	struct pt_err err;
	size_t i, nscripts = 0;

	memset(r, 0, sizeof(*r));
	memset(&cfg, 0, sizeof(cfg));
	scripts[nscripts++] =
	    (struct luabox_script){ "analysis.lua", script, strlen(script) };
	for (i = 0; i < o->nextra && nscripts < 8; i++)
		scripts[nscripts++] = o->extra[i];
	cfg.scripts = scripts;
	cfg.nscripts = nscripts;
	cfg.entry = "analysis.lua";
	for (i = 0; i < o->ndatasets && i < 4; i++) {
		const struct h_dataset *h = &o->datasets[i];
		size_t len = h->csv_len != 0 ? h->csv_len : strlen(h->csv);
		size_t n;

		ds[i].name = h->name;
		ds[i].source = o->source != NULL ? o->source : "sample";
		ds[i].fd = temp_csv(h->csv, len);
		ds[i].access =
		    h->access != 0 ? h->access : LUABOX_ACCESS_AGGREGATE;
		cols[i] = split_columns(h->columns, &n);
		ds[i].columns = (const char *const *)cols[i];
		ds[i].ncolumns = n;
		/* The child sees it under the number keep_fd returns. */
		ds[i].fd = sbx_policy_keep_fd(p, ds[i].fd, &err);
		if (ds[i].fd < 0)
			abort();
	}
	cfg.datasets = ds;
	cfg.ndatasets = o->ndatasets;
	cfg.memory_bytes = o->memory != 0 ? o->memory : 64u << 20;
	cfg.instructions = o->instructions != 0 ? o->instructions : 1000000000;
	cfg.output_bytes = o->output != 0 ? o->output : 1u << 20;
	cfg.seed = o->seed;
	cfg.clock = o->clock;
	/* Protection off unless a test asks for it: min_cell 1 protects no
	 * group, so the data API's own behaviour shows. */
	if (o->disclosure != NULL) {
		cfg.disclosure = *o->disclosure;
	} else {
		cfg.disclosure.min_cell = 1;
		cfg.disclosure.round_to = 1;
		cfg.disclosure.dominance_n = 2;
		cfg.disclosure.dominance_k = 100;
		cfg.disclosure.p_percent = 0;
	}
	cfg.audit_seed = 7;

	sbx_policy_set_wall_ms(p, o->wall_ms != 0 ? o->wall_ms : 20000);
	sbx_policy_set_cpu_seconds(p, o->cpu_s != 0 ? o->cpu_s : 10);
	/* The jail leaves RLIMIT_AS unlimited in sanitizer builds itself. */
	sbx_policy_set_address_space(p, 1ull << 30);
	sbx_policy_set_channel_cap(p, 16u << 20);
	sbx_policy_set_log_cap(p, 4u << 20);
	pl = luabox_payload(&cfg);
	if (sbx_run(p, &pl, &res, &err) < 0) {
		fprintf(stderr, "sbx_run: %s\n", err.msg);
		abort();
	}
	r->end = res.end;
	r->max_rss_kib = res.max_rss_kib;
	parse_channel(r, &res.channel);
	sbuf_add(&r->log, res.log.buf != NULL ? res.log.buf : "", res.log.len);
	if (r->usage.buf == NULL)
		sbuf_adds(&r->usage, "");
	if (r->ledger.buf == NULL)
		sbuf_adds(&r->ledger, "");
	if (r->log.buf == NULL)
		sbuf_adds(&r->log, "");
	sbx_result_fini(&res);
	sbx_policy_free(p);
	for (i = 0; i < o->ndatasets && i < 4; i++) {
		size_t j;

		close(ds[i].fd);
		for (j = 0; j < ds[i].ncolumns; j++)
			free(cols[i][j]);
		free(cols[i]);
	}
	if (r->err_class == NULL) {
		r->err_class = xstrdup("");
		r->err_msg = xstrdup("");
		r->err_tb = xstrdup("");
	}
}

void
h_run1(struct h_run *r, const char *script, const struct h_dataset *d)
{
	struct h_opts o;

	memset(&o, 0, sizeof(o));
	o.datasets = d;
	o.ndatasets = d != NULL ? 1 : 0;
	h_run(r, script, &o);
}

void
h_free(struct h_run *r)
{
	int i;

	free(r->err_class);
	free(r->err_msg);
	free(r->err_tb);
	for (i = 0; i < r->ntables; i++) {
		struct h_table *t = &r->tables[i];

		free(t->name);
		free(t->description);
		free(t->statistic);
		free(t->dataset);
		free(t->value_column);
		sbuf_free(&t->render);
		sbuf_free(&t->evidence);
		sbuf_free(&t->raw);
	}
	for (i = 0; i < r->ntexts; i++) {
		free(r->text_name[i]);
		free(r->text[i]);
		free(r->text_desc[i]);
	}
	sbuf_free(&r->usage);
	sbuf_free(&r->ledger);
	sbuf_free(&r->log);
}
