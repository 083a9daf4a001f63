/*
 * suggest.h - "did you mean": the nearest of a few known words to a word
 * someone typed (a manifest key, a purpose, a column).
 */
#ifndef PROEFTUIN_SUGGEST_H
#define PROEFTUIN_SUGGEST_H

#include <stddef.h>

/* The candidate closest to `word` by edit distance (insertions, deletions,
 * substitutions and swaps of two neighbours each count 1), if it is close
 * enough to be a slip: at most 1 edit for words up to 4 bytes, 2 up to 8,
 * else 3.  NULL when none is, or when `word` is itself a candidate. */
const char *suggest_word(const char *word, const char *const *cands, size_t n);

/* "'a', 'b' and 'c'" (a new string), or "none" for no words. */
char *quoted_list(char *const *v, size_t n);

#endif
