/* starter.c - the starter bundle of `proeftuin init`; see starter.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "starter.h"

/* A column that reads as a time of day gets "HH:MM" values. */
static bool
time_like(const char *c)
{
	return strstr(c, "time") != NULL || strstr(c, "date") != NULL ||
	       strstr(c, "window") != NULL || strstr(c, "start") != NULL ||
	       strstr(c, "hour") != NULL;
}

/* Letters, digits, '_', '-' and '.' only: usable in output and bundle
 * names. */
static char *
safe_name(const char *s)
{
	char *c = xstrdup(s), *p;

	for (p = c; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		      *p == '.'))
			*p = '_';
	if (c[0] == '.' || c[0] == '\0') {
		p = xasprintf("x%s", c);
		free(c);
		c = p;
	}
	return c;
}

static int
write_at(int dirfd, const char *name, const struct sbuf *sb, struct pt_err *err)
{
	int fd =
	    openat(dirfd, name,
		   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0)
		return pt_err_set(err, EX_CANTCREAT, "%s: %s", name,
				  strerror(errno));
	if (pt_write_all(fd, sb->buf, sb->len) < 0 || close(fd) < 0) {
		int e = errno;

		close(fd);
		return pt_err_set(err, EX_IOERR, "%s: %s", name, strerror(e));
	}
	return 0;
}

/* Create `dir` or accept it when it exists and is empty. */
static int
make_dir(const char *dir, struct pt_err *err)
{
	struct dirent *de;
	DIR *d;

	if (mkdir(dir, 0755) == 0)
		return 0;
	if (errno != EEXIST)
		return pt_err_set(err, EX_CANTCREAT, "%s: %s", dir,
				  strerror(errno));
	d = opendir(dir);
	if (d == NULL)
		return pt_err_set(err, EX_CANTCREAT, "%s: %s", dir,
				  strerror(errno));
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			closedir(d);
			return pt_err_set(err, EX_CANTCREAT,
					  "%s exists and is not empty", dir);
		}
	closedir(d);
	return 0;
}

struct shape {
	const struct profile *p;
	const struct profile_dataset *ds;
	const char *group;  /* column to group by, or NULL */
	const char *number; /* numeric column, or NULL */
};

/* 60 rows, 20 per group, so every count cell clears any min_cell up to
 * 20 and no contributor dominates a sum. */
static void
make_csv(const struct shape *s, struct sbuf *sb)
{
	const struct profile_dataset *ds = s->ds;
	size_t c;
	int i;

	for (c = 0; c < ds->ncolumns; c++)
		sbuf_printf(sb, "%s%s", c > 0 ? "," : "", ds->columns[c]);
	sbuf_addc(sb, '\n');
	for (i = 0; i < 60; i++) {
		for (c = 0; c < ds->ncolumns; c++) {
			const char *col = ds->columns[c];

			if (c > 0)
				sbuf_addc(sb, ',');
			if (col == s->number)
				sbuf_printf(sb, "%d", 10 + (i * 7) % 13);
			else if (time_like(col))
				sbuf_printf(sb, "%02d:%02d", (i / 3) / 4,
					    ((i / 3) % 4) * 15);
			else if (col == s->group)
				sbuf_printf(sb, "%c", 'A' + i % 3);
			else
				sbuf_printf(sb, "%s-%d", col, 1 + (i / 3) % 2);
		}
		sbuf_addc(sb, '\n');
	}
}

static void
make_manifest(const struct shape *s, struct sbuf *sb)
{
	char *name = safe_name(s->p->name);
	size_t c;

	sbuf_printf(sb,
		    "; Starter bundle made by `proeftuin init` for the profile "
		    "%s (version %lld).\n"
		    "; Fill in your team and contact, describe the "
		    "experiment, and keep the purpose\n"
		    "; one of the profile's purposes. Check it with: "
		    "proeftuin check . --profile PROFILE\n"
		    "[experiment]\n"
		    "name        = starter-%s\n"
		    "version     = 0.1.0\n"
		    "team        = Your team\n"
		    "contact     = team@example.org\n"
		    "purpose     = %s\n"
		    "description = Starter experiment: counts and totals per "
		    "group on synthetic sample data.\n"
		    "entry       = analysis.lua\n"
		    "seed        = 1\n\n"
		    "; The sample data shipped in the bundle; on the "
		    "custodian's machine the\n"
		    "; profile may replace it with the real data.\n"
		    "[dataset.%s]\n"
		    "file    = data/%s.csv\n"
		    "columns = ",
		    s->p->name, (long long)s->p->version, name,
		    s->p->purposes[0], s->ds->name, s->ds->name);
	for (c = 0; c < s->ds->ncolumns; c++)
		sbuf_printf(sb, "%s%s", c > 0 ? ", " : "", s->ds->columns[c]);
	sbuf_addc(sb, '\n');
	free(name);
}

