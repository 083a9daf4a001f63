/* protect.c - protected answers; see protect.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "atoms.h"
#include "audit.h"
#include "channel.h"
#include "luabox_priv.h"
#include "protect.h"

/* Work units the auditor may spend on one cell before it refuses it. */
#define DECISION_BUDGET 300000u

/* A registered query, with the keys of the cells released for it. */
struct qdef {
	enum sdc_stat stat;
	size_t by[QUERY_MAX_BY];
	size_t nby;
	uint32_t filt[QUERY_MAX_WHERE]; /* ids in spec.filters */
	size_t nwhere;
	bool has_value;
	size_t value_col;
	bool answered;
	struct sbuf rkeys; /* released keys, concatenated in key order */
	size_t *rkoff;
	uint32_t *rklen;
	size_t nrel;
};

struct engine {
	int fd;
	const char *name;
	size_t ncols;
	char *const *names;
	struct sdc_params params;
	bool custodian;
	uint64_t prime;
	struct atom_spec spec;
	int32_t *pred_of_col;
	bool dirty;
	struct atom_table *tab;
	struct audit *count_sys;
	struct audit **sum_sys;	      /* per value column of the spec */
	struct sdc_evidence **sum_ev; /* their atoms' evidence */
	size_t nsum;
	struct qdef *q;
	size_t nq, cq;
};

/* The cells of one query over the current atoms, in key order. */
struct cells {
	size_t n;
	struct sbuf keys;
	size_t *koff;
	uint32_t *klen;
	struct sdc_evidence *ev;
	uint32_t *start; /* n + 1: the atoms of cell i are atoms[start[i] ..] */
	uint32_t *atoms;
};

static void
cells_fini(struct cells *c)
{
	sbuf_free(&c->keys);
	free(c->koff);
	free(c->klen);
	free(c->ev);
	free(c->start);
	free(c->atoms);
	memset(c, 0, sizeof(*c));
}

/* ---- registration ---- */

struct engine *
engine_new(int fd, const char *dataset, size_t ncols, char *const *names,
	   const struct sdc_params *p, uint64_t prime, bool custodian)
{
	struct engine *e = xcalloc(1, sizeof(*e));
	size_t i;

	e->fd = fd;
	e->name = dataset;
	e->ncols = ncols;
	e->names = names;
	e->params = *p;
	e->custodian = custodian;
	e->prime = prime;
	e->pred_of_col = xmalloc((ncols + 1) * sizeof(*e->pred_of_col));
	for (i = 0; i < ncols; i++)
		e->pred_of_col[i] = -1;
	e->spec.ntop = p->dominance_n < 2 ? 2
		       : p->dominance_n > SDC_MAX_TOP
			   ? SDC_MAX_TOP
			   : (uint32_t)p->dominance_n;
	e->dirty = true;
	e->count_sys =
	    audit_new(prime, (uint64_t)(p->min_cell > 0 ? p->min_cell : 0),
		      DECISION_BUDGET);
	return e;
}

static uint32_t
add_filter(struct engine *e, const struct filter *f)
{
	struct filter *nf;
	size_t i;

	for (i = 0; i < e->spec.nfilters; i++)
		if (query_same_filter(&e->spec.filters[i], f))
			return (uint32_t)i;
	e->spec.filters = xreallocarray(e->spec.filters, e->spec.nfilters + 1,
					sizeof(*e->spec.filters));
	nf = &e->spec.filters[e->spec.nfilters];
	nf->col = f->col;
	nf->nvals = f->nvals;
	nf->vals = xcalloc(f->nvals + 1, sizeof(*nf->vals));
	for (i = 0; i < f->nvals; i++) {
		nf->vals[i] = f->vals[i];
		if (!f->vals[i].isnum)
			nf->vals[i].s = xstrndup(f->vals[i].s, f->vals[i].len);
	}
	return (uint32_t)e->spec.nfilters++;
}

static size_t
add_pred(struct engine *e, size_t col, bool exact)
{
	struct atom_pred *p;

	e->spec.pred = xreallocarray(e->spec.pred, e->spec.npred + 1,
				     sizeof(*e->spec.pred));
	p = &e->spec.pred[e->spec.npred];
	memset(p, 0, sizeof(*p));
	p->col = col;
	p->exact = exact;
	e->pred_of_col[col] = (int32_t)e->spec.npred;
	e->dirty = true;
	return e->spec.npred++;
}

