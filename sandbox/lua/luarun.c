/*
 * luarun.c - the Lua child's payload: build the state with its libraries
 * (the standard ones the allowlist draws from, then data, output and the
 * curated environment), run the entry script or, for `check`, compile every
 * script, and report how it ended.  The top of the Lua layer: it uses the
 * core (luabox.c) and the libraries (luaenv.c, luaout.c, data.c), and none
 * of them calls back into it.
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

#define MAX_TRACEBACK 8192
/* Bytes of an error message kept (luabox.h); the rest is cut, and the
 * message says so. */
#define MAX_ERROR_MESSAGE LUABOX_MAX_ERROR_MESSAGE

static int
msghandler(lua_State *L)
{
	size_t len;
	char *tb;

	lua_settop(L, 1);
	if (lua_type(L, 1) == LUA_TNUMBER)
		lua_tostring(L, 1); /* converts in place, no metamethod */
	else if (lua_type(L, 1) != LUA_TSTRING)
		lua_pushfstring(L, "(error object is a %s value)",
				lua_typename(L, lua_type(L, 1)));
	luaL_traceback(L, L, NULL, 1);
	tb = xstrdup(lua_tolstring(L, -1, &len));
	if (len > MAX_TRACEBACK)
		memcpy(tb + MAX_TRACEBACK - 4, "\n...", 5);
	luabox_set_traceback(tb);
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
		luabox_set_traceback(NULL);
	}
	/* Escape with the real length: the message may contain NUL. */
	text_escape(&esc, msg,
		    mlen < MAX_ERROR_MESSAGE ? mlen : MAX_ERROR_MESSAGE,
		    TEXT_FOR_LOG_LINES);
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
	luabox_stop("LUA_ERROR", esc.buf != NULL ? esc.buf : "",
		    luabox_last_traceback(), SBX_EXIT_LUA_ERROR);
}

int
luabox_prepare(const struct luabox_config *cfg, int chan_fd)
{
	lua_State *L = luabox_new_state(cfg, chan_fd);

	open_libraries(L, cfg);
	/* The lua5.4 interpreter collects in generational mode: so do we,
	 * so that collectgarbage answers as there. */
	lua_gc(L, LUA_GCGEN, 0, 0);
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
	luabox_stopping();
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

	if (luabox_state(cfg) == NULL)
		luabox_prepare(cfg, chan_fd);
	L = luabox_state(cfg);
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
	luabox_stopping();
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
