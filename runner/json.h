/*
 * json.h - a small JSON value tree and its canonical serialisation.
 *
 * The report is built as one tree and written once.  Serialisation follows
 * RFC 8785 (JCS) for the subset the report uses: objects with keys sorted by
 * UTF-16 code units, arrays in order, strings, integers, booleans and null;
 * no whitespace; only `"`, `\` and control characters escaped (lowercase
 * \u00xx).  There are no floating-point numbers: the report carries ratios
 * and fractional values as strings, so no float formatting can differ.
 * Strings that are not valid UTF-8 are repaired (U+FFFD) when set, so the
 * tree always serialises to valid UTF-8 whatever a bundle supplied.
 */
#ifndef PROEFTUIN_JSON_H
#define PROEFTUIN_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

enum jv_kind { JV_NULL, JV_BOOL, JV_INT, JV_STR, JV_ARR, JV_OBJ };

struct jv;

struct jv *jv_null(void);
struct jv *jv_bool(bool b);
struct jv *jv_int(int64_t i);
/* Copies `s`; invalid UTF-8 becomes U+FFFD. */
struct jv *jv_str(const char *s);
struct jv *jv_strn(const char *s, size_t n);
struct jv *jv_arr(void);
/* An array of copies of the `n` strings of `v`. */
struct jv *jv_str_array(char *const *v, size_t n);
struct jv *jv_obj(void);
void jv_free(struct jv *v);

/* Containers take ownership of `val`.  jv_set replaces an existing key. */
void jv_push(struct jv *arr, struct jv *val);
void jv_set(struct jv *obj, const char *key, struct jv *val);
/* Shorthands for jv_set with a new scalar. */
void jv_set_str(struct jv *obj, const char *key, const char *s);
void jv_set_int(struct jv *obj, const char *key, int64_t i);
/* A flag, stored as the string "yes" or "no": the report holds integers
 * and strings only. */
void jv_set_bool(struct jv *obj, const char *key, bool b);
/* Return the child object/array under `key`, creating it if absent. */
struct jv *jv_obj_at(struct jv *obj, const char *key);
struct jv *jv_arr_at(struct jv *obj, const char *key);

enum jv_kind jv_kind(const struct jv *v);
/* Lookups return NULL when absent or of another kind. */
struct jv *jv_get(const struct jv *obj, const char *key);
const char *jv_get_str(const struct jv *obj, const char *key);
bool jv_get_int(const struct jv *obj, const char *key, int64_t *out);
size_t jv_len(const struct jv *v); /* array or object length */
struct jv *jv_at(const struct jv *arr, size_t i);
/* Object members in canonical (sorted) order. */
const char *jv_key_at(const struct jv *obj, size_t i);
struct jv *jv_val_at(const struct jv *obj, size_t i);
const char *jv_str_value(const struct jv *v);
int64_t jv_int_value(const struct jv *v);
bool jv_bool_value(const struct jv *v);

/* Append the canonical serialisation of `v` to `out`. */
void jv_write(const struct jv *v, struct sbuf *out);

/* Compare two UTF-8 strings by UTF-16 code units, as RFC 8785 sorts keys. */
int jv_keycmp(const char *a, const char *b);

#endif
