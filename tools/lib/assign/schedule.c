/* schedule.c: the sending window. Days are local civil days counted from
 * 1970-01-01; times are minutes after local midnight; conversion to UTC
 * happens last, through the C library's zone rules, so that DST is right. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assign/schedule.h"
#include "base/timeutil.h"
#include "base/banned.h"

/* A guard against a window that can never hold the work: 50 years. */
#define SCHED_MAX_DAYS (366L * 50)

int schedule_weekday(long day)
{
	/* 1970-01-01 was a Thursday (3 when Monday is 0). */
	long w = (day + 3) % 7;
	return (int)(w < 0 ? w + 7 : w);
}

void schedule_local(const char *tz, time_t t, long *day, int *minute)
{
	char buf[40];
	int y = 1970, mo = 1, d = 1, h = 0, mi = 0;
	time_iso_local(t, tz, buf);
	if (sscanf(buf, "%d-%d-%dT%d:%d", &y, &mo, &d, &h, &mi) != 5) {
		y = 1970;
		mo = d = 1;
	}
	*day = days_from_civil(y, mo, d);
	*minute = h * 60 + mi;
}

time_t schedule_instant(const char *tz, long day, int minute)
{
	int y, mo, d;
	civil_from_days(day, &y, &mo, &d);
	return time_from_local(tz, y, mo, d, minute / 60, minute % 60);
}

static int allowed(const struct sched_window *w, long day)
{
	return (w->days_mask >> schedule_weekday(day)) & 1;
}

static long next_allowed(const struct sched_window *w, long day)
{
	while (!allowed(w, day))
		day++;
	return day;
}

/* Per-day counters from first_day on, grown on demand. */
struct daycount {
	long base;
	int *used, *firsts;
	long n;
};

static void dc_grow(struct daycount *dc, long day)
{
	long need = day - dc->base + 1;
	if (need <= dc->n)
		return;
	long cap = dc->n ? dc->n : 64;
	while (cap < need)
		cap *= 2;
	dc->used = xrealloc(dc->used, sizeof(int) * (size_t)cap);
	dc->firsts = xrealloc(dc->firsts, sizeof(int) * (size_t)cap);
	memset(dc->used + dc->n, 0, sizeof(int) * (size_t)(cap - dc->n));
	memset(dc->firsts + dc->n, 0, sizeof(int) * (size_t)(cap - dc->n));
	dc->n = cap;
}

static int *dc_used(struct daycount *dc, long day)
{
	dc_grow(dc, day);
	return &dc->used[day - dc->base];
}

static int *dc_firsts(struct daycount *dc, long day)
{
	dc_grow(dc, day);
	return &dc->firsts[day - dc->base];
}

/* Adds g minutes of window time to (day, minute), which is inside the
 * window; the result is inside the window too ([from, to), so a gap that
 * ends exactly at closing time continues at the next opening). */
static void window_add(const struct sched_window *w, long *day, int *minute, long g)
{
	long d = *day, m = *minute;
	while (m + g >= w->day_to) {
		g -= w->day_to - m;
		d = next_allowed(w, d + 1);
		m = w->day_from;
	}
	*day = d;
	*minute = (int)(m + g);
}

int schedule_place(const struct sched_window *w, const time_t *existing, const int *existing_first,
		   int nexisting, const int *gap_minutes, int n, time_t *first, time_t *second,
		   struct ct_err *err)
{
	if (!(w->days_mask & 0x7f))
		return ct_fail(err, CT_EINPUT, "the schedule allows no day of the week");
	if (w->day_from < 0 || w->day_to > 24 * 60 || w->day_from >= w->day_to)
		return ct_fail(err, CT_EINPUT, "the sending hours are empty");
	if (w->daily_quota < 1)
		return ct_fail(err, CT_EINPUT, "the daily quota must be at least 1");
	struct daycount dc = { w->first_day, NULL, NULL, 0 };
	for (int i = 0; i < nexisting; i++) {
		long day;
		int minute;
		schedule_local(w->tz, existing[i], &day, &minute);
		if (day < w->first_day)
			continue;
		(*dc_used(&dc, day))++;
		if (existing_first && existing_first[i])
			(*dc_firsts(&dc, day))++;
	}
	/* Half the quota goes to first messages, at regular intervals, so that
	 * the second messages of the day's pairs fit in the same quota. */
	int slots = w->daily_quota / 2 > 0 ? w->daily_quota / 2 : 1;
	long span = w->day_to - w->day_from, d = w->first_day;
	int rc = CT_OK;
	for (int i = 0; i < n && !rc; i++) {
		for (;;) {
			if (d - w->first_day > SCHED_MAX_DAYS) {
				rc = ct_fail(err, CT_EINPUT, "the sending window cannot hold %d pairs", n);
				break;
			}
			if (allowed(w, d) && *dc_firsts(&dc, d) < slots && *dc_used(&dc, d) < w->daily_quota)
				break;
			d++;
		}
		if (rc)
			break;
		int j = *dc_firsts(&dc, d);
		int m1 = w->day_from + (int)((long)j * span / slots);
		long d2 = d;
		int m2 = m1;
		window_add(w, &d2, &m2, gap_minutes[i] > 0 ? gap_minutes[i] : 0);
		(*dc_used(&dc, d))++;
		(*dc_firsts(&dc, d))++;
		while (*dc_used(&dc, d2) + 1 > w->daily_quota && d2 - d < SCHED_MAX_DAYS)
			d2 = next_allowed(w, d2 + 1);
		(*dc_used(&dc, d2))++;
		first[i] = schedule_instant(w->tz, d, m1);
		second[i] = schedule_instant(w->tz, d2, m2);
	}
	free(dc.used);
	free(dc.firsts);
	return rc;
}
