/*
 * main.c - the proeftuin command: a table of subcommands (git style),
 * global --help/--version, and the stdout write check before exit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "config.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *synopsis;
};

/* Only commands that work are listed; later ones join when they land. */
static const struct command commands[] = {
	{ "run", cmd_run,
	  "run BUNDLE --profile PROFILE [--out DIR] [--force]" },
	{ "check", cmd_check, "check BUNDLE --profile PROFILE [--json]" },
	{ "verify", cmd_verify,
	  "verify DIR --bundle BUNDLE --profile PROFILE" },
	{ "profile", cmd_profile, "profile lint|show PROFILE" },
	{ "pack", cmd_pack, "pack DIR [-o FILE] [--force]" },
	{ "init", cmd_init, "init DIR [--profile PROFILE]" },
	{ "review", cmd_review,
	  "review DIR --as NAME [--approve OUT ... | --decide ... | --list | "
	  "--serve]" },
	{ "release", cmd_release, "release DIR --to PKG --as NAME" },
	{ "key", cmd_key, "key new NAME --email ADDRESS" },
	{ "probe", cmd_probe, "probe [--json]" },
	{ "run-index", cmd_run_index,
	  "run-index LIST [--index N] --results ROOT" },
	{ "collect", cmd_collect, "collect ROOT [--list LIST] [--json]" },
};

static void
usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: proeftuin COMMAND [ARGS]\n"
		     "       proeftuin --help | --version\n\ncommands:\n");
	for (i = 0; i < PT_ARRAY_LEN(commands); i++)
		fprintf(out, "  proeftuin %s\n", commands[i].synopsis);
	fprintf(out,
		"\nexit status: 0 PASS, 1 REVIEW, 2 FAIL (report written); "
		"64 usage;\n65 unusable input; 66 input missing; 70 "
		"internal error;\n71 isolation unavailable; 73 output "
		"cannot be created; 74 I/O error;\n78 bad profile. See "
		"proeftuin(1).\n");
}

/* git's run_builtin() check: a report path or verdict lost to a full disk
 * or a closed pipe must not look like success. */
static int
finish_stdout(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		warnx_("write failure on standard output: %s", strerror(errno));
		return EX_IOERR;
	}
	return status;
}

int
main(int argc, char **argv)
{
	size_t i;

	/* A setuid sandbox is a root risk (firejail's history); refuse. */
	if (getuid() != geteuid() || getgid() != getegid())
		die(EX_USAGE, "refusing to run setuid or setgid");
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return finish_stdout(0);
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("proeftuin %s\n", PROEFTUIN_VERSION);
		return finish_stdout(0);
	}
	for (i = 0; i < PT_ARRAY_LEN(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return finish_stdout(
			    commands[i].fn(argc - 1, argv + 1));
	warnx_("unknown command '%s'; see proeftuin --help", argv[1]);
	return EX_USAGE;
}