static size_t
valcol_index(const struct engine *e, size_t col)
{
	size_t i;

	for (i = 0; i < e->spec.nval; i++)
		if (e->spec.valcol[i] == col)
			return i;
	return SIZE_MAX;
}

size_t
engine_register(struct engine *e, const struct query *q)
{
	struct qdef *d;
	size_t i, j;

	if (e->nq == e->cq) {
		e->cq = e->cq * 2 + 8;
		e->q = xreallocarray(e->q, e->cq, sizeof(*e->q));
	}
	d = &e->q[e->nq];
	memset(d, 0, sizeof(*d));
	d->stat = q->stat;
	d->nby = q->nby;
	memcpy(d->by, q->by, q->nby * sizeof(*q->by));
	for (i = 0; i < q->nby; i++) {
		int32_t p = e->pred_of_col[q->by[i]];

		if (p < 0) {
			add_pred(e, q->by[i], true);
		} else if (!e->spec.pred[p].exact) {
			e->spec.pred[p].exact = true;
			e->dirty = true;
		}
	}
	d->nwhere = q->nwhere;
	for (i = 0; i < q->nwhere; i++) {
		uint32_t fid = add_filter(e, &q->where[i]);
		int32_t p = e->pred_of_col[q->where[i].col];
		struct atom_pred *pr;

		d->filt[i] = fid;
		if (p < 0)
			p = (int32_t)add_pred(e, q->where[i].col, false);
		pr = &e->spec.pred[p];
		for (j = 0; j < pr->nsets; j++)
			if (pr->sets[j] == fid)
				break;
		if (j == pr->nsets) {
			pr->sets = xreallocarray(pr->sets, pr->nsets + 1,
						 sizeof(*pr->sets));
			pr->sets[pr->nsets++] = fid;
			if (!pr->exact)
				e->dirty = true;
		}
	}
	d->has_value = q->has_value;
	d->value_col = q->value_col;
	if (q->has_value && valcol_index(e, q->value_col) == SIZE_MAX) {
		e->spec.valcol = xreallocarray(e->spec.valcol, e->spec.nval + 1,
					       sizeof(*e->spec.valcol));
		e->spec.valpred =
		    xreallocarray(e->spec.valpred, e->spec.nval + 1,
				  sizeof(*e->spec.valpred));
		e->spec.valcol[e->spec.nval] = q->value_col;
		e->spec.valpred[e->spec.nval++] = SIZE_MAX;
		e->dirty = true;
	}
	/* A value column the script also groups or filters by is split by
	 * its exact values: within an atom every row then holds the same
	 * value, and "sum minus value times count" is seen for what it is. */
	for (i = 0; i < e->spec.nval; i++) {
		int32_t pi = e->pred_of_col[e->spec.valcol[i]];

		if (pi < 0)
			continue;
		if (!e->spec.pred[pi].exact) {
			e->spec.pred[pi].exact = true;
			e->dirty = true;
		}
		e->spec.valpred[i] = (size_t)pi;
	}
	return e->nq++;
}

bool
engine_rows(const struct engine *e, uint64_t *rows)
{
	if (e->tab == NULL)
		return false;
	*rows = e->tab->rows_total;
	return true;
}

/* ---- cells ---- */

/* Encoded keys compare column by column: missing first, then bytewise
 * (a proper prefix first). */
static int
key_cmp(const char *a, const char *b, size_t ncols)
{
	size_t i;

	for (i = 0; i < ncols; i++) {
		uint32_t la, lb;
		int c;

		if (a[0] != b[0])
			return a[0] < b[0] ? -1 : 1;
		memcpy(&la, a + 1, 4);
		memcpy(&lb, b + 1, 4);
		c = memcmp(a + 5, b + 5, la < lb ? la : lb);
		if (c != 0)
			return c;
		if (la != lb)
			return la < lb ? -1 : 1;
		a += 5 + la;
		b += 5 + lb;
	}
	return 0;
}

struct order_ctx {
	const struct cells *c;
	size_t nby;
};

