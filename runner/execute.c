/* execute.c - the execution stage; see execute.h. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sysexits.h>

#include "disclosure.h"
#include "execute.h"
#include "luabox.h"

/* The seed mixes the bundle digest with the manifest's seed, so the same
 * bundle always draws the same numbers and nothing else influences them. */
static uint64_t
derive_seed(const struct bundle *b, const struct manifest *m)
{
	uint64_t s = 0;
	int i;

	for (i = 0; i < 16; i++) {
		char c = b->digest[i];

		s = (s << 4) | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	if (m->has_seed)
		s ^= m->seed * 0x9e3779b97f4a7c15ull;
	return s;
}

/* The auditor's prime depends on the bytes of the data: a script cannot
 * know it in advance on the custodian's data (audit.h). */
static uint64_t
derive_audit_seed(const struct bundle *b, const char *const *sha256, size_t n)
{
	struct sbuf all = SBUF_INIT;
	char hex[PT_SHA256_HEX];
	uint64_t s = 0;
	size_t i;
	int k;

	sbuf_adds(&all, b->digest);
	for (i = 0; i < n; i++)
		sbuf_adds(&all,
			  sha256 != NULL && sha256[i] != NULL ? sha256[i] : "");
	pt_sha256_hex(all.buf, all.len, hex);
	sbuf_free(&all);
	for (k = 0; k < 16; k++)
		s = (s << 4) | (uint64_t)(hex[k] <= '9' ? hex[k] - '0'
							: hex[k] - 'a' + 10);
	return s;
}

/* The dataset whose offset moved since the last tick (the one being
 * read), to the caller's progress function. */
struct progress_state {
	const struct exec_input *in;
	off_t *last;
};

static void
progress_tick(void *arg)
{
	struct progress_state *ps = arg;
	const struct manifest *m = ps->in->manifest;
	size_t i;

	for (i = 0; i < m->ndatasets; i++) {
		off_t pos = lseek(ps->in->dataset_fds[i], 0, SEEK_CUR);
		struct stat st;

		if (pos < 0 || pos == ps->last[i] ||
		    fstat(ps->in->dataset_fds[i], &st) < 0)
			continue;
		ps->last[i] = pos;
		ps->in->progress(ps->in->progress_arg, m->datasets[i].name,
				 (uint64_t)pos, (uint64_t)st.st_size);
		return;
	}
}

int
execute_run(const struct exec_input *in, struct exec_outcome *out,
	    struct pt_err *err)
{
	struct progress_state ps = { in, NULL };
	const struct manifest *m = in->manifest;
	const struct profile_limits *lim = &in->profile->limits;
	struct luabox_script *scripts = NULL;
	struct luabox_dataset *datasets = NULL;
	struct sbuf *texts = NULL;
	struct luabox_config cfg;
	struct sbx_policy *pol;
	struct sbx_payload pl;
	size_t i, nscripts = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	pol = sbx_policy_new();
	sbx_policy_set_wall_ms(pol, (uint64_t)lim->wall_seconds * 1000);
	sbx_policy_set_cpu_seconds(pol, (uint64_t)lim->cpu_seconds);
	/* Address space: the Lua cap plus room for the C heap and stacks; the
	 * allocator is the precise limit, this is the backstop. */
	sbx_policy_set_address_space(pol, ((uint64_t)lim->memory_mb + 512)
					      << 20);
	sbx_policy_set_channel_cap(pol, ((uint64_t)lim->output_kb << 10) +
					    (1u << 20));
	sbx_policy_set_log_cap(pol, (uint64_t)lim->log_kb << 10);
	sbx_policy_set_allowlist(pol, SBX_ALLOW_LUA);

	/* Scripts travel in memory: the bytes that were hashed. */
	texts = xcalloc(in->bundle->nfiles, sizeof(*texts));
	scripts = xcalloc(in->bundle->nfiles, sizeof(*scripts));
	for (i = 0; i < in->bundle->nfiles; i++) {
		const struct bundle_file *f = &in->bundle->files[i];
		size_t n = strlen(f->path);

		if (n < 5 || strcmp(f->path + n - 4, ".lua") != 0)
			continue;
		if (bundle_read(f, &texts[nscripts], err) < 0)
			goto out;
		scripts[nscripts].path = f->path;
		scripts[nscripts].text =
		    texts[nscripts].buf != NULL ? texts[nscripts].buf : "";
		scripts[nscripts].len = texts[nscripts].len;
		nscripts++;
	}

	datasets = xcalloc(m->ndatasets ? m->ndatasets : 1, sizeof(*datasets));
	for (i = 0; i < m->ndatasets && !in->compile_only; i++) {
		const struct profile_dataset *pd =
		    profile_dataset(in->profile, m->datasets[i].name);

		datasets[i].name = m->datasets[i].name;
		datasets[i].source = in->dataset_sources[i];
		/* The child sees the descriptor under a fixed number. */
		datasets[i].fd =
		    sbx_policy_keep_fd(pol, in->dataset_fds[i], err);
		if (datasets[i].fd < 0)
			goto out;
		datasets[i].access = pd != NULL && pd->access == ACCESS_ROWS
					 ? LUABOX_ACCESS_ROWS
					 : LUABOX_ACCESS_AGGREGATE;
		datasets[i].columns =
		    (const char *const *)m->datasets[i].columns;
		datasets[i].ncolumns = m->datasets[i].ncolumns;
	}

	memset(&cfg, 0, sizeof(cfg));
	cfg.scripts = scripts;
	cfg.nscripts = nscripts;
	cfg.entry = m->entry;
	cfg.datasets = datasets;
	cfg.ndatasets = in->compile_only ? 0 : m->ndatasets;
	cfg.compile_only = in->compile_only;
	cfg.memory_bytes = (uint64_t)lim->memory_mb << 20;
	cfg.instructions = (uint64_t)lim->instructions;
	cfg.output_bytes = (uint64_t)lim->output_kb << 10;
	cfg.seed = out->seed = derive_seed(in->bundle, m);
	cfg.clock = in->clock;
	disclosure_params(in->profile, &cfg.disclosure);
	cfg.audit_seed = in->compile_only
			     ? 0
			     : derive_audit_seed(in->bundle, in->dataset_sha256,
						 m->ndatasets);

	if (in->progress != NULL && !in->compile_only && m->ndatasets > 0) {
		ps.last = xcalloc(m->ndatasets, sizeof(*ps.last));
		sbx_policy_set_tick(pol, 250, progress_tick, &ps);
	}
	pl = luabox_payload(&cfg);
	if (sbx_run(pol, &pl, &out->sbx, err) < 0)
		goto out;
	results_parse(out->sbx.channel.buf, out->sbx.channel.len,
		      &out->results);
	rc = 0;
out:
	for (i = 0; i < in->bundle->nfiles; i++)
		sbuf_free(&texts[i]);
	free(texts);
	free(scripts);
	free(datasets);
	free(ps.last);
	sbx_policy_free(pol);
	return rc;
}

void
exec_outcome_fini(struct exec_outcome *out)
{
	sbx_result_fini(&out->sbx);
	results_fini(&out->results);
}
