/*
 * release_page.c - release.md and release.html: the release statement and
 * the audit log for the people who receive a package.  report.html cannot
 * show them: it is frozen when the run ends, and every decision is bound
 * to its digest.  One walker drives two small emitters; every string that
 * came from a bundle or an advisor goes through the renderers' escaping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "release_page.h"
#include "report.h"

struct emitter {
	void (*heading)(struct sbuf *out, int level, const char *text);
	/* A paragraph of fixed words (`lead`, not escaped) and a value. */
	void (*line)(struct sbuf *out, const char *lead, const char *value);
	void (*item)(struct sbuf *out, const char *lead, const char *value);
	void (*list_end)(struct sbuf *out);
	void (*end)(struct sbuf *out);
};

static void
md_heading(struct sbuf *out, int level, const char *text)
{
	sbuf_printf(out, "%.*s ", level, "####");
	md_inline(out, text);
	sbuf_adds(out, "\n\n");
}

static void
md_line(struct sbuf *out, const char *lead, const char *value)
{
	sbuf_printf(out, "%s", lead);
	if (value != NULL)
		md_inline(out, value);
	sbuf_adds(out, "\n\n");
}

static void
md_item(struct sbuf *out, const char *lead, const char *value)
{
	sbuf_printf(out, "- %s", lead);
	if (value != NULL)
		md_inline(out, value);
	sbuf_addc(out, '\n');
}

static void
md_list_end(struct sbuf *out)
{
	sbuf_addc(out, '\n');
}

static void
md_end(struct sbuf *out)
{
	(void)out;
}

static const struct emitter md_emit = { md_heading, md_line, md_item,
					md_list_end, md_end };

static bool html_in_list;

static void
html_heading(struct sbuf *out, int level, const char *text)
{
	if (level == 1)
		sbuf_adds(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
			       "charset=\"utf-8\"><title>Release</title><style>"
			       "body{font-family:system-ui,sans-serif;"
			       "max-width:50rem;margin:1rem auto;padding:0 "
			       "1rem;line-height:1.4}li{margin:.2rem 0}"
			       "</style></head><body>\n");
	sbuf_printf(out, "<h%d>", level);
	html_text(out, text);
	sbuf_printf(out, "</h%d>\n", level);
}

static void
html_line(struct sbuf *out, const char *lead, const char *value)
{
	sbuf_printf(out, "<p>%s", lead);
	if (value != NULL)
		html_text(out, value);
	sbuf_adds(out, "</p>\n");
}

static void
html_item(struct sbuf *out, const char *lead, const char *value)
{
	if (!html_in_list)
		sbuf_adds(out, "<ul>\n");
	html_in_list = true;
	sbuf_printf(out, "<li>%s", lead);
	if (value != NULL)
		html_text(out, value);
	sbuf_adds(out, "</li>\n");
}

static void
html_list_end(struct sbuf *out)
{
	if (html_in_list)
		sbuf_adds(out, "</ul>\n");
	html_in_list = false;
}

static void
html_end(struct sbuf *out)
{
	sbuf_adds(out, "</body></html>\n");
}

static const struct emitter html_emit = { html_heading, html_line, html_item,
					  html_list_end, html_end };

static void
walk(const struct emitter *e, const struct release_page *p, struct sbuf *out)
{
	const struct review_state *st = p->st;
	char *s;
	size_t i;

	s = xasprintf("Release of %s", st->facts.name);
	e->heading(out, 1, s);
	free(s);
	s = xasprintf("%s <%s>, %s", p->who->name, p->who->email,
		      p->time != NULL ? p->time : "no date");
	e->line(out, "Released by ", s);
	free(s);
	s = xasprintf("%s <%s> (key %.16s)", st->custodian->name,
		      st->custodian->email, st->custodian->keyid);
	e->line(out, "Run and signed by ", s);
	free(s);
	s = xasprintf("verdict %s; SHA256SUMS %s", st->facts.verdict,
		      st->facts.sums_digest);
	e->line(out, "Report: ", s);
	free(s);
	e->line(out,
		"Check it with: proeftuin verify PACKAGE (with the signers' "
		"public keys in your keyring)",
		NULL);

	e->heading(out, 2, "What left");
	for (i = 0; i < p->nitems; i++)
		if (p->items[i].file != NULL) {
			s = xasprintf("%s (%s): %s", p->items[i].name,
				      p->items[i].file, p->items[i].reason);
			e->item(out, "", s);
			free(s);
		}
	e->list_end(out);
	e->heading(out, 2, "What did not leave");
	for (i = 0; i < p->nitems; i++)
		if (p->items[i].file == NULL) {
			s = xasprintf("%s: %s", p->items[i].name,
				      p->items[i].reason);
			e->item(out, "", s);
			free(s);
		}
	e->list_end(out);

	e->heading(out, 2, "Decisions");
	for (i = 0; i < st->nrecords; i++) {
		const struct review_record *r = &st->records[i];
		const char *c =
		    r->public_comment ? r->comment : "(for the reviewers only)";

		s = r->is_vote
			? xasprintf("%s, on %s: %s%s%s", r->author->name,
				    r->output, vote_name(r->vote),
				    *c != '\0' ? " — " : "", c)
			: xasprintf("%s, overall: %s — %s%s%s", r->author->name,
				    vote_name(r->vote), c,
				    *r->conditions != '\0' ? "; conditions: "
							   : "",
				    r->conditions);
		e->item(out, "", s);
		free(s);
	}
	e->list_end(out);

	e->heading(out, 2, "Audit log");
	for (i = 0; i < st->nevents; i++) {
		const struct audit_event *ev = &st->events[i];

		s = xasprintf("%lld. %s %s %s%s%s: %s", (long long)ev->seq,
			      ev->time != NULL ? ev->time : "-", ev->actor,
			      ev->event, ev->output != NULL ? " " : "",
			      ev->output != NULL ? ev->output : "",
			      ev->summary);
		e->item(out, "", s);
		free(s);
	}
	s = xasprintf("%zu. %s %s release: this package", st->nevents + 1,
		      p->time != NULL ? p->time : "-", p->who->name);
	e->item(out, "", s);
	free(s);
	e->list_end(out);
	e->end(out);
}

void
release_page_render(const struct release_page *p, struct sbuf *md,
		    struct sbuf *html)
{
	walk(&md_emit, p, md);
	html_in_list = false;
	walk(&html_emit, p, html);
}
