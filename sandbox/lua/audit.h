/*
 * audit.h - the query auditor: every answer a script has been given, kept
 * as a linear system, and a new answer released only if the system stays
 * safe.
 *
 * The unknowns are the atoms of the common refinement of all queries on a
 * dataset (the caller numbers them); each released cell is an equation:
 * the weighted sum of some atoms is known.  Weights are 1 for a count; a
 * sum over atoms whose value is the same for every row of an atom (a
 * column with few distinct values, or one the script also filters on) is
 * the count of each atom times its value, so "sum minus count" is seen for
 * the group of rows it is.  An atom's measure is what the threshold counts
 * for it: rows in the count system, non-zero values in the system of one
 * value column's sums.  A population is any union of atoms; it is
 * derivable when its 0/1 indicator lies in the row space of the released
 * equations (differences of nested filters, a total minus published
 * cells, several tables over the same people all are).  The system is
 * safe when no derivable population has a measure from 1 to threshold - 1
 * and, where the caller gives evidence (sums), no class of atoms that the
 * equations determine on its own is dominated or breaks the p% rule.  This
 * is Chin and Ozsoyoglu's Audit Expert (1982) generalised from single
 * records to small groups.
 *
 * How it decides, exactly and with a bounded amount of work:
 *  - atoms that every equation treats alike (same membership, same
 *    weight) are merged into classes by partition refinement, so a
 *    refinement finer than the answers costs nothing;
 *  - the equations are kept in echelon form modulo a large prime, with the
 *    classes of measure >= threshold ("large") ordered first.  Every
 *    derivable small population avoids the large classes, so it lies in
 *    the span of the rows whose pivot is a small class; after reducing
 *    those rows against each other, a 0/1 vector in their span is the
 *    plain sum of the rows whose pivots it contains;
 *  - a search over those rows looks for a 0/1 sum of small measure.  Only
 *    rows linked to the new one through shared columns can take part in a
 *    new one (any other 0/1 sum was checked before), and the search
 *    propagates: a column with one undecided row left forces that row in
 *    or out.
 * Arithmetic modulo a prime can only make more vectors look dependent than
 * over the rationals for a matrix whose minors the prime divides; the
 * prime comes from the caller (a hash of the data), so a script cannot aim
 * at it.  When the search or an elimination would pass the work budget,
 * the answer is refused: fail closed.
 *
 * Atoms of measure 0 (all values zero) are treated as known to the script,
 * which can only find more derivable populations: conservative.
 */
#ifndef PROEFTUIN_AUDIT_H
#define PROEFTUIN_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdc.h"

struct audit;

/* An equation: atoms (sorted, unique) and their weights modulo the prime
 * (NULL: every weight is 1; a weight of 0 leaves the atom out). */
struct audit_eq {
	const uint32_t *atoms;
	const uint64_t *coef;
	uint32_t n;
};

/* A prime in [2^61, 2^62) derived from `seed`. */
uint64_t audit_prime(uint64_t seed);

/* The exact value of a decimal number (query.h syntax) modulo `p`; false
 * when `s` is not one. */
bool audit_mod_decimal(const char *s, size_t len, uint64_t p, uint64_t *out);

/* `threshold`: populations of 1 to threshold - 1 must not be derivable
 * (<= 1: nothing to protect).  `budget`: work units per decision. */
struct audit *audit_new(uint64_t prime, uint64_t threshold, uint64_t budget);
void audit_free(struct audit *a);

/* Replace the atoms and forget every equation. */
void audit_reset(struct audit *a, const uint64_t *measure, uint32_t natoms);

/* Evidence of every atom (natoms, after audit_reset; borrowed until the
 * next reset): classes the equations determine alone must then also pass
 * dominance and the p% rule of `p`. */
void audit_set_evidence(struct audit *a, const struct sdc_evidence *ev,
			const struct sdc_params *p);

/* Record an equation that was released before (after audit_reset, to map
 * earlier answers onto new atoms). */
void audit_add_released(struct audit *a, const struct audit_eq *eq);

/* Declare the candidate equations of the next query, so that the classes
 * are fine enough for any of them. */
void audit_prepare(struct audit *a, const struct audit_eq *cand, size_t n);

enum audit_verdict {
	AUDIT_REFUSED = 0, /* it would make a small population derivable */
	AUDIT_RELEASED = 1,
	AUDIT_BUDGET = 2, /* refused: the budget was spent before deciding */
};

/* Release the equation (one of the declared candidates) if the system
 * stays safe; a refused equation leaves the system as it was. */
enum audit_verdict audit_try(struct audit *a, const struct audit_eq *eq);
/* Take back the equation of the last audit_try that released one, also
 * across a refused try (a mean whose second equation is refused). */
void audit_undo(struct audit *a);

/* Work units spent so far, and the released equations: for the ledger
 * and the benchmark. */
uint64_t audit_work(const struct audit *a);
size_t audit_equations(const struct audit *a);

#endif
