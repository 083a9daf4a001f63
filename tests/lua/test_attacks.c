/*
 * test_attacks.c - the Lua attack catalogue (research/sandbox.md §3.1,
 * L1-L32) and the exact environment allowlist, each run in a real
 * sandboxed child through luabox_main, asserting the exact end class.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

struct attack {
	const char *id;
	const char *script;
	enum sbx_end end;
	const char *err_class; /* CHAN_ERROR class, "" for none */
	const char *msg_part;  /* substring of the error message, or NULL */
	uint64_t memory, instructions, output, cpu_s;
};

#define LUAERR SBX_LUA_ERROR, "LUA_ERROR"

/* The table leaves trailing limits out (zero: the harness default). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static const struct attack attacks[] = {
	{ "L1 string.dump is absent",
	  "return load(string.dump(function() return 1 end))()", LUAERR,
	  "field 'dump'" },
	{ "L1 binary chunks are refused by load",
	  "local f, e = load('\\27Lua\\84\\0') assert(f == nil) error(e, 0)",
	  LUAERR, "attempt to load a binary chunk" },
	{ "L2 mode b loads nothing, as in Lua for a text chunk",
	  "local f, e = load('x', 'x', 'b') assert(f == nil) error(e, 0)",
	  LUAERR, "attempt to load a text chunk (mode is 'b')" },
	{ "L2 mode b refuses a binary chunk too",
	  "local f, e = load('\\27Lua', 'x', 'b') assert(f == nil) "
	  "error(e, 0)",
	  LUAERR, "binary chunks are not allowed in the sandbox" },
	{ "L3 load with an env sees only that env",
	  "assert(load('return os', 'x', 't', {os = 1})() == 1) "
	  "assert(load('return io, data', 'x', 't', {})() == nil) "
	  "assert(not pcall(load('return x', 'x', 't', nil))) "
	  "error('fine', 0)",
	  LUAERR, "fine" },
	{ "L3 load without env gets the sandbox env",
	  "local f = load('return io, dofile, debug, package') "
	  "assert(select('#', f()) == 4 and f() == nil) "
	  "error('fine', 0)",
	  LUAERR, "fine" },
	{ "L4 dofile is absent", "dofile('/etc/passwd')", LUAERR,
	  "global 'dofile'" },
	{ "L4 loadfile is absent", "loadfile('x')", LUAERR,
	  "global 'loadfile'" },
	{ "L5 package is absent",
	  "package.loadlib('/lib/x86_64-linux-gnu/libc.so.6', 'system')",
	  LUAERR, "global 'package'" },
	{ "L6 require finds only bundle modules", "require('evil')", LUAERR,
	  "not found in the bundle" },
	{ "L6 require refuses paths", "require('../x')", LUAERR,
	  "invalid module name" },
	{ "L7 os.execute is absent", "os.execute('id')", LUAERR,
	  "field 'execute'" },
	{ "L7 io.popen is absent", "io.popen('id')", LUAERR, "global 'io'" },
	{ "L8 io.open is absent", "io.open('/etc/passwd'):read('a')", LUAERR,
	  "global 'io'" },
	{ "L9 os.getenv finds no variable",
	  "error(tostring(os.getenv('HOME')) "
	  ".. ' ' .. tostring(os.getenv('PATH')), 0)",
	  LUAERR, "nil nil" },
	{ "L10 debug.sethook is absent", "debug.sethook() while true do end",
	  LUAERR, "global 'debug'" },
	{ "L10 an endless loop hits the budget", "while true do end",
	  SBX_INSTRUCTION_LIMIT, "INSTRUCTION_LIMIT", NULL, 0, 1000000 },
	{ "L11 debug.getregistry is absent", "debug.getregistry()", LUAERR,
	  "global 'debug'" },
	{ "L12 pcall does not swallow the limit",
	  "while true do pcall(function() while true do end end) end",
	  SBX_INSTRUCTION_LIMIT, "INSTRUCTION_LIMIT", NULL, 0, 1000000 },
	{ "L13 coroutines do not reset the count",
	  "for i = 1, 1e9 do coroutine.wrap(function() for j = 1, 2e5 do end "
	  "end)() end",
	  SBX_INSTRUCTION_LIMIT, "INSTRUCTION_LIMIT", NULL, 0, 5000000 },
	/* 10 000 coroutines of ~35 instructions each stay under one hook
	 * interval; only the charge at creation catches them. */
	{ "L13 short coroutines are charged at creation",
	  "for i = 1, 10000 do coroutine.wrap(function() for j = 1, 30 do "
	  "end end)() end",
	  SBX_INSTRUCTION_LIMIT, "INSTRUCTION_LIMIT", NULL, 0, 1000000 },
	{ "L13 short coroutines within budget are fine",
	  "for i = 1, 1000 do coroutine.wrap(function() for j = 1, 30 do "
	  "end end)() end output.text('ok', 'ok')",
	  SBX_OK, "", NULL, 0, 1000000 },
	{ "L14 a finalizer loop ends by the CPU limit",
	  "setmetatable({}, {__gc = function() while true do end end}) "
	  "local t = {} for i = 1, 1e8 do t[i % 100] = {} end",
	  SBX_CPU_LIMIT, "", NULL, 0, 0, 0, 1 },
	{ "L15 catastrophic patterns end by the CPU limit",
	  "string.find(string.rep('a', 5000), string.rep('a*', 20) .. 'b')",
	  SBX_CPU_LIMIT, "", NULL, 0, 0, 0, 1 },
	{ "L16 quadratic gsub ends by the CPU limit",
	  "local s = string.rep('a', 3e5):gsub('.-b', '')", SBX_CPU_LIMIT, "",
	  NULL, 0, 0, 0, 1 },
	{ "L17 a huge string hits the memory limit",
	  "local s = string.rep('x', 2^30)", SBX_MEMORY_LIMIT, "MEMORY_LIMIT",
	  NULL, 32u << 20 },
	{ "L18 pcall does not catch the memory limit",
	  "while true do pcall(string.rep, 'x', 1e9) end", SBX_MEMORY_LIMIT,
	  "MEMORY_LIMIT", NULL, 32u << 20 },
	{ "L19 table growth hits the memory limit",
	  "local t = {} for i = 1, 1e9 do t[i] = i end", SBX_MEMORY_LIMIT,
	  "MEMORY_LIMIT", NULL, 32u << 20, 10000000000u },
	{ "L20 collectgarbage works with every option",
	  "assert(type(collectgarbage('count')) == 'number') "
	  "assert(collectgarbage() == 0) collectgarbage('step', 100) "
	  "assert(collectgarbage('isrunning')) "
	  "assert(collectgarbage('incremental') == 'generational') "
	  "assert(collectgarbage('generational') == 'incremental') "
	  "collectgarbage('stop') assert(not collectgarbage('isrunning')) "
	  "collectgarbage('restart') error('fine', 0)",
	  LUAERR, "fine" },
	{ "L20 a loop of full collections hits the budget",
	  "local keep = {} for i = 1, 1e4 do keep[i] = {} end "
	  "while true do collectgarbage() end",
	  SBX_INSTRUCTION_LIMIT, "INSTRUCTION_LIMIT", NULL, 0, 2000000 },
	{ "L20 stopping the collector still meets the memory limit",
	  "collectgarbage('stop') while true do local t = {} end",
	  SBX_MEMORY_LIMIT, "MEMORY_LIMIT", NULL, 32u << 20, 10000000000u },
	{ "L21 changing the string metatable changes only the script",
	  "getmetatable('').__index.upper = function() return 'APPROVED' end "
	  "assert(('x'):upper() == 'APPROVED') error('fine', 0)",
	  LUAERR, "fine" },
	{ "L22 library tables are the script's own",
	  "string.upper = nil rawset(table, 'x', 1) "
	  "assert(string.upper == nil and table.x == 1) error('fine', 0)",
	  LUAERR, "fine" },
	{ "L22 output functions cannot be replaced",
	  "output.table = function() end", LUAERR, "read-only" },
	{ "L22 the API's metatables are protected",
	  "assert(getmetatable(data) == 'protected') setmetatable(data, {})",
	  LUAERR, "table expected" },
	{ "L22 tampering with _G only affects the script",
	  "local out = output setmetatable(_G, nil) _G.tostring = nil "
	  "_G = {} out.text('still', 'works')",
	  SBX_OK, "", NULL },
	{ "L23 error objects are never converted",
	  "error(setmetatable({}, {__tostring = function() while true do end "
	  "end}))",
	  LUAERR, "(error object is a table value)" },
	{ "L24 a huge error message is cut, and the run is a Lua error",
	  "error(string.rep('x', 1e8))", LUAERR,
	  "[message cut: 4096 of its 1000000", 256u << 20 },
	{ "L24 a print flood hits the output limit",
	  "while true do print(('x'):rep(1e4)) end", SBX_OUTPUT_LIMIT,
	  "OUTPUT_LIMIT", NULL, 0, 0, 65536 },
	{ "L25 a warn flood hits the output limit",
	  "warn('@on') warn(('x'):rep(1e6))", SBX_OUTPUT_LIMIT, "OUTPUT_LIMIT",
	  NULL, 0, 0, 65536 },
	{ "L26 coroutine recursion overflows the C stack",
	  "local function f() return coroutine.wrap(f)() end f()", LUAERR,
	  "C stack overflow" },
	{ "L26 deep parser nesting is an error",
	  "local f, e = load(string.rep('(', 1e6)) error(e, 0)", LUAERR,
	  "overflow" },
	{ "L27 an __index loop overflows",
	  "local t = setmetatable({}, {__index = function(t, k) return t[k] "
	  "end}) return t.x",
	  LUAERR, "stack overflow" },
	{ "L28 os.exit is absent", "os.exit(0)", LUAERR, "field 'exit'" },
	{ "L28 os.exit(0, true) is absent", "os.exit(0, true)", LUAERR,
	  "field 'exit'" },
	{ "L29 os.remove is absent", "os.remove('x')", LUAERR,
	  "field 'remove'" },
	{ "L29 os.rename is absent", "os.rename('x', 'y')", LUAERR,
	  "field 'rename'" },
	{ "L29 os.tmpname is absent", "os.tmpname()", LUAERR,
	  "field 'tmpname'" },
	{ "L31 math.randomseed(n) repeats Lua's sequence",
	  "math.randomseed(42) local a, b = math.random(1, 1000), "
	  "math.random(1, 1000) assert(a == 742 and b == 50, a .. ' ' .. b) "
	  "error('fine', 0)",
	  LUAERR, "fine" },
	{ "L31 io, debug and package say they are absent",
	  "for _, m in ipairs{'io', 'debug', 'package'} do "
	  "local ok, e = pcall(require, m) "
	  "assert(not ok and e:find('not available in the sandbox'), e) end "
	  "assert(require('utf8') == utf8 and require('string') == string) "
	  "error('fine', 0)",
	  LUAERR, "fine" },
	{ "L31 a missing io gets a hint", "io.write('x')", LUAERR,
	  "(io is not available in the sandbox" },
	{ "error file:line and traceback",
	  "local function boom()\n  error('boom')\nend\nboom()\n", LUAERR,
	  "analysis.lua:2: boom" },
};
#pragma GCC diagnostic pop

