/* report.c - the report model; see report.h. */
#include <stdarg.h>

#include "config.h"
#include "report.h"

const char *
status_name(enum status s)
{
	switch (s) {
	case STATUS_PASS:
		return "pass";
	case STATUS_REVIEW:
		return "review";
	case STATUS_FAIL:
		return "fail";
	}
	return "fail";
}

const char *
verdict_name(enum status s)
{
	switch (s) {
	case STATUS_PASS:
		return "PASS";
	case STATUS_REVIEW:
		return "REVIEW";
	case STATUS_FAIL:
		return "FAIL";
	}
	return "FAIL";
}

void
report_init(struct report *r)
{
	struct jv *tool, *versions;

	r->root = jv_obj();
	r->worst = STATUS_PASS;
	jv_set_str(r->root, "schema", REPORT_SCHEMA);
	tool = jv_obj_at(r->root, "tool");
	jv_set_str(tool, "name", "proeftuin");
	jv_set_str(tool, "version", PROEFTUIN_VERSION);
	versions = jv_obj_at(tool, "libraries");
	jv_set_str(versions, "lua", PROEFTUIN_LUA_VERSION);
	jv_set_str(versions, "libarchive", PROEFTUIN_ARCHIVE_VERSION);
	jv_set_str(versions, "libseccomp", PROEFTUIN_SECCOMP_VERSION);
	jv_set_str(versions, "inih", PROEFTUIN_INIH_VERSION);
	jv_set_str(versions, "nettle", PROEFTUIN_NETTLE_VERSION);
	jv_arr_at(r->root, "findings");
	report_stage(r, "intake");
}

void
report_fini(struct report *r)
{
	jv_free(r->root);
	r->root = NULL;
}

void
report_stage(struct report *r, const char *stage)
{
	jv_set_str(r->root, "stage", stage);
}

void
report_status(struct report *r, enum status st)
{
	if (st > r->worst)
		r->worst = st;
}

void
report_finding(struct report *r, const char *stage, enum status st,
	       const char *code, const char *subject, const char *fmt, ...)
{
	struct jv *f = jv_obj();
	struct sbuf sb = SBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	jv_set_str(f, "stage", stage);
	jv_set_str(f, "status", status_name(st));
	jv_set_str(f, "code", code);
	jv_set_str(f, "subject", subject != NULL ? subject : "");
	jv_set_str(f, "message", sb.buf != NULL ? sb.buf : "");
	sbuf_free(&sb);
	jv_push(jv_arr_at(r->root, "findings"), f);
	report_status(r, st);
}

void
report_finish(struct report *r)
{
	jv_set_str(r->root, "verdict", verdict_name(r->worst));
}

void
render_json(const struct jv *root, struct sbuf *out)
{
	jv_write(root, out);
	sbuf_addc(out, '\n');
}
