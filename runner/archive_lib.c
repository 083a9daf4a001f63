/* archive_lib.c - load libarchive on first use; see archive_lib.h. */
#include <dlfcn.h>
#include <stdbool.h>
#include <string.h>
#include <sysexits.h>

#include "archive_lib.h"
#include "config.h"

/* The oldest libarchive whose behaviour the intake was tested with. */
#define ARCHIVE_LIB_MIN_VERSION 3006000

static struct archive_lib lib;
static bool loaded;

const struct archive_lib *
archive_lib_load(struct pt_err *err)
{
	const char *why;
	void *h, *sym;

	if (loaded)
		return &lib;
	h = dlopen(PROEFTUIN_ARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		goto missing;
		/* dlsym returns an object pointer; copy it into the function
		 * pointer member rather than cast between the two kinds. */
#define ARCHIVE_LIB_RESOLVE(f)                                                 \
	if ((sym = dlsym(h, #f)) == NULL)                                      \
		goto missing;                                                  \
	memcpy(&lib.f, &sym, sizeof(sym));
	ARCHIVE_LIB_FUNCS(ARCHIVE_LIB_RESOLVE)
#undef ARCHIVE_LIB_RESOLVE
	if (lib.archive_version_number() < ARCHIVE_LIB_MIN_VERSION) {
		pt_err_set(err, EX_UNAVAILABLE,
			   "%s is version %d, proeftuin needs 3.6 or later; "
			   "hint: install libarchive13 from Debian 12",
			   PROEFTUIN_ARCHIVE_SONAME,
			   lib.archive_version_number());
		memset(&lib, 0, sizeof(lib));
		return NULL;
	}
	/* The library stays loaded for the life of the process. */
	loaded = true;
	return &lib;
missing:
	why = dlerror();
	pt_err_set(err, EX_UNAVAILABLE,
		   "cannot load %s (%s); hint: apt-get install libarchive13",
		   PROEFTUIN_ARCHIVE_SONAME,
		   why != NULL ? why : "no reason given");
	if (h != NULL)
		dlclose(h);
	memset(&lib, 0, sizeof(lib));
	return NULL;
}

const struct archive_lib *
archive_lib_loaded(void)
{
	return loaded ? &lib : NULL;
}
