/*
 * test_audit.c - the query auditor on small systems whose answer is known
 * (nested filters, totals, sums and means, overlapping groupings, a
 * suppression that must cascade, the budget), and on random systems
 * against a brute-force check: every union of atoms, exact integer rank.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"

#define PRIME 2305843009213693951ull /* 2^61 - 1 */

struct sys {
	struct audit *a;
};

static struct audit *
mk(const uint64_t *measure, uint32_t n, uint64_t threshold)
{
	struct audit *a = audit_new(PRIME, threshold, 1000000);

	audit_reset(a, measure, n);
	return a;
}

static struct audit_eq
E(const uint32_t *atoms, uint32_t n) {
	struct audit_eq e = { atoms, NULL, n };

	return e;
}

/* Declare and try one query's candidates in order; returns a bit mask of
 * the released ones. */
static unsigned
query(struct audit *a, const uint32_t *const *eq, const uint32_t *len, size_t n)
{
	struct audit_eq q[16];
	unsigned mask = 0;
	size_t i;

	for (i = 0; i < n; i++)
		q[i] = E(eq[i], len[i]);
	audit_prepare(a, q, n);
	for (i = 0; i < n; i++)
		if (audit_try(a, &q[i]) == AUDIT_RELEASED)
			mask |= 1u << i;
	return mask;
}

static unsigned
query1(struct audit *a, const uint32_t *eq, uint32_t len)
{
	const uint32_t *e[1] = { eq };

	return query(a, e, &len, 1);
}

/* A table by one key with one small cell (held back by its own rule),
 * then the total: the total minus the published cells is the small
 * cell, so the total is refused. */
static void
test_total_after_cells(void **state)
{
	static const uint64_t m[] = { 20, 15, 3, 12 };
	static const uint32_t c0[] = { 0 }, c1[] = { 1 }, c3[] = { 3 };
	static const uint32_t total[] = { 0, 1, 2, 3 };
	const uint32_t *cells[] = { c0, c1, c3 };
	const uint32_t lens[] = { 1, 1, 1 };
	struct audit *a = mk(m, 4, 10);

	(void)state;
	assert_int_equal(query(a, cells, lens, 3), 7);
	assert_int_equal(query1(a, total, 4), 0);
	audit_free(a);
}

/* The total first: then the last cell that would complete the
 * difference is refused instead (secondary suppression). */
static void
test_cells_after_total(void **state)
{
	static const uint64_t m[] = { 20, 15, 3, 12 };
	static const uint32_t c0[] = { 0 }, c1[] = { 1 }, c3[] = { 3 };
	static const uint32_t total[] = { 0, 1, 2, 3 };
	const uint32_t *cells[] = { c0, c1, c3 };
	const uint32_t lens[] = { 1, 1, 1 };
	struct audit *a = mk(m, 4, 10);

	(void)state;
	assert_int_equal(query1(a, total, 4), 1);
	/* c3 would make c2 = total - c0 - c1 - c3 derivable */
	assert_int_equal(query(a, cells, lens, 3), 3);
	audit_free(a);
}

/* Two small cells held back together: their union is derivable from the
 * total and must itself be large. */
static void
test_two_small_cells(void **state)
{
	static const uint64_t m[] = { 20, 15, 3, 4 };
	static const uint32_t total[] = { 0, 1, 2, 3 };
	static const uint32_t c0[] = { 0 }, c1[] = { 1 };
	const uint32_t *cells[] = { c0, c1 };
	const uint32_t lens[] = { 1, 1 };
	struct audit *a = mk(m, 4, 10);

	(void)state;
	assert_int_equal(query1(a, total, 4), 1);
	/* c2 + c3 = 7 < 10: the second cell completes it */
	assert_int_equal(query(a, cells, lens, 2), 1);
	audit_free(a);
	/* with c3 of 8 the union is 11 and both may go */
	{
		static const uint64_t m2[] = { 20, 15, 3, 8 };

		a = mk(m2, 4, 10);
		assert_int_equal(query1(a, total, 4), 1);
		assert_int_equal(query(a, cells, lens, 2), 3);
		audit_free(a);
	}
}

