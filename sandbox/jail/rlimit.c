/* rlimit.c - the child's resource limits; see rlimit.h. */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sysexits.h>

#include "rlimit.h"

#ifdef __SANITIZE_ADDRESS__
#define SANITIZER_BUILD 1
#else
#define SANITIZER_BUILD 0
#endif

static uint64_t
as_limit(const struct sbx_policy *p)
{
	return SANITIZER_BUILD ? UINT64_MAX : p->address_space;
}

static rlim_t
to_rlim(uint64_t v)
{
	return v == UINT64_MAX ? RLIM_INFINITY : (rlim_t)v;
}

static uint64_t
from_rlim(rlim_t v)
{
	return v == RLIM_INFINITY ? UINT64_MAX : (uint64_t)v;
}

uint64_t
rl_nofile(const struct sbx_policy *p, int chan_fd, int ctl_fd)
{
	uint64_t n = p->nofile;
	int i;

	if ((uint64_t)chan_fd + 1 > n)
		n = (uint64_t)chan_fd + 1;
	if ((uint64_t)ctl_fd + 1 > n)
		n = (uint64_t)ctl_fd + 1;
	for (i = 0; i < p->nkeep_fds; i++)
		if ((uint64_t)p->keep_fds[i] + 1 > n)
			n = (uint64_t)p->keep_fds[i] + 1;
	return n;
}

/* Set soft and hard, then read both back. */
static int
set_limit(int resource, const char *name, uint64_t soft, uint64_t hard,
	  uint64_t *soft_back, uint64_t *hard_back, struct pt_err *err)
{
	struct rlimit rl = { to_rlim(soft), to_rlim(hard) };

	if (setrlimit(resource, &rl) < 0)
		return pt_err_set(err, EX_OSERR, "setrlimit %s: %s", name,
				  strerror(errno));
	if (getrlimit(resource, &rl) < 0)
		return pt_err_set(err, EX_OSERR, "getrlimit %s: %s", name,
				  strerror(errno));
	*soft_back = from_rlim(rl.rlim_cur);
	if (hard_back != NULL)
		*hard_back = from_rlim(rl.rlim_max);
	if (from_rlim(rl.rlim_cur) != soft || from_rlim(rl.rlim_max) != hard)
		return pt_err_set(err, EX_OSERR, "rlimit %s did not stick",
				  name);
	return 0;
}

int
rl_apply(const struct sbx_policy *p, uint64_t nofile, struct sbx_setting *s,
	 struct pt_err *err)
{
	uint64_t as = as_limit(p);

	if (set_limit(RLIMIT_CPU, "CPU", p->cpu_seconds, p->cpu_seconds + 1,
		      &s->rlimit_cpu_soft, &s->rlimit_cpu_hard, err) < 0 ||
	    set_limit(RLIMIT_AS, "AS", as, as, &s->rlimit_as, NULL, err) < 0 ||
	    set_limit(RLIMIT_NOFILE, "NOFILE", nofile, nofile,
		      &s->rlimit_nofile, NULL, err) < 0 ||
	    set_limit(RLIMIT_NPROC, "NPROC", 1, 1, &s->rlimit_nproc, NULL,
		      err) < 0 ||
	    set_limit(RLIMIT_FSIZE, "FSIZE", p->file_size, p->file_size,
		      &s->rlimit_fsize, NULL, err) < 0 ||
	    set_limit(RLIMIT_CORE, "CORE", 0, 0, &s->rlimit_core, NULL, err) <
		0)
		return -1;
	return 0;
}

int
rl_check(const struct sbx_policy *p, uint64_t nofile,
	 const struct sbx_setting *s, struct pt_err *err)
{
	if (s->rlimit_cpu_soft != p->cpu_seconds ||
	    s->rlimit_cpu_hard != p->cpu_seconds + 1)
		return pt_err_set(err, EX_OSERR,
				  "child reports RLIMIT_CPU "
				  "%llu/%llu, policy %llu",
				  (unsigned long long)s->rlimit_cpu_soft,
				  (unsigned long long)s->rlimit_cpu_hard,
				  (unsigned long long)p->cpu_seconds);
	if (s->rlimit_as != as_limit(p) || s->rlimit_nofile != nofile ||
	    s->rlimit_nproc != 1 || s->rlimit_fsize != p->file_size ||
	    s->rlimit_core != 0)
		return pt_err_set(err, EX_OSERR,
				  "child reports rlimits that "
				  "differ from the policy");
	return 0;
}
