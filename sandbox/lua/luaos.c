/*
 * luaos.c - the `os` library a script sees: clock, date, difftime, time
 * and getenv, pure functions over the run's fixed clock (cfg->clock, UTC
 * only), so a report is the same on every run.  os.clock is virtual time
 * (instructions used / 1e8); getenv finds no variable set.  Everything
 * else of stock os (execute, exit, remove, rename, tmpname, setlocale) is
 * left out; proeftuin-lua(7) says why.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "luabox_priv.h"

/* The run's clock (seconds since the epoch), set by luaos_push_lib. */
static int64_t os_clock_now;

/* ---- os over the fixed clock ---- */

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

struct civil {
	int64_t year;
	int month, day, hour, min, sec, wday, yday; /* wday 0 = Sunday */
};

static void
civil_from_time(int64_t t, struct civil *c)
{
	int64_t days = floor_div(t, 86400), secs = t - days * 86400;
	int64_t z = days + 719468, era, doe, yoe, doy, mp, y;

	c->hour = (int)(secs / 3600);
	c->min = (int)(secs / 60 % 60);
	c->sec = (int)(secs % 60);
	c->wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	c->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	c->month = (int)(mp < 10 ? mp + 3 : mp - 9);
	c->year = y + (c->month <= 2);
	c->yday = (int)(days - days_from_civil(c->year, 1, 1));
}

#define MAX_ABS_TIME (INT64_C(1) << 53)

static int64_t
check_time(lua_State *L, int idx)
{
	lua_Integer t = luaL_checkinteger(L, idx);

	if (t > MAX_ABS_TIME || t < -MAX_ABS_TIME)
		luaL_argerror(L, idx, "time out of range");
	return (int64_t)t;
}

static int64_t
time_field(lua_State *L, const char *key, int64_t dflt)
{
	int isnum, t = lua_getfield(L, 1, key);
	lua_Integer v = lua_tointegerx(L, -1, &isnum);

	lua_pop(L, 1);
	if (!isnum) {
		if (t != LUA_TNIL)
			return luaL_error(L, "field '%s' is not an integer",
					  key);
		if (dflt < 0)
			return luaL_error(L, "field '%s' missing in date table",
					  key);
		return dflt;
	}
	if (v > 1000000000 || v < -1000000000)
		return luaL_error(L, "field '%s' is out-of-bound", key);
	return (int64_t)v;
}

static int
os_time(lua_State *L)
{
	int64_t y, m, d, hh, mm, ss;

	if (lua_isnoneornil(L, 1)) {
		lua_pushinteger(L, (lua_Integer)os_clock_now);
		return 1;
	}
	luaL_checktype(L, 1, LUA_TTABLE);
	y = time_field(L, "year", -1);
	m = time_field(L, "month", -1);
	d = time_field(L, "day", -1);
	hh = time_field(L, "hour", 12);
	mm = time_field(L, "min", 0);
	ss = time_field(L, "sec", 0);
	y += floor_div(m - 1, 12);
	m = m - 1 - floor_div(m - 1, 12) * 12 + 1;
	lua_pushinteger(
	    L, (lua_Integer)((days_from_civil(y, m, 1) + d - 1) * 86400 +
			     hh * 3600 + mm * 60 + ss));
	return 1;
}

static const char *const wday_name[] = { "Sunday",    "Monday",	  "Tuesday",
					 "Wednesday", "Thursday", "Friday",
					 "Saturday" };
static const char *const month_name[] = { "January", "February", "March",
					  "April",   "May",	 "June",
					  "July",    "August",	 "September",
					  "October", "November", "December" };

/* One strftime conversion in the C locale and UTC.  Returns false for a
 * conversion we do not support. */
