/*
 * landlock.c - deny the child all filesystem access; see landlock.h.
 *
 * Debian 12's <linux/landlock.h> stops at ABI 1, so the newer rights and the
 * extended ruleset attribute are spelled out here; the size passed to the
 * kernel tells it which fields we know.
 */
#include <errno.h>
#include <linux/landlock.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sysexits.h>
#include <unistd.h>

#include "landlock.h"

#define LL_FS_REFER (1ull << 13)     /* ABI 2 */
#define LL_FS_TRUNCATE (1ull << 14)  /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ull << 15) /* ABI 5 */
#define LL_NET_BIND_TCP (1ull << 0)  /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ull << 1)
#define LL_SCOPE_ABSTRACT_UNIX (1ull << 0) /* ABI 6 */
#define LL_SCOPE_SIGNAL (1ull << 1)

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

struct ll_path_beneath {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

int
ll_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);

	return abi < 0 ? 0 : (int)abi;
}

static uint64_t
fs_rights(int abi)
{
	uint64_t r = (1ull << 13) - 1; /* ABI 1: EXECUTE .. MAKE_SYM */

	if (abi >= 2)
		r |= LL_FS_REFER;
	if (abi >= 3)
		r |= LL_FS_TRUNCATE;
	if (abi >= 5)
		r |= LL_FS_IOCTL_DEV;
	return r;
}

/* What the unpacker may do below its write directory: make directories and
 * regular files and write, read and truncate them.  No devices, FIFOs,
 * sockets, symlinks, exec or cross-directory renames. */
static uint64_t
write_dir_rights(int abi)
{
	uint64_t r =
	    LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |
	    LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_DIR |
	    LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR |
	    LANDLOCK_ACCESS_FS_MAKE_REG;

	if (abi >= 3)
		r |= LL_FS_TRUNCATE;
	return r;
}

int
ll_restrict(const struct sbx_policy *p, int *abi_out, struct pt_err *err)
{
	struct ll_ruleset_attr attr;
	size_t attr_size = sizeof(uint64_t);
	int abi = ll_abi(), fd;

	*abi_out = abi;
	if (abi == 0) {
		if (p->write_dir_fd >= 0)
			return pt_err_set(err, EX_OSERR,
					  "Landlock is "
					  "unavailable, so the write "
					  "directory cannot be confined");
		return 0;
	}
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = fs_rights(abi);
	if (abi >= 4) {
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		attr_size = 2 * sizeof(uint64_t);
	}
	if (abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
		attr_size = sizeof(attr);
	}
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (fd < 0)
		return pt_err_set(err, EX_OSERR, "landlock_create_ruleset: %s",
				  strerror(errno));
	if (p->write_dir_fd >= 0) {
		struct ll_path_beneath rule = { write_dir_rights(abi),
						p->write_dir_fd };

		if (syscall(SYS_landlock_add_rule, fd,
			    LANDLOCK_RULE_PATH_BENEATH, &rule, 0) < 0) {
			int e = errno;

			close(fd);
			return pt_err_set(err, EX_OSERR,
					  "landlock_add_rule: "
					  "%s",
					  strerror(e));
		}
	}
	if (syscall(SYS_landlock_restrict_self, fd, 0) < 0) {
		int e = errno;

		close(fd);
		return pt_err_set(err, EX_OSERR, "landlock_restrict_self: %s",
				  strerror(e));
	}
	close(fd);
	return 0;
}