static void
make_script(const struct shape *s, struct sbuf *sb)
{
	char *g = s->group != NULL ? safe_name(s->group) : xstrdup("all");
	char *n = s->number != NULL ? safe_name(s->number) : NULL;

	sbuf_printf(sb,
		    "-- Starter analysis (made by `proeftuin init`).\n"
		    "-- It runs in the sandbox: base Lua 5.4 without io, "
		    "os.execute, package or\n"
		    "-- debug.  Data is read only through the data API, "
		    "and only outputs leave\n"
		    "-- the sandbox; each output is checked for disclosure "
		    "risk before release.\n\n"
		    "-- Open a dataset declared in experiment.ini and granted "
		    "by the profile.\n"
		    "local ds = data.open(\"%s\")\n\n"
		    "-- Count rows per group.  The runner computes aggregates "
		    "in C and keeps the\n"
		    "-- evidence the output checks need (contributors per "
		    "cell and the largest\n"
		    "-- contributions); cells with too few contributors are "
		    "suppressed.\n",
		    s->ds->name);
	if (s->group != NULL)
		sbuf_printf(sb,
			    "local per_group = ds:count{ by = { \"%s\" } }\n",
			    s->group);
	else
		sbuf_printf(sb, "local per_group = ds:count{}\n");
	sbuf_printf(sb,
		    "output.table(\"rows_by_%s\", per_group,\n"
		    "\t{ description = \"Rows per %s\" })\n",
		    g, s->group != NULL ? s->group : "dataset");
	if (s->number != NULL) {
		sbuf_printf(sb,
			    "\n-- Sum a numeric column per group (ds:mean "
			    "works the same way; add\n"
			    "-- where = { column = { \"value\", ... } } to "
			    "select rows).\n"
			    "local total = ds:sum(\"%s\"%s%s%s)\n"
			    "output.table(\"%s_by_%s\", total,\n"
			    "\t{ description = \"Total %s per %s\" })\n",
			    s->number, s->group != NULL ? ", { by = { \"" : "",
			    s->group != NULL ? s->group : "",
			    s->group != NULL ? "\" } }" : "", n, g, s->number,
			    s->group != NULL ? s->group : "dataset");
	}
	if (s->ds->access == ACCESS_ROWS)
		sbuf_printf(sb, "\n-- This profile grants row access too:\n"
				"-- for row in ds:rows{ ... } do end\n");
	sbuf_printf(sb, "\nprint(\"starter analysis done\")  -- goes to "
			"run.log\n");
	free(g);
	free(n);
}

int
starter_write(const char *dir, const struct profile *p, struct pt_err *err)
{
	struct shape s = { p, NULL, NULL, NULL };
	struct sbuf csv = SBUF_INIT, ini = SBUF_INIT, lua = SBUF_INIT;
	char *csvname;
	size_t i;
	int dfd, rc = -1;

	for (i = 0; i < p->ndatasets && s.ds == NULL; i++)
		if (p->datasets[i].access != ACCESS_NONE &&
		    p->datasets[i].ncolumns > 0)
			s.ds = &p->datasets[i];
	if (s.ds == NULL)
		return pt_err_set(err, EX_CONFIG,
				  "%s: the profile grants no readable dataset",
				  p->path);
	if (p->npurposes == 0)
		return pt_err_set(err, EX_CONFIG,
				  "%s: the profile permits no purpose",
				  p->path);
	/* Group by the first column that is not a time; sum the last
	 * column when it is not the group or a time. */
	for (i = 0; i < s.ds->ncolumns && s.group == NULL; i++)
		if (!time_like(s.ds->columns[i]))
			s.group = s.ds->columns[i];
	i = s.ds->ncolumns - 1;
	if (s.ds->columns[i] != s.group && !time_like(s.ds->columns[i]))
		s.number = s.ds->columns[i];
	make_csv(&s, &csv);
	make_manifest(&s, &ini);
	make_script(&s, &lua);

	if (make_dir(dir, err) < 0)
		goto out;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		pt_err_set(err, EX_CANTCREAT, "%s: %s", dir, strerror(errno));
		goto out;
	}
	csvname = xasprintf("data/%s.csv", s.ds->name);
	if (mkdirat(dfd, "data", 0755) < 0)
		pt_err_set(err, EX_CANTCREAT, "%s/data: %s", dir,
			   strerror(errno));
	else if (write_at(dfd, "experiment.ini", &ini, err) == 0 &&
		 write_at(dfd, "analysis.lua", &lua, err) == 0 &&
		 write_at(dfd, csvname, &csv, err) == 0)
		rc = 0;
	free(csvname);
	close(dfd);
out:
	sbuf_free(&csv);
	sbuf_free(&ini);
	sbuf_free(&lua);
	return rc;
}
