/*
 * cmd_review.c - `proeftuin key`, `proeftuin review` and `proeftuin
 * release`: the advisors' side of a report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "commands.h"
#include "release.h"
#include "review.h"
#include "serve.h"
#include "sign.h"

#define KEY_USAGE "proeftuin key new NAME --email ADDRESS [--keyring DIR]"
#define REVIEW_USAGE                                                           \
	"proeftuin review DIR --as NAME (--approve|--request-changes|"         \
	"--reject) OUTPUT [--comment TEXT] [--public]\n"                       \
	"       proeftuin review DIR --as NAME --decide "                      \
	"approve|request-changes|reject --comment TEXT [--conditions TEXT] "   \
	"[--public]\n"                                                         \
	"       proeftuin review DIR [--as NAME] --list\n"                     \
	"       proeftuin review DIR --as NAME --serve [--port N]\n"           \
	"options: --keyring DIR (default ~/.config/proeftuin/keys)"
#define RELEASE_USAGE                                                          \
	"proeftuin release DIR --to PKG --as NAME [--leave-out OUT,...] "      \
	"[--keyring DIR]"

int
cmd_key(int argc, char **argv)
{
	const char *email = NULL, *keyring = NULL;
	bool help = false;
	const struct cli_opt opts[] = {
		{ "email", 'e', true, &email, NULL },
		{ "keyring", 'k', true, &keyring, NULL },
		{ "help", 'h', false, NULL, &help },
		{ NULL, 0, false, NULL, NULL },
	};
	struct pt_err err = { 0, "" };
	struct key k;
	char *dir;
	int n = cli_parse(argc, argv, opts, KEY_USAGE);

	if (help) {
		printf("usage: %s\n\nMakes an Ed25519 key pair: NAME.key "
		       "(private, "
		       "mode 0600) and NAME.pub\n(public, to give to whoever "
		       "checks your signatures).\nexample: proeftuin key new "
		       "a.jansen --email a.jansen@zwolle.nl\n",
		       KEY_USAGE);
		return 0;
	}
	if (n != 2 || strcmp(argv[1], "new") != 0 || email == NULL)
		die(EX_USAGE, "usage: %s", KEY_USAGE);
	dir = cli_keyring_dir(keyring);
	if (key_generate(argv[2], email, &k, &err) < 0 ||
	    key_write_pair(dir, &k, &err) < 0)
		die_err(&err);
	printf("key: %s <%s>\nkey id: %s\nprivate: %s/%s.key (keep it to "
	       "yourself)\npublic: %s/%s.pub (give it to whoever checks "
	       "your signatures)\n",
	       k.name, k.email, k.keyid, dir, k.name, dir, k.name);
	key_fini(&k);
	free(dir);
	return 0;
}

static void
load_ring(const char *dir, struct keyring *ring)
{
	struct pt_err err = { 0, "" };

	if (keyring_load(dir, ring, &err) < 0)
		die_err(&err);
}

static void
print_safe(const char *label, const char *s)
{
	char *safe = console_safe(s);

	printf("%s%s", label, safe);
	free(safe);
}

/* Indent the later lines of a comment so none passes for a line of ours. */
static void
print_comment(const char *who, const struct review_record *r)
{
	char *safe;
	const char *p;

	if (r->comment == NULL || *r->comment == '\0')
		return;
	safe = console_safe(r->comment);
	printf("      %s (%s): ", who,
	       r->public_comment ? "public" : "reviewers only");
	for (p = safe; *p != '\0'; p++) {
		putchar(*p);
		if (*p == '\n')
			fputs("        ", stdout);
	}
	putchar('\n');
	free(safe);
}

/* The state as `viewer` may see it: before their own overall decision a
 * reviewer sees only their own votes (Airlock's independent phase). */
