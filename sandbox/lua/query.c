/* query.c - number syntax and filters of the data API; see query.h. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"

bool
query_parse_number(const char *p, size_t n, double *out)
{
	size_t i = 0, digits = 0;
	uint64_t v = 0;
	bool neg = false;
	char tmp[128];

	if (n == 0)
		return false;
	if (p[0] == '-' || p[0] == '+') {
		neg = p[0] == '-';
		i++;
	}
	while (i < n && p[i] >= '0' && p[i] <= '9' && digits < 18) {
		v = v * 10 + (uint64_t)(p[i] - '0');
		i++;
		digits++;
	}
	if (i == n && digits > 0) {
		*out = neg ? -(double)v : (double)v;
		return true;
	}
	/* Full syntax check, then strtod (the C locale: '.' is the point). */
	i = (p[0] == '-' || p[0] == '+') ? 1 : 0;
	digits = 0;
	while (i < n && p[i] >= '0' && p[i] <= '9') {
		i++;
		digits++;
	}
	if (i < n && p[i] == '.') {
		i++;
		while (i < n && p[i] >= '0' && p[i] <= '9') {
			i++;
			digits++;
		}
	}
	if (digits == 0)
		return false;
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		size_t ed = 0;

		i++;
		if (i < n && (p[i] == '-' || p[i] == '+'))
			i++;
		while (i < n && p[i] >= '0' && p[i] <= '9') {
			i++;
			ed++;
		}
		if (ed == 0)
			return false;
	}
	if (i != n || n >= sizeof(tmp))
		return false;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	*out = strtod(tmp, NULL);
	return isfinite(*out);
}

bool
query_filter_pass(const struct filter *f, const char *s, size_t len)
{
	size_t i;
	double v;
	bool parsed = false, isnum = false;

	for (i = 0; i < f->nvals; i++) {
		const struct fval *fv = &f->vals[i];

		if (!fv->isnum) {
			if (fv->len == len && memcmp(fv->s, s, len) == 0)
				return true;
			continue;
		}
		if (!parsed) {
			isnum = query_parse_number(s, len, &v);
			parsed = true;
		}
		if (isnum && v == fv->num)
			return true;
	}
	return false;
}

bool
query_same_filter(const struct filter *a, const struct filter *b)
{
	size_t i;

	if (a->col != b->col || a->nvals != b->nvals)
		return false;
	for (i = 0; i < a->nvals; i++) {
		const struct fval *x = &a->vals[i], *y = &b->vals[i];

		if (x->isnum != y->isnum)
			return false;
		if (x->isnum
			? x->num != y->num
			: (x->len != y->len || memcmp(x->s, y->s, x->len) != 0))
			return false;
	}
	return true;
}
