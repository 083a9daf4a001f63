/*
 * archive_lib.h - libarchive, loaded when an archive is first needed.
 *
 * Only archive bundles and `proeftuin pack` read or write archives, yet
 * linking libarchive makes every process load its dependency chain
 * (libxml2, ICU, libstdc++): about 4 ms of start-up for every command,
 * folder bundles and `--help` included.  So the runner loads it with
 * dlopen(3) on first use, and calls it through this table.  Its static
 * archive is no way out: it drags in every format, ICU too.
 *
 * The intake child runs under a filter without open(2): load in the parent,
 * before the child is started (intake.c); the child then finds the table
 * already filled (archive_lib_loaded).
 */
#ifndef PROEFTUIN_ARCHIVE_LIB_H
#define PROEFTUIN_ARCHIVE_LIB_H

#include <archive.h>
#include <archive_entry.h>

#include "util.h"

/* Every libarchive function the runner calls. */
#define ARCHIVE_LIB_FUNCS(X)                                                   \
	X(archive_version_number)                                              \
	X(archive_error_string)                                                \
	X(archive_format)                                                      \
	X(archive_filter_code)                                                 \
	X(archive_read_new)                                                    \
	X(archive_read_free)                                                   \
	X(archive_read_support_format_tar)                                     \
	X(archive_read_support_format_zip)                                     \
	X(archive_read_support_filter_gzip)                                    \
	X(archive_read_support_filter_zstd)                                    \
	X(archive_read_open_fd)                                                \
	X(archive_read_next_header)                                            \
	X(archive_read_data_block)                                             \
	X(archive_write_new)                                                   \
	X(archive_write_free)                                                  \
	X(archive_write_set_format_pax_restricted)                             \
	X(archive_write_add_filter_gzip)                                       \
	X(archive_write_add_filter_zstd)                                       \
	X(archive_write_set_options)                                           \
	X(archive_write_set_bytes_in_last_block)                               \
	X(archive_write_open_fd)                                               \
	X(archive_write_header)                                                \
	X(archive_write_data)                                                  \
	X(archive_write_close)                                                 \
	X(archive_entry_new)                                                   \
	X(archive_entry_free)                                                  \
	X(archive_entry_filetype)                                              \
	X(archive_entry_hardlink)                                              \
	X(archive_entry_is_encrypted)                                          \
	X(archive_entry_pathname)                                              \
	X(archive_entry_pathname_utf8)                                         \
	X(archive_entry_sparse_count)                                          \
	X(archive_entry_symlink)                                               \
	X(archive_entry_set_filetype)                                          \
	X(archive_entry_set_gid)                                               \
	X(archive_entry_set_uid)                                               \
	X(archive_entry_set_mtime)                                             \
	X(archive_entry_set_pathname)                                          \
	X(archive_entry_set_perm)                                              \
	X(archive_entry_set_size)

/* The table: each member has the name and exact type (from <archive.h>)
 * of the function it points to, so `al->archive_read_new()`. */
struct archive_lib {
#define ARCHIVE_LIB_MEMBER(f) __typeof__(f) *f;
	ARCHIVE_LIB_FUNCS(ARCHIVE_LIB_MEMBER)
#undef ARCHIVE_LIB_MEMBER
};

/* Load libarchive (once per process) and return the table; NULL with
 * err->code 69 and a hint when it is missing, incomplete or too old. */
const struct archive_lib *archive_lib_load(struct pt_err *err);

/* The table if archive_lib_load succeeded earlier, else NULL.  Never
 * opens a file: safe under the intake child's filter. */
const struct archive_lib *archive_lib_loaded(void);

#endif
