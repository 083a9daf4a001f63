/*
 * atoms.h - the atoms of a dataset: the rows grouped by every column any
 * query has named, so that every cell of every query is a union of atoms.
 *
 * A column used in some `by` is an exact column: each distinct value (the
 * bytes of the cell) is its own class.  A column used only in `where` is a
 * filter column: a value's class is the set of filters on that column it
 * passes, so a filter on a column with a million distinct values costs two
 * classes, not a million.  Each value column adds its state (missing,
 * zero, non-zero) to the atom key.  Per atom the table keeps the rows and,
 * per value column, the evidence of the values (sdc.h).
 *
 * A value column with few distinct values (at most ATOMS_DISCRETE) also
 * splits the atoms by its exact value, so that every row of an atom holds
 * the same value and a sum over atoms is their counts times their values;
 * once the column shows more values the split is undone.  A value column
 * that is also an exact predicate column is split by it anyway.
 *
 * One pass over the file builds the table, reading every value column in
 * every row whatever the filters: whether a value is malformed is decided
 * over the whole column, so an error cannot tell a script which rows a
 * filter selected.  The table uses its own allocator with its own cap,
 * apart from the script's memory: what the engine needs depends on the
 * data, and a script must not be able to sit just below a limit it can
 * push.
 */
#ifndef PROEFTUIN_ATOMS_H
#define PROEFTUIN_ATOMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "query.h"
#include "sdc.h"

/* Distinct non-zero values up to which a value column splits the atoms. */
#define ATOMS_DISCRETE 32

/* A value column's state inside one atom. */
enum atom_state {
	ATOM_MISSING = 0,
	ATOM_ZERO = 1,
	ATOM_NONZERO = 2,
};

/* A column the atoms are split by. */
struct atom_pred {
	size_t col;
	bool exact;
	uint32_t *sets; /* filter columns: filter ids (atom_spec.filters) */
	uint32_t nsets;
};

/* What the atoms are split by.  Filters are owned copies. */
struct atom_spec {
	struct atom_pred *pred;
	size_t npred;
	struct filter *filters;
	size_t nfilters;
	size_t *valcol;
	size_t nval;
	size_t
	    *valpred;  /* per value column: its exact predicate, or SIZE_MAX */
	uint32_t ntop; /* largest values kept per cell (dominance_n) */
};

/* Whole-column facts of a value column, from the last pass. */
struct atom_colfacts {
	bool bad;	       /* some cell is not a number */
	uint64_t bad_line;     /* the first such cell's line */
	char bad_text[44];     /* and up to 40 bytes of it */
	bool constant;	       /* every non-zero value is the same */
	double constant_value; /* that value */
	uint64_t missing, nonzero;
	bool discrete; /* at most ATOMS_DISCRETE distinct non-zero values */
	/* every row of an atom holds the same value: discrete, or split by
	 * an exact predicate on the column */
	bool homogeneous;
};

struct atom_table {
	size_t natoms;
	uint64_t *rows;		 /* per atom */
	uint8_t *state;		 /* natoms x nval */
	struct sdc_evidence *ev; /* natoms x nval */
	uint32_t *vtext;	 /* natoms x nval: offset of the value's
				    text in vpool (homogeneous columns,
				    non-zero atoms) */
	uint32_t *vtlen;
	char *vpool;
	size_t vplen, vpcap;
	char *keys;		     /* encoded keys */
	size_t *koff;		     /* per atom */
	uint32_t *klen;		     /* per atom */
	struct atom_colfacts *facts; /* per value column */
	uint64_t rows_total;	     /* data rows of the file */
	size_t npred, nval;	     /* of the spec it was built for */
	/* hash index, used while building */
	uint32_t *slot;
	size_t nslot;
	size_t cap, kcap, klenall;
};

enum atoms_error {
	ATOMS_OK = 0,
	ATOMS_SCAN,   /* the file is malformed: see msg (with "line N: ") */
	ATOMS_FIELDS, /* a row with the wrong number of fields */
	ATOMS_NOMEM,  /* the engine's memory cap */
};

struct atoms_result {
	enum atoms_error code;
	uint64_t line; /* of ATOMS_FIELDS */
	size_t found;  /* fields found there */
	char msg[256];
};

/* The engine's memory cap (bytes) for atom tables and their scratch. */
void atoms_set_cap(uint64_t bytes);

/* Build the atom table of `fd` (a CSV whose header has `ncols` columns)
 * for `spec`.  *out is NULL on error. */
void atoms_build(int fd, size_t ncols, const struct atom_spec *spec,
		 struct atom_table **out, struct atoms_result *res);
void atoms_free(struct atom_table *t);

/* The exact value of predicate column `p` (an exact one) in atom `a`;
 * returns false when the cell was empty (a missing key). */
bool atoms_exact(const struct atom_table *t, const struct atom_spec *spec,
		 size_t a, size_t p, const char **s, size_t *len);
/* The text of the one value of value column `v` in atom `a`, when the
 * column is homogeneous and the atom's state is non-zero. */
bool atoms_value_text(const struct atom_table *t, const struct atom_spec *spec,
		      size_t a, size_t v, const char **s, size_t *len);
/* Does atom `a` pass filter `f` (an id of spec->filters) on the
 * predicate column `p`? */
bool atoms_passes(const struct atom_table *t, const struct atom_spec *spec,
		  size_t a, size_t p, uint32_t f);

#endif