static void
run_attack(void **state)
{
	const struct attack *a = *state;
	struct h_opts o;
	struct h_run r;

	memset(&o, 0, sizeof(o));
	o.memory = a->memory;
	o.instructions = a->instructions;
	o.output = a->output;
	o.cpu_s = a->cpu_s;
	h_run(&r, a->script, &o);
	if (r.end != a->end || strcmp(r.err_class, a->err_class) != 0 ||
	    (a->msg_part != NULL && strstr(r.err_msg, a->msg_part) == NULL))
		print_message("%s: end %s class '%s' msg '%.300s'\n", a->id,
			      sbx_end_name(r.end), r.err_class, r.err_msg);
	assert_int_equal(r.end, a->end);
	assert_string_equal(r.err_class, a->err_class);
	if (a->msg_part != NULL)
		assert_non_null(strstr(r.err_msg, a->msg_part));
	assert_false(r.malformed);
	assert_int_equal(r.done, a->end == SBX_OK);
	h_free(&r);
}

/* The traceback is a separate field and names the line. */
static void
test_traceback(void **state)
{
	struct h_run r;

	(void)state;
	h_run1(&r, "local function boom()\n  error('boom')\nend\nboom()\n",
	       NULL);
	assert_string_equal(r.err_msg, "analysis.lua:2: boom");
	assert_non_null(strstr(r.err_tb, "stack traceback:"));
	assert_non_null(strstr(r.err_tb, "analysis.lua:4:"));
	assert_null(strstr(r.err_msg, "stack traceback"));
	h_free(&r);
}

