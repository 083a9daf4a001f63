/*
 * luaenv.c - the curated environment a bundle's scripts see.
 *
 * Built from an allowlist, never by deleting from the standard globals.
 * What differs from stock Lua 5.4 differs for security or for reports that
 * are the same on every run; proeftuin-lua(7) lists it with the reasons.
 *
 *   base     assert error getmetatable ipairs pcall rawequal rawget rawlen
 *            rawset select setmetatable tonumber type xpcall _G _VERSION
 *            collectgarbage, and our own pairs and next (fixed order),
 *            tostring and print (numbered identities instead of
 *            addresses), warn (always to the log), load (text only) and
 *            require (modules of the bundle and the libraries below)
 *   string   all but dump; format gives %p a numbered identity
 *   table, utf8   all
 *   math     all; random starts from cfg->seed, and so does randomseed()
 *            without arguments
 *   coroutine all; create and wrap charge the instruction budget
 *   os       clock date difftime time getenv (luaos.c)
 *   data, output   the proeftuin API, read-only
 *
 * The library tables are plain tables, as in stock Lua: a script may add
 * to them or replace what is in them, which changes only its own run (the
 * state is new for every run and nothing of proeftuin calls them).  The
 * originals they were copied from stay reachable only from C.  os.clock
 * returns a virtual time, the instructions used so far divided by 1e8, so
 * it is deterministic like everything else.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "luabox_priv.h"
#include "sandbox.h"
#include "textsafe.h"

static const char *const base_allowed[] = {
	"assert",   "error",  "getmetatable", "ipairs",
	"pairs",    "pcall",  "rawequal",     "rawget",
	"rawlen",   "rawset", "select",	      "setmetatable",
	"tonumber", "type",   "xpcall",	      "_VERSION",
};

static const char *const string_allowed[] = {
	"byte",	   "char",  "find",   "format", "gmatch",   "gsub",
	"len",	   "lower", "match",  "pack",	"packsize", "rep",
	"reverse", "sub",   "unpack", "upper",	NULL,
};
static const char *const table_allowed[] = {
	"concat", "insert", "move", "pack", "remove", "sort", "unpack", NULL,
};
static const char *const utf8_allowed[] = {
	"char", "charpattern", "codepoint", "codes", "len", "offset", NULL,
};
/* Lua 5.4's math (randomseed is wrapped, see env_randomseed). */
static const char *const math_allowed[] = {
	"abs",	"acos",	      "asin",  "atan",	     "ceil", "cos",
	"deg",	"exp",	      "floor", "fmod",	     "huge", "log",
	"max",	"maxinteger", "min",   "mininteger", "modf", "pi",
	"rad",	"random",     "sin",   "sqrt",	     "tan",  "tointeger",
	"type", "ult",	      NULL,
};
/* The 5.3 compatibility functions Debian's lua5.4 has: pure functions,
 * kept where the library has them so code written for it runs. */
static const char *const math_compat[] = {
	"atan2", "cosh", "frexp", "ldexp", "log10", "pow", "sinh", "tanh", NULL,
};
static const char *const coroutine_allowed[] = {
	"close",  "create", "isyieldable", "resume", "running",
	"status", "wrap",   "yield",	   NULL,
};

static const struct luabox_config *env_cfg;

/* ---- read-only proxies ---- */

static int
ro_newindex(lua_State *L)
{
	return luaL_error(L, "attempt to modify a read-only library table");
}

/* Iterator for pairs(proxy): walks the hidden table (upvalue 1). */
static int
ro_next(lua_State *L)
{
	lua_settop(L, 2);
	if (lua_next(L, lua_upvalueindex(1)) != 0)
		return 2;
	lua_pushnil(L);
	return 1;
}

static int
ro_pairs(lua_State *L)
{
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_pushcclosure(L, ro_next, 1);
	lua_pushvalue(L, 1);
	lua_pushnil(L);
	return 3;
}

static int
ro_len(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)lua_rawlen(L, lua_upvalueindex(1)));
	return 1;
}

