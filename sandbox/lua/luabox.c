/*
 * luabox.c - the Lua state inside the jail; see luabox.h.
 *
 * Limits:
 *  - memory: a lua_Alloc that counts every byte; a request past the cap ends
 *    the child at once with MEMORY_LIMIT (pcall cannot catch it, and no
 *    emergency collection can turn a refused request into a silent retry);
 *  - instructions: one global budget charged from a count hook every
 *    HOOK_INTERVAL instructions.  Lua copies the hook into every new thread
 *    but restarts its count there, so creating a coroutine is charged a full
 *    interval up front (luaenv.c): no coroutine runs uncharged instructions.
 *    Exhausting the budget ends the child with _exit;
 *  - output: every byte of outputs, print, warn and error messages is
 *    charged to one budget;
 *  - time inside C functions and finalizers, where hooks do not run, is
 *    bounded by RLIMIT_CPU and the supervisor's wall clock.
 * The child never calls lua_close: finalizers are script code.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "channel.h"
#include "luabox_priv.h"
#include "sandbox.h"
#include "textsafe.h"

#define HOOK_INTERVAL LUABOX_HOOK_INTERVAL
/* Longest traceback kept; deeper ones are cut (luaL_traceback already
 * elides the middle of very deep stacks). */
/* Bytes of an error message kept (luabox.h); the rest is cut, and the
 * message says so. */
#define MAX_ERROR_MESSAGE LUABOX_MAX_ERROR_MESSAGE

struct luabox {
	const struct luabox_config *cfg;
	lua_State *L; /* built by luabox_prepare */
	int chan_fd;
	uint64_t mem_used;
	uint64_t mem_limit;
	uint64_t budget;
	uint64_t used;
	uint64_t output_used;
	bool stopping;
	char *traceback;	      /* of the last uncaught error */
	void (*on_stop)(int chan_fd); /* the data API's usage records */
};

/* The one luabox of this process: the hook and the allocator need it, and a
 * child runs exactly one script. */
static struct luabox box;

/* Error texts may carry any bytes of the script's: escape controls, NUL
 * and invalid UTF-8 (keeping line feeds) so the record stays parseable. */
static void
put_escaped(struct sbuf *sb, const char *s)
{
	struct sbuf e = SBUF_INIT;

	text_escape(&e, s, strlen(s), TEXT_FOR_LOG_LINES);
	chan_put_str(sb, e.buf != NULL ? e.buf : "", e.len);
	sbuf_free(&e);
}

void
luabox_stop(const char *class, const char *msg, const char *traceback,
	    int status)
{
	struct sbuf sb = SBUF_INIT;

	/* A stop while stopping (say, the allocator during usage encoding)
	 * must not recurse. */
	if (box.stopping)
		_exit(status);
	box.stopping = true;
	if (box.on_stop != NULL)
		box.on_stop(box.chan_fd);
	chan_put_cstr(&sb, class);
	put_escaped(&sb, msg);
	put_escaped(&sb, traceback != NULL ? traceback : "");
	(void)chan_send(box.chan_fd, CHAN_ERROR, &sb);
	_exit(status);
}

bool
luabox_clean_text(const char *s, size_t n)
{
	return memchr(s, '\0', n) == NULL && utf8_valid(s, n);
}

int
luabox_chan_fd(void)
{
	return box.chan_fd;
}

static void *
box_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	void *p;

	(void)ud;
	/* When ptr is NULL, osize encodes the object type, not a size. */
	if (ptr == NULL)
		osize = 0;
	if (nsize == 0) {
		free(ptr);
		box.mem_used -= osize;
		return NULL;
	}
	if (nsize > osize && nsize - osize > box.mem_limit - box.mem_used)
		luabox_stop("MEMORY_LIMIT", "script stopped: memory limit",
			    NULL, SBX_EXIT_MEMORY_LIMIT);
	p = realloc(ptr, nsize);
	if (p == NULL) {
		/* A shrink may fail in theory; Lua then keeps the block. */
		if (nsize <= osize)
			return NULL;
		luabox_stop("MEMORY_LIMIT", "script stopped: out of memory",
			    NULL, SBX_EXIT_MEMORY_LIMIT);
	}
	box.mem_used = box.mem_used - osize + nsize;
	return p;
}