static int
cell_order(const void *x, const void *y, void *arg)
{
	const struct order_ctx *o = arg;
	uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;

	return key_cmp(o->c->keys.buf + o->c->koff[i],
		       o->c->keys.buf + o->c->koff[j], o->nby);
}

static uint64_t
hash_bytes(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n-- > 0)
		h = (h ^ (uint8_t)*p++) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

/* Group the atoms that pass the query's filters into its cells. */
static void
compute_cells(const struct engine *e, const struct qdef *d, struct cells *c)
{
	const struct atom_table *t = e->tab;
	const struct atom_spec *sp = &e->spec;
	size_t na = t->natoms, a, i, nslot = 64, cap = 0;
	uint32_t *cellof = xmalloc((na + 1) * sizeof(*cellof));
	uint32_t *slot = xcalloc(nslot, sizeof(*slot));
	uint32_t *order, *fill;
	size_t vi = d->has_value ? valcol_index(e, d->value_col) : SIZE_MAX;
	struct sbuf key = SBUF_INIT;
	struct order_ctx oc;
	struct cells s;

	memset(c, 0, sizeof(*c));
	for (a = 0; a < na; a++) {
		uint64_t h;
		size_t j, k;
		bool pass = true;

		cellof[a] = UINT32_MAX;
		for (k = 0; k < d->nwhere && pass; k++)
			pass = atoms_passes(
			    t, sp, a,
			    (size_t)e->pred_of_col[sp->filters[d->filt[k]].col],
			    d->filt[k]);
		if (!pass)
			continue;
		sbuf_reset(&key);
		for (k = 0; k < d->nby; k++) {
			const char *v;
			size_t len;
			bool present = atoms_exact(
			    t, sp, a, (size_t)e->pred_of_col[d->by[k]], &v,
			    &len);
			uint32_t l32 = (uint32_t)len;

			sbuf_addc(&key, present ? 1 : 0);
			sbuf_add(&key, &l32, 4);
			sbuf_add(&key, v, len);
		}
		h = hash_bytes(key.buf != NULL ? key.buf : "", key.len);
		j = h & (nslot - 1);
		while (slot[j] != 0) {
			uint32_t ci = slot[j] - 1;

			if (c->klen[ci] == key.len &&
			    (key.len == 0 || memcmp(c->keys.buf + c->koff[ci],
						    key.buf, key.len) == 0))
				break;
			j = (j + 1) & (nslot - 1);
		}
		if (slot[j] == 0) {
			if (c->n == cap) {
				cap = cap * 2 + 16;
				c->koff = xreallocarray(c->koff, cap,
							sizeof(*c->koff));
				c->klen = xreallocarray(c->klen, cap,
							sizeof(*c->klen));
				c->ev =
				    xreallocarray(c->ev, cap, sizeof(*c->ev));
			}
			c->koff[c->n] = c->keys.len;
			c->klen[c->n] = (uint32_t)key.len;
			sbuf_add(&c->keys, key.buf != NULL ? key.buf : "",
				 key.len);
			memset(&c->ev[c->n], 0, sizeof(*c->ev));
			slot[j] = (uint32_t)++c->n;
			if (c->n * 2 > nslot) {
				size_t ns = nslot * 2, x;
				uint32_t *nsl = xcalloc(ns, sizeof(*nsl));

				for (x = 0; x < c->n; x++) {
					size_t y =
					    hash_bytes(c->keys.buf + c->koff[x],
						       c->klen[x]) &
					    (ns - 1);

					while (nsl[y] != 0)
						y = (y + 1) & (ns - 1);
					nsl[y] = (uint32_t)x + 1;
				}
				free(slot);
				slot = nsl;
				nslot = ns;
				j = SIZE_MAX;
			}
		}
		{
			uint32_t ci;

			if (j == SIZE_MAX) {
				ci = (uint32_t)c->n - 1;
			} else {
				ci = slot[j] - 1;
			}
			cellof[a] = ci;
			if (vi == SIZE_MAX)
				c->ev[ci].rows += t->rows[a];
			else
				sdc_merge(&c->ev[ci], &t->ev[a * t->nval + vi],
					  sp->ntop);
		}
	}
	sbuf_free(&key);
	free(slot);
	/* A query without `by` has its one cell even when no row passes: an
	 * empty answer and a small one must look the same, in the ledger
	 * too. */
	if (d->nby == 0 && c->n == 0) {
		c->koff = xcalloc(1, sizeof(*c->koff));
		c->klen = xcalloc(1, sizeof(*c->klen));
		c->ev = xcalloc(1, sizeof(*c->ev));
		c->n = 1;
	}
	/* The atoms of each cell, in atom order. */
	c->start = xcalloc(c->n + 1, sizeof(*c->start));
	for (a = 0; a < na; a++)
		if (cellof[a] != UINT32_MAX)
			c->start[cellof[a] + 1]++;
	for (i = 0; i < c->n; i++)
		c->start[i + 1] += c->start[i];
	c->atoms = xmalloc((c->start[c->n] + 1) * sizeof(*c->atoms));
	fill = xcalloc(c->n + 1, sizeof(*fill));
	for (a = 0; a < na; a++)
		if (cellof[a] != UINT32_MAX) {
			uint32_t ci = cellof[a];

			c->atoms[c->start[ci] + fill[ci]++] = (uint32_t)a;
		}
	free(fill);
	free(cellof);
	/* Key order. */
	order = xmalloc((c->n + 1) * sizeof(*order));
	for (i = 0; i < c->n; i++)
		order[i] = (uint32_t)i;
	oc.c = c;
	oc.nby = d->nby;
	luabox_sort(order, c->n, sizeof(*order), cell_order, &oc);
	memset(&s, 0, sizeof(s));
	s.n = c->n;
	s.koff = xcalloc(c->n + 1, sizeof(*s.koff));
	s.klen = xcalloc(c->n + 1, sizeof(*s.klen));
	s.ev = xcalloc(c->n + 1, sizeof(*s.ev));
	s.start = xcalloc(c->n + 1, sizeof(*s.start));
	s.atoms = xmalloc((c->start[c->n] + 1) * sizeof(*s.atoms));
	for (i = 0; i < c->n; i++) {
		uint32_t o = order[i], n = c->start[o + 1] - c->start[o];

		s.koff[i] = s.keys.len;
		s.klen[i] = c->klen[o];
		sbuf_add(&s.keys, c->keys.buf + c->koff[o], c->klen[o]);
		s.ev[i] = c->ev[o];
		memcpy(s.atoms + s.start[i], c->atoms + c->start[o],
		       n * sizeof(*s.atoms));
		s.start[i + 1] = s.start[i] + n;
	}
	free(order);
	cells_fini(c);
	*c = s;
	if (c->keys.buf == NULL)
		sbuf_add(&c->keys, "", 0);
}