void
luaenv_readonly(lua_State *L, int idx, const char *name)
{
	idx = lua_absindex(L, idx);
	lua_newuserdatauv(L, 0, 0);
	lua_createtable(L, 0, 6);
	lua_pushvalue(L, idx);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, ro_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_pushvalue(L, idx);
	lua_pushcclosure(L, ro_pairs, 1);
	lua_setfield(L, -2, "__pairs");
	lua_pushvalue(L, idx);
	lua_pushcclosure(L, ro_len, 1);
	lua_setfield(L, -2, "__len");
	lua_pushstring(L, name);
	lua_setfield(L, -2, "__name");
	lua_pushliteral(L, LUABOX_LOCKED);
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
}

/* ---- the run log ---- */

/* Write one log line; `charged` bytes of it were charged already. */
static void
log_line(struct sbuf *sb, size_t charged)
{
	sbuf_addc(sb, '\n');
	if (sb->len > charged)
		luabox_charge_output(sb->len - charged);
	(void)pt_write_all(STDOUT_FILENO, sb->buf, sb->len);
	sbuf_free(sb);
}

static void push_tostring(lua_State *L, int idx);

/* print: as Lua's, each argument through tostring (so __tostring is
 * honoured), but tables, functions and the like are named by a number
 * instead of an address, so the log is the same on every run. */
static int
env_print(lua_State *L)
{
	int i, n = lua_gettop(L);
	struct sbuf sb = SBUF_INIT;
	size_t charged = 0;

	/* Convert first: a __tostring may raise an error, and nothing must
	 * be held outside Lua's memory when it does. */
	luaL_checkstack(L, n, "too many arguments to print");
	for (i = 1; i <= n; i++)
		push_tostring(L, i);
	for (i = 1; i <= n; i++) {
		const char *s;
		size_t len;

		if (i > 1)
			sbuf_addc(&sb, '\t');
		s = lua_tolstring(L, n + i, &len);
		/* Charge before escaping so a flood stops early. */
		luabox_charge_output(len);
		charged += len;
		text_escape(&sb, s, len, TEXT_FOR_LOG);
	}
	log_line(&sb, charged);
	return 0;
}

/* warn: Lua 5.4's signature (strings, concatenated); control messages
 * ("@on", "@off") are accepted and ignored: warnings always go to the log. */
static int
env_warn(lua_State *L)
{
	int i, n = lua_gettop(L);
	struct sbuf sb = SBUF_INIT;
	size_t charged = 0;

	luaL_checkstring(L, 1);
	for (i = 2; i <= n; i++)
		luaL_checkstring(L, i);
	if (n == 1 && lua_tostring(L, 1)[0] == '@')
		return 0;
	sbuf_adds(&sb, "Lua warning: ");
	for (i = 1; i <= n; i++) {
		size_t len;
		const char *s = lua_tolstring(L, i, &len);

		luabox_charge_output(len);
		charged += len;
		text_escape(&sb, s, len, TEXT_FOR_LOG);
	}
	log_line(&sb, charged);
	return 0;
}

/* ---- pairs in a fixed order ---- */

struct pkey {
	int rank; /* 0 integer, 1 float, 2 string, 3 boolean, 4 other */
	lua_Integer i;
	lua_Number n;
	const char *s;
	size_t len;
	lua_Integer slot; /* index in the snapshot table */
};

static int
pkey_cmp(const void *x, const void *y, void *arg)
{
	const struct pkey *a = x, *b = y;
	int c;

	(void)arg;
	if (a->rank <= 1 && b->rank <= 1) {
		if (a->rank == 0 && b->rank == 0)
			return a->i < b->i ? -1 : a->i > b->i;
		return a->n < b->n ? -1 : a->n > b->n;
	}
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	if (a->rank == 2) {
		c = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);
		if (c != 0)
			return c;
		return a->len < b->len ? -1 : a->len > b->len;
	}
	if (a->rank == 3)
		return (int)a->i - (int)b->i;
	/* tables, functions, ...: no stable order exists; keep next's */
	return a->slot < b->slot ? -1 : a->slot > b->slot;
}

