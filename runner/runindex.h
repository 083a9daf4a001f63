/*
 * runindex.h - array tasks on an existing engine (Slurm job arrays,
 * Kubernetes Indexed Jobs): the task list, result folders keyed by digest,
 * one small record per task, and the summary of a results root.
 *
 * A results root ROOT holds
 *
 *	ROOT/BUNDLE_DIGEST-PROFILE_SHA256/report/   the report folder
 *	ROOT/BUNDLE_DIGEST-PROFILE_SHA256/lock      serialises its writers
 *	ROOT/tasks/N.json                           what task N did
 *
 * The report folder is written by outdir_commit (a temporary folder in the
 * key folder, then one rename), so it is either absent or complete; the
 * task records are replaced with one rename each.  Nothing here prints or
 * exits (cmd_scale.c does).
 */
#ifndef PROEFTUIN_RUNINDEX_H
#define PROEFTUIN_RUNINDEX_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"
#include "profile.h"
#include "report.h"
#include "util.h"

#define RI_MAX_LIST (16u << 20)
#define RI_MAX_INDEX 999999999u
#define RI_KEY_LEN (2 * (PT_SHA256_HEX - 1) + 1)

/* One line of LIST that is not blank and not a comment. */
struct ri_task {
	size_t index;	    /* 0-based among the task lines */
	unsigned line;	    /* 1-based line number in LIST */
	char *bundle;	    /* as written in LIST */
	char *profile;	    /* as written in LIST */
	char *bundle_path;  /* resolved against LIST's folder */
	char *profile_path; /* resolved against LIST's folder */
	char *problem;	    /* NULL, or why this line is not a usable task */
};

struct ri_list {
	char sha256[PT_SHA256_HEX]; /* of LIST's bytes */
	struct ri_task *v;
	size_t n;
};

/*
 * Read the task list at `path`: one task per line, "BUNDLE PROFILE"
 * separated by spaces or tabs; blank lines and lines whose first non-blank
 * character is '#' are no task; relative paths are relative to the folder
 * of LIST.  A line with another number of fields still takes its index
 * (with `problem` set), so a typo cannot shift the tasks after it onto
 * other indexes.  -1 with `err` (66 missing, 65 not a text list, 74 I/O).
 */
int ri_list_load(const char *path, struct ri_list *l, struct pt_err *err);
void ri_list_fini(struct ri_list *l);

/*
 * The task index: `opt` (--index) when given, else $JOB_COMPLETION_INDEX,
 * else $SLURM_ARRAY_TASK_ID; 0-based, decimal digits only.  *source names
 * where it came from.  -1 with err->code 64 when none is set or one is not
 * a number.
 */
int ri_index(const char *opt, size_t *index, const char **source,
	     struct pt_err *err);

/*
 * The digest that keys a bundle's result: the bundle digest as the report
 * names it (intake under the profile's [bundle] limits, so an archive and
 * a folder with the same files are one key).  A regular file that intake
 * refuses outright (wrong name or content) is keyed by the SHA-256 of its
 * bytes with *as_file set: its report has no bundle digest.  -1 with
 * `err` (66 missing, 65 neither a folder nor a regular file, 71, 74).
 */
int ri_bundle_key(const char *path, const struct profile *p,
		  char digest[PT_SHA256_HEX], bool *as_file,
		  struct pt_err *err);

/* Create ROOT (its parent must exist) and ROOT/tasks.  73 on failure. */
int ri_root_prepare(const char *root, struct pt_err *err);

/*
 * Create ROOT/KEY and take its lock (flock, waiting for a running writer
 * of the same key).  *fd is the lock, or -1 where the file system has no
 * locks (then two writers race, and the rename in outdir_commit decides:
 * the loser finds the winner's report).  73 on failure.
 */
int ri_lock_key(const char *keydir, int *fd, struct pt_err *err);

/*
 * Read the finished report folder `dir`: report.json must parse, carry
 * `bundle_digest` (NULL: not checked; "" for a file-keyed bundle) and
 * `profile_sha256`, and be listed with its digest in SHA256SUMS.  1 with
 * *verdict set when it is such a report; 0 when `dir` does not exist; -1
 * with `err` when something else is there (65).
 */
int ri_result_read(const char *dir, const char *bundle_digest,
		   const char *profile_sha256, enum status *verdict,
		   struct pt_err *err);

/* Replace ROOT/tasks/INDEX.json with `rec` (canonical JSON, one rename),
 * fsynced when `durable` (a final record; a "running" one lost to a crash
 * reads as missing, which says the same).  74 (or 73) on failure; the
 * earlier record is then unchanged. */
int ri_record_write(const char *root, size_t index, const struct jv *rec,
		    bool durable, struct pt_err *err);

/*
 * The summary of ROOT: one row per task, by index; with `list` the tasks
 * are the list's, else those the records name (each record carries its
 * list's task count and digest).  Each row: index, state (done, missing,
 * running, error, broken, foreign), bundle, profile, verdict, report path
 * (relative to ROOT), exit status, error.  *status is 66 when any task is
 * not done, else the worst verdict's exit status (0, 1, 2).  -1 with `err`
 * when ROOT cannot be read.
 */
int ri_collect(const char *root, const struct ri_list *list,
	       struct jv **summary, int *status, struct pt_err *err);

/* The summary as a Markdown table; every cell escaped (md_inline). */
void ri_summary_markdown(const struct jv *summary, struct sbuf *out);

/* "PASS", "REVIEW", "FAIL" to a status; -1 for anything else. */
int ri_verdict_parse(const char *s, enum status *out);

#endif
