/*
 * json_parse.h - a strict JSON reader for the subset the report uses
 * (objects, arrays, strings, integers, true, false, null), so `verify` can
 * read a recorded report.json and name the first JSON path that differs.
 */
#ifndef PROEFTUIN_JSON_PARSE_H
#define PROEFTUIN_JSON_PARSE_H

#include <stddef.h>

#include "json.h"

#define JSON_MAX_DEPTH 64

/* Parse `len` bytes.  Returns a tree (free with jv_free), or NULL with a
 * reason and byte offset in `why`/`at`.  Fractions, exponents, duplicate
 * keys, invalid UTF-8 and trailing bytes (other than whitespace) are
 * refused. */
struct jv *json_parse(const char *p, size_t len, const char **why, size_t *at);

/* Compare two trees; on the first difference (in canonical order) write
 * its path, e.g. "outputs[0].checks[2].status", to `path` and return 1.
 * Return 0 when equal. */
int json_first_difference(const struct jv *a, const struct jv *b,
			  struct sbuf *path);

#endif
