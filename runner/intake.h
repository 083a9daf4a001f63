/*
 * intake.h - turn BUNDLE (a folder or an archive) into a struct bundle.
 */
#ifndef PROEFTUIN_INTAKE_H
#define PROEFTUIN_INTAKE_H

#include "bundle.h"
#include "profile.h"

/*
 * Take in the bundle at `path` under the profile's [bundle] limits.
 * Returns 0 with `b` filled when every entry was accepted; 1 when the bundle
 * was refused, with each reason in `problems` (a finding, not an error);
 * -1 with `err` set when intake could not be done at all (missing path:
 * EX_NOINPUT, unsupported kind: EX_DATAERR, system failure: EX_OSERR).
 */
int intake_open(const char *path, const struct profile_bundle *limits,
		struct bundle *b, struct intake_problems *problems,
		struct pt_err *err);

#endif