static const char *const env_script =
    "local function keys(t) local k = {} for n in pairs(t) do "
    "k[#k + 1] = n end table.sort(k) return table.concat(k, ' ') end\n"
    "local lines = {'_ENV: ' .. keys(_ENV)}\n"
    "for _, lib in ipairs{'coroutine', 'data', 'math', 'os', 'output', "
    "'string', 'table', 'utf8'} do\n"
    "  lines[#lines + 1] = lib .. ': ' .. keys(_ENV[lib])\n"
    "end\n"
    "output.text('env', table.concat(lines, '\\n'))\n";

static const char *const env_expected =
    "_ENV: _G _VERSION assert collectgarbage coroutine data error "
    "getmetatable ipairs load math next os output pairs pcall print "
    "rawequal rawget rawlen rawset require select setmetatable string "
    "table tonumber tostring type utf8 warn xpcall\n"
    "coroutine: close create isyieldable resume running status wrap "
    "yield\n"
    "data: open\n"
    "math: abs acos asin atan atan2 ceil cos cosh deg exp floor fmod "
    "frexp huge ldexp log log10 max maxinteger min mininteger modf pi pow "
    "rad random randomseed sin sinh sqrt tan tanh tointeger type ult\n"
    "os: clock date difftime getenv time\n"
    "output: table text\n"
    "string: byte char find format gmatch gsub len lower match pack "
    "packsize rep reverse sub unpack upper\n"
    "table: concat insert move pack remove sort unpack\n"
    "utf8: char charpattern codepoint codes len offset";

