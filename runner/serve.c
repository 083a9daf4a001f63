/* serve.c - the advisor's local review page; see serve.h. */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <microhttpd.h>

#include "report.h"
#include "review.h"
#include "serve.h"

#define MHD_SONAME "libmicrohttpd.so.12"
#define MAX_BODY (64u * 1024)
#define TOKEN_BYTES 32
#define OUTPUT_SHOWN (64 * 1024)

/* Every libmicrohttpd function the page calls, loaded at run time as
 * libarchive is (archive_lib.h): only `review --serve` needs it. */
#define MHD_FUNCS(X)                                                           \
	X(MHD_start_daemon)                                                    \
	X(MHD_stop_daemon)                                                     \
	X(MHD_get_daemon_info)                                                 \
	X(MHD_lookup_connection_value)                                         \
	X(MHD_create_response_from_buffer)                                     \
	X(MHD_add_response_header)                                             \
	X(MHD_queue_response)                                                  \
	X(MHD_destroy_response)                                                \
	X(MHD_create_post_processor)                                           \
	X(MHD_post_process)                                                    \
	X(MHD_destroy_post_processor)

static struct {
#define MHD_MEMBER(f) __typeof__(f) *f;
	MHD_FUNCS(MHD_MEMBER)
#undef MHD_MEMBER
} mhd;

static int
load_mhd(struct pt_err *err)
{
	void *h = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL), *sym;
	const char *why;

	if (h == NULL)
		goto missing;