/* where zone in {A, B} and then where zone = A: the difference is B. */
static void
test_nested_filters(void **state)
{
	static const uint64_t m[] = { 40, 2, 30 };
	static const uint32_t ab[] = { 0, 1 }, a_[] = { 0 }, bc[] = { 1, 2 },
			      c_[] = { 2 };
	struct audit *a = mk(m, 3, 10);

	(void)state;
	assert_int_equal(query1(a, ab, 2), 1);
	assert_int_equal(query1(a, a_, 1), 0);
	/* another way to the same atom: B + C and C */
	assert_int_equal(query1(a, bc, 2), 1);
	assert_int_equal(query1(a, c_, 1), 0);
	audit_free(a);
}

/* The same population twice (two outputs, or count and mean) adds
 * nothing and is released. */
static void
test_same_population(void **state)
{
	static const uint64_t m[] = { 12, 30 };
	static const uint32_t x[] = { 0, 1 };
	struct audit *a = mk(m, 2, 10);

	(void)state;
	assert_int_equal(query1(a, x, 2), 1);
	assert_int_equal(query1(a, x, 2), 1);
	assert_int_equal(audit_equations(a), 2);
	audit_free(a);
}

/*
 * Overlapping groupings: a 2 x 3 table (rows r, columns k) of atoms; the
 * released margins by r and by k, then the inner cells.  Atom (1, 2) is
 * small.  Once all but one inner cell of row 1 are out, that cell and
 * (1, 2) are tied; the cascade must hold back enough cells that (1, 2)
 * stays underivable.
 */
static void
test_overlapping_groupings(void **state)
{
	/* atoms: index r * 3 + k */
	static const uint64_t m[] = { 30, 25, 20, 18, 22, 4 };
	static const uint32_t r0[] = { 0, 1, 2 }, r1[] = { 3, 4, 5 };
	static const uint32_t k0[] = { 0, 3 }, k1[] = { 1, 4 }, k2[] = { 2, 5 };
	static const uint32_t i0[] = { 0 }, i1[] = { 1 }, i2[] = { 2 },
			      i3[] = { 3 }, i4[] = { 4 };
	const uint32_t *rows[] = { r0, r1 };
	const uint32_t rl[] = { 3, 3 };
	const uint32_t *cols[] = { k0, k1, k2 };
	const uint32_t cl[] = { 2, 2, 2 };
	const uint32_t *inner[] = { i0, i1, i2, i3, i4 };
	const uint32_t il[] = { 1, 1, 1, 1, 1 };
	struct audit *a = mk(m, 6, 10);
	unsigned got;

	(void)state;
	assert_int_equal(query(a, rows, rl, 2), 3);
	/* k2 = {2, 5}: with r0, r1 and k0, k1 everything is still a sum of
	 * two unknowns per row; all margins may go */
	assert_int_equal(query(a, cols, cl, 3), 7);
	got = query(a, inner, il, 5);
	/* Whatever was released, atom 5 must not be derivable: check it by
	 * trying to release it as a candidate of its own. */
	{
		static const uint32_t i5[] = { 5 };

		assert_int_equal(query1(a, i5, 1), 0);
	}
	/* and not everything could go */
	assert_true(got != 31);
	audit_free(a);
}

/* A sum system: atoms of measure 0 are known zeros; a sum over 12 rows
 * with one non-zero value is a single person's value. */
static void
test_zero_measure(void **state)
{
	static const uint64_t m[] = { 0, 1, 20 };
	static const uint32_t all[] = { 0, 1, 2 }, big[] = { 2 },
			      zeroes_and_one[] = { 0, 1 };
	struct audit *a = mk(m, 3, 10);

	(void)state;
	assert_int_equal(query1(a, all, 3), 1);
	/* all - big = {0, 1}: measure 1 */
	assert_int_equal(query1(a, big, 1), 0);
	assert_int_equal(query1(a, zeroes_and_one, 2), 0);
	audit_free(a);
}