static void
test_env_allowlist(void **state)
{
	struct h_run r;

	(void)state;
	h_run1(&r, env_script, NULL);
	assert_int_equal(r.end, SBX_OK);
	assert_int_equal(r.ntexts, 1);
	assert_string_equal(r.text[0], env_expected);
	h_free(&r);
}

/* L30: pairs order differs between runs; the table sent must not. */
static void
test_hash_order(void **state)
{
	static const char *const script =
	    "local t = {} for k, v in pairs({alpha = 1, beta = 2, gamma = "
	    "3, delta = 4, epsilon = 5, zeta = 6}) do t[#t + 1] = {name = "
	    "k, n = v} end output.table('names', t)";
	struct h_run a, b;

	(void)state;
	h_run1(&a, script, NULL);
	h_run1(&b, script, NULL);
	assert_int_equal(a.end, SBX_OK);
	assert_int_equal(a.ntables, 1);
	assert_string_equal(a.tables[0].render.buf,
			    "n,name|1,alpha|2,beta|3,gamma|4,delta|5,epsilon|"
			    "6,zeta");
	assert_int_equal(a.tables[0].raw.len, b.tables[0].raw.len);
	assert_memory_equal(a.tables[0].raw.buf, b.tables[0].raw.buf,
			    a.tables[0].raw.len);
	assert_string_equal(a.tables[0].statistic, "custom");
	assert_int_equal(a.tables[0].has_evidence, 0);
	h_free(&a);
	h_free(&b);
}

/* L30 also for text: pairs walks plain tables in a fixed order. */
static void
test_pairs_order(void **state)
{
	static const char *const script =
	    "local out = {} "
	    "for k in pairs({gamma = 1, alpha = 1, zeta = 1, beta = 1, "
	    "epsilon = 1, delta = 1}) do out[#out + 1] = k end "
	    "local t = {10, 20, 30, [1.5] = 'f', b = 1, a = 2, [true] = 1, "
	    "[false] = 0, [-7] = 1} "
	    "for k, v in pairs(t) do out[#out + 1] = tostring(k) "
	    "if k == 2 then t[3] = nil end end "
	    "local p = setmetatable({}, {__pairs = function(x) "
	    "return function(_, k) if not k then return 'own', 1 end end, "
	    "x, nil end}) "
	    "for k in pairs(p) do out[#out + 1] = k end "
	    "output.text('keys', table.concat(out, ' '))";
	struct h_run a, b;

	(void)state;
	h_run1(&a, script, NULL);
	h_run1(&b, script, NULL);
	assert_int_equal(a.end, SBX_OK);
	assert_string_equal(a.text[0], "alpha beta delta epsilon gamma zeta "
				       "-7 1 1.5 2 a b false true own");
	assert_string_equal(a.text[0], b.text[0]);
	h_free(&a);
	h_free(&b);
}

/* L31: math.random is a function of the seed only. */
static void
test_random_seeded(void **state)
{
	static const char *const script =
	    "local t = {} for i = 1, 5 do t[i] = math.random(1, 1000000) "
	    "end output.text('r', table.concat(t, ','))";
	struct h_opts o;
	struct h_run a, b, c;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.seed = 42;
	h_run(&a, script, &o);
	h_run(&b, script, &o);
	o.seed = 43;
	h_run(&c, script, &o);
	assert_int_equal(a.end, SBX_OK);
	assert_string_equal(a.text[0], b.text[0]);
	assert_string_not_equal(a.text[0], c.text[0]);
	h_free(&a);
	h_free(&b);
	h_free(&c);
}