/* Iterator of env_pairs: upvalue 1 = sorted keys, 2 = position. */
static int
sorted_next(lua_State *L)
{
	lua_Integer pos = lua_tointeger(L, lua_upvalueindex(2));

	for (;;) {
		if (lua_rawgeti(L, lua_upvalueindex(1), ++pos) == LUA_TNIL)
			return 0;
		lua_pushvalue(L, -1);
		/* a key removed during the loop (t[k] = nil) is skipped */
		if (lua_rawget(L, 1) != LUA_TNIL) {
			lua_pushinteger(L, pos);
			lua_replace(L, lua_upvalueindex(2));
			return 2;
		}
		lua_pop(L, 2);
	}
}

/* Push a sequence of the keys of the plain table at `t` in a fixed order,
 * so walking them never depends on the hash seed of the run: integers and
 * floats by value, then strings bytewise, then false, true, then other keys
 * (in next's order, the one thing left that can vary).  Returns the number
 * of keys. */
static lua_Integer
push_sorted_keys(lua_State *L, int t)
{
	struct pkey *keys;
	lua_Integer n = 0, i;
	int snap;

	t = lua_absindex(L, t);
	lua_newtable(L);
	snap = lua_gettop(L);
	lua_pushnil(L);
	while (lua_next(L, t) != 0) {
		lua_pop(L, 1);
		lua_pushvalue(L, -1);
		lua_rawseti(L, snap, ++n);
	}
	keys = lua_newuserdatauv(L, (size_t)n * sizeof(*keys) + 1, 0);
	for (i = 1; i <= n; i++) {
		struct pkey *k = &keys[i - 1];

		memset(k, 0, sizeof(*k));
		k->slot = i;
		switch (lua_rawgeti(L, snap, i)) {
		case LUA_TNUMBER:
			if (lua_isinteger(L, -1)) {
				k->rank = 0;
				k->i = lua_tointeger(L, -1);
				k->n = (lua_Number)k->i;
			} else {
				k->rank = 1;
				k->n = lua_tonumber(L, -1);
			}
			break;
		case LUA_TSTRING:
			k->rank = 2;
			k->s = lua_tolstring(L, -1, &k->len);
			break;
		case LUA_TBOOLEAN:
			k->rank = 3;
			k->i = lua_toboolean(L, -1);
			break;
		default:
			k->rank = 4;
			break;
		}
		lua_pop(L, 1); /* the snapshot keeps strings alive */
	}
	luabox_sort(keys, (size_t)n, sizeof(*keys), pkey_cmp, NULL);
	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		lua_rawgeti(L, snap, keys[i].slot);
		lua_rawseti(L, -2, i + 1);
	}
	lua_replace(L, snap);
	lua_pop(L, 1); /* keys */
	return n;
}

/* pairs(t): like Lua's (a __pairs metamethod is honoured), but a plain
 * table is walked in the fixed order of push_sorted_keys.  The keys are a
 * snapshot; the values are read as the loop goes. */
static int
env_pairs(lua_State *L)
{
	if (luaL_getmetafield(L, 1, "__pairs") != LUA_TNIL) {
		lua_pushvalue(L, 1);
		lua_call(L, 1, 3);
		return 3;
	}
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	push_sorted_keys(L, 1);
	lua_pushinteger(L, 0);
	lua_pushcclosure(L, sorted_next, 2);
	lua_pushvalue(L, 1);
	lua_pushnil(L);
	return 3;
}

/* next(t [, k]): the standard next walks in the order of the run's string
 * hash seed (and of addresses), so `for k, v in next, t` or a bare next(t)
 * gave different results on two runs of the same bundle.  This next walks
 * the same fixed order as pairs.  next(t) takes a snapshot of the keys,
 * charged to the instruction budget by its size since it is O(n log n) C
 * time; upvalue 1 (weak keys) maps each table to its snapshot and upvalue 2
 * (weak keys) to a key -> position map, so next(t, k) is O(1) plus skipped
 * removed keys.  A key the snapshot lacks (added since) refreshes it. */
