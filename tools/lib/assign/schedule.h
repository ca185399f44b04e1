/* schedule.h: places the messages of new pairs inside the study's sending
 * window (allowed weekdays, local hours, a daily quota), in local time of
 * the design's zone, and returns UTC instants. Pure apart from the zone
 * conversion of timeutil; no printing. */
#ifndef CT_SCHEDULE_H
#define CT_SCHEDULE_H

#include <time.h>

#include "base/util.h"

struct sched_window {
	const char *tz;    /* IANA zone, e.g. Europe/Brussels */
	long first_day;    /* no message before this local day (days since 1970-01-01) */
	int days_mask;     /* bit 0 = Monday ... bit 6 = Sunday */
	int day_from, day_to; /* minutes after local midnight; the window is [from, to) */
	int daily_quota;   /* messages per local day, first and second together */
};

/* Places n pairs in order. existing[0..nexisting) are messages already
 * scheduled (existing_first[i] is 1 for a pair's first message); they count
 * against the quota of their local day. For pair i the first message goes to
 * the next free slot (slots at regular intervals in the window, quota/2 of
 * them a day), the second gap[i] minutes of window time later: a gap that
 * outlasts the day's window continues at the next sending day's opening,
 * and a second message that finds its day full moves to the next sending
 * day with room, at the same local time. Outputs UTC instants. */
int schedule_place(const struct sched_window *w, const time_t *existing, const int *existing_first,
		   int nexisting, const int *gap_minutes, int n, time_t *first, time_t *second,
		   struct ct_err *err);

/* The local day (days since 1970-01-01) and minute of the day of t in tz. */
void schedule_local(const char *tz, time_t t, long *day, int *minute);
/* 0 = Monday ... 6 = Sunday. */
int schedule_weekday(long day);
/* The UTC instant of local day and minute in tz. */
time_t schedule_instant(const char *tz, long day, int minute);

#endif
