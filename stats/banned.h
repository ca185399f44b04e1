/* banned.h: functions that are easy to misuse; using one in stats/ is a
 * compile error. Included last in every .c file of stats/. The statistics
 * library keeps its own copy so that it depends on nothing in tools/ (it
 * is pure C over counts and vectors, usable on its own). */
#ifndef CT_STATS_BANNED_H
#define CT_STATS_BANNED_H

#define STATS_BANNED(func) sorry_##func##_is_banned_use_a_bounded_alternative

#undef strcpy
#define strcpy(x, y) STATS_BANNED(strcpy)
#undef strcat
#define strcat(x, y) STATS_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) STATS_BANNED(strncpy)
#undef sprintf
#define sprintf(...) STATS_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) STATS_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) STATS_BANNED(strtok)
#undef gets
#define gets(x) STATS_BANNED(gets)
/* Library code never prints or exits: it returns a flag and a reason. */
#undef printf
#define printf(...) STATS_BANNED(printf)
#undef fprintf
#define fprintf(...) STATS_BANNED(fprintf)
#undef puts
#define puts(x) STATS_BANNED(puts)
#undef exit
#define exit(x) STATS_BANNED(exit)
#undef abort
#define abort() STATS_BANNED(abort)

#endif
