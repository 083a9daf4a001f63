/* release_page.h - release.md and release.html of a release package. */
#ifndef PROEFTUIN_RELEASE_PAGE_H
#define PROEFTUIN_RELEASE_PAGE_H

#include "attest.h"
#include "review.h"

struct release_page {
	const struct review_state *st;
	const struct key *who;
	const char *time; /* or NULL */
	const struct release_item *items;
	size_t nitems;
};

/* Append the Markdown and the HTML page of the release. */
void release_page_render(const struct release_page *p, struct sbuf *md,
			 struct sbuf *html);

#endif