/* A mean: both its equations or neither. */
static void
test_undo(void **state)
{
	static const uint64_t m[] = { 20, 3, 15 };
	static const uint32_t x[] = { 0, 1, 2 }, y[] = { 0, 2 };
	struct audit *a = mk(m, 3, 10);
	const uint32_t *e[] = { y };
	const uint32_t l[] = { 2 };

	(void)state;
	assert_int_equal(query1(a, x, 3), 1);
	{
		struct audit_eq q = E(e[0], l[0]);

		audit_prepare(a, &q, 1);
		assert_int_equal(audit_equations(a), 1);
		/* y alone would expose atom 1; refused, nothing changed */
		assert_int_equal(audit_try(a, &q), AUDIT_REFUSED);
	}
	assert_int_equal(audit_equations(a), 1);
	audit_free(a);

	a = mk(m, 3, 10);
	{
		static const uint32_t z[] = { 0 };
		const uint32_t *e2[] = { z };
		const uint32_t l2[] = { 1 };

		struct audit_eq q = E(e2[0], l2[0]);

		audit_prepare(a, &q, 1);
		assert_int_equal(audit_try(a, &q), AUDIT_RELEASED);
		assert_int_equal(audit_equations(a), 1);
		audit_undo(a);
		assert_int_equal(audit_equations(a), 0);
	}
	audit_free(a);
}

/* Nothing to protect with a threshold of 1. */
static void
test_threshold_one(void **state)
{
	static const uint64_t m[] = { 1, 1 };
	static const uint32_t x[] = { 0, 1 }, y[] = { 0 };
	struct audit *a = mk(m, 2, 1);

	(void)state;
	assert_int_equal(query1(a, x, 2), 1);
	assert_int_equal(query1(a, y, 1), 1);
	audit_free(a);
}

/* A tiny budget: the auditor cannot decide and refuses. */
static void
test_budget(void **state)
{
	static const uint64_t m[] = { 2, 2, 2, 2, 2, 2, 2, 2 };
	static uint32_t eqs[8][8];
	const uint32_t *e[8];
	uint32_t l[8];
	struct audit *a = audit_new(PRIME, 10, 3);
	unsigned i, j, got;

	(void)state;
	audit_reset(a, m, 8);
	for (i = 0; i < 8; i++) {
		l[i] = 0;
		for (j = 0; j < 8; j++)
			if ((i + j) % 3 != 0)
				eqs[i][l[i]++] = j;
		e[i] = eqs[i];
	}
	got = query(a, e, l, 8);
	assert_true(got != 255);
	audit_free(a);
}

/* ---- random systems against brute force ---- */

static uint64_t rng_state = 42;

static uint32_t
rnd(uint32_t n)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)((rng_state >> 33) % n);
}

/* Exact rank of integer rows (n x m, m <= 16, small entries) by
 * fraction-free Bareiss elimination in 128-bit integers. */
static int
exact_rank(const int64_t rows[][16], int n, int m)
{
	__int128 mat[64][16], prev = 1;
	int r = 0, c, i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < m; j++)
			mat[i][j] = rows[i][j];
	for (c = 0; c < m && r < n; c++) {
		int piv = -1;

		for (i = r; i < n; i++)
			if (mat[i][c] != 0) {
				piv = i;
				break;
			}
		if (piv < 0)
			continue;
		for (j = 0; j < m; j++) {
			__int128 t = mat[r][j];

			mat[r][j] = mat[piv][j];
			mat[piv][j] = t;
		}
		for (i = r + 1; i < n; i++) {
			for (j = c + 1; j < m; j++)
				mat[i][j] = (mat[r][c] * mat[i][j] -
					     mat[i][c] * mat[r][j]) /
					    prev;
			mat[i][c] = 0;
		}
		prev = mat[r][c];
		r++;
	}
	return r;
}

/* True when some union of atoms with a measure of 1 .. threshold - 1 is
 * in the row space of `rows`. */