static int
env_next(lua_State *L)
{
	lua_Integer pos = 0;

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 2);
	if (!lua_isnil(L, 2)) {
		lua_pushvalue(L, 1);
		if (lua_rawget(L, lua_upvalueindex(2)) == LUA_TTABLE) {
			lua_pushvalue(L, 2);
			lua_rawget(L, -2);
			pos = lua_tointeger(L, -1);
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	}
	if (pos == 0) {
		lua_Integer i, n = push_sorted_keys(L, 1);

		luabox_charge_instructions((uint64_t)n);
		lua_createtable(L, 0, (int)n);
		for (i = 1; i <= n; i++) {
			lua_rawgeti(L, -2, i);
			lua_pushinteger(L, i);
			lua_rawset(L, -3);
		}
		lua_pushvalue(L, 1);
		lua_pushvalue(L, -2);
		lua_rawset(L, lua_upvalueindex(2));
		lua_pop(L, 1);
		lua_pushvalue(L, 1);
		lua_pushvalue(L, -2);
		lua_rawset(L, lua_upvalueindex(1));
		if (!lua_isnil(L, 2)) {
			lua_pushvalue(L, 1);
			lua_rawget(L, lua_upvalueindex(2));
			lua_pushvalue(L, 2);
			lua_rawget(L, -2);
			pos = lua_tointeger(L, -1);
			lua_pop(L, 2);
			if (pos == 0)
				return luaL_error(L, "invalid key to 'next'");
		}
	} else {
		lua_pushvalue(L, 1);
		lua_rawget(L, lua_upvalueindex(1));
	}
	/* stack: t, k, snapshot; a key removed since is skipped */
	for (;;) {
		if (lua_rawgeti(L, 3, ++pos) == LUA_TNIL)
			return 1;
		lua_pushvalue(L, -1);
		if (lua_rawget(L, 1) != LUA_TNIL)
			return 2;
		lua_pop(L, 2);
	}
}

/* ---- identities without addresses ---- */

/* Registry key of the weak table object -> sequence number. */
#define IDS_KEY "proeftuin.ids"
static lua_Integer ids_next;

/* The number of the object at `idx`, in the order identities were first
 * asked for (tostring, print, %p); made when new. */
static lua_Integer
identity(lua_State *L, int idx)
{
	lua_Integer id;

	idx = lua_absindex(L, idx);
	lua_getfield(L, LUA_REGISTRYINDEX, IDS_KEY);
	lua_pushvalue(L, idx);
	if (lua_rawget(L, -2) == LUA_TNIL) {
		lua_pop(L, 1);
		lua_pushinteger(L, ++ids_next);
		lua_pushvalue(L, idx);
		lua_pushvalue(L, -2);
		lua_rawset(L, -4);
	}
	id = lua_tointeger(L, -1);
	lua_pop(L, 2);
	return id;
}

/* Push what tostring gives for the value at `idx`.  Lua's own tostring
 * (luaL_tolstring) prints heap addresses ("table: 0x55..."), which differ
 * between runs, so an output built from them was not reproducible.  Here
 * a table, function, thread or userdata is named by its type (or __name)
 * and a number given in the order objects are first printed: distinct and
 * stable like an address, and the same on every run.  __tostring is
 * honoured, as in Lua. */
static void
push_tostring(lua_State *L, int idx)
{
	const char *kind;
	int top = lua_gettop(L);

	idx = lua_absindex(L, idx);
	if (luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL) {
		lua_pushvalue(L, idx);
		lua_call(L, 1, 1);
		if (!lua_isstring(L, -1))
			luaL_error(L, "'__tostring' must return a string");
		return;
	}
	switch (lua_type(L, idx)) {
	case LUA_TNIL:
	case LUA_TBOOLEAN:
	case LUA_TNUMBER:
	case LUA_TSTRING:
		luaL_tolstring(L, idx, NULL);
		return;
	default:
		break;
	}
	if (luaL_getmetafield(L, idx, "__name") == LUA_TSTRING)
		kind = lua_tostring(L, -1);
	else
		kind = luaL_typename(L, idx);
	lua_pushfstring(L, "%s: #%I", kind, identity(L, idx));
	/* drop what luaL_getmetafield may have left below it */
	if (lua_gettop(L) > top + 1)
		lua_replace(L, top + 1);
	lua_settop(L, top + 1);
}

static int
env_tostring(lua_State *L)
{
	luaL_checkany(L, 1);
	push_tostring(L, 1);
	return 1;
}

