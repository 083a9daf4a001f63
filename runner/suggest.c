/* suggest.c - "did you mean"; see suggest.h. */
#include <stdlib.h>
#include <string.h>

#include "suggest.h"
#include "util.h"

#define SUGGEST_MAX_LEN 128

/* Damerau-Levenshtein (optimal string alignment) distance, two rows and
 * the one before them. */
static size_t
distance(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b), i, j, d;
	size_t r0[SUGGEST_MAX_LEN + 1], r1[SUGGEST_MAX_LEN + 1],
	    r2[SUGGEST_MAX_LEN + 1];
	size_t *prev2 = r0, *prev = r1, *cur = r2, *t;

	for (j = 0; j <= nb; j++)
		prev[j] = j;
	for (i = 1; i <= na; i++) {
		cur[0] = i;
		for (j = 1; j <= nb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;

			d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (prev[j - 1] + cost < d)
				d = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < d)
				d = prev2[j - 2] + 1;
			cur[j] = d;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[nb];
}

const char *
suggest_word(const char *word, const char *const *cands, size_t n)
{
	size_t len = strlen(word), best = SIZE_MAX, limit, i;
	const char *pick = NULL;

	if (len == 0 || len > SUGGEST_MAX_LEN)
		return NULL;
	limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
	for (i = 0; i < n; i++) {
		size_t d;

		if (strcmp(cands[i], word) == 0)
			return NULL;
		if (strlen(cands[i]) > SUGGEST_MAX_LEN)
			continue;
		d = distance(word, cands[i]);
		if (d <= limit && d < best) {
			best = d;
			pick = cands[i];
		}
	}
	return pick;
}

char *
quoted_list(char *const *v, size_t n)
{
	struct sbuf s = SBUF_INIT;
	size_t i;

	if (n == 0)
		return xstrdup("none");
	for (i = 0; i < n; i++)
		sbuf_printf(&s, "%s'%s'",
			    i == 0	 ? ""
			    : i + 1 == n ? " and "
					 : ", ",
			    v[i]);
	return sbuf_steal(&s);
}
