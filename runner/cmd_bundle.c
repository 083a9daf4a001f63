/* cmd_bundle.c - `proeftuin pack` and `proeftuin init`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "pack.h"
#include "profile.h"
#include "starter.h"

#define PACK_USAGE "proeftuin pack DIR [-o FILE] [--force]"
#define INIT_USAGE "proeftuin init DIR [--profile PROFILE]"

/* DIR without trailing slashes, plus ".tar.gz".  When DIR has no usable
 * last component ("." or ".."), the folder's real path is used, so the
 * archive still lands next to the folder and never inside it;
 * "bundle.tar.gz" only when even that fails ("/"). */
static char *
default_output(const char *dir)
{
	char *d = xstrdup(dir), *base, *out, *real;
	size_t n = strlen(d);

	while (n > 1 && d[n - 1] == '/')
		d[--n] = '\0';
	base = strrchr(d, '/') != NULL ? strrchr(d, '/') + 1 : d;
	if (*base == '\0' || strcmp(base, ".") == 0 ||
	    strcmp(base, "..") == 0) {
		real = realpath(d, NULL);
		if (real != NULL && strcmp(real, "/") != 0)
			out = xasprintf("%s.tar.gz", real);
		else
			out = xstrdup("bundle.tar.gz");
		free(real);
	} else {
		out = xasprintf("%s.tar.gz", d);
	}
	free(d);
	return out;
}

/* An archive written into the folder it packs would become part of the
 * bundle on the next pack or run (the way run refuses --out in a bundle):
 * refuse FILE when its folder is DIR or below it. */
static void
refuse_archive_inside(const char *dir, const char *file)
{
	char *copy = xstrdup(file), *slash = strrchr(copy, '/');
	char *d = realpath(dir, NULL), *parent;
	size_t nd;

	if (slash == copy)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	parent = realpath(slash != NULL ? copy : ".", NULL);
	if (d != NULL && parent != NULL) {
		nd = strlen(d);
		if (strncmp(parent, d, nd) == 0 &&
		    (parent[nd] == '/' || parent[nd] == '\0' || nd == 1))
			die(EX_USAGE,
			    "%s: the archive would be inside the folder %s it "
			    "packs; hint: use -o FILE outside that folder",
			    file, dir);
	}
	free(d);
	free(parent);
	free(copy);
}

int
cmd_pack(int argc, char **argv)
{
	const char *out = NULL;
	bool force = false, help = false, have_date;
	const struct cli_opt opts[] = {
		{ "output", 'o', true, &out, NULL },
		{ "force", 'f', false, NULL, &force },
		{ "help", 'h', false, NULL, &help },
		{ NULL, 0, false, NULL, NULL },
	};
	struct intake_problems problems = { NULL, 0 };
	struct pt_err err = { 0, "" };
	char digest[PT_SHA256_HEX];
	char *path;
	long long mtime;
	size_t i;
	int n = cli_parse(argc, argv, opts, PACK_USAGE), rc;

	if (help) {
		cli_help(PACK_USAGE,
			 "Check the folder DIR as intake would and write a "
			 "deterministic .tar.gz.\n\noptions:\n"
			 "  -o FILE      the archive (default DIR.tar.gz)\n"
			 "  -f, --force  replace an existing archive\n\n"
			 "example:\n  proeftuin pack mybundle -o "
			 "mybundle.tar.gz\n");
		return 0;
	}
	if (n != 1)
		die(EX_USAGE, "usage: %s", PACK_USAGE);
	mtime = cli_source_date_epoch(&have_date);
	path = out != NULL ? xstrdup(out) : default_output(argv[1]);
	refuse_archive_inside(argv[1], path);
	rc = pack_folder(argv[1], path, force, mtime, &problems, digest, &err);
	if (rc < 0)
		die_err(&err);
	if (rc > 0) {
		for (i = 0; i < problems.n; i++)
			warnx_("%s: %s", problems.v[i].entry,
			       problems.v[i].reason);
		die(EX_DATAERR,
		    "%s: refused to pack an unsafe bundle; nothing "
		    "was written",
		    argv[1]);
	}
	printf("packed %s\nbundle digest: %s\n", path, digest);
	free(path);
	intake_problems_fini(&problems);
	return 0;
}

/* The profile `init` shapes the bundle after when none is given:
 * default.ini in $PROEFTUIN_PROFILE_DIR, else in the installed profiles
 * folder. */
static char *
default_profile(void)
{
	const char *env = getenv("PROEFTUIN_PROFILE_DIR");
	struct stat st;
	char *p;

	if (env != NULL && *env != '\0')
		return xasprintf("%s/default.ini", env);
	p = xasprintf("%s/default.ini", PROEFTUIN_PROFILES_DIR);
	if (stat(p, &st) == 0)
		return p;
	free(p);
	die(EX_USAGE,
	    "no default profile found in %s; hint: pass --profile PROFILE "
	    "or set PROEFTUIN_PROFILE_DIR",
	    PROEFTUIN_PROFILES_DIR);
}

int
cmd_init(int argc, char **argv)
{
	const char *profile_path = NULL;
	bool help = false;
	const struct cli_opt opts[] = {
		{ "profile", 'p', true, &profile_path, NULL },
		{ "help", 'h', false, NULL, &help },
		{ NULL, 0, false, NULL, NULL },
	};
	struct pt_err err = { 0, "" };
	struct profile *profile;
	char *path;
	int n = cli_parse(argc, argv, opts, INIT_USAGE);

	if (help) {
		cli_help(INIT_USAGE,
			 "Write a starter bundle into the new folder DIR that "
			 "passes check.\n\noptions:\n"
			 "  -p, --profile PROFILE  shape it after this profile "
			 "(default: the shipped default)\n\n"
			 "example:\n  proeftuin init mybundle --profile "
			 "profiles/crowd-safety.ini\n");
		return 0;
	}
	if (n != 1)
		die(EX_USAGE, "usage: %s", INIT_USAGE);
	path = profile_path != NULL ? xstrdup(profile_path) : default_profile();
	if (profile_load(path, &profile, &err) < 0)
		die_err(&err);
	if (starter_write(argv[1], profile, &err) < 0)
		die_err(&err);
	printf("created %s for the profile %s\nnext: proeftuin check %s "
	       "--profile %s\n",
	       argv[1], profile->name, argv[1], path);
	profile_free(profile);
	free(path);
	return 0;
}