static bool
brute_unsafe(int64_t rows[][16], int n, const uint64_t *measure, int m,
	     uint64_t threshold)
{
	unsigned t;
	int base, j;

	if (n == 0)
		return false;
	base = exact_rank((const int64_t(*)[16])rows, n, m);
	for (t = 1; t < (1u << m); t++) {
		uint64_t s = 0;

		for (j = 0; j < m; j++)
			if ((t >> j) & 1)
				s += measure[j];
		if (s == 0 || s >= threshold)
			continue;
		for (j = 0; j < m; j++)
			rows[n][j] = (t >> j) & 1;
		if (exact_rank((const int64_t(*)[16])rows, n + 1, m) == base)
			return true;
	}
	return false;
}

/*
 * Random queries (partitions of a random subset of atoms, like a `by`
 * under a `where`; some weighted by the atoms' values, like a sum over a
 * column with few values) on random atom sizes: after every query, what
 * the auditor released must be safe by brute force, and each refused cell
 * must have been unsafe to add (the auditor is exact, not merely safe,
 * when it stays within its budget).
 */
static void
test_random_against_brute_force(void **state)
{
	int round;

	(void)state;
	for (round = 0; round < 400; round++) {
		int m = 3 + (int)rnd(10), q, nq = 1 + (int)rnd(6), nrel = 0;
		uint64_t measure[16], threshold = 3 + rnd(8), value[16];
		static int64_t released[65][16];
		uint16_t nonzero = 0;
		struct audit *a = audit_new(PRIME, threshold, 10000000);
		int j;

		/* Atoms of measure 0 are known zeros to the auditor; the
		 * brute force leaves them out the same way. */
		for (j = 0; j < m; j++) {
			measure[j] = rnd(4) == 0 ? 0 : 1 + rnd(12);
			value[j] = 1 + rnd(3);
			if (measure[j] > 0)
				nonzero |= (uint16_t)(1u << j);
		}
		audit_reset(a, measure, (uint32_t)m);
		for (q = 0; q < nq && nrel < 56; q++) {
			uint32_t eqs[8][16], lens[8] = { 0 };
			uint64_t coefs[8][16];
			struct audit_eq e[8];
			int ncell = 1 + (int)rnd(4), c;
			bool weighted = rnd(3) == 0;

			for (j = 0; j < m; j++) {
				if (rnd(3) == 0)
					continue; /* outside the where */
				c = (int)rnd((uint32_t)ncell);
				coefs[c][lens[c]] = weighted ? value[j] : 1;
				eqs[c][lens[c]++] = (uint32_t)j;
			}
			for (c = 0; c < ncell; c++) {
				e[c].atoms = eqs[c];
				e[c].coef = coefs[c];
				e[c].n = lens[c];
			}
			audit_prepare(a, e, (size_t)ncell);
			for (c = 0; c < ncell; c++) {
				enum audit_verdict v;
				bool unsafe_if_added;
				uint32_t k;

				if (lens[c] == 0)
					continue;
				memset(released[nrel], 0, sizeof(released[0]));
				for (k = 0; k < lens[c]; k++)
					if ((nonzero >> eqs[c][k]) & 1)
						released[nrel][eqs[c][k]] =
						    (int64_t)coefs[c][k];
				unsafe_if_added = brute_unsafe(
				    released, nrel + 1, measure, m, threshold);
				v = audit_try(a, &e[c]);
				assert_int_not_equal(v, AUDIT_BUDGET);
				if (v == AUDIT_RELEASED) {
					assert_false(unsafe_if_added);
					nrel++;
				} else {
					assert_true(unsafe_if_added);
				}
			}
			assert_false(brute_unsafe(released, nrel, measure, m,
						  threshold));
		}
		audit_free(a);
	}
}

/* A sum over atoms whose rows hold one value each is their counts times
 * the values: with the count of the same rows, "sum - count" is the
 * number of rows holding 2, here 3. */
