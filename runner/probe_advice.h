/*
 * probe_advice.h - what a probe result (sandbox/jail/probe.h) means: the
 * outer layer that most likely refused the failing step, the cause and
 * the fix, in the words of research/scaleout.md, and what other tools
 * print on the same host; and the reverse, for a message pasted from
 * another tool (`probe --explain`).
 */
#ifndef PROEFTUIN_PROBE_ADVICE_H
#define PROEFTUIN_PROBE_ADVICE_H

#include "json.h"
#include "probe.h"

struct probe_advice {
	const char *layer; /* "sysctl user.max_user_namespaces", ... */
	const char *cause; /* one or two sentences */
	const char *fix;
	const char
	    *elsewhere[3]; /* other tools' messages for this; NULL-ended */
};

/* Advice for the first failed step of `pr` (pr->failed >= 0). */
void probe_advise(const struct sbx_probe *pr, struct probe_advice *out);

/* Notes on the host that are not failures (no_new_privs set from outside,
 * masked /proc, no Landlock, already in a user namespace); NULL-ended. */
size_t probe_notes(const struct sbx_probe *pr, const char **notes, size_t max);

/* The whole result as canonical JSON. */
struct jv *probe_to_json(const struct sbx_probe *pr);

/* The human table on `out`. */
void probe_render_text(const struct sbx_probe *pr, struct sbuf *out);

/* Known messages of other tools found in `text`, with their meaning and
 * fix (scaleout.md §9); the number found. */
size_t probe_explain(const char *text, struct sbuf *out);

#endif