/* L32: the clock is the configured one; dates are UTC and need no
 * time-zone files. */
static void
test_fixed_clock(void **state)
{
	static const char *const script =
	    "local d = os.date('*t') "
	    "output.text('t', table.concat({os.time(), "
	    "os.date('!%Y-%m-%d %H:%M:%S'), os.date('%c'), "
	    "os.date('%a %A %b %B %j %p %I %Z %z %u %w %y %e %D %F %T'), "
	    "d.year, d.month, d.day, d.wday, d.yday, tostring(d.isdst), "
	    "os.time({year = 2024, month = 2, day = 29, hour = 0}), "
	    "os.time({year = 2023, month = 14, day = 1, hour = 0}), "
	    "os.date('!%F', -86400), os.difftime(10, 4)}, '|'))";
	struct h_opts o;
	struct h_run r;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.clock = 1709210096; /* 2024-02-29 12:34:56 UTC, a Thursday */
	h_run(&r, script, &o);
	assert_int_equal(r.end, SBX_OK);
	assert_string_equal(r.text[0],
			    "1709210096|2024-02-29 12:34:56|"
			    "Thu Feb 29 12:34:56 2024|"
			    "Thu Thursday Feb February 060 PM 12 UTC +0000 4 4 "
			    "24 29 02/29/24 2024-02-29 12:34:56|"
			    "2024|2|29|5|60|false|1709164800|1706745600|"
			    "1969-12-31|6.0");
	h_free(&r);
}

/* os.clock is virtual: instructions / 1e8, the same on every run. */
static void
test_clock_deterministic(void **state)
{
	static const char *const script =
	    "for i = 1, 100000 do end output.text('c', tostring(os.clock()))";
	struct h_run a, b;

	(void)state;
	h_run1(&a, script, NULL);
	h_run1(&b, script, NULL);
	assert_int_equal(a.end, SBX_OK);
	assert_string_equal(a.text[0], b.text[0]);
	assert_string_not_equal(a.text[0], "0.0");
	h_free(&a);
	h_free(&b);
}

/* print and warn are escaped in the log. */
static void
test_log_escaped(void **state)
{
	struct h_run r;

	(void)state;
	h_run1(&r,
	       "print('a\\27[31mb', 1, nil, true, {}) warn('w\\0x') "
	       "print('caf\\u{e9} \\u{202e}x \\xff')",
	       NULL);
	assert_int_equal(r.end, SBX_OK);
	assert_string_equal(r.log.buf, "a\\x1b[31mb\t1\tnil\ttrue\ttable: #1\n"
				       "Lua warning: w\\x00x\n"
				       "caf\xc3\xa9 \\xe2\\x80\\xaex \\xff\n");
	h_free(&r);
}

/* require loads modules of the bundle, once, in the sandbox env. */
static void
test_require_bundle(void **state)
{
	static const struct luabox_script mod = {
		"lib/util.lua",
		"local M = {} M.loaded = (M.loaded or 0) + 1 "
		"function M.double(x) return 2 * x end "
		"M.io = io return M",
		0,
	};
	struct luabox_script m = mod;
	struct h_opts o;
	struct h_run r;

	(void)state;
	m.len = strlen(m.text);
	memset(&o, 0, sizeof(o));
	o.extra = &m;
	o.nextra = 1;
	h_run(&r,
	      "local u = require('lib.util') assert(u == "
	      "require('lib.util')) assert(u.io == nil) "
	      "output.text('x', tostring(u.double(21)))",
	      &o);
	assert_int_equal(r.end, SBX_OK);
	assert_string_equal(r.text[0], "42");
	h_free(&r);
}

/* Red team: tostring, string.format("%s") and "%p" printed heap addresses,
 * which differ between runs (ASLR), so an output that used them was not
 * reproducible.  Identities must still be distinct and stable. */