/* ---- equations ---- */

/* Up to two equations per cell: (system, atoms). */
struct eqs {
	struct audit *sys[2];
	uint32_t *atoms[2];
	uint64_t *coef[2]; /* NULL: all 1 */
	uint32_t n[2];
	int count;
};

static void
eqs_fini(struct eqs *q)
{
	free(q->atoms[0]);
	free(q->atoms[1]);
	free(q->coef[0]);
	free(q->coef[1]);
	memset(q, 0, sizeof(*q));
}

static struct audit_eq
eq_of(const struct eqs *q, int k)
{
	struct audit_eq e = { q->atoms[k], q->coef[k], q->n[k] };

	return e;
}

static struct audit *sum_system(struct engine *e, size_t vi);

/* The atoms of cell `ci` whose state of value column `vi` is in `mask`
 * (a bit per enum atom_state). */
static uint32_t *
atoms_where(const struct engine *e, const struct cells *c, size_t ci, size_t vi,
	    unsigned mask, uint32_t *n)
{
	uint32_t i, k = 0, len = c->start[ci + 1] - c->start[ci];
	uint32_t *v = xmalloc((len + 1) * sizeof(*v));

	for (i = 0; i < len; i++) {
		uint32_t a = c->atoms[c->start[ci] + i];

		if (vi == SIZE_MAX ||
		    (mask >> e->tab->state[a * e->tab->nval + vi]) & 1)
			v[k++] = a;
	}
	*n = k;
	return v;
}