#define MHD_RESOLVE(f)                                                         \
	if ((sym = dlsym(h, #f)) == NULL)                                      \
		goto missing;                                                  \
	memcpy(&mhd.f, &sym, sizeof(sym));
	MHD_FUNCS(MHD_RESOLVE)
#undef MHD_RESOLVE
	return 0;
missing:
	why = dlerror();
	if (h != NULL)
		dlclose(h);
	return pt_err_set(err, EX_UNAVAILABLE,
			  "cannot load %s (%s); hint: apt-get install "
			  "libmicrohttpd12",
			  MHD_SONAME, why != NULL ? why : "no reason given");
}

struct server {
	const struct serve_opts *o;
	char token[2 * TOKEN_BYTES + 1], csrf[2 * TOKEN_BYTES + 1];
	char host[64], origin[80];
	int quit_pipe[2];
};

/* One request's form, filled by the post processor. */
struct request {
	struct MHD_PostProcessor *pp;
	struct sbuf csrf, output, vote, comment, conditions, visibility;
	size_t bytes;
	bool too_big, is_post;
	bool finish; /* stop the server once this answer is sent */
};

static int
random_hex(char *out, size_t nbytes)
{
	uint8_t b[TOKEN_BYTES];

	if (nbytes > sizeof(b) || getrandom(b, nbytes, 0) != (ssize_t)nbytes)
		return -1;
	pt_hex(b, nbytes, out);
	return 0;
}

/* Compare without an early exit, so timing says nothing of the token. */
static bool
same_secret(const char *a, const char *b)
{
	size_t i, na = a != NULL ? strlen(a) : 0, nb = strlen(b);
	unsigned char d = na != nb;

	for (i = 0; i < na && i < nb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return a != NULL && d == 0;
}

static enum MHD_Result
post_field(void *cls, enum MHD_ValueKind kind, const char *key,
	   const char *filename, const char *content_type,
	   const char *transfer_encoding, const char *data, uint64_t off,
	   size_t size)
{
	struct request *r = cls;
	struct sbuf *dst = strcmp(key, "csrf") == 0	    ? &r->csrf
			   : strcmp(key, "output") == 0	    ? &r->output
			   : strcmp(key, "vote") == 0	    ? &r->vote
			   : strcmp(key, "comment") == 0    ? &r->comment
			   : strcmp(key, "conditions") == 0 ? &r->conditions
			   : strcmp(key, "visibility") == 0 ? &r->visibility
							    : NULL;

	(void)kind;
	(void)filename;
	(void)content_type;
	(void)transfer_encoding;
	(void)off;
	if (dst != NULL && size > 0)
		sbuf_add(dst, data, size);
	return MHD_YES;
}

static void
request_free(struct request *r)
{
	if (r->pp != NULL)
		mhd.MHD_destroy_post_processor(r->pp);
	sbuf_free(&r->csrf);
	sbuf_free(&r->output);
	sbuf_free(&r->vote);
	sbuf_free(&r->comment);
	sbuf_free(&r->conditions);
	sbuf_free(&r->visibility);
	free(r);
}

static void
request_done(void *cls, struct MHD_Connection *c, void **con_cls,
	     enum MHD_RequestTerminationCode toe)
{
	struct server *sv = cls;
	struct request *rq = *con_cls;

	(void)c;
	(void)toe;
	/* Only now is Finish's answer on its way: stopping the daemon
	 * earlier could cut it off. */
	if (rq != NULL && rq->finish)
		(void)!write(sv->quit_pipe[1], "q", 1);
	if (rq != NULL)
		request_free(rq);
	*con_cls = NULL;
}

static enum MHD_Result
respond(struct MHD_Connection *c, unsigned int status, const char *type,
	const void *body, size_t len)
{
	struct MHD_Response *res = mhd.MHD_create_response_from_buffer(
	    len, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result r;

	if (res == NULL)
		return MHD_NO;
	mhd.MHD_add_response_header(res, "Content-Type", type);
	/* Nothing but this page's own forms and inline style; no framing, no
	 * referrer to elsewhere (the token is in the URL: "same-origin", not
	 * "no-referrer", under which a browser sends "Origin: null" on our
	 * own forms), no caching. */
	mhd.MHD_add_response_header(
	    res, "Content-Security-Policy",
	    "default-src 'none'; style-src 'unsafe-inline'; form-action "
	    "'self'; frame-ancestors 'none'; base-uri 'none'");
	mhd.MHD_add_response_header(res, "X-Frame-Options", "DENY");
	mhd.MHD_add_response_header(res, "X-Content-Type-Options", "nosniff");
	mhd.MHD_add_response_header(res, "Referrer-Policy", "same-origin");
	mhd.MHD_add_response_header(res, "Cache-Control", "no-store");
	r = mhd.MHD_queue_response(c, status, res);
	mhd.MHD_destroy_response(res);
	return r;
}

static enum MHD_Result
refuse(struct MHD_Connection *c, unsigned int status, const char *why)
{
	return respond(c, status, "text/plain; charset=utf-8", why,
		       strlen(why));
}

static const char page_css[] =
    "body{font-family:system-ui,sans-serif;max-width:50rem;margin:1rem "
    "auto;padding:0 1rem;color:#111;line-height:1.4}"
    "section{border:1px solid #999;padding:.5rem 1rem;margin:1rem 0}"
    ".msg{padding:.5rem;border-left:4px solid}.ok{border-color:#1a7f37}"
    ".err{border-color:#cf222e}textarea{width:100%;min-height:3rem}"
    "fieldset{border:none;padding:0}label{margin-right:1rem}"
    "pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem;"
    "max-height:20rem;overflow:auto}"
    ".file{overflow-wrap:anywhere}";

static void
add_text(struct sbuf *p, const char *s)
{
	html_text(p, s);
}

/* Text that keeps its lines: each line escaped, joined by `sep`. */
static void
add_lines(struct sbuf *p, const char *s, const char *sep)
{
	const char *nl;

	while (s != NULL && *s != '\0') {
		char *line;

		nl = strchr(s, '\n');
		line = nl != NULL ? xstrndup(s, (size_t)(nl - s)) : xstrdup(s);
		if (*line != '\0')
			html_text(p, line);
		free(line);
		if (nl == NULL)
			break;
		sbuf_adds(p, sep);
		s = nl + 1;
	}
}

/* The output's own text, so the advisor judges what would leave; its
 * digest was checked against SHA256SUMS when the state was loaded. */
static void
add_output_text(struct sbuf *p, const char *dir, const char *file)
{
	char *path = xasprintf("%s/%s", dir, file);
	char buf[OUTPUT_SHOWN + 1];
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	free(path);
	if (fd >= 0) {
		n = read(fd, buf, OUTPUT_SHOWN);
		close(fd);
	}
	if (n < 0) {
		sbuf_adds(p, "<p>(cannot be read)</p>");
		return;
	}
	buf[n] = '\0';
	sbuf_adds(p, "<pre class=\"content\">");
	add_lines(p, buf, "\n");
	sbuf_adds(p, "</pre>");
	if (n == OUTPUT_SHOWN)
		sbuf_adds(p, "<p>(the first 64 KiB are shown; read the file "
			     "for the rest)</p>");
}

static void
vote_form(struct sbuf *p, const struct server *sv, const char *action,
	  const char *output, size_t idx, bool overall)
{
	static const char *const votes[] = { "approve", "request-changes",
					     "reject" };
	size_t i;

	sbuf_printf(p, "<form method=\"post\" action=\"/%s?t=%s\">", action,
		    sv->token);
	sbuf_printf(p, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">",
		    sv->csrf);
	if (output != NULL) {
		sbuf_adds(p, "<input type=\"hidden\" name=\"output\" value=\"");
		add_text(p, output);
		sbuf_adds(p, "\">");
	}
	sbuf_adds(p, "<fieldset><legend>");
	sbuf_adds(p, overall ? "Your overall decision" : "Your vote");
	sbuf_adds(p, "</legend>");
	for (i = 0; i < PT_ARRAY_LEN(votes); i++)
		sbuf_printf(p,
			    "<label><input type=\"radio\" name=\"vote\" "
			    "value=\"%s\" id=\"%s-%zu-%s\" required> %s"
			    "</label>",
			    votes[i], action, idx, votes[i], votes[i]);
	sbuf_printf(p,
		    "</fieldset><p><label>Comment%s<br><textarea "
		    "name=\"comment\" id=\"%s-%zu-comment\"%s></textarea>"
		    "</label></p>",
		    overall ? " (required)" : "", action, idx,
		    overall ? " required" : "");
	if (overall)
		sbuf_printf(p,
			    "<p><label>Conditions<br><textarea "
			    "name=\"conditions\" id=\"%s-%zu-conditions\">"
			    "</textarea></label></p>",
			    action, idx);
	sbuf_printf(p,
		    "<p><label><input type=\"checkbox\" name=\"visibility\" "
		    "value=\"public\"> the team may read the comment</label>"
		    "</p><p><button type=\"submit\" id=\"%s-%zu-submit\">"
		    "Record</button></p></form>",
		    action, idx);
}

static void
record_text(struct sbuf *p, const char *who, const struct review_record *r)
{
	sbuf_adds(p, "<li>");
	add_text(p, who);
	sbuf_adds(p, ": <b>");
	sbuf_adds(p, vote_name(r->vote));
	sbuf_adds(p, "</b>");
	if (*r->comment != '\0') {
		sbuf_adds(p,
			  r->public_comment ? " (public) " : " (reviewers) ");
		sbuf_adds(p, "<q>");
		add_lines(p, r->comment, "<br>");
		sbuf_adds(p, "</q>");
	}
	if (r->conditions != NULL && *r->conditions != '\0') {
		sbuf_adds(p, " conditions: <q>");
		add_lines(p, r->conditions, "<br>");
		sbuf_adds(p, "</q>");
	}
	sbuf_adds(p, "</li>");
}

/* The page as this advisor may see it (the CLI's --list rules). */
static void
render_page(struct sbuf *p, const struct server *sv,
	    const struct review_state *st, const char *msg, bool ok)
{
	const char *me = sv->o->who->name;
	const struct review_record *mine = review_decision_of(st, me);
	bool blind = mine == NULL;
	struct tally t;
	char num[32];
	size_t i, j;

	sbuf_printf(p,
		    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
		    "charset=\"utf-8\"><title>proeftuin review</title>"
		    "<style>%s</style></head><body>",
		    page_css);
	sbuf_adds(p, "<h1>Review: ");
	add_text(p, st->facts.name);
	sbuf_adds(p, "</h1>");
	if (msg != NULL) {
		sbuf_printf(p, "<p class=\"msg %s\" id=\"message\">",
			    ok ? "ok" : "err");
		add_text(p, msg);
		sbuf_adds(p, "</p>");
	}
	sbuf_printf(p,
		    "<p>Verdict <b id=\"verdict\">%s</b>. Run and signed "
		    "by ",
		    strcmp(st->facts.verdict, "PASS") == 0     ? "PASS"
		    : strcmp(st->facts.verdict, "REVIEW") == 0 ? "REVIEW"
							       : "FAIL");
	add_text(p, st->custodian->name);
	sbuf_adds(p, " (custodian). You are <b id=\"me\">");
	add_text(p, me);
	snprintf(num, sizeof(num), "%lld", (long long)st->facts.reviewers);
	sbuf_printf(p,
		    "</b>. Each held output needs %s approvals. <a "
		    "href=\"/report?t=%s\">Read the report</a>.</p>",
		    num, sv->token);
	sbuf_adds(p, "<h2>Outputs</h2>");
	for (i = 0; i < st->facts.noutputs; i++) {
		const struct report_output *o = &st->facts.outputs[i];
		const struct review_record *v = review_vote_of(st, me, o->name);

		review_tally_output(st, o, &t);
		sbuf_printf(p, "<section id=\"output-%zu\"><h3>", i);
		add_text(p, o->name);
		sbuf_adds(p, " <small class=\"file\">");
		add_text(p, o->file != NULL ? o->file : "withheld");
		sbuf_adds(p, "</small></h3><p>");
		sbuf_adds(p, o->file == NULL ? "Broke a rule: never leaves."
			     : o->held	     ? "Held for review."
					     : "Passed every rule.");
		if (!blind)
			sbuf_printf(p,
				    " <span class=\"tally\">Votes: %d "
				    "approve, %d request changes, %d reject"
				    "%s%s.</span>",
				    t.approvals, t.changes, t.rejects,
				    o->held ? "; " : "",
				    o->held ? output_decision_name(t.decision)
					    : "");
		sbuf_adds(p, "</p>");
		if (o->file != NULL)
			add_output_text(p, st->dir, o->file);
		if (v != NULL) {
			sbuf_adds(p, "<ul class=\"mine\">");
			record_text(p, "your vote", v);
			sbuf_adds(p, "</ul>");
		} else if (o->file != NULL && mine == NULL) {
			vote_form(p, sv, "vote", o->name, i, false);
		}
		if (!blind) {
			sbuf_adds(p, "<ul class=\"others\">");
			for (j = 0; j < st->nrecords; j++)
				if (st->records[j].is_vote &&
				    strcmp(st->records[j].output, o->name) ==
					0 &&
				    &st->records[j] != v)
					record_text(p,
						    st->records[j].author->name,
						    &st->records[j]);
			sbuf_adds(p, "</ul>");
		}
		sbuf_adds(p, "</section>");
	}
	sbuf_adds(p, "<h2>Overall decision</h2><section id=\"overall\">");
	if (mine != NULL) {
		review_tally_overall(st, &t);
		sbuf_printf(p,
			    "<p>%s: %d approve, %d request changes, %d "
			    "reject</p><ul>",
			    output_decision_name(t.decision), t.approvals,
			    t.changes, t.rejects);
		for (j = 0; j < st->nrecords; j++)
			if (!st->records[j].is_vote)
				record_text(p, st->records[j].author->name,
					    &st->records[j]);
		sbuf_adds(p, "</ul>");
	} else {
		sbuf_adds(p, "<p>The other advisors' votes stay hidden until "
			     "you give yours. Vote on every held output "
			     "first.</p>");
		vote_form(p, sv, "decide", NULL, 0, true);
	}
	sbuf_adds(p, "</section>");
	if (!blind) {
		sbuf_adds(p, "<h2>Audit log</h2><ol id=\"audit\">");
		for (i = 0; i < st->nevents; i++) {
			const struct audit_event *e = &st->events[i];

			sbuf_adds(p, "<li>");
			add_text(p, e->time);
			sbuf_adds(p, " ");
			add_text(p, e->actor);
			sbuf_adds(p, " ");
			add_text(p, e->event);
			if (e->output != NULL) {
				sbuf_adds(p, " ");
				add_text(p, e->output);
			}
			sbuf_adds(p, ": ");
			add_text(p, e->summary);
			sbuf_adds(p, "</li>");
		}
		sbuf_adds(p, "</ol>");
	}
	sbuf_printf(p,
		    "<form method=\"post\" action=\"/finish?t=%s\"><input "
		    "type=\"hidden\" name=\"csrf\" value=\"%s\"><button "
		    "type=\"submit\" id=\"finish\">Finish and close the page"
		    "</button></form></body></html>\n",
		    sv->token, sv->csrf);
}

static enum MHD_Result
show(struct MHD_Connection *c, const struct server *sv, unsigned int status,
     const char *msg, bool ok)
{
	struct review_state st;
	struct pt_err err = { 0, "" };
	struct sbuf page = SBUF_INIT;
	enum MHD_Result r;

	if (review_load(sv->o->dir, sv->o->ring, false, &st, &err) < 0)
		return refuse(c, 500, err.msg);
	render_page(&page, sv, &st, msg, ok);
	r = respond(c, status, "text/html; charset=utf-8", page.buf, page.len);
	review_fini(&st);
	sbuf_free(&page);
	return r;
}

static enum MHD_Result
show_report(struct MHD_Connection *c, const struct server *sv)
{
	char *path = xasprintf("%s/report.html", sv->o->dir);
	struct sbuf body = SBUF_INIT;
	char buf[65536];
	ssize_t n;
	enum MHD_Result r;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	free(path);
	if (fd < 0)
		return refuse(c, 404, "no report.html");
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sbuf_add(&body, buf, (size_t)n);
	close(fd);
	r = respond(c, 200, "text/html; charset=utf-8",
		    body.buf != NULL ? body.buf : "", body.len);
	sbuf_free(&body);
	return r;
}

static enum MHD_Result
record(struct MHD_Connection *c, const struct server *sv, struct request *rq,
       bool is_vote)
{
	struct review_request req;
	struct review_state st;
	struct pt_err err = { 0, "" };
	char *time, *msg;
	int lock;
	enum MHD_Result r;

	memset(&req, 0, sizeof(req));
	req.who = sv->o->who;
	req.is_vote = is_vote;
	req.output = rq->output.buf != NULL ? rq->output.buf : "";
	req.comment = rq->comment.buf != NULL ? rq->comment.buf : "";
	req.conditions = rq->conditions.buf != NULL ? rq->conditions.buf : "";
	req.public_comment = rq->visibility.buf != NULL &&
			     strcmp(rq->visibility.buf, "public") == 0;
	if (rq->vote.buf == NULL || vote_parse(rq->vote.buf, &req.vote) < 0)
		return show(c, sv, 400,
			    "choose approve, request-changes or "
			    "reject",
			    false);
	/* Browsers send CRLF in a textarea; records keep plain newlines. */
	for (char *s = rq->comment.buf; s != NULL && *s; s++)
		if (*s == '\r')
			memmove(s, s + 1, strlen(s));
	for (char *s = rq->conditions.buf; s != NULL && *s; s++)
		if (*s == '\r')
			memmove(s, s + 1, strlen(s));
	time = review_event_time(sv->o->epoch, sv->o->have_epoch);
	req.time = time;
	lock = review_lock(sv->o->dir, &err);
	if (lock < 0) {
		free(time);
		return show(c, sv, 409, err.msg, false);
	}
	if (review_load(sv->o->dir, sv->o->ring, false, &st, &err) < 0) {
		review_unlock(lock);
		free(time);
		return refuse(c, 500, err.msg);
	}
	if (review_record_add(&st, &req, &err) < 0) {
		review_fini(&st);
		review_unlock(lock);
		free(time);
		return show(c, sv, 409, err.msg, false);
	}
	review_fini(&st);
	review_unlock(lock);
	free(time);
	msg = is_vote ? xasprintf("recorded: %s on %s", vote_name(req.vote),
				  req.output)
		      : xasprintf("recorded: overall decision %s",
				  vote_name(req.vote));
	r = show(c, sv, 200, msg, true);
	free(msg);
	return r;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
       const char *version, const char *upload_data, size_t *upload_data_size,
       void **con_cls)
{
	struct server *sv = cls;
	struct request *rq = *con_cls;
	const char *host, *origin, *site;
	bool post = strcmp(method, "POST") == 0;

	(void)version;
	if (rq == NULL) {
		/* First call: headers only.  Check who is asking before any
		 * body is read. */
		host =
		    mhd.MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
		if (host == NULL || strcmp(host, sv->host) != 0)
			return refuse(c, 421, "wrong host");
		if (!same_secret(mhd.MHD_lookup_connection_value(
				     c, MHD_GET_ARGUMENT_KIND, "t"),
				 sv->token))
			return refuse(c, 403,
				      "forbidden: the page's address "
				      "carries its token");
		if (!post && strcmp(method, "GET") != 0)
			return refuse(c, 405, "GET or POST only");
		if (post) {
			origin = mhd.MHD_lookup_connection_value(
			    c, MHD_HEADER_KIND, "Origin");
			site = mhd.MHD_lookup_connection_value(
			    c, MHD_HEADER_KIND, "Sec-Fetch-Site");
			/* A browser's Sec-Fetch-Site is decisive; without it
			 * (an older client) the Origin must be ours. */
			if (site != NULL ? strcmp(site, "same-origin") != 0
					 : origin != NULL &&
					       strcmp(origin, sv->origin) != 0)
				return refuse(c, 403,
					      "refused: the request came from "
					      "another origin");
		}
		rq = xcalloc(1, sizeof(*rq));
		rq->is_post = post;
		if (post) {
			rq->pp = mhd.MHD_create_post_processor(c, 4096,
							       post_field, rq);
			if (rq->pp == NULL) {
				free(rq);
				return refuse(c, 415,
					      "a form is needed "
					      "(application/"
					      "x-www-form-urlencoded)");
			}
		}
		*con_cls = rq;
		return MHD_YES;
	}
	if (rq->is_post && *upload_data_size > 0) {
		rq->bytes += *upload_data_size;
		if (rq->bytes > MAX_BODY)
			rq->too_big = true;
		else if (mhd.MHD_post_process(rq->pp, upload_data,
					      *upload_data_size) != MHD_YES)
			rq->too_big = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!rq->is_post) {
		if (strcmp(url, "/") == 0)
			return show(c, sv, 200, NULL, true);
		if (strcmp(url, "/report") == 0)
			return show_report(c, sv);
		return refuse(c, 404, "not found");
	}
	if (rq->too_big)
		return refuse(c, 413, "the form is too large");
	if (!same_secret(rq->csrf.buf, sv->csrf))
		return refuse(c, 403,
			      "refused: the form's token is missing "
			      "or wrong");
	if (strcmp(url, "/vote") == 0)
		return record(c, sv, rq, true);
	if (strcmp(url, "/decide") == 0)
		return record(c, sv, rq, false);
	if (strcmp(url, "/finish") == 0) {
		static const char done[] = "The review page is closed; your "
					   "decisions are recorded.\n";

		rq->finish = true;
		return respond(c, 200, "text/plain; charset=utf-8", done,
			       strlen(done));
	}
	return refuse(c, 404, "not found");
}

static int
parse_port(const char *s, uint16_t *out)
{
	char *end;
	long v;

	if (s == NULL) {
		*out = 0;
		return 0;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < 1 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int
serve_review(const struct serve_opts *o, struct pt_err *err)
{
	struct review_state st;
	struct server sv;
	struct sockaddr_in addr;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	struct pollfd pfd[2];
	sigset_t sigs, old;
	uint16_t port;
	int sfd = -1, rc = -1;

	if (parse_port(o->port, &port) < 0)
		return pt_err_set(err, EX_USAGE,
				  "--port %s: a number from 1 to 65535",
				  o->port);
	/* Refuse at once what the page could only show as an error. */
	if (review_load(o->dir, o->ring, false, &st, err) < 0)
		return -1;
	review_fini(&st);
	if (load_mhd(err) < 0)
		return -1;
	memset(&sv, 0, sizeof(sv));
	sv.o = o;
	if (random_hex(sv.token, TOKEN_BYTES) < 0 ||
	    random_hex(sv.csrf, TOKEN_BYTES) < 0)
		return pt_err_set(err, EX_OSERR, "no random bytes");
	if (pipe2(sv.quit_pipe, O_CLOEXEC) < 0)
		return pt_err_set(err, EX_OSERR, "pipe: %s", strerror(errno));
	/* The daemon's thread inherits the mask: signals come to us. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, &old);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons(port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = mhd.MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD, port, NULL, NULL, handle, &sv,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)16,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
	    MHD_OPTION_NOTIFY_COMPLETED, request_done, &sv, MHD_OPTION_END);
	if (d == NULL) {
		pt_err_set(err, EX_UNAVAILABLE,
			   "cannot listen on 127.0.0.1:%u; hint: another "
			   "program has the port, pick another --port",
			   (unsigned)port);
		goto out;
	}
	info = mhd.MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (info != NULL && info->port != 0)
		port = info->port;
	snprintf(sv.host, sizeof(sv.host), "127.0.0.1:%u", (unsigned)port);
	snprintf(sv.origin, sizeof(sv.origin), "http://127.0.0.1:%u",
		 (unsigned)port);
	printf("review page: http://%s/?t=%s\n(open it in a browser on this "
	       "machine; Ctrl-C or the page's Finish button stops it)\n",
	       sv.host, sv.token);
	fflush(stdout);
	pfd[0].fd = sv.quit_pipe[0];
	pfd[0].events = POLLIN;
	pfd[1].fd = sfd;
	pfd[1].events = POLLIN;
	while (poll(pfd, sfd >= 0 ? 2 : 1, -1) < 0 && errno == EINTR)
		;
	mhd.MHD_stop_daemon(d);
	/* Take the signal that ended us, or restoring the mask would let it
	 * kill the process: Ctrl-C is the way to stop, not a failure. */
	if (sfd >= 0 && (pfd[1].revents & POLLIN) != 0) {
		struct signalfd_siginfo si;

		(void)!read(sfd, &si, sizeof(si));
	}
	rc = 0;
out:
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(sv.quit_pipe[0]);
	close(sv.quit_pipe[1]);
	return rc;
}
