/*
 * query.h - an aggregate query of the data API as the engine sees it: the
 * statistic, the grouping columns, the `where` filters and the value
 * column, all as column numbers of the dataset's header.
 *
 * A row passes a filter when its cell equals one of the filter's values: a
 * string bytewise, a number numerically with a cell that parses as a
 * number.  A row passes `where` when it passes every filter.
 */
#ifndef PROEFTUIN_QUERY_H
#define PROEFTUIN_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "sdc.h"

#define QUERY_MAX_BY 16
#define QUERY_MAX_WHERE 16

struct fval {
	const char *s;
	size_t len;
	bool isnum;
	double num;
};

struct filter {
	size_t col;
	struct fval *vals;
	size_t nvals;
};

struct query {
	enum sdc_stat stat;
	size_t by[QUERY_MAX_BY];
	size_t nby;
	struct filter where[QUERY_MAX_WHERE];
	size_t nwhere;
	bool has_value;
	size_t value_col;
};

/* Strict decimal number: [+-]digits[.digits][(e|E)[+-]digits] or
 * [+-].digits...; no spaces, no hex, no inf or nan; finite. */
bool query_parse_number(const char *p, size_t n, double *out);
bool query_filter_pass(const struct filter *f, const char *s, size_t len);
/* Same column and the same values in the same order. */
bool query_same_filter(const struct filter *a, const struct filter *b);

#endif