/* The weight of every atom of a weighted sum: its value, exactly, modulo
 * the auditor's prime.  An atom whose value cannot be read is left out. */
static uint64_t *
value_weights(const struct engine *e, size_t vi, const uint32_t *atoms,
	      uint32_t n)
{
	uint64_t *w = xcalloc(n + 1, sizeof(*w));
	uint32_t i;

	for (i = 0; i < n; i++) {
		const char *t;
		size_t len;

		if (!atoms_value_text(e->tab, &e->spec, atoms[i], vi, &t,
				      &len) ||
		    !audit_mod_decimal(t, len, e->prime, &w[i]))
			w[i] = 0;
	}
	return w;
}

/*
 * What a released cell tells, as equations over atoms:
 *  - a count: its rows (count system);
 *  - a sum: over a homogeneous column (every row of an atom holds the
 *    same value), the count of each atom times its value, in the count
 *    system, so that sums and counts are one system; over another
 *    column, the sum of the non-zero values, in that column's system;
 *  - a mean: both its count of values and its sum, as above.
 */
static void
cell_equations(struct engine *e, const struct qdef *d, const struct cells *c,
	       size_t ci, struct eqs *q)
{
	size_t vi = d->has_value ? valcol_index(e, d->value_col) : SIZE_MAX;
	bool homogeneous = vi != SIZE_MAX && e->tab->facts[vi].homogeneous;

	memset(q, 0, sizeof(*q));
	if (d->stat == SDC_COUNT) {
		q->sys[0] = e->count_sys;
		q->atoms[0] = atoms_where(e, c, ci, SIZE_MAX, 0, &q->n[0]);
		q->count = 1;
		return;
	}
	if (d->stat == SDC_MEAN) {
		q->sys[q->count] = e->count_sys;
		q->atoms[q->count] = atoms_where(
		    e, c, ci, vi, (1u << ATOM_ZERO) | (1u << ATOM_NONZERO),
		    &q->n[q->count]);
		q->count++;
	}
	q->sys[q->count] = homogeneous ? e->count_sys : sum_system(e, vi);
	q->atoms[q->count] =
	    atoms_where(e, c, ci, vi, 1u << ATOM_NONZERO, &q->n[q->count]);
	if (homogeneous)
		q->coef[q->count] =
		    value_weights(e, vi, q->atoms[q->count], q->n[q->count]);
	q->count++;
}

static void
system_measures(const struct engine *e, size_t vi, uint64_t *m)
{
	size_t a;

	for (a = 0; a < e->tab->natoms; a++)
		m[a] = vi == SIZE_MAX ? e->tab->rows[a]
		       : e->tab->state[a * e->tab->nval + vi] == ATOM_NONZERO
			   ? e->tab->rows[a]
			   : 0;
}

/* The evidence of every atom for value column vi, for its system. */
static struct sdc_evidence *
column_evidence(const struct engine *e, size_t vi)
{
	struct sdc_evidence *ev = xcalloc(e->tab->natoms + 1, sizeof(*ev));
	size_t a;

	for (a = 0; a < e->tab->natoms; a++)
		ev[a] = e->tab->ev[a * e->tab->nval + vi];
	return ev;
}

/* Start the system of value column vi over on the current atoms. */
static void
reset_sum_system(struct engine *e, size_t vi)
{
	uint64_t *m = xcalloc(e->tab->natoms + 1, sizeof(*m));

	system_measures(e, vi, m);
	audit_reset(e->sum_sys[vi], m, (uint32_t)e->tab->natoms);
	free(m);
	free(e->sum_ev[vi]);
	e->sum_ev[vi] = column_evidence(e, vi);
	audit_set_evidence(e->sum_sys[vi], e->sum_ev[vi], &e->params);
}

static struct audit *
sum_system(struct engine *e, size_t vi)
{
	if (vi >= e->nsum) {
		size_t i;

		e->sum_sys = xreallocarray(e->sum_sys, e->spec.nval,
					   sizeof(*e->sum_sys));
		e->sum_ev =
		    xreallocarray(e->sum_ev, e->spec.nval, sizeof(*e->sum_ev));
		for (i = e->nsum; i < e->spec.nval; i++) {
			e->sum_sys[i] =
			    audit_new(e->prime,
				      (uint64_t)(e->params.min_cell > 0
						     ? e->params.min_cell
						     : 0),
				      DECISION_BUDGET);
			e->sum_ev[i] = NULL;
			reset_sum_system(e, i);
		}
		e->nsum = e->spec.nval;
	}
	return e->sum_sys[vi];
}

