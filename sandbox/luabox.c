/*
 * luabox.c - the Lua state inside the jail; see luabox.h.
 *
 * Limits: a lua_Alloc that refuses growth past the memory cap, and one
 * instruction budget charged from a count hook.  Exhausting the budget ends
 * the child with _exit, so pcall cannot catch it.  The wall clock and
 * RLIMIT_CPU (set by the jail) bound time spent inside C functions and
 * finalizers, where hooks do not run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "channel.h"
#include "luabox.h"
#include "sandbox.h"

#define HOOK_INTERVAL 1000

struct luabox {
	const struct luabox_config *cfg;
	int chan_fd;
	uint64_t mem_used;
	uint64_t mem_limit;
	bool mem_hit;
	uint64_t budget;
	uint64_t output_used;
};

/* The one luabox of this process: the hook and the allocator need it, and a
 * child runs exactly one script. */
static struct luabox box;

static PT_NORETURN void
stop(const char *class, const char *msg, int status)
{
	struct sbuf sb = SBUF_INIT;

	chan_put_cstr(&sb, class);
	chan_put_cstr(&sb, msg);
	chan_put_cstr(&sb, "");
	(void)chan_send(box.chan_fd, CHAN_ERROR, &sb);
	_exit(status);
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
	if (nsize > osize && nsize - osize > box.mem_limit - box.mem_used) {
		box.mem_hit = true;
		return NULL;
	}
	p = realloc(ptr, nsize);
	if (p == NULL) {
		box.mem_hit = true;
		return NULL;
	}
	box.mem_used = box.mem_used - osize + nsize;
	return p;
}

static void
count_hook(lua_State *L, lua_Debug *ar)
{
	(void)L;
	(void)ar;
	if (box.budget <= HOOK_INTERVAL)
		stop("INSTRUCTION_LIMIT", "script stopped: instruction limit",
		     SBX_EXIT_INSTRUCTION_LIMIT);
	box.budget -= HOOK_INTERVAL;
}

/* Coroutines get the same hook, charging the same global budget. */
static int
co_create(lua_State *L)
{
	lua_State *co;

	luaL_checktype(L, 1, LUA_TFUNCTION);
	co = lua_newthread(L);
	lua_sethook(co, count_hook, LUA_MASKCOUNT, HOOK_INTERVAL);
	lua_pushvalue(L, 1);
	lua_xmove(L, co, 1);
	return 1;
}

static void
charge_output(lua_State *L, size_t n)
{
	if (n > box.cfg->output_bytes - box.output_used) {
		(void)L;
		stop("OUTPUT_LIMIT", "script stopped: output limit",
		     SBX_EXIT_OUTPUT_LIMIT);
	}
	box.output_used += n;
}

/* print: arguments must be strings or numbers; bytes that are not printable
 * ASCII or valid UTF-8 text are escaped by the runner when it shows the log. */
static int
box_print(lua_State *L)
{
	int i, n = lua_gettop(L);
	struct sbuf sb = SBUF_INIT;

	for (i = 1; i <= n; i++) {
		size_t len;
		const char *s;

		if (lua_type(L, i) != LUA_TSTRING &&
		    lua_type(L, i) != LUA_TNUMBER &&
		    lua_type(L, i) != LUA_TBOOLEAN && !lua_isnil(L, i)) {
			s = luaL_typename(L, i);
			len = strlen(s);
		} else if (lua_type(L, i) == LUA_TBOOLEAN) {
			s = lua_toboolean(L, i) ? "true" : "false";
			len = strlen(s);
		} else if (lua_isnil(L, i)) {
			s = "nil";
			len = 3;
		} else {
			s = lua_tolstring(L, i, &len);
		}
		if (i > 1)
			sbuf_addc(&sb, '\t');
		sbuf_add(&sb, s, len);
	}
	sbuf_addc(&sb, '\n');
	charge_output(L, sb.len);
	(void)pt_write_all(STDOUT_FILENO, sb.buf, sb.len);
	sbuf_free(&sb);
	return 0;
}

