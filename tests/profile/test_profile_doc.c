/*
 * test_profile_doc.c - proeftuin-profile(5) stays in sync with the parser:
 * every key in profile_keys is documented under its section heading
 * ("## [section]", then a line "*key* = ..."), and every key the page
 * documents is one the parser knows.  Usage: test_profile_doc PAGE.scd
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "profile.h"

static const char *page_path;
static char *page;

/* The documented keys: section and key per "*key* =" line. */
struct doc_key {
	char section[64];
	char key[64];
};

static struct doc_key *
documented(size_t *n)
{
	struct doc_key *v = NULL;
	char section[64] = "";
	char *save = NULL, *copy = xstrdup(page), *line;

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

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_parser_key_is_documented),
		cmocka_unit_test(test_every_documented_key_is_real),
		cmocka_unit_test(test_every_interest_area_is_documented),
	};
	struct sbuf sb = SBUF_INIT;
	char buf[4096];
	size_t got;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: test_profile_doc PAGE.scd\n");
		return 2;
	}
	page_path = argv[1];
	f = fopen(page_path, "r");
	if (f == NULL) {
		perror(page_path);
		return 1;
	}
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		sbuf_add(&sb, buf, got);
	fclose(f);
	page = sbuf_steal(&sb);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
