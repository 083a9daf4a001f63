/*
 * serve.h - the advisor's local review page: `proeftuin review DIR --as
 * NAME --serve`.
 *
 * A small HTTP server (libmicrohttpd, loaded at run time) bound to
 * 127.0.0.1 only, on a random port unless one is given.  Every URL carries
 * a random per-session token; every form carries a second one (CSRF), and
 * a POST is refused unless its Origin (or Sec-Fetch-Site) says it came
 * from the page itself and its Host is the address we bound.  The page
 * has no scripts and no external resources (Content-Security-Policy
 * default-src 'none'); every bundle string in it is escaped.  The page
 * records decisions through the same review_record_add as the CLI.
 */
#ifndef PROEFTUIN_SERVE_H
#define PROEFTUIN_SERVE_H

#include <stdbool.h>

#include "sign.h"
#include "util.h"

struct serve_opts {
	const char *dir;
	const struct keyring *ring;
	const struct key *who;
	const char *port; /* NULL: a free port */
	long long epoch;  /* SOURCE_DATE_EPOCH for event times, when set */
	bool have_epoch;
};

/* Serve until SIGINT/SIGTERM or the page's "finish" button.  Prints the
 * URL (with its token) on stdout.  -1 with `err` when it cannot start. */
int serve_review(const struct serve_opts *o, struct pt_err *err);

#endif