/* string.format wrapper (upvalue 1 the original).  "%p" would print an
 * address, which differs between runs: it prints the object's number
 * instead, "#7" as in what tostring gives (equal for the same object,
 * different for different ones, the same on every run), and "(null)" for
 * a value that is not an object, as Lua does.  An argument of "%s" that is
 * not a string or number goes through push_tostring, so no address gets
 * in that way either.  The original validates everything else. */
static int
env_format(lua_State *L)
{
	size_t flen;
	const char *fmt = luaL_checklstring(L, 1, &flen);
	int arg = 1, top = lua_gettop(L);
	size_t i = 0, spec;
	char *nf;

	/* The new format has the same length ('p' becomes 's'); kept in a
	 * userdata so that an error in a __tostring frees it. */
	nf = lua_newuserdatauv(L, flen + 1, 0);
	memcpy(nf, fmt, flen + 1);
	while (i < flen) {
		if (fmt[i++] != '%')
			continue;
		if (i < flen && fmt[i] == '%') {
			i++;
			continue;
		}
		arg++;
		spec = i;
		while (i < flen && strchr("-+ #0123456789.", fmt[i]) != NULL)
			i++;
		if (i >= flen)
			break;
		if (fmt[i] == 'p') {
			char id[32];
			size_t f;

			for (f = spec; f < i; f++)
				if (fmt[f] != '-' &&
				    (fmt[f] < '0' || fmt[f] > '9'))
					return luaL_error(
					    L,
					    "invalid conversion "
					    "specification: '%%%s'",
					    lua_pushlstring(L, fmt + spec,
							    i - spec + 1));
			luaL_checkany(L, arg);
			switch (lua_type(L, arg)) {
			case LUA_TTABLE:
			case LUA_TFUNCTION:
			case LUA_TUSERDATA:
			case LUA_TTHREAD:
			case LUA_TSTRING:
				snprintf(id, sizeof(id), "#%lld",
					 (long long)identity(L, arg));
				lua_pushstring(L, id);
				break;
			default:
				lua_pushliteral(L, "(null)");
				break;
			}
			lua_replace(L, arg);
			nf[i] = 's';
		} else if (fmt[i] == 's' && arg <= top &&
			   lua_type(L, arg) != LUA_TSTRING &&
			   lua_type(L, arg) != LUA_TNUMBER) {
			push_tostring(L, arg);
			lua_replace(L, arg);
		}
		i++;
	}
	lua_pushlstring(L, nf, flen);
	lua_replace(L, 1);
	lua_settop(L, top);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, top, 1);
	return 1;
}

/* ---- base replacements ---- */

/* load(chunk [, chunkname [, mode [, env]]]): as Lua's, but text only
 * (a binary chunk can crash the interpreter) and, without an env argument,
 * the sandbox environment.  Like Lua's it reports a chunk it will not
 * load by returning nil and a message.  Upvalue 1 is the standard load, 2
 * the environment. */
static int
env_load(lua_State *L)
{
	bool has_env = !lua_isnone(L, 4);
	const char *mode = luaL_optstring(L, 3, "bt");

	if (strchr(mode, 't') == NULL) {
		size_t len;
		const char *s = lua_tolstring(L, 1, &len);

		lua_pushnil(L);
		if (s != NULL && (len == 0 || s[0] != LUA_SIGNATURE[0]))
			lua_pushfstring(L,
					"attempt to load a text chunk (mode "
					"is '%s')",
					mode);
		else
			lua_pushliteral(L, "binary chunks are not allowed in "
					   "the sandbox");
		return 2;
	}
	lua_settop(L, 4);
	lua_pushliteral(L, "t");
	lua_replace(L, 3);
	if (!has_env) {
		lua_pushvalue(L, lua_upvalueindex(2));
		lua_replace(L, 4);
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, 4, LUA_MULTRET);
	return lua_gettop(L);
}

/* collectgarbage: Lua's (upvalue 1), every option.  A full collection or
 * a step costs time in proportion to the heap, which the memory limit
 * bounds; it is charged to the instruction budget at one instruction per
 * 64 bytes in use, so a loop of collections ends with the instruction
 * limit like any other loop. */
