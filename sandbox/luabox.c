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

#define HOOK_INTERVAL LUABOX_HOOK_INTERVAL
/* Longest traceback kept; deeper ones are cut (luaL_traceback already
 * elides the middle of very deep stacks). */
#define MAX_TRACEBACK 8192
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
	char *traceback; /* of the last uncaught error */
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

	luaenv_escape_lines(&e, s, strlen(s), true);
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
	data_send_usage(box.chan_fd);
	chan_put_cstr(&sb, class);
	put_escaped(&sb, msg);
	put_escaped(&sb, traceback != NULL ? traceback : "");
	(void)chan_send(box.chan_fd, CHAN_ERROR, &sb);
	_exit(status);
}

bool
luabox_clean_text(const char *s, size_t n)
{
	return memchr(s, '\0', n) == NULL && pt_utf8_valid(s, n);
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
static int
msghandler(lua_State *L)
{
	size_t len;

	lua_settop(L, 1);
	if (lua_type(L, 1) == LUA_TNUMBER)
		lua_tostring(L, 1); /* converts in place, no metamethod */
	else if (lua_type(L, 1) != LUA_TSTRING)
		lua_pushfstring(L, "(error object is a %s value)",
				lua_typename(L, lua_type(L, 1)));
	luaL_traceback(L, L, NULL, 1);
	free(box.traceback);
	box.traceback = xstrdup(lua_tolstring(L, -1, &len));
	if (len > MAX_TRACEBACK)
		memcpy(box.traceback + MAX_TRACEBACK - 4, "\n...", 5);
	lua_pop(L, 1);
	return 1; /* the message, with any NUL bytes it has */
}

static const struct luabox_script *
find_script(const struct luabox_config *cfg, const char *path)
{
	size_t i;

	for (i = 0; i < cfg->nscripts; i++)
		if (strcmp(cfg->scripts[i].path, path) == 0)
			return &cfg->scripts[i];
	return NULL;
}

/* Open the standard libraries the allowlist draws from, then build the
 * curated environment on top of them. */
static void
open_libraries(lua_State *L, const struct luabox_config *cfg)
{
	static const luaL_Reg libs[] = {
		{ LUA_GNAME, luaopen_base },
		{ LUA_COLIBNAME, luaopen_coroutine },
		{ LUA_TABLIBNAME, luaopen_table },
		{ LUA_STRLIBNAME, luaopen_string },
		{ LUA_MATHLIBNAME, luaopen_math },
		{ LUA_UTF8LIBNAME, luaopen_utf8 },
	};
	size_t i;

	for (i = 0; i < PT_ARRAY_LEN(libs); i++) {
		luaL_requiref(L, libs[i].name, libs[i].func, 1);
		lua_pop(L, 1);
	}
	data_push_lib(L, cfg);
	luaout_push_lib(L);
	luaenv_build(L, cfg);
}

/* What a stock Lua name the sandbox leaves out looks like in an error
 * message, and a hint to add. */
static const char *const absent_hints[][2] = {
	{ "global 'io'", "io is not available in the sandbox: read data "
			 "with data.open and write with output" },
	{ "global 'debug'", "debug is not available in the sandbox" },
	{ "global 'package'", "package is not available in the sandbox: "
			      "require loads modules of the bundle" },
	{ "global 'dofile'", "dofile is not available in the sandbox: use "
			     "require" },
	{ "global 'loadfile'", "loadfile is not available in the sandbox: "
			       "use require" },
	{ "field 'execute'", "if that is os.execute: it is not available in "
			     "the sandbox" },
	{ "field 'exit'", "if that is os.exit: it is not available in the "
			  "sandbox; return from the script, or call error" },
	{ "field 'tmpname'", "if that is os.tmpname: it is not available in "
			     "the sandbox" },
	{ "field 'setlocale'", "if that is os.setlocale: it is not "
			       "available in the sandbox" },
	{ "field 'dump'", "if that is string.dump: it is not available in "
			  "the sandbox" },
};

/* The script failed with the message on the stack top: report it.  The
 * message is cut at MAX_ERROR_MESSAGE bytes (and says so); it is not
 * charged to the output limit, so an error always ends as LUA_ERROR. */
static PT_NORETURN void
script_failed(lua_State *L, int rc)
{
	size_t mlen = 0, i;
	const char *msg = lua_tolstring(L, -1, &mlen);
	struct sbuf esc = SBUF_INIT;

	if (rc == LUA_ERRMEM)
		luabox_stop("MEMORY_LIMIT", "script stopped: memory limit",
			    NULL, SBX_EXIT_MEMORY_LIMIT);
	if (msg == NULL) {
		msg = rc == LUA_ERRERR ? "error in error handling"
				       : "unknown error";
		mlen = strlen(msg);
	}
	if (rc == LUA_ERRERR) {
		free(box.traceback);
		box.traceback = NULL;
	}
	/* Escape with the real length: the message may contain NUL. */
	luaenv_escape_lines(&esc, msg,
			    mlen < MAX_ERROR_MESSAGE ? mlen : MAX_ERROR_MESSAGE,
			    true);
	if (mlen > MAX_ERROR_MESSAGE)
		sbuf_printf(&esc, "\n[message cut: %zu of its %zu bytes shown]",
			    (size_t)MAX_ERROR_MESSAGE, mlen);
	for (i = 0; i < PT_ARRAY_LEN(absent_hints); i++)
		if (mlen <= MAX_ERROR_MESSAGE &&
		    memmem(msg, mlen, absent_hints[i][0],
			   strlen(absent_hints[i][0])) != NULL &&
		    strstr(msg, "a nil value") != NULL) {
			sbuf_printf(&esc, " (%s)", absent_hints[i][1]);
			break;
		}
	luabox_stop("LUA_ERROR", esc.buf != NULL ? esc.buf : "", box.traceback,
		    SBX_EXIT_LUA_ERROR);
}

int
luabox_prepare(const struct luabox_config *cfg, int chan_fd)
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
	open_libraries(box.L, cfg);
	/* The lua5.4 interpreter collects in generational mode: so do we,
	 * so that collectgarbage answers as there. */
	lua_gc(box.L, LUA_GCGEN, 0, 0);
	return SBX_EXIT_OK;
}

