/*
 * disclosure.c - output checking; see disclosure.h.
 *
 * Statuses follow ACRO: fail is a violation without mitigation, review is a
 * mitigation applied or a judgement needed, pass otherwise.  The output's
 * status is the worst of its checks.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disclosure.h"
#include "json.h"

void
format_number(double v, char *buf, size_t len)
{
	int prec;

	if (isnan(v)) {
		snprintf(buf, len, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, len, v < 0 ? "-Infinity" : "Infinity");
		return;
	}
	if (v == 0) {
		snprintf(buf, len, "0");
		return;
	}
	if (fabs(v) < 9007199254740992.0 && v == floor(v)) {
		snprintf(buf, len, "%.0f", v);
		return;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

void
csv_field(struct sbuf *out, const char *s)
{
	bool formula = s[0] == '=' || s[0] == '+' || s[0] == '-' ||
		       s[0] == '@' || s[0] == '\t' || s[0] == '\r';
	bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;
	const char *p;

	if (!quote) {
		sbuf_adds(out, s);
		return;
	}
	sbuf_addc(out, '"');
	if (formula)
		sbuf_addc(out, '\'');
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			sbuf_addc(out, '"');
		sbuf_addc(out, *p);
	}
	sbuf_addc(out, '"');
}

static struct jv *
new_check(struct checked_output *co, const char *rule, enum status st,
	  const char *detail)
{
	struct jv *c = jv_obj();

	jv_set_str(c, "rule", rule);
	jv_set_str(c, "status", status_name(st));
	jv_set_str(c, "detail", detail);
	jv_set_int(c, "cells_flagged", 0);
	jv_set(c, "parameters", jv_obj());
	jv_push(co->checks, c);
	if (st > co->status)
		co->status = st;
	return c;
}

static void
render_table(const struct output *o, const bool *suppressed, struct sbuf *out)
{
	size_t r, c;

	for (c = 0; c < o->ncols; c++) {
		if (c > 0)
			sbuf_addc(out, ',');
		csv_field(out, o->cols[c]);
	}
	sbuf_addc(out, '\n');
	for (r = 0; r < o->nrows; r++) {
		for (c = 0; c < o->ncols; c++) {
			const struct out_cell *cell =
			    &o->cells[r * o->ncols + c];
			char num[64];

			if (c > 0)
				sbuf_addc(out, ',');
			if (c >= o->nkeys && suppressed != NULL &&
			    suppressed[r]) {
				sbuf_adds(out, "suppressed");
			} else if (cell->kind == CELL_STR) {
				csv_field(out, cell->str);
			} else if (cell->kind == CELL_NUM) {
				format_number(cell->num, num, sizeof(num));
				sbuf_adds(out, num);
			}
		}
		sbuf_addc(out, '\n');
	}
}

static void
check_table(const struct output *o, const struct profile *p,
	    struct checked_output *co)
{
	const struct profile_dataset *pd =
	    o->dataset[0] != '\0' ? profile_dataset(p, o->dataset) : NULL;
	bool *suppressed = xcalloc(o->nrows + 1, sizeof(*suppressed));
	size_t r, c, nflagged = 0;
	struct jv *chk, *cells;

	co->extension = "csv";
	/* Identifier columns never leave the sandbox, whatever produced them.
	 */
	for (c = 0; pd != NULL && c < o->ncols; c++) {
		size_t i;

		for (i = 0; i < pd->nidentifiers; i++) {
			if (strcmp(o->cols[c], pd->identifiers[i]) != 0)
				continue;
			chk =
			    new_check(co, "identifiers", STATUS_FAIL,
				      "an identifier column is in the output");
			jv_set_str(jv_get(chk, "parameters"), "column",
				   o->cols[c]);
		}
	}
	if ((int64_t)o->nrows > p->disclosure.max_rows) {
		chk = new_check(co, "max_rows", STATUS_FAIL,
				"more rows than the profile allows");
		jv_set_int(jv_get(chk, "parameters"), "max_rows",
			   p->disclosure.max_rows);
	} else {
		chk = new_check(co, "max_rows", STATUS_PASS, "within the cap");
		jv_set_int(jv_get(chk, "parameters"), "max_rows",
			   p->disclosure.max_rows);
	}
	if (!o->has_evidence) {
		new_check(co, "evidence", STATUS_REVIEW,
			  "custom table without evidence: a person must check "
			  "it");
	} else {
		cells = jv_arr();
		for (r = 0; r < o->nrows; r++) {
			if ((int64_t)o->evidence[r].contributors >=
			    p->disclosure.min_cell)
				continue;
			suppressed[r] = true;
			nflagged++;
			jv_push(cells, jv_int((int64_t)r));
		}
		chk = new_check(co, "min_cell",
				nflagged > 0 ? STATUS_REVIEW : STATUS_PASS,
				nflagged > 0 ? "cells below the minimum were "
					       "suppressed"
					     : "every cell has enough "
					       "contributors");
		jv_set_int(jv_get(chk, "parameters"), "min_cell",
			   p->disclosure.min_cell);
		jv_set_int(chk, "cells_flagged", (int64_t)nflagged);
		jv_set(chk, "rows", cells);
		if (nflagged > 0) {
			free(co->mitigation);
			co->mitigation = xstrdup("suppressed");
		}
	}
	if (co->status != STATUS_FAIL)
		render_table(o, suppressed, &co->released);
	free(suppressed);
}

void
disclosure_check(const struct output *o, const struct profile *p,
		 struct checked_output *co)
{
	memset(co, 0, sizeof(*co));
	co->checks = jv_arr();
	co->mitigation = xstrdup("none");
	if (!manifest_name_ok(o->name)) {
		new_check(co, "output_name", STATUS_FAIL,
			  "output names may use letters, digits, '_', '-' and "
			  "'.' only, without a leading dot");
	} else if (o->kind == OUTPUT_TEXT) {
		co->extension = "txt";
		new_check(co, "free_text", STATUS_REVIEW,
			  "free text is always reviewed by a person");
		sbuf_adds(&co->released, o->text);
	} else {
		check_table(o, p, co);
	}
	co->withheld = co->status == STATUS_FAIL;
	if (co->withheld)
		sbuf_free(&co->released);
}

void
checked_output_fini(struct checked_output *co)
{
	jv_free(co->checks);
	sbuf_free(&co->released);
	free(co->mitigation);
}
