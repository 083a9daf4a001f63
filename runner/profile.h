/*
 * profile.h - the custodian's profile: which data use is permitted, under
 * which limits and disclosure rules.  Parsed once into a frozen struct;
 * every key is validated and every limit has a conservative default.
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
	enum access access;
	char **columns;
	size_t ncolumns;
	char **identifiers;
	size_t nidentifiers;
	bool personal;
	bool special_category;
	char *path; /* custodian data replacing the sample, or NULL */
	int line;
};

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

struct profile {
	char *path;
	char sha256[PT_SHA256_HEX];
	char *name;
	int64_t version;
	char *owner;
	char **purposes;
	size_t npurposes;
	char *legal_basis;
	char *public_interest;
	struct profile_limits limits;
	struct profile_bundle bundle;
	struct profile_disclosure disclosure;
	struct profile_dataset *datasets;
	size_t ndatasets;
};

/*
 * Load and validate the profile at `path`.  Errors carry err->code
 * EX_CONFIG (78), or EX_NOINPUT (66) when the file is missing, and a
 * message "PATH:LINE: ..." where a line applies.
 */
int profile_load(const char *path, struct profile **out, struct pt_err *err);
void profile_free(struct profile *p);

const struct profile_dataset *profile_dataset(const struct profile *p,
					      const char *name);
const char *access_name(enum access a);
const char *rule_action_name(enum rule_action a);

/* Every effective value, defaults included, as a JSON object. */
struct jv *profile_to_json(const struct profile *p);

#endif
