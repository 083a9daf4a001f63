/*
 * starter.h - `proeftuin init`: a starter bundle shaped by a profile, so
 * that it passes `proeftuin check` against that profile from the start.
 */
#ifndef PROEFTUIN_STARTER_H
#define PROEFTUIN_STARTER_H

#include "profile.h"

/*
 * Create the folder `dir` (it must not exist, or be empty) with
 * experiment.ini, a commented analysis.lua using the data API, and a small
 * synthetic CSV in data/ whose columns are the columns the profile grants
 * for its first readable dataset.  The purpose is the profile's first.
 * Errors: EX_CANTCREAT when `dir` is not empty or cannot be created,
 * EX_CONFIG when the profile grants no dataset or purpose.
 */
int starter_write(const char *dir, const struct profile *p, struct pt_err *err);

#endif