static void
list_state(const struct review_state *st, const char *viewer)
{
	const struct review_record *mine =
	    viewer != NULL ? review_decision_of(st, viewer) : NULL;
	bool blind = viewer != NULL && mine == NULL;
	struct tally t;
	size_t i, j;

	print_safe("report: ", st->dir);
	print_safe("\nproject: ", st->facts.name);
	printf("\nverdict: %s\nsigned by: %s <%s> (custodian)\n",
	       st->facts.verdict, st->custodian->name, st->custodian->email);
	printf("approvals needed per held output: %lld\n\n",
	       (long long)st->facts.reviewers);
	for (i = 0; i < st->facts.noutputs; i++) {
		const struct report_output *o = &st->facts.outputs[i];

		review_tally_output(st, o, &t);
		print_safe("  ", o->name);
		print_safe(" (", o->file != NULL ? o->file : "withheld");
		printf(")\n");
		if (blind) {
			const struct review_record *v =
			    review_vote_of(st, viewer, o->name);

			printf("    %s\n", o->file == NULL
					       ? "broke a rule: never leaves"
					   : o->held ? "held for review"
						     : "passed the rules");
			if (v != NULL) {
				printf("    your vote: %s\n",
				       vote_name(v->vote));
				print_comment("you", v);
			}
			continue;
		}
		printf("    %s: %d approve, %d request changes, %d reject\n",
		       output_decision_name(t.decision), t.approvals, t.changes,
		       t.rejects);
		for (j = 0; j < st->nrecords; j++) {
			const struct review_record *r = &st->records[j];

			if (!r->is_vote || strcmp(r->output, o->name) != 0)
				continue;
			if (viewer == NULL && !r->public_comment)
				continue;
			printf("    %s: %s\n", r->author->name,
			       vote_name(r->vote));
			print_comment(r->author->name, r);
		}
	}
	review_tally_overall(st, &t);
	printf("\noverall: ");
	if (blind) {
		printf("you have not decided; the other advisors' votes stay "
		       "hidden until you do\n");
	} else {
		printf("%s (%d approve, %d request changes, %d reject)\n",
		       output_decision_name(t.decision), t.approvals, t.changes,
		       t.rejects);
		for (j = 0; j < st->nrecords; j++) {
			const struct review_record *r = &st->records[j];

			if (r->is_vote ||
			    (viewer == NULL && !r->public_comment))
				continue;
			printf("    %s: %s\n", r->author->name,
			       vote_name(r->vote));
			print_comment(r->author->name, r);
			if (*r->conditions != '\0')
				print_safe("      conditions: ", r->conditions);
			if (*r->conditions != '\0')
				putchar('\n');
		}
	}
	printf("\naudit log: %zu event%s\n", st->nevents,
	       st->nevents == 1 ? "" : "s");
	if (!blind)
		for (i = 0; i < st->nevents; i++) {
			const struct audit_event *e = &st->events[i];

			char *line = xasprintf(
			    "  %lld %s %s %s%s%s: %s\n", (long long)e->seq,
			    e->time != NULL ? e->time : "-", e->actor, e->event,
			    e->output != NULL ? " " : "",
			    e->output != NULL ? e->output : "", e->summary);

			print_safe("", line);
			free(line);
		}
}

int
cmd_review(int argc, char **argv)
{
	const char *as = NULL, *keyring = NULL, *approve = NULL,
		   *changes = NULL, *reject = NULL, *decide = NULL,
		   *comment = NULL, *conditions = NULL, *port = NULL;
	bool list = false, serve = false, public_comment = false, help = false;
	const struct cli_opt opts[] = {
		{ "as", 'a', true, &as, NULL },
		{ "keyring", 'k', true, &keyring, NULL },
		{ "approve", 0, true, &approve, NULL },
		{ "request-changes", 0, true, &changes, NULL },
		{ "reject", 0, true, &reject, NULL },
		{ "decide", 0, true, &decide, NULL },
		{ "comment", 'c', true, &comment, NULL },
		{ "conditions", 0, true, &conditions, NULL },
		{ "public", 0, false, NULL, &public_comment },
		{ "list", 'l', false, NULL, &list },
		{ "serve", 0, false, NULL, &serve },
		{ "port", 0, true, &port, NULL },
		{ "help", 'h', false, NULL, &help },
		{ NULL, 0, false, NULL, NULL },
	};
	struct review_request req;
	struct review_state st;
	struct pt_err err = { 0, "" };
	struct keyring ring;
	struct key me;
	char *dir_ring, *time;
	int n = cli_parse(argc, argv, opts, REVIEW_USAGE), lock, actions;

	if (help) {
		printf("usage: %s\n\nexamples:\n  proeftuin review report "
		       "--as a.jansen --list\n  proeftuin review report --as "
		       "a.jansen --approve notes --comment 'aggregates only'\n"
		       "  proeftuin review report --as a.jansen --decide "
		       "approve --comment 'fits the purpose' --conditions "
		       "'publish quarterly'\n",
		       REVIEW_USAGE);
		return 0;
	}
	actions = (approve != NULL) + (changes != NULL) + (reject != NULL) +
		  (decide != NULL) + list + serve;
	if (n != 1 || actions != 1 || (!list && as == NULL))
		die(EX_USAGE, "usage: %s", REVIEW_USAGE);
	dir_ring = cli_keyring_dir(keyring);
	load_ring(dir_ring, &ring);
	if (list) {
		if (review_load(argv[1], &ring, false, &st, &err) < 0)
			die_err(&err);
		list_state(&st, as);
		review_fini(&st);
		keyring_fini(&ring);
		free(dir_ring);
		return 0;
	}
	if (key_load_private(dir_ring, as, &me, &err) < 0)
		die_err(&err);
	if (keyring_find(&ring, me.keyid) == NULL)
		die(EX_DATAERR,
		    "%s's public key is not in the keyring %s, so no one "
		    "could check the record; hint: keep NAME.pub beside "
		    "NAME.key",
		    as, dir_ring);
	if (serve) {
		struct serve_opts so = { argv[1], &ring, &me, port, 0, false };

		so.epoch = cli_source_date_epoch(&so.have_epoch);

		if (serve_review(&so, &err) < 0)
			die_err(&err);
		key_fini(&me);
		keyring_fini(&ring);
		free(dir_ring);
		return 0;
	}
	memset(&req, 0, sizeof(req));
	req.who = &me;
	req.comment = comment;
	req.conditions = conditions;
	req.public_comment = public_comment;
	if (decide != NULL) {
		if (vote_parse(decide, &req.vote) < 0)
			die(EX_USAGE,
			    "--decide %s: one of approve, request-changes, "
			    "reject",
			    decide);
	} else {
		req.is_vote = true;
		req.output = approve != NULL   ? approve
			     : changes != NULL ? changes
					       : reject;
		req.vote = approve != NULL   ? VOTE_APPROVE
			   : changes != NULL ? VOTE_CHANGES
					     : VOTE_REJECT;
	}
	time = cli_event_time();
	req.time = time;
	lock = review_lock(argv[1], &err);
	if (lock < 0)
		die_err(&err);
	if (review_load(argv[1], &ring, false, &st, &err) < 0 ||
	    review_record_add(&st, &req, &err) < 0)
		die_err(&err);
	review_unlock(lock);
	if (req.is_vote)
		printf("recorded: %s votes %s on %s\n", me.name,
		       vote_name(req.vote), req.output);
	else
		printf("recorded: %s's overall decision: %s\n", me.name,
		       vote_name(req.vote));
	review_fini(&st);
	free(time);
	key_fini(&me);
	keyring_fini(&ring);
	free(dir_ring);
	return 0;
}

