/*
 * test_profile_doc.c - proeftuin-profile(5) stays in sync with the parser:
 * every key in profile_keys is documented under its section heading
 * ("## [section]", then a line "*key* = ..."), and every key the page
 * documents is one the parser knows; and the same for the manifest's keys
 * (manifest_keys) in proeftuin-bundle(5), where [dataset.NAME] and
 * [exception.OUTPUT] stand for every such section.
 * Usage: test_profile_doc PROFILE_PAGE.scd BUNDLE_PAGE.scd
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "manifest.h"
#include "profile.h"

static const char *page_path, *bundle_path;
static char *page, *bundle_page;

/* The documented keys: section and key per "*key* =" line. */
struct doc_key {
	char section[64];
	char key[64];
};

static struct doc_key *
documented_in(const char *text, size_t *n)
{
	struct doc_key *v = NULL;
	char section[64] = "";
	char *save = NULL, *copy = xstrdup(text), *line;

	*n = 0;
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *end;

		if (strncmp(line, "# ", 2) == 0)
			section[0] = '\0';
		if (strncmp(line, "## [", 4) == 0 &&
		    (end = strchr(line + 4, ']')) != NULL &&
		    (size_t)(end - line - 4) < sizeof(section)) {
			memcpy(section, line + 4, (size_t)(end - line - 4));
			section[end - line - 4] = '\0';
		}
		if (line[0] == '*' && section[0] != '\0' &&
		    (end = strstr(line + 1, "* =")) != NULL &&
		    (size_t)(end - line - 1) < sizeof(v->key)) {
			v = xreallocarray(v, *n + 1, sizeof(*v));
			snprintf(v[*n].section, sizeof(v[*n].section), "%s",
				 section);
			memcpy(v[*n].key, line + 1, (size_t)(end - line - 1));
			v[*n].key[end - line - 1] = '\0';
			(*n)++;
		}
	}
	free(copy);
	return v;
}

static struct doc_key *
documented(size_t *n)
{
	return documented_in(page, n);
}

/* manifest_keys[k] as section and key: "dataset.file" is [dataset.NAME]
 * file. */
static void
split_manifest_key(size_t k, char *section, char *key)
{
	const char *dot = strchr(manifest_keys[k], '.');

	snprintf(section, 64, "%.*s", (int)(dot - manifest_keys[k]),
		 manifest_keys[k]);
	snprintf(key, 64, "%s", dot + 1);
}

static bool
same_section(const char *doc, const char *kind)
{
	size_t n = strlen(kind);

	return strncmp(doc, kind, n) == 0 && (doc[n] == '\0' || doc[n] == '.');
}

static void
test_every_manifest_key_is_documented(void **state)
{
	size_t n, i, k;
	struct doc_key *v = documented_in(bundle_page, &n);
	char section[64], key[64];

	(void)state;
	for (k = 0; k < manifest_nkeys; k++) {
		split_manifest_key(k, section, key);
		for (i = 0; i < n; i++)
			if (same_section(v[i].section, section) &&
			    strcmp(v[i].key, key) == 0)
				break;
		if (i == n)
			fail_msg("%s does not document [%s] %s", bundle_path,
				 section, key);
	}
	free(v);
}

static void
test_every_documented_manifest_key_is_real(void **state)
{
	size_t n, i, k;
	struct doc_key *v = documented_in(bundle_page, &n);
	char section[64], key[64];

	(void)state;
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		for (k = 0; k < manifest_nkeys; k++) {
			split_manifest_key(k, section, key);
			if (same_section(v[i].section, section) &&
			    strcmp(v[i].key, key) == 0)
				break;
		}
		if (k == manifest_nkeys)
			fail_msg("%s documents [%s] %s, which the manifest "
				 "parser does not know",
				 bundle_path, v[i].section, v[i].key);
	}
	free(v);
}

static void
test_every_parser_key_is_documented(void **state)
{
	size_t n, i, k;
	struct doc_key *v = documented(&n);

	(void)state;
	assert_true(n > 0);
	for (k = 0; k < profile_nkeys; k++) {
		for (i = 0; i < n; i++)
			if (strcmp(v[i].section, profile_keys[k].section) ==
				0 &&
			    strcmp(v[i].key, profile_keys[k].key) == 0)
				break;
		if (i == n)
			fail_msg("%s does not document [%s] %s", page_path,
				 profile_keys[k].section, profile_keys[k].key);
	}
	free(v);
}

static void
test_every_documented_key_is_real(void **state)
{
	size_t n, i, k;
	struct doc_key *v = documented(&n);

	(void)state;
	for (i = 0; i < n; i++) {
		for (k = 0; k < profile_nkeys; k++)
			if (strcmp(v[i].section, profile_keys[k].section) ==
				0 &&
			    strcmp(v[i].key, profile_keys[k].key) == 0)
				break;
		if (k == profile_nkeys)
			fail_msg("%s documents [%s] %s, which the parser does "
				 "not know",
				 page_path, v[i].section, v[i].key);
	}
	free(v);
}

static void
test_every_interest_area_is_documented(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < profile_ninterests; i++) {
		char *cell = xasprintf("_%s_", profile_interests[i].id);

		if (strstr(page, cell) == NULL)
			fail_msg("%s does not list public_interest '%s'",
				 page_path, profile_interests[i].id);
		free(cell);
	}
}

static char *
slurp(const char *path)
{
	struct sbuf sb = SBUF_INIT;
	char buf[4096];
	size_t got;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		perror(path);
		return NULL;
	}
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		sbuf_add(&sb, buf, got);
	fclose(f);
	return sbuf_steal(&sb);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_parser_key_is_documented),
		cmocka_unit_test(test_every_documented_key_is_real),
		cmocka_unit_test(test_every_interest_area_is_documented),
		cmocka_unit_test(test_every_manifest_key_is_documented),
		cmocka_unit_test(test_every_documented_manifest_key_is_real),
	};
	if (argc != 3) {
		fprintf(stderr, "usage: test_profile_doc PROFILE_PAGE.scd "
				"BUNDLE_PAGE.scd\n");
		return 2;
	}
	page_path = argv[1];
	bundle_path = argv[2];
	page = slurp(page_path);
	bundle_page = slurp(bundle_path);
	if (page == NULL || bundle_page == NULL)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