/* The atoms changed: every system starts over with the equations of the
 * cells released so far, mapped onto the new atoms. */
static void
remap(struct engine *e)
{
	uint64_t *m = xcalloc(e->tab->natoms + 1, sizeof(*m));
	size_t i, qi;

	system_measures(e, SIZE_MAX, m);
	audit_reset(e->count_sys, m, (uint32_t)e->tab->natoms);
	{
		/* The report publishes the data rows of the file: the count
		 * of everyone is known before any answer. */
		uint32_t *all = xmalloc((e->tab->natoms + 1) * sizeof(*all));
		size_t a;

		for (a = 0; a < e->tab->natoms; a++)
			all[a] = (uint32_t)a;
		struct audit_eq q = { all, NULL, (uint32_t)e->tab->natoms };

		audit_add_released(e->count_sys, &q);
		free(all);
	}
	free(m);
	for (i = 0; i < e->nsum; i++)
		reset_sum_system(e, i);
	for (qi = 0; qi < e->nq; qi++) {
		const struct qdef *d = &e->q[qi];
		struct cells c;
		size_t ci, r = 0;

		if (!d->answered || d->nrel == 0)
			continue;
		compute_cells(e, d, &c);
		/* Both lists are in key order: merge them. */
		ci = 0;
		while (ci < c.n && r < d->nrel) {
			int cmp = key_cmp(c.keys.buf + c.koff[ci],
					  d->rkeys.buf + d->rkoff[r], d->nby);
			struct eqs q;
			int k;

			if (cmp < 0) {
				ci++;
				continue;
			}
			if (cmp > 0) {
				r++;
				continue;
			}
			cell_equations(e, d, &c, ci, &q);
			for (k = 0; k < q.count; k++) {
				struct audit_eq ae = eq_of(&q, k);

				audit_add_released(q.sys[k], &ae);
			}
			eqs_fini(&q);
			ci++;
			r++;
		}
		cells_fini(&c);
	}
}

/* ---- refresh ---- */

static void
data_error(const struct engine *e, const struct atoms_result *r,
	   struct sbuf *msg)
{
	const char *m = r->msg;

	if (r->code == ATOMS_FIELDS) {
		if (e->custodian)
			sbuf_printf(msg,
				    "dataset '%s': a row does not have the %zu "
				    "fields of the header",
				    e->name, e->ncols);
		else
			sbuf_printf(msg,
				    "dataset '%s': line %llu: expected %zu "
				    "fields, found %zu",
				    e->name, (unsigned long long)r->line,
				    e->ncols, r->found);
		return;
	}
	/* csvscan's messages start with "line N: " */
	if (e->custodian && strncmp(m, "line ", 5) == 0 &&
	    strstr(m, ": ") != NULL)
		m = strstr(m, ": ") + 2;
	sbuf_printf(msg, "dataset '%s': %s", e->name, m);
}

int
engine_refresh(struct engine *e, struct sbuf *msg, bool *memory)
{
	struct atom_table *nt;
	struct atoms_result res;
	size_t i;

	*memory = false;
	if (!e->dirty && e->tab != NULL)
		return 0;
	atoms_build(e->fd, e->ncols, &e->spec, &nt, &res);
	if (nt == NULL) {
		*memory = res.code == ATOMS_NOMEM;
		if (*memory)
			sbuf_printf(msg, "dataset '%s': %s", e->name, res.msg);
		else
			data_error(e, &res, msg);
		return -1;
	}
	for (i = 0; i < e->spec.nval; i++) {
		const struct atom_colfacts *f = &nt->facts[i];
		const char *col = e->names[e->spec.valcol[i]];

		if (!f->bad)
			continue;
		if (e->custodian)
			sbuf_printf(msg,
				    "dataset '%s': column '%s' holds a value "
				    "that is not a number",
				    e->name, col);
		else
			sbuf_printf(msg,
				    "dataset '%s': line %llu: column '%s': "
				    "'%s' is not a number",
				    e->name, (unsigned long long)f->bad_line,
				    col, f->bad_text);
		atoms_free(nt);
		return -1;
	}
	atoms_free(e->tab);
	e->tab = nt;
	e->dirty = false;
	remap(e);
	return 0;
}