void
luabox_charge_instructions(uint64_t n)
{
	if (n >= box.budget)
		luabox_stop("INSTRUCTION_LIMIT",
			    "script stopped: instruction limit", NULL,
			    SBX_EXIT_INSTRUCTION_LIMIT);
	box.budget -= n;
	box.used += n;
}

uint64_t
luabox_instructions_used(void)
{
	return box.used;
}

static void
count_hook(lua_State *L, lua_Debug *ar)
{
	(void)L;
	(void)ar;
	luabox_charge_instructions(HOOK_INTERVAL);
}

void
luabox_charge_output(size_t n)
{
	if (n > box.cfg->output_bytes - box.output_used)
		luabox_stop("OUTPUT_LIMIT", "script stopped: output limit",
			    NULL, SBX_EXIT_OUTPUT_LIMIT);
	box.output_used += n;
}

char *
luabox_traceback(lua_State *L)
{
	char *tb;

	luaL_traceback(L, L, NULL, 1);
	tb = xstrdup(lua_tostring(L, -1));
	lua_pop(L, 1);
	return tb;
}

static void
swap_bytes(char *a, char *b, size_t size)
{
	char tmp[64];

	memcpy(tmp, a, size);
	memcpy(a, b, size);
	memcpy(b, tmp, size);
}

static void
sift_down(char *base, size_t root, size_t n, size_t size,
	  int (*cmp)(const void *, const void *, void *), void *arg)
{
	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && cmp(base + child * size,
					 base + (child + 1) * size, arg) < 0)
			child++;
		if (cmp(base + root * size, base + child * size, arg) >= 0)
			return;
		swap_bytes(base + root * size, base + child * size, size);
		root = child;
	}
}

void
luabox_sort(void *base, size_t n, size_t size,
	    int (*cmp)(const void *, const void *, void *), void *arg)
{
	char *b = base;
	size_t i;

	if (n < 2 || size > 64)
		return;
	for (i = n / 2; i-- > 0;)
		sift_down(b, i, n, size, cmp, arg);
	for (i = n - 1; i > 0; i--) {
		swap_bytes(b, b + i * size, size);
		sift_down(b, 0, i, size, cmp, arg);
	}
}

/* Message handler of the outermost pcall: keep the message, save the
 * traceback aside.  Never calls __tostring on an error object: that would
 * run script code after the script failed. */

lua_State *
luabox_new_state(const struct luabox_config *cfg, int chan_fd)
{
	memset(&box, 0, sizeof(box));
	box.cfg = cfg;
	box.chan_fd = chan_fd;
	box.mem_limit = cfg->memory_bytes;
	box.budget = cfg->instructions;
	box.L = lua_newstate(box_alloc, NULL);
	if (box.L == NULL)
		luabox_stop("MEMORY_LIMIT", "cannot create the Lua state", NULL,
			    SBX_EXIT_MEMORY_LIMIT);
	/* Library setup is charged to the budget too, so arm the hook now. */
	lua_sethook(box.L, count_hook, LUA_MASKCOUNT, HOOK_INTERVAL);
	return box.L;
}

lua_State *
luabox_state(const struct luabox_config *cfg)
{
	return box.cfg == cfg ? box.L : NULL;
}

void
luabox_on_stop(void (*fn)(int chan_fd))
{
	box.on_stop = fn;
}

void
luabox_set_traceback(char *tb)
{
	free(box.traceback);
	box.traceback = tb;
}

const char *
luabox_last_traceback(void)
{
	return box.traceback;
}

void
luabox_stopping(void)
{
	box.stopping = true;
}