static void
test_no_addresses(void **state)
{
	static const char *const script =
	    "local t, u = {}, {} "
	    "local p = {tostring(t), tostring(u), tostring(t), "
	    "tostring(print), tostring(data), tostring(coroutine.running()), "
	    "string.format('%s|%-12s|%5.3s', t, u, print), "
	    "string.format('%p|%-4p|%p|%p', t, u, 1, 'x'), "
	    "tostring(setmetatable({}, {__tostring = function() "
	    "return 'mine' end})), tostring(12), tostring(nil)} "
	    "assert(p[1] ~= p[2] and p[1] == p[3]) "
	    "assert(string.format('%p', t) == '#' .. p[1]:match('#(%d+)')) "
	    "assert(string.format('%p', t) ~= string.format('%p', {})) "
	    "output.text('ids', table.concat(p, ' '))";
	struct h_run a, b;

	(void)state;
	h_run1(&a, script, NULL);
	h_run1(&b, script, NULL);
	if (a.end != SBX_OK)
		print_message("%s: %s\n", a.err_class, a.err_msg);
	assert_int_equal(a.end, SBX_OK);
	assert_null(strstr(a.text[0], "0x"));
	assert_string_equal(a.text[0], b.text[0]);
	assert_non_null(strstr(a.text[0], "mine 12 nil"));
	assert_non_null(strstr(a.text[0], "#1|#2  |(null)|#"));
	h_free(&a);
	h_free(&b);
}

/* Red team: next() walked tables in the order of the run's string hash
 * seed, so `for k in next, t` differed between runs.  It follows the same
 * fixed order as pairs. */
static void
test_next_order(void **state)
{
	static const char *const script =
	    "local t = {} for i = 1, 40 do t['key' .. i] = i end "
	    "t[3] = 'x' t[1.5] = 'y' "
	    "local out = {} for k in next, t do out[#out + 1] = tostring(k) "
	    "if k == 'key10' then t.key11 = nil end end "
	    "assert(next({}) == nil) assert(next({7}) == 1) "
	    "assert(not pcall(next, t, 'nokey')) "
	    "output.text('keys', table.concat(out, ' '))";
	struct h_run a;
	struct sbuf want = SBUF_INIT;
	int i;

	(void)state;
	h_run1(&a, script, NULL);
	if (a.end != SBX_OK)
		print_message("%s: %s\n", a.err_class, a.err_msg);
	assert_int_equal(a.end, SBX_OK);
	/* bytewise order of key1 .. key40, key11 removed on the way */
	sbuf_adds(&want, "1.5 3");
	{
		static const char *const sorted[] = {
			"key1",	 "key10", "key12", "key13", "key14", "key15",
			"key16", "key17", "key18", "key19", "key2",  "key20",
			"key21", "key22", "key23", "key24", "key25", "key26",
			"key27", "key28", "key29", "key3",  "key30", "key31",
			"key32", "key33", "key34", "key35", "key36", "key37",
			"key38", "key39", "key4",  "key40", "key5",  "key6",
			"key7",	 "key8",  "key9",
		};
		for (i = 0; i < (int)PT_ARRAY_LEN(sorted); i++)
			sbuf_printf(&want, " %s", sorted[i]);
	}
	assert_string_equal(a.text[0], want.buf);
	sbuf_free(&want);
	h_free(&a);
}

/* Red team: a module that raised an error stayed marked as loading, so a
 * second require said "loop while loading" instead of the module's own
 * error. */
static void
test_require_error_again(void **state)
{
	static const struct luabox_script mod = {
		"bad.lua",
		"error('module broke', 0)",
		0,
	};
	struct luabox_script m = mod;
	struct h_opts o;
	struct h_run r;

	(void)state;
	m.len = strlen(m.text);
	memset(&o, 0, sizeof(o));
	o.extra = &m;
	o.nextra = 1;
	h_run(&r,
	      "local a, e1 = pcall(require, 'bad') "
	      "local b, e2 = pcall(require, 'bad') "
	      "output.text('x', e1 .. '|' .. e2)",
	      &o);
	assert_int_equal(r.end, SBX_OK);
	assert_string_equal(r.text[0], "module broke|module broke");
	h_free(&r);
}

int
main(void)
{
	struct CMUnitTest tests[PT_ARRAY_LEN(attacks) + 16];
	size_t i, n = 0;

	for (i = 0; i < PT_ARRAY_LEN(attacks); i++) {
		tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate(
		    run_attack, (void *)(uintptr_t)&attacks[i]);
		tests[n++].name = attacks[i].id;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_traceback);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_env_allowlist);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_hash_order);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_pairs_order);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_random_seeded);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_fixed_clock);
	tests[n++] =
	    (struct CMUnitTest)cmocka_unit_test(test_clock_deterministic);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_log_escaped);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_require_bundle);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_no_addresses);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_next_order);
	tests[n++] =
	    (struct CMUnitTest)cmocka_unit_test(test_require_error_again);
	return _cmocka_run_group_tests("lua_attacks", tests, n, NULL, NULL);
}
