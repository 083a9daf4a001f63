/*
 * luabox_priv.h - what the parts of the Lua child share: the stop path, the
 * budgets, and the constructors of the libraries the sandbox exposes.
 *
 * All of this runs in the jailed child only.  A "stop" sends the usage and
 * error records and ends the process with _exit: nothing Lua can catch.
 */
#ifndef PROEFTUIN_LUABOX_PRIV_H
#define PROEFTUIN_LUABOX_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "luabox.h"
#include "util.h"

/* Registry key of the sandbox environment table (_ENV of every chunk). */
#define LUABOX_ENV_KEY "proeftuin.env"
/* Instructions between two charges of the count hook; creating a coroutine
 * is charged this much up front (Lua restarts the count in a new thread). */
#define LUABOX_HOOK_INTERVAL 128
/* What getmetatable() returns for every protected metatable. */
#define LUABOX_LOCKED "protected"

/* luabox.c: the core (state, budgets, stop), which calls nothing above it */
/* A new state with the counting allocator and the instruction hook. */
lua_State *luabox_new_state(const struct luabox_config *cfg, int chan_fd);
/* The state built for `cfg`, or NULL. */
lua_State *luabox_state(const struct luabox_config *cfg);
/* What a stop sends first (the data API registers its usage records). */
void luabox_on_stop(void (*fn)(int chan_fd));
/* The traceback of the last uncaught error (taken over), or NULL. */
void luabox_set_traceback(char *tb);
const char *luabox_last_traceback(void);
/* The script is done: a later stop must not recurse. */
void luabox_stopping(void);
PT_NORETURN void luabox_stop(const char *class, const char *msg,
			     const char *traceback, int status);
/* Charge `n` bytes of output (outputs, print, warn); stops on overflow. */
void luabox_charge_output(size_t n);
/* Charge `n` instructions to the global budget; stops when exhausted. */
void luabox_charge_instructions(uint64_t n);
uint64_t luabox_instructions_used(void);
int luabox_chan_fd(void);
/* The traceback of the caller as a new string (for findings). */
char *luabox_traceback(lua_State *L);

/* Sort `n` elements of `size` bytes (at most 64) in place: heapsort, no
 * allocation and no system calls.  glibc's qsort may call sysinfo(2) for
 * large arrays, which the child's seccomp filter does not allow. */
void luabox_sort(void *base, size_t n, size_t size,
		 int (*cmp)(const void *, const void *, void *), void *arg);

/* luaenv.c: build the curated environment, store it under LUABOX_ENV_KEY
 * and as the state's globals.  `data` and `output` must be on the stack top
 * (output at -1, data at -2) as plain tables; they are popped. */
void luaenv_build(lua_State *L, const struct luabox_config *cfg);
/* True for text the runner accepts in a string field: UTF-8, no NUL. */
bool luabox_clean_text(const char *s, size_t n);
/* Wrap table at `idx` in a read-only proxy; pushes the proxy. */
void luaenv_readonly(lua_State *L, int idx, const char *name);
/* Push the os library over the fixed clock `clock` (luaos.c). */
void luaos_push_lib(lua_State *L, int64_t clock);

/* data.c: push the `data` library table. */
void data_push_lib(lua_State *L, const struct luabox_config *cfg);
/* True when the value at `idx` is an aggregate. */
bool data_is_aggregate(lua_State *L, int idx);
/* Append the CHAN_TABLE fields after name and description for the
 * aggregate at `idx`: statistic .. evidence.  Returns the bytes of `sb`
 * already charged to the output budget. */
size_t data_encode_aggregate(lua_State *L, int idx, struct sbuf *sb);
/* A lua_CFunction: compute every aggregate still queued, so that bad data
 * is reported and row counts are known even for unused aggregates. */
int data_flush(lua_State *L);
/* Send one CHAN_USAGE record per configured dataset. */
void data_send_usage(int chan_fd);
/* True once the script has called ds:rows: what it makes from then on is
 * derived from rows it read. */
bool data_rows_read(void);
/* True once an answer had cells withheld: which cells are withheld
 * depends on the data, so what the script makes from then on may carry
 * that (a person judges it). */
bool data_withheld_seen(void);
/* The flags of an output made now (channel.h: CHAN_FLAG_*). */
uint8_t data_output_flags(void);

/* luaout.c: push the `output` library table. */
void luaout_push_lib(lua_State *L);

#endif