static int
env_collectgarbage(lua_State *L)
{
	const char *opt = luaL_optstring(L, 1, "collect");

	if (strcmp(opt, "collect") == 0 || strcmp(opt, "step") == 0)
		luabox_charge_instructions(
		    ((uint64_t)lua_gc(L, LUA_GCCOUNT, 0) << 10) / 64 + 1);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

/* math.randomseed([x [, y]]): Lua's (upvalue 1) with arguments, which is
 * deterministic; without, Lua would seed from the clock and an address,
 * so it seeds from the bundle again, as at the start of the run. */
static int
env_randomseed(lua_State *L)
{
	if (lua_isnone(L, 1))
		lua_pushinteger(L, (lua_Integer)env_cfg->seed);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

static bool
valid_module_name(const char *s)
{
	if (*s == '\0' || *s == '.')
		return false;
	for (; *s != '\0'; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' ||
		      (*s == '.' && s[1] != '.' && s[1] != '\0')))
			return false;
	}
	return true;
}

/* __close of require's guard: upvalue 1 the module cache, 2 the name.
 * Clears the entry only while it is still the loading marker. */
static int
require_unmark(lua_State *L)
{
	lua_pushvalue(L, lua_upvalueindex(2));
	if (lua_rawget(L, lua_upvalueindex(1)) == LUA_TLIGHTUSERDATA) {
		lua_pushvalue(L, lua_upvalueindex(2));
		lua_pushnil(L);
		lua_rawset(L, lua_upvalueindex(1));
	}
	return 0;
}

/* The script of the bundle at `base` followed by `suffix`, or NULL. */
static const struct luabox_script *
bundle_script(const char *base, const char *suffix)
{
	size_t i, bl = strlen(base), sl = strlen(suffix);

	for (i = 0; i < env_cfg->nscripts; i++) {
		const char *p = env_cfg->scripts[i].path;

		if (strlen(p) == bl + sl && memcmp(p, base, bl) == 0 &&
		    strcmp(p + bl, suffix) == 0)
			return &env_cfg->scripts[i];
	}
	return NULL;
}

/* Standard libraries a sandbox leaves out, and why, for require's
 * message. */
static const char *const absent_lib[][2] = {
	{ "io", "scripts read data through the data API and write through "
		"output" },
	{ "debug", "it can read and change any variable and hook" },
	{ "package", "modules come from the bundle only, through require" },
};

/* require(name): the standard libraries the sandbox has (as in Lua's
 * package.loaded: string, table, math, utf8, coroutine, os, _G, and data
 * and output), else a module of the bundle ("a.b" is a/b.lua or else
 * a/b/init.lua), loaded once, as text, in the sandbox environment, and
 * given its name and path as Lua gives them.  Upvalue 1 caches results
 * and holds the libraries from the start. */
static int
env_require(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	const struct luabox_script *sc = NULL;
	struct sbuf path = SBUF_INIT;
	char *chunkname;
	size_t i;
	int rc;

	for (i = 0; i < PT_ARRAY_LEN(absent_lib); i++)
		if (strcmp(name, absent_lib[i][0]) == 0)
			return luaL_error(L,
					  "require: '%s' is not available in "
					  "the sandbox (%s)",
					  name, absent_lib[i][1]);
	if (!valid_module_name(name))
		return luaL_error(L, "require: invalid module name '%s'", name);
	if (lua_getfield(L, lua_upvalueindex(1), name) != LUA_TNIL) {
		if (lua_type(L, -1) == LUA_TLIGHTUSERDATA)
			return luaL_error(L, "require: loop while loading '%s'",
					  name);
		return 1;
	}
	lua_pop(L, 1);
	/* As Lua's ./?.lua;./?/init.lua, in the bundle. */
	for (i = 0; name[i] != '\0'; i++)
		sbuf_addc(&path, name[i] == '.' ? '/' : name[i]);
	sc = bundle_script(path.buf, ".lua");
	if (sc == NULL)
		sc = bundle_script(path.buf, "/init.lua");
	if (sc == NULL) {
		lua_pushfstring(L,
				"require: module '%s' not found in the "
				"bundle (looked for %s.lua and %s/init.lua)",
				name, path.buf, path.buf);
		sbuf_free(&path);
		return lua_error(L);
	}
	sbuf_free(&path);
	chunkname = xasprintf("@%s", sc->path);
	rc = luaL_loadbufferx(L, sc->text, sc->len, chunkname, "t");
	free(chunkname);
	if (rc != LUA_OK)
		return lua_error(L);
	lua_getfield(L, LUA_REGISTRYINDEX, LUABOX_ENV_KEY);
	if (lua_setupvalue(L, -2, 1) == NULL)
		lua_pop(L, 1);
	lua_pushlightuserdata(L, (void *)&env_cfg); /* loading marker */
	lua_setfield(L, lua_upvalueindex(1), name);
	/* A to-be-closed guard takes the marker away again if the module
	 * raises an error, so a second require reports the module's own
	 * error again instead of a loop that does not exist. */
	lua_newtable(L);
	lua_createtable(L, 0, 1);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_pushstring(L, name);
	lua_pushcclosure(L, require_unmark, 2);
	lua_setfield(L, -2, "__close");
	lua_setmetatable(L, -2);
	lua_toclose(L, -1);
	lua_pushvalue(L, -2); /* the chunk */
	lua_pushstring(L, name);
	lua_pushstring(L, sc->path);
	lua_call(L, 2, 1);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_pushboolean(L, 1);
	}
	lua_pushvalue(L, -1);
	lua_setfield(L, lua_upvalueindex(1), name);
	/* Lua's require also returns where the module was found. */
	lua_pushstring(L, sc->path);
	return 2;
}

