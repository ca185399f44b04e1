/* timeutil.h: times are stored as UTC ISO 8601 ("2026-12-01T08:30:00Z").
 * CORRTEST_NOW (same format) fixes "now" so that tests and demos are
 * reproducible. */
#ifndef CT_TIMEUTIL_H
#define CT_TIMEUTIL_H

#include <time.h>

#define ISO_LEN 21 /* "YYYY-MM-DDTHH:MM:SSZ" + NUL */

time_t time_now(void);
/* The earliest year a date may have. A correspondence test is fielded now;
 * a year such as 0026 or 1026 is a typing slip for 2026, and accepting it
 * would put a listing or a reply two thousand years away without a word.
 * 1900 leaves room for old founding dates and the like. */
#define DATE_MIN_YEAR 1900

/* The calendar date in the first 10 characters of s, strictly YYYY-MM-DD
 * (digits where digits go, a real day of the Gregorian calendar, year
 * DATE_MIN_YEAR or later); what follows is not looked at. Returns 1 and the
 * fields on success. */
int date_parse_prefix(const char *s, int *y, int *m, int *d);
/* 1 when s is exactly such a date. */
int date_valid(const char *s);
/* Why s is not such a date, for messages ("must be a date YYYY-MM-DD",
 * "has a year before 1900", "is not a day of the calendar"); NULL when it
 * is one. Static text. */
const char *date_problem(const char *s);
void time_iso_utc(time_t t, char out[ISO_LEN]);
/* Parses "YYYY-MM-DDTHH:MM[:SS]" followed by "Z" or "+HH:MM"/"-HH:MM", or a
 * bare date "YYYY-MM-DD" (midnight UTC). Returns 1 on success. */
int time_parse_iso(const char *s, time_t *out);
/* Day number (days since 1970-01-01) of a civil date, and back. */
long days_from_civil(int y, int m, int d);
void civil_from_days(long z, int *y, int *m, int *d);
/* Formats t in zone tz (IANA) as "YYYY-MM-DDTHH:MM:SS+HH:MM". */
void time_iso_local(time_t t, const char *tz, char out[40]);
/* The UTC instant of a local wall-clock time in zone tz; for a time that a
 * DST change skips, the instant just after the gap. */
time_t time_from_local(const char *tz, int y, int mo, int d, int h, int mi);

#endif
