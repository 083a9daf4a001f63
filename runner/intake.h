/*
 * intake.h - turn BUNDLE (a folder or an archive) into a struct bundle.
 */
#ifndef PROEFTUIN_INTAKE_H
#define PROEFTUIN_INTAKE_H

#include "bundle.h"
#include "profile.h"

/*
 * Take in the bundle at `path` under the profile's [bundle] limits.
 * `path` is a folder, or an archive named .tar, .tar.gz, .tgz, .tar.zst or
 * .zip whose first bytes must agree with its name; archives are parsed
 * only in a sandboxed child (see unpack.h, receive.h) and nothing is ever
 * written to disk.  Every file ends up in `b` as a sealed memfd of exactly
 * the bytes that were hashed.
 *
 * Returns 0 with `b` filled when every entry was accepted; 1 when the bundle
 * was refused, with each reason and entry name in `problems` (a finding, not
 * an error; `b` holds what was accepted and must still be freed); -1 with
 * `err` set when intake could not be done at all (missing path: EX_NOINPUT;
 * another file type, or a name and content that disagree: EX_DATAERR;
 * system failure or no sandbox: EX_OSERR).
 */
int intake_open(const char *path, const struct profile_bundle *limits,
		struct bundle *b, struct intake_problems *problems,
		struct pt_err *err);

#endif