/* coroutine.create / wrap: charge a full hook interval, because the new
 * thread starts with a fresh count; then defer to the original
 * (upvalue 1). */
static int
env_cocharge(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TFUNCTION);
	luabox_charge_instructions(LUABOX_HOOK_INTERVAL);
	lua_settop(L, 1);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, 1, 1);
	return 1;
}

/* ---- assembly ---- */

/* Copy the fields of global library `lib` named in the NULL-terminated
 * list `allowed`, and those of `optional` (may be NULL) it has, into a new
 * table, set it as env[lib] and leave it on the stack.  `env` is an
 * absolute index.  An allowlisted name the library lacks is an error of
 * this build, so it fails closed. */
static void
add_library(lua_State *L, int env, const char *lib, const char *const *allowed,
	    const char *const *optional)
{
	lua_getglobal(L, lib);
	lua_newtable(L);
	for (; *allowed != NULL; allowed++) {
		if (lua_getfield(L, -2, *allowed) == LUA_TNIL)
			luabox_stop("SETUP_FAILED",
				    "Lua library lacks an "
				    "allowlisted function",
				    *allowed, SBX_EXIT_SETUP_FAILED);
		lua_setfield(L, -2, *allowed);
	}
	for (; optional != NULL && *optional != NULL; optional++) {
		if (lua_getfield(L, -2, *optional) == LUA_TNIL)
			lua_pop(L, 1);
		else
			lua_setfield(L, -2, *optional);
	}
	lua_remove(L, -2);
	lua_pushvalue(L, -1);
	lua_setfield(L, env, lib);
}

/* Replace function `name` of global library `lib` by `fn` with the
 * original as its upvalue. */
static void
wrap_function(lua_State *L, const char *lib, const char *name, lua_CFunction fn)
{
	lua_getglobal(L, lib);
	lua_getfield(L, -1, name);
	lua_pushcclosure(L, fn, 1);
	lua_setfield(L, -2, name);
	lua_pop(L, 1);
}

/* Push a new table with weak keys. */
static void
push_weak_table(lua_State *L)
{
	lua_newtable(L);
	lua_createtable(L, 0, 1);
	lua_pushliteral(L, "k");
	lua_setfield(L, -2, "__mode");
	lua_setmetatable(L, -2);
}

