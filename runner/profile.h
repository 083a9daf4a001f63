/*
 * profile.h - the custodian's profile: which data use is permitted, under
 * which limits and disclosure rules.  Parsed once into a frozen struct:
 * every key is validated, every limit has a conservative default, and after
 * profile_load() the whole profile (strings and arrays included) lives in
 * one read-only mapping, so no later stage can change what was promised.
 * The schema is documented in proeftuin-profile(5).
 */
#ifndef PROEFTUIN_PROFILE_H
#define PROEFTUIN_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct jv;

enum access {
	ACCESS_NONE = 0,
	ACCESS_AGGREGATE,
	ACCESS_ROWS,
};

enum rule_action {
	ACTION_PASS = 0,
	ACTION_REVIEW,
	ACTION_FAIL,
};

struct profile_dataset {
	char *name;
	char *description; /* plain words for the advisor, or "" */
	enum access access;
	char **columns;
	size_t ncolumns;
	char **identifiers;
	size_t nidentifiers;
	bool personal;
	bool special_category;
	bool pseudonymised;
	/* Explicit, named override of the rule that special-category data
	 * is aggregate-only. */
	bool special_category_rows_override;
	char *path; /* custodian data replacing the sample, or NULL */
	int line;   /* of the section's first key */
};

/* [limits]: the sandbox settings a profile controls. */
struct profile_limits {
	int64_t wall_seconds;
	int64_t cpu_seconds;
	int64_t memory_mb;
	int64_t instructions;
	int64_t output_kb;
	int64_t log_kb;
};

struct profile_bundle {
	int64_t max_bytes;
	int64_t max_entries;
	int64_t max_file_bytes;
	int64_t max_ratio;
	int64_t max_depth;
	int64_t max_path;
};

struct profile_disclosure {
	int64_t min_cell;
	int64_t round_to;
	int64_t dominance_n;
	int64_t dominance_k;
	int64_t p_percent;
	int64_t max_rows;
	enum rule_action zeros;
	enum rule_action negatives;
	enum rule_action missing;
};

/* [review]: how many advisors must approve before a held output leaves. */
struct profile_review {
	int64_t reviewers;
};

struct profile {
	char *path;
	char sha256[PT_SHA256_HEX]; /* of exactly the bytes that were parsed */
	char *name;
	int64_t version;
	char *owner;
	char *description; /* or "" */
	char **purposes;
	size_t npurposes;
	char *legal_basis;
	char *public_interest; /* an identifier, see profile_interests */
	char *necessity;       /* AI Act art. 59(1)(b) statement, or NULL */
	struct profile_limits limits;
	struct profile_bundle bundle;
	struct profile_disclosure disclosure;
	struct profile_review review;
	struct profile_dataset *datasets;
	size_t ndatasets;
	size_t frozen_bytes; /* size of the read-only mapping */
};

/*
 * Load and validate the profile at `path`.  Errors carry err->code
 * EX_CONFIG (78), or EX_NOINPUT (66) when the file is missing, and a
 * message "PATH:LINE: ..." where a line applies.  The result is read-only
 * memory: writing to it faults.  Free it with profile_free.
 */
int profile_load(const char *path, struct profile **out, struct pt_err *err);
/* The same for a profile held in memory; `name` is used in messages. */
int profile_parse(const char *buf, size_t len, const char *name,
		  struct profile **out, struct pt_err *err);
void profile_free(const struct profile *p);

const struct profile_dataset *profile_dataset(const struct profile *p,
					      const char *name);
const char *access_name(enum access a);
const char *rule_action_name(enum rule_action a);

/* The AI Act art. 59(1)(a) areas a profile may name as its public
 * interest. */
struct profile_interest {
	const char *id;	     /* e.g. "public-safety" */
	const char *article; /* e.g. "AI Act art. 59(1)(a)(i)" */
	const char *text;    /* plain words */
};
extern const struct profile_interest profile_interests[];
extern const size_t profile_ninterests;
const struct profile_interest *profile_interest(const char *id);

/* The schema, exported so tests can check that every key the parser knows
 * is documented in proeftuin-profile(5).  Dataset keys have section
 * "dataset.NAME". */
enum profile_key_kind {
	PK_TEXT,     /* one line of text */
	PK_NAME,     /* letters, digits, '_', '-', '.' */
	PK_NAMES,    /* comma-separated list of names */
	PK_COLUMNS,  /* comma-separated list of column names */
	PK_INT,	     /* integer in [min, max] */
	PK_BOOL,     /* yes or no */
	PK_ACTION,   /* pass, review or fail */
	PK_ACCESS,   /* none, aggregate or rows */
	PK_INTEREST, /* one of profile_interests */
	PK_PATH,     /* absolute path */
};

struct profile_key {
	const char *section;
	const char *key;
	enum profile_key_kind kind;
	bool required;
	size_t offset;	     /* into struct profile or profile_dataset */
	size_t count_offset; /* lists: where the item count goes */
	int64_t min, max, def;
};
extern const struct profile_key profile_keys[];
extern const size_t profile_nkeys;

/* Every effective value, defaults included, as a JSON object. */
struct jv *profile_to_json(const struct profile *p);

#endif
