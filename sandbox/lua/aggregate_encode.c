/*
 * aggregate_encode.c - an aggregate as the fields of a CHAN_TABLE record
 * (channel.h), for output.table.
 *
 * Contract: the aggregate is answered first if it is still queued; the
 * encoding charges the output budget as it grows, so a huge aggregate stops
 * the run early rather than after it was built.
 */
#include <lua.h>

#include "channel.h"
#include "data_priv.h"
#include "evidence.h"
#include "luabox_priv.h"

size_t
data_encode_aggregate(lua_State *L, int idx, struct sbuf *sb)
{
	const struct agg *ag;
	size_t r, k, ncols, charged = 0;

	idx = lua_absindex(L, idx);
	ag = aggregate_ready(L, idx);
	ncols = ag->nkeys + 1;
	lua_getiuservalue(L, idx, 1);
	chan_put_cstr(sb, data_stat_name[ag->stat]);
	lua_getfield(L, -1, "dataset");
	chan_put_cstr(sb, lua_tostring(L, -1));
	lua_getfield(L, -2, "value_column");
	chan_put_cstr(sb, lua_tostring(L, -1));
	lua_pop(L, 2);
	chan_put_u8(sb, 1);
	chan_put_u32(sb, (uint32_t)ncols);
	chan_put_u32(sb, (uint32_t)ag->nkeys);
	for (k = 0; k < ncols; k++) {
		size_t len;
		const char *s;

		lua_rawgeti(L, -1, (lua_Integer)k + 1);
		s = lua_tolstring(L, -1, &len);
		chan_put_str(sb, s, len);
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	chan_put_u32(sb, (uint32_t)ag->nrows);
	for (r = 0; r < ag->nrows; r++) {
		for (k = 0; k < ag->nkeys; k++) {
			const struct kcell *c = &ag->keys[r * ag->nkeys + k];

			if (c->missing) {
				chan_put_u8(sb, CELL_MISSING);
			} else {
				chan_put_u8(sb, CELL_STR);
				chan_put_str(sb, ag->keybytes + c->off, c->len);
			}
		}
		/* Charge as we go: a huge aggregate stops early. */
		if (sb->len - charged > 1024 * 1024) {
			luabox_charge_output(sb->len - charged);
			charged = sb->len;
		}
		chan_put_u8(sb, CELL_NUM);
		chan_put_f64(sb, ag->values[r]);
	}
	for (r = 0; r < ag->nrows; r++)
		evidence_put(sb, &ag->ev[r]);
	chan_put_u32(sb, ag->id);
	return charged;
}