static int
output_text(lua_State *L)
{
	size_t nlen, tlen, dlen = 0;
	const char *name = luaL_checklstring(L, 1, &nlen);
	const char *text = luaL_checklstring(L, 2, &tlen);
	const char *desc = "";
	struct sbuf sb = SBUF_INIT;

	if (!lua_isnoneornil(L, 3)) {
		luaL_checktype(L, 3, LUA_TTABLE);
		if (lua_getfield(L, 3, "description") != LUA_TNIL)
			desc = luaL_checklstring(L, -1, &dlen);
	}
	charge_output(L, nlen + tlen + dlen);
	chan_put_str(&sb, name, nlen);
	chan_put_str(&sb, desc, dlen);
	chan_put_str(&sb, text, tlen);
	if (chan_send(box.chan_fd, CHAN_TEXT, &sb) < 0)
		stop("OUTPUT_LIMIT", "result channel closed",
		     SBX_EXIT_OUTPUT_LIMIT);
	sbuf_free(&sb);
	return 0;
}

static const luaL_Reg output_funcs[] = {
	{ "text", output_text },
	{ NULL, NULL },
};

/* Keep only the allowlisted base functions. */
static void
curate_base(lua_State *L)
{
	static const char *const removed[] = {
		"dofile", "loadfile", "load", "collectgarbage", "require",
	};
	size_t i;

	for (i = 0; i < PT_ARRAY_LEN(removed); i++) {
		lua_pushnil(L);
		lua_setglobal(L, removed[i]);
	}
	lua_pushcfunction(L, box_print);
	lua_setglobal(L, "print");
	lua_getglobal(L, "string");
	lua_pushnil(L);
	lua_setfield(L, -2, "dump");
	lua_pop(L, 1);
	lua_getglobal(L, "coroutine");
	lua_pushcfunction(L, co_create);
	lua_setfield(L, -2, "create");
	lua_pop(L, 1);
}

static int
msghandler(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	/* Never call __tostring on an error object: it is script code. */
	if (msg == NULL)
		msg = lua_pushfstring(L, "(error object is a %s value)",
				      luaL_typename(L, 1));
	luaL_traceback(L, L, msg, 1);
	return 1;
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

int
luabox_main(const struct luabox_config *cfg, int chan_fd)
{
	static const luaL_Reg libs[] = {
		{ LUA_GNAME, luaopen_base },
		{ LUA_COLIBNAME, luaopen_coroutine },
		{ LUA_TABLIBNAME, luaopen_table },
		{ LUA_STRLIBNAME, luaopen_string },
		{ LUA_MATHLIBNAME, luaopen_math },
		{ LUA_UTF8LIBNAME, luaopen_utf8 },
	};
	const struct luabox_script *entry;
	struct sbuf sb = SBUF_INIT;
	lua_State *L;
	char *chunkname;
	size_t i;
	int rc;

	box.cfg = cfg;
	box.chan_fd = chan_fd;
	box.mem_limit = cfg->memory_bytes;
	box.budget = cfg->instructions;

	L = lua_newstate(box_alloc, NULL);
	if (L == NULL)
		stop("MEMORY_LIMIT", "cannot create the Lua state",
		     SBX_EXIT_MEMORY_LIMIT);
	for (i = 0; i < PT_ARRAY_LEN(libs); i++) {
		luaL_requiref(L, libs[i].name, libs[i].func, 1);
		lua_pop(L, 1);
	}
	curate_base(L);
	luaL_newlib(L, output_funcs);
	lua_setglobal(L, "output");

	entry = find_script(cfg, cfg->entry);
	if (entry == NULL)
		stop("LUA_ERROR", "entry script not in the bundle",
		     SBX_EXIT_LUA_ERROR);
	chunkname = xasprintf("@%s", entry->path);
	lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_INTERVAL);
	lua_pushcfunction(L, msghandler);
	rc = luaL_loadbufferx(L, entry->text, entry->len, chunkname, "t");
	if (rc == LUA_OK)
		rc = lua_pcall(L, 0, 0, -2);
	if (rc != LUA_OK) {
		const char *msg = lua_tostring(L, -1);

		if (box.mem_hit || rc == LUA_ERRMEM)
			stop("MEMORY_LIMIT", "script stopped: memory limit",
			     SBX_EXIT_MEMORY_LIMIT);
		stop("LUA_ERROR", msg != NULL ? msg : "unknown error",
		     SBX_EXIT_LUA_ERROR);
	}
	if (chan_send(chan_fd, CHAN_DONE, &sb) < 0)
		_exit(SBX_EXIT_OUTPUT_LIMIT);
	/* Never lua_close: finalizers are script code. */
	_exit(SBX_EXIT_OK);
}
