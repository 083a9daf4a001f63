/*
 * setting.c - the "setting" record: what the child had in force; see
 * sandbox.h (sbx_setting_encode) and setting.h.
 *
 * Values are text so runner/ can print them as they are: numbers in
 * decimal, capability sets as 16 hex digits, "unlimited" for RLIM_INFINITY.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "setting.h"

static void
put_kv(struct sbuf *sb, const char *k, const char *v)
{
	chan_put_cstr(sb, k);
	chan_put_cstr(sb, v);
}

static void
put_u64(struct sbuf *sb, const char *k, uint64_t v)
{
	char buf[32];

	if (v == UINT64_MAX)
		snprintf(buf, sizeof(buf), "unlimited");
	else
		snprintf(buf, sizeof(buf), "%" PRIu64, v);
	put_kv(sb, k, buf);
}

static void
put_hex(struct sbuf *sb, const char *k, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%016" PRIx64, v);
	put_kv(sb, k, buf);
}

void
sbx_setting_encode(const struct sbx_setting *s, struct sbuf *sb)
{
	put_kv(sb, "namespaces", s->namespaces);
	put_kv(sb, "allowlist_name", s->allowlist_name);
	put_kv(sb, "allowlist", s->allowlist);
	put_kv(sb, "filter_sha256", s->filter_sha256);
	put_u64(sb, "landlock_abi", (uint64_t)s->landlock_abi);
	put_u64(sb, "rlimit_cpu_soft", s->rlimit_cpu_soft);
	put_u64(sb, "rlimit_cpu_hard", s->rlimit_cpu_hard);
	put_u64(sb, "rlimit_as", s->rlimit_as);
	put_u64(sb, "rlimit_nofile", s->rlimit_nofile);
	put_u64(sb, "rlimit_nproc", s->rlimit_nproc);
	put_u64(sb, "rlimit_fsize", s->rlimit_fsize);
	put_u64(sb, "rlimit_core", s->rlimit_core);
	put_u64(sb, "no_new_privs", s->no_new_privs ? 1 : 0);
	put_u64(sb, "seccomp_mode", (uint64_t)s->seccomp_mode);
	put_u64(sb, "dumpable", s->dumpable ? 1 : 0);
	put_hex(sb, "cap_eff", s->cap_eff);
	put_hex(sb, "cap_prm", s->cap_prm);
	put_hex(sb, "cap_bnd", s->cap_bnd);
	put_hex(sb, "cap_amb", s->cap_amb);
}

static int
parse_u64(const char *v, int base, uint64_t *out)
{
	char *end;

	if (strcmp(v, "unlimited") == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	if (*v == '\0' || *v == '-' || *v == '+' || *v == ' ')
		return -1;
	errno = 0;
	*out = strtoull(v, &end, base);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

static int
copy_str(char *dst, size_t dstlen, const char *v)
{
	if (strlen(v) >= dstlen)
		return -1;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

/* Store one (key, value); -1 for an unknown key or a bad value. */
static int
set_field(struct sbx_setting *s, const char *k, const char *v)
{
	static const struct {
		const char *key;
		size_t off;
		int base;
	} nums[] = {
#define F(name, base) { #name, offsetof(struct sbx_setting, name), base }
		F(rlimit_cpu_soft, 10), F(rlimit_cpu_hard, 10),
		F(rlimit_as, 10),	F(rlimit_nofile, 10),
		F(rlimit_nproc, 10),	F(rlimit_fsize, 10),
		F(rlimit_core, 10),	F(cap_eff, 16),
		F(cap_prm, 16),		F(cap_bnd, 16),
		F(cap_amb, 16),
#undef F
	};
	uint64_t u;
	size_t i;

	if (strcmp(k, "namespaces") == 0)
		return copy_str(s->namespaces, sizeof(s->namespaces), v);
	if (strcmp(k, "allowlist_name") == 0)
		return copy_str(s->allowlist_name, sizeof(s->allowlist_name),
				v);
	if (strcmp(k, "allowlist") == 0)
		return copy_str(s->allowlist, sizeof(s->allowlist), v);
	if (strcmp(k, "filter_sha256") == 0)
		return copy_str(s->filter_sha256, sizeof(s->filter_sha256), v);
	for (i = 0; i < PT_ARRAY_LEN(nums); i++) {
		if (strcmp(k, nums[i].key) != 0)
			continue;
		if (parse_u64(v, nums[i].base, &u) < 0)
			return -1;
		memcpy((char *)s + nums[i].off, &u, sizeof(u));
		return 0;
	}
	if (parse_u64(v, 10, &u) < 0 || u > 1000)
		return -1;
	if (strcmp(k, "landlock_abi") == 0)
		s->landlock_abi = (int)u;
	else if (strcmp(k, "seccomp_mode") == 0)
		s->seccomp_mode = (int)u;
	else if (strcmp(k, "no_new_privs") == 0 && u <= 1)
		s->no_new_privs = u == 1;
	else if (strcmp(k, "dumpable") == 0 && u <= 1)
		s->dumpable = u == 1;
	else
		return -1;
	return 0;
}

int
setting_decode(const uint8_t *payload, size_t len, struct sbx_setting *s)
{
	struct chan_cursor c;
	int rc = 0;

	chan_cursor_init(&c, payload, len);
	while (rc == 0 && !c.bad && !chan_cursor_done(&c)) {
		char *k = chan_get_strdup(&c);
		char *v = chan_get_strdup(&c);

		if (!c.bad && set_field(s, k, v) < 0)
			rc = -1;
		free(k);
		free(v);
	}
	return c.bad ? -1 : rc;
}