static void
test_weighted_sum_minus_count(void **state)
{
	static const uint64_t m[] = { 7, 3 };
	static const uint32_t both[] = { 0, 1 };
	static const uint64_t values[] = { 1, 2 };
	struct audit *a = mk(m, 2, 10);
	struct audit_eq count = { both, NULL, 2 }, sum = { both, values, 2 };

	(void)state;
	audit_prepare(a, &count, 1);
	assert_int_equal(audit_try(a, &count), AUDIT_RELEASED);
	audit_prepare(a, &sum, 1);
	assert_int_equal(audit_try(a, &sum), AUDIT_REFUSED);
	audit_free(a);
	/* count and sum determine both groups: with 12 and 15 rows, fine */
	{
		static const uint64_t m2[] = { 12, 15 };

		a = mk(m2, 2, 10);
		audit_prepare(a, &count, 1);
		assert_int_equal(audit_try(a, &count), AUDIT_RELEASED);
		audit_prepare(a, &sum, 1);
		assert_int_equal(audit_try(a, &sum), AUDIT_RELEASED);
		audit_free(a);
	}
}

/* Sums of G + H and of G: H's sum is known on its own, and one income
 * dominates it. */
static void
test_dominance_by_differencing(void **state)
{
	static const uint64_t m[] = { 20, 12 };
	static const uint32_t gh[] = { 0, 1 }, g[] = { 0 };
	struct sdc_evidence ev[2];
	struct sdc_params p = { 10,	      1,	   2,
				85,	      10,	   SDC_ACT_PASS,
				SDC_ACT_PASS, SDC_ACT_PASS };
	struct audit *a = mk(m, 2, 10);
	struct audit_eq e1 = { gh, NULL, 2 }, e2 = { g, NULL, 1 };

	(void)state;
	memset(ev, 0, sizeof(ev));
	ev[0].rows = ev[0].values = ev[0].nonzero = 20;
	ev[0].sum = ev[0].abs_sum = 2000000;
	ev[0].top[0] = ev[0].top[1] = 110000;
	ev[0].ntop = 2;
	ev[1].rows = ev[1].values = ev[1].nonzero = 12;
	ev[1].sum = ev[1].abs_sum = 1300000;
	ev[1].top[0] = 1234567;
	ev[1].top[1] = 9000;
	ev[1].ntop = 2;
	audit_set_evidence(a, ev, &p);
	audit_prepare(a, &e1, 1);
	assert_int_equal(audit_try(a, &e1), AUDIT_RELEASED);
	audit_prepare(a, &e2, 1);
	assert_int_equal(audit_try(a, &e2), AUDIT_REFUSED);
	audit_free(a);
}

static void
test_mod_decimal(void **state)
{
	uint64_t x, y, z;

	(void)state;
	assert_true(audit_mod_decimal("1.5", 3, PRIME, &x));
	assert_true(audit_mod_decimal("3", 1, PRIME, &y));
	assert_int_equal((x * 2) % PRIME, y);
	assert_true(audit_mod_decimal("2.5e1", 5, PRIME, &x));
	assert_true(audit_mod_decimal("25", 2, PRIME, &y));
	assert_int_equal(x, y);
	assert_true(audit_mod_decimal("-3", 2, PRIME, &z));
	assert_int_equal((z + 3) % PRIME, 0);
	assert_true(audit_mod_decimal("+.5", 3, PRIME, &x));
	assert_false(audit_mod_decimal("1x", 2, PRIME, &x));
	assert_false(audit_mod_decimal("", 0, PRIME, &x));
}

static void
test_prime(void **state)
{
	uint64_t p = audit_prime(1), q = audit_prime(2);

	(void)state;
	assert_true(p >= (1ull << 61) && p < (1ull << 62));
	assert_true(q != p);
	assert_int_equal(audit_prime(1), p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_total_after_cells),
		cmocka_unit_test(test_cells_after_total),
		cmocka_unit_test(test_two_small_cells),
		cmocka_unit_test(test_nested_filters),
		cmocka_unit_test(test_same_population),
		cmocka_unit_test(test_overlapping_groupings),
		cmocka_unit_test(test_zero_measure),
		cmocka_unit_test(test_undo),
		cmocka_unit_test(test_threshold_one),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_random_against_brute_force),
		cmocka_unit_test(test_weighted_sum_minus_count),
		cmocka_unit_test(test_dominance_by_differencing),
		cmocka_unit_test(test_mod_decimal),
		cmocka_unit_test(test_prime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