/* ---- answering ---- */

struct rank_ctx {
	const uint64_t *contrib;
};

/* Largest first; equal ones in key order. */
static int
rank_order(const void *x, const void *y, void *arg)
{
	const struct rank_ctx *r = arg;
	uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;

	if (r->contrib[i] != r->contrib[j])
		return r->contrib[i] > r->contrib[j] ? -1 : 1;
	return i < j ? -1 : i > j;
}

void
engine_answer(struct engine *e, size_t qi, struct answer *out)
{
	struct qdef *d = &e->q[qi];
	struct cells c;
	struct eqs *q;
	uint32_t *cand, ncand = 0, i;
	uint64_t *contrib;
	double *pub;
	bool *ok;
	struct audit *systems[64];
	size_t nsys = 0, s;
	struct rank_ctx rc;

	memset(out, 0, sizeof(*out));
	compute_cells(e, d, &c);
	q = xcalloc(c.n + 1, sizeof(*q));
	cand = xcalloc(c.n + 1, sizeof(*cand));
	contrib = xcalloc(c.n + 1, sizeof(*contrib));
	pub = xcalloc(c.n + 1, sizeof(*pub));
	ok = xcalloc(c.n + 1, sizeof(*ok));
	for (i = 0; i < c.n; i++) {
		unsigned flags = 0;
		enum sdc_reason r;

		pub[i] = sdc_publish(&e->params, d->stat, &c.ev[i]);
		r = sdc_primary(&e->params, d->stat, &c.ev[i], pub[i], &flags);
		if (r != SDC_OK) {
			out->withheld[r]++;
			continue;
		}
		contrib[i] = sdc_contributors(d->stat, &c.ev[i]);
		cand[ncand++] = i;
		cell_equations(e, d, &c, i, &q[i]);
	}
	/* Each system learns every candidate first, so its classes are fine
	 * enough for whichever of them it releases. */
	for (i = 0; i < ncand; i++) {
		int k;

		for (k = 0; k < q[cand[i]].count; k++) {
			for (s = 0; s < nsys; s++)
				if (systems[s] == q[cand[i]].sys[k])
					break;
			if (s == nsys && nsys < PT_ARRAY_LEN(systems))
				systems[nsys++] = q[cand[i]].sys[k];
		}
	}
	for (s = 0; s < nsys; s++) {
		struct audit_eq *eqv = xcalloc(2 * ncand + 1, sizeof(*eqv));
		size_t n = 0;
		int k;

		for (i = 0; i < ncand; i++)
			for (k = 0; k < q[cand[i]].count; k++)
				if (q[cand[i]].sys[k] == systems[s])
					eqv[n++] = eq_of(&q[cand[i]], k);
		audit_prepare(systems[s], eqv, n);
		free(eqv);
	}
	rc.contrib = contrib;
	luabox_sort(cand, ncand, sizeof(*cand), rank_order, &rc);
	for (i = 0; i < ncand; i++) {
		struct eqs *x = &q[cand[i]];
		enum audit_verdict v = AUDIT_RELEASED;
		int k;

		for (k = 0; k < x->count && v == AUDIT_RELEASED; k++) {
			struct audit_eq ae = eq_of(x, k);

			v = audit_try(x->sys[k], &ae);
			if (v != AUDIT_RELEASED && k == 1)
				audit_undo(x->sys[0]);
		}
		if (v == AUDIT_RELEASED)
			ok[cand[i]] = true;
		else
			out->withheld[v == AUDIT_BUDGET ? SDC_AUDIT_BUDGET
							: SDC_AUDIT]++;
	}
	/* The released cells, in key order. */
	for (i = 0; i < c.n; i++)
		out->ncells += ok[i];
	out->koff = xcalloc(out->ncells + 1, sizeof(*out->koff));
	out->klen = xcalloc(out->ncells + 1, sizeof(*out->klen));
	out->value = xcalloc(out->ncells + 1, sizeof(*out->value));
	out->ev = xcalloc(out->ncells + 1, sizeof(*out->ev));
	d->rkoff = xcalloc(out->ncells + 1, sizeof(*d->rkoff));
	d->rklen = xcalloc(out->ncells + 1, sizeof(*d->rklen));
	{
		struct sbuf keys = SBUF_INIT;
		size_t n = 0;

		for (i = 0; i < c.n; i++) {
			unsigned flags = 0, r;

			if (!ok[i])
				continue;
			(void)sdc_primary(&e->params, d->stat, &c.ev[i], pub[i],
					  &flags);
			for (r = 0; r < SDC_NREASONS; r++)
				if ((flags >> r) & 1)
					out->flagged[r]++;
			out->koff[n] = d->rkoff[n] = keys.len;
			out->klen[n] = d->rklen[n] = c.klen[i];
			sbuf_add(&keys, c.keys.buf + c.koff[i], c.klen[i]);
			out->value[n] = pub[i];
			out->ev[n] = c.ev[i];
			n++;
		}
		if (keys.buf == NULL)
			sbuf_add(&keys, "", 0);
		sbuf_add(&d->rkeys, keys.buf, keys.len);
		if (d->rkeys.buf == NULL)
			sbuf_add(&d->rkeys, "", 0);
		out->keys = sbuf_steal(&keys);
		d->nrel = n;
		d->answered = true;
	}
	for (i = 0; i < c.n; i++)
		eqs_fini(&q[i]);
	free(q);
	free(cand);
	free(contrib);
	free(pub);
	free(ok);
	cells_fini(&c);
}