void
luaenv_build(lua_State *L, const struct luabox_config *cfg)
{
	static const char *const cached[] = { "string", "table",     "math",
					      "utf8",	"coroutine", "os",
					      "data",	"output",    "_G" };
	int env, loaded;
	size_t i;

	env_cfg = cfg;
	/* Stack: data, output. */
	lua_createtable(L, 0, 40);
	env = lua_gettop(L);

	for (i = 0; i < PT_ARRAY_LEN(base_allowed); i++) {
		lua_getglobal(L, base_allowed[i]);
		lua_setfield(L, env, base_allowed[i]);
	}
	lua_pushcfunction(L, env_print);
	lua_setfield(L, env, "print");
	lua_pushcfunction(L, env_pairs);
	lua_setfield(L, env, "pairs");
	lua_pushcfunction(L, env_warn);
	lua_setfield(L, env, "warn");
	lua_pushcfunction(L, env_tostring);
	lua_setfield(L, env, "tostring");
	push_weak_table(L);
	push_weak_table(L);
	lua_pushcclosure(L, env_next, 2);
	lua_setfield(L, env, "next");
	push_weak_table(L);
	lua_setfield(L, LUA_REGISTRYINDEX, IDS_KEY);
	lua_getglobal(L, "collectgarbage");
	lua_pushcclosure(L, env_collectgarbage, 1);
	lua_setfield(L, env, "collectgarbage");
	lua_getglobal(L, "load");
	lua_pushvalue(L, env);
	lua_pushcclosure(L, env_load, 2);
	lua_setfield(L, env, "load");
	lua_newtable(L);
	loaded = lua_gettop(L);
	lua_pushvalue(L, loaded);
	lua_pushcclosure(L, env_require, 1);
	lua_setfield(L, env, "require");
	lua_pushvalue(L, env);
	lua_setfield(L, env, "_G");

	/* string: no dump, format without addresses.  Methods of strings
	 * ("x"):upper() are looked up in the script's string table, as in
	 * Lua, so what a script adds to it works as a method too; the
	 * original table is left behind. */
	lua_getglobal(L, "string");
	lua_pushnil(L);
	lua_setfield(L, -2, "dump"); /* not even in the original */
	lua_pop(L, 1);
	wrap_function(L, "string", "format", env_format);
	add_library(L, env, "string", string_allowed, NULL);
	lua_pushliteral(L, "");
	if (lua_getmetatable(L, -1)) {
		lua_pushvalue(L, -3);
		lua_setfield(L, -2, "__index");
		lua_pop(L, 1);
	}
	lua_pop(L, 2);
	add_library(L, env, "table", table_allowed, NULL);
	lua_pop(L, 1);
	add_library(L, env, "utf8", utf8_allowed, NULL);
	lua_pop(L, 1);

	/* math.random starts from the bundle's seed. */
	lua_getglobal(L, "math");
	lua_getfield(L, -1, "randomseed");
	lua_pushinteger(L, (lua_Integer)cfg->seed);
	lua_call(L, 1, 0);
	add_library(L, env, "math", math_allowed, math_compat);
	lua_getfield(L, -2, "randomseed");
	lua_pushcclosure(L, env_randomseed, 1);
	lua_setfield(L, -2, "randomseed");
	lua_pop(L, 2);

	wrap_function(L, "coroutine", "create", env_cocharge);
	wrap_function(L, "coroutine", "wrap", env_cocharge);
	add_library(L, env, "coroutine", coroutine_allowed, NULL);
	lua_pop(L, 1);

	luaos_push_lib(L, cfg->clock);
	lua_setfield(L, env, "os");

	/* data at env-2, output at env-1: the proeftuin API stays read-only */
	luaenv_readonly(L, env - 2, "data");
	lua_setfield(L, env, "data");
	luaenv_readonly(L, env - 1, "output");
	lua_setfield(L, env, "output");

	/* require gives the libraries, as package.loaded does in Lua; and
	 * the registry's table of loaded modules holds them instead of the
	 * originals, so that an error message names a function as Lua does
	 * ("bad argument #1 to 'tostring'"). */
	lua_newtable(L);
	for (i = 0; i < PT_ARRAY_LEN(cached); i++) {
		lua_getfield(L, env, cached[i]);
		lua_pushvalue(L, -1);
		lua_setfield(L, loaded, cached[i]);
		lua_setfield(L, -2, cached[i]);
	}
	lua_setfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	lua_pop(L, 1); /* loaded */

	/* The environment is every chunk's globals from now on, including
	 * chunks the standard load would give the real global table. */
	lua_pushvalue(L, env);
	lua_setfield(L, LUA_REGISTRYINDEX, LUABOX_ENV_KEY);
	lua_pushvalue(L, env);
	lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
	lua_pop(L, 3);
}