/* "a,b,c" into a list of names. */
static char **
split_names(const char *s, size_t *n)
{
	char **v = NULL, *copy = xstrdup(s), *tok, *save = NULL;

	*n = 0;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		v = xreallocarray(v, *n + 1, sizeof(*v));
		v[(*n)++] = xstrdup(tok);
	}
	free(copy);
	return v;
}

int
cmd_release(int argc, char **argv)
{
	const char *to = NULL, *as = NULL, *keyring = NULL, *leave = NULL;
	bool help = false, have_date;
	const struct cli_opt opts[] = {
		{ "to", 't', true, &to, NULL },
		{ "as", 'a', true, &as, NULL },
		{ "keyring", 'k', true, &keyring, NULL },
		{ "leave-out", 0, true, &leave, NULL },
		{ "help", 'h', false, NULL, &help },
		{ NULL, 0, false, NULL, NULL },
	};
	struct release_opts ro;
	struct release_summary sum;
	struct pt_err err = { 0, "" };
	struct keyring ring;
	struct key me;
	char *dir_ring, *time, **leave_list = NULL;
	size_t i;
	int n = cli_parse(argc, argv, opts, RELEASE_USAGE);

	if (help) {
		printf("usage: %s\n\nWrites PKG/ and PKG.tar.zst with only "
		       "the outputs that may leave,\nthe report, the "
		       "decisions and a signed release statement.\nexample: "
		       "proeftuin release report --to release-1 --as "
		       "custodian\n",
		       RELEASE_USAGE);
		return 0;
	}
	if (n != 1 || to == NULL || as == NULL)
		die(EX_USAGE, "usage: %s", RELEASE_USAGE);
	dir_ring = cli_keyring_dir(keyring);
	load_ring(dir_ring, &ring);
	if (key_load_private(dir_ring, as, &me, &err) < 0)
		die_err(&err);
	memset(&ro, 0, sizeof(ro));
	ro.dir = argv[1];
	ro.to = to;
	ro.ring = &ring;
	ro.who = &me;
	if (leave != NULL)
		ro.leave_out = leave_list = split_names(leave, &ro.nleave_out);
	time = cli_event_time();
	ro.time = time;
	ro.mtime = cli_source_date_epoch(&have_date);
	if (release_make(&ro, &sum, &err) < 0)
		die_err(&err);
	printf("released: %zu output%s, withheld: %zu\npackage: %s\narchive: "
	       "%s\n",
	       sum.released, sum.released == 1 ? "" : "s", sum.withheld, to,
	       sum.archive);
	for (i = 0; i < ro.nleave_out; i++)
		free(leave_list[i]);
	free(leave_list);
	free(time);
	key_fini(&me);
	keyring_fini(&ring);
	free(dir_ring);
	return 0;
}