void
answer_fini(struct answer *a)
{
	free(a->keys);
	free(a->koff);
	free(a->klen);
	free(a->value);
	free(a->ev);
	memset(a, 0, sizeof(*a));
}

/* ---- the ledger record ---- */

static const char *const stat_names[] = { "count", "sum", "mean" };

void
engine_encode_query(const struct engine *e, size_t qi, uint32_t id,
		    const struct answer *a, bool after_rows, struct sbuf *sb)
{
	const struct qdef *d = &e->q[qi];
	uint32_t n;
	size_t i, j;

	chan_put_u32(sb, id);
	chan_put_cstr(sb, e->name);
	chan_put_cstr(sb, stat_names[d->stat]);
	chan_put_cstr(sb, d->has_value ? e->names[d->value_col] : "");
	chan_put_u32(sb, (uint32_t)d->nby);
	for (i = 0; i < d->nby; i++)
		chan_put_cstr(sb, e->names[d->by[i]]);
	chan_put_u32(sb, (uint32_t)d->nwhere);
	for (i = 0; i < d->nwhere; i++) {
		const struct filter *f = &e->spec.filters[d->filt[i]];

		chan_put_cstr(sb, e->names[f->col]);
		chan_put_u32(sb, (uint32_t)f->nvals);
		for (j = 0; j < f->nvals; j++) {
			if (f->vals[j].isnum) {
				chan_put_u8(sb, CELL_NUM);
				chan_put_f64(sb, f->vals[j].num);
			} else {
				chan_put_u8(sb, CELL_STR);
				chan_put_str(sb, f->vals[j].s, f->vals[j].len);
			}
		}
	}
	chan_put_u32(sb, (uint32_t)a->ncells);
	for (n = 0, i = 1; i < SDC_NREASONS; i++)
		n += a->withheld[i] > 0;
	chan_put_u32(sb, n);
	for (i = 1; i < SDC_NREASONS; i++)
		if (a->withheld[i] > 0) {
			chan_put_cstr(sb, sdc_reason_name((enum sdc_reason)i));
			chan_put_u32(sb, a->withheld[i]);
		}
	for (n = 0, i = 1; i < SDC_NREASONS; i++)
		n += a->flagged[i] > 0;
	chan_put_u32(sb, n);
	for (i = 1; i < SDC_NREASONS; i++)
		if (a->flagged[i] > 0) {
			chan_put_cstr(sb, sdc_reason_name((enum sdc_reason)i));
			chan_put_u32(sb, a->flagged[i]);
		}
	chan_put_u8(sb, after_rows ? 1 : 0);
}