/* `check`: load (compile) every script, run none, and end. */
static PT_NORETURN void
compile_all(lua_State *L, const struct luabox_config *cfg, int chan_fd)
{
	struct sbuf errs = SBUF_INIT;
	size_t i;

	for (i = 0; i < cfg->nscripts; i++) {
		const struct luabox_script *sc = &cfg->scripts[i];
		char *chunkname = xasprintf("@%s", sc->path);

		if (luaL_loadbufferx(L, sc->text, sc->len, chunkname, "t") !=
		    LUA_OK) {
			const char *m = lua_tostring(L, -1);

			sbuf_printf(&errs, "%s%s", errs.len > 0 ? "\n" : "",
				    m != NULL ? m : "cannot be compiled");
		}
		lua_settop(L, 0);
		free(chunkname);
	}
	if (errs.len > 0)
		luabox_stop("SYNTAX_ERROR", errs.buf, NULL, SBX_EXIT_LUA_ERROR);
	box.stopping = true;
	if (chan_send(chan_fd, CHAN_DONE, NULL) < 0)
		_exit(SBX_EXIT_OUTPUT_LIMIT);
	_exit(SBX_EXIT_OK);
}

int
luabox_main(const struct luabox_config *cfg, int chan_fd)
{
	const struct luabox_script *entry;
	lua_State *L;
	char *chunkname;
	int rc;

	if (box.L == NULL || box.cfg != cfg)
		luabox_prepare(cfg, chan_fd);
	L = box.L;
	if (cfg->compile_only)
		compile_all(L, cfg, chan_fd);
	entry = find_script(cfg, cfg->entry != NULL ? cfg->entry : "");
	if (entry == NULL)
		luabox_stop("LUA_ERROR", "entry script not in the bundle", NULL,
			    SBX_EXIT_LUA_ERROR);
	chunkname = xasprintf("@%s", entry->path);
	lua_pushcfunction(L, msghandler);
	rc = luaL_loadbufferx(L, entry->text, entry->len, chunkname, "t");
	free(chunkname);
	if (rc == LUA_OK) {
		/* The chunk's _ENV is the sandbox environment (it is also the
		 * registry's globals, but say so explicitly). */
		lua_getfield(L, LUA_REGISTRYINDEX, LUABOX_ENV_KEY);
		if (lua_setupvalue(L, -2, 1) == NULL)
			lua_pop(L, 1);
		rc = lua_pcall(L, 0, 0, -2);
	}
	if (rc == LUA_OK) {
		lua_pushcfunction(L, data_flush);
		rc = lua_pcall(L, 0, 0, -2);
	}
	if (rc != LUA_OK)
		script_failed(L, rc);
	box.stopping = true;
	data_send_usage(chan_fd);
	if (chan_send(chan_fd, CHAN_DONE, NULL) < 0)
		_exit(SBX_EXIT_OUTPUT_LIMIT);
	/* Never lua_close: finalizers are script code. */
	_exit(SBX_EXIT_OK);
}

static int
payload_prepare(void *arg, int chan_fd)
{
	return luabox_prepare(arg, chan_fd);
}

static int
payload_run(void *arg, int chan_fd)
{
	return luabox_main(arg, chan_fd);
}

struct sbx_payload
luabox_payload(const struct luabox_config *cfg)
{
	/* sbx_payload's arg is not const; the functions above treat it so. */
	return (struct sbx_payload){ payload_prepare, payload_run,
				     (void *)(uintptr_t)cfg };
}
