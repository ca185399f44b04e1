/* lang.h: the report's words in nl, fr and en, and numbers written the
 * way each language writes them. The texts are templates/report/LANG.txt
 * (built in), one "key = text" per line, {1}..{9} standing for the
 * arguments; a key missing in nl or fr falls back to English (a unit test
 * holds all three to the same keys). */
#ifndef CT_REPORT_LANG_H
#define CT_REPORT_LANG_H

#include <stddef.h>

#include "base/util.h"

struct lang;

/* "nl", "fr" or "en"; CT_EINPUT for another. */
int lang_load(const char *code, struct lang **out, struct ct_err *err);
void lang_free(struct lang *l);
const char *lang_code(const struct lang *l);
/* The keys of a language's own file (not the fallback), for the test that
 * every language has every key. */
size_t lang_keys(const struct lang *l, const char ***keys);

/* The text of key with {1}..{n} replaced by the arguments (a NULL-ended
 * list of strings); the result lives as long as l. An unknown key gives
 * "[key]", so that a missing text shows instead of crashing. */
const char *lang_t(struct lang *l, const char *key, ...) __attribute__((sentinel));

/* Numbers. Each result lives as long as l. */
const char *lang_num(struct lang *l, double v, int decimals);  /* "12.5" / "12,5" */
const char *lang_int(struct lang *l, long long v);              /* "1,234" / "1.234" / "1 234" */
const char *lang_pct(struct lang *l, double fraction);         /* 0.225 -> "22.5%" / "22,5 %" */
const char *lang_pct_ci(struct lang *l, double lo, double hi); /* "[12.5, 30.1]" / "[12,5; 30,1]" */
const char *lang_num_ci(struct lang *l, double lo, double hi, int decimals);
const char *lang_p(struct lang *l, double p);                  /* "0.042", "< 0.001" */
const char *lang_p_eq(struct lang *l, double p);               /* "p = 0.042", "p < 0.001" */
char lang_decimal(const struct lang *l);

#endif
