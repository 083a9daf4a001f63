/* setting.h - decode a CHAN_SETTING payload into a struct sbx_setting. */
#ifndef PROEFTUIN_SETTING_H
#define PROEFTUIN_SETTING_H

#include "sandbox.h"

/* Strict: every key known, every value well-formed.  0 or -1. */
int setting_decode(const uint8_t *payload, size_t len, struct sbx_setting *s);

#endif