static bool
format_one(struct sbuf *sb, char conv, const struct civil *c, int64_t t)
{
	int h12 = c->hour % 12 == 0 ? 12 : c->hour % 12;

	switch (conv) {
	case 'a':
		sbuf_printf(sb, "%.3s", wday_name[c->wday]);
		break;
	case 'A':
		sbuf_adds(sb, wday_name[c->wday]);
		break;
	case 'b':
	case 'h':
		sbuf_printf(sb, "%.3s", month_name[c->month - 1]);
		break;
	case 'B':
		sbuf_adds(sb, month_name[c->month - 1]);
		break;
	case 'c':
		sbuf_printf(sb, "%.3s %.3s %2d %02d:%02d:%02d %" PRId64,
			    wday_name[c->wday], month_name[c->month - 1],
			    c->day, c->hour, c->min, c->sec, c->year);
		break;
	case 'C':
		sbuf_printf(sb, "%02" PRId64, floor_div(c->year, 100));
		break;
	case 'd':
		sbuf_printf(sb, "%02d", c->day);
		break;
	case 'D':
		sbuf_printf(sb, "%02d/%02d/%02d", c->month, c->day,
			    (int)(c->year % 100 + 100) % 100);
		break;
	case 'e':
		sbuf_printf(sb, "%2d", c->day);
		break;
	case 'F':
		sbuf_printf(sb, "%04" PRId64 "-%02d-%02d", c->year, c->month,
			    c->day);
		break;
	case 'H':
		sbuf_printf(sb, "%02d", c->hour);
		break;
	case 'I':
		sbuf_printf(sb, "%02d", h12);
		break;
	case 'j':
		sbuf_printf(sb, "%03d", c->yday + 1);
		break;
	case 'm':
		sbuf_printf(sb, "%02d", c->month);
		break;
	case 'M':
		sbuf_printf(sb, "%02d", c->min);
		break;
	case 'n':
		sbuf_addc(sb, '\n');
		break;
	case 'p':
		sbuf_adds(sb, c->hour < 12 ? "AM" : "PM");
		break;
	case 'r':
		sbuf_printf(sb, "%02d:%02d:%02d %s", h12, c->min, c->sec,
			    c->hour < 12 ? "AM" : "PM");
		break;
	case 'R':
		sbuf_printf(sb, "%02d:%02d", c->hour, c->min);
		break;
	case 's':
		sbuf_printf(sb, "%" PRId64, t);
		break;
	case 'S':
		sbuf_printf(sb, "%02d", c->sec);
		break;
	case 't':
		sbuf_addc(sb, '\t');
		break;
	case 'T':
	case 'X':
		sbuf_printf(sb, "%02d:%02d:%02d", c->hour, c->min, c->sec);
		break;
	case 'u':
		sbuf_printf(sb, "%d", c->wday == 0 ? 7 : c->wday);
		break;
	case 'w':
		sbuf_printf(sb, "%d", c->wday);
		break;
	case 'x':
		sbuf_printf(sb, "%02d/%02d/%02d", c->month, c->day,
			    (int)(c->year % 100 + 100) % 100);
		break;
	case 'y':
		sbuf_printf(sb, "%02d", (int)(c->year % 100 + 100) % 100);
		break;
	case 'Y':
		sbuf_printf(sb, "%" PRId64, c->year);
		break;
	case 'z':
		sbuf_adds(sb, "+0000");
		break;
	case 'Z':
		sbuf_adds(sb, "UTC");
		break;
	case '%':
		sbuf_addc(sb, '%');
		break;
	default:
		return false;
	}
	return true;
}

static void
set_int_field(lua_State *L, const char *k, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
}

/* os.date([format [, time]]): always UTC ("!" is accepted and implied),
 * C locale, no time-zone database. */
static int
os_date(lua_State *L)
{
	size_t flen;
	const char *fmt = luaL_optlstring(L, 1, "%c", &flen);
	int64_t t = lua_isnoneornil(L, 2) ? os_clock_now : check_time(L, 2);
	const char *end = fmt + flen;
	struct sbuf sb = SBUF_INIT;
	struct civil c;

	if (fmt < end && *fmt == '!')
		fmt++;
	civil_from_time(t, &c);
	if (end - fmt == 2 && memcmp(fmt, "*t", 2) == 0) {
		lua_createtable(L, 0, 9);
		set_int_field(L, "year", (lua_Integer)c.year);
		set_int_field(L, "month", c.month);
		set_int_field(L, "day", c.day);
		set_int_field(L, "hour", c.hour);
		set_int_field(L, "min", c.min);
		set_int_field(L, "sec", c.sec);
		set_int_field(L, "wday", c.wday + 1);
		set_int_field(L, "yday", c.yday + 1);
		lua_pushboolean(L, 0);
		lua_setfield(L, -2, "isdst");
		return 1;
	}
	for (; fmt < end; fmt++) {
		if (*fmt != '%') {
			sbuf_addc(&sb, *fmt);
			continue;
		}
		if (fmt + 1 >= end || !format_one(&sb, fmt[1], &c, t)) {
			sbuf_free(&sb);
			return luaL_error(L,
					  "os.date: invalid conversion "
					  "specifier '%%%c'",
					  fmt + 1 < end ? fmt[1] : ' ');
		}
		fmt++;
		if (sb.len > 1024 * 1024) {
			sbuf_free(&sb);
			return luaL_error(L, "os.date: result too long");
		}
	}
	lua_pushlstring(L, sb.buf != NULL ? sb.buf : "", sb.len);
	sbuf_free(&sb);
	return 1;
}

static int
os_clock(lua_State *L)
{
	lua_pushnumber(L, (lua_Number)luabox_instructions_used() / 1e8);
	return 1;
}

static int
os_difftime(lua_State *L)
{
	int64_t a = check_time(L, 1);
	int64_t b = lua_isnoneornil(L, 2) ? 0 : check_time(L, 2);

	lua_pushnumber(L, (lua_Number)(a - b));
	return 1;
}

/* os.getenv(name): the sandbox has no environment, so every variable is
 * unset, as Lua reports one: nil. */
static int
os_getenv(lua_State *L)
{
	luaL_checkstring(L, 1);
	lua_pushnil(L);
	return 1;
}

static const luaL_Reg os_funcs[] = {
	{ "clock", os_clock },	     { "date", os_date },
	{ "difftime", os_difftime }, { "getenv", os_getenv },
	{ "time", os_time },	     { NULL, NULL },
};

void
luaos_push_lib(lua_State *L, int64_t clock)
{
	os_clock_now = clock;
	luaL_newlib(L, os_funcs);
}
