/* schedule.c: the sending window. Days are local civil days counted from
 * 1970-01-01; times are minutes after local midnight; conversion to UTC
 * happens last, through the C library's zone rules, so that DST is right.
 * Times are drawn from the seed; an agent's history keeps one persona from
 * writing it twice within the agent gap (see schedule.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assign/schedule.h"
#include "base/rng.h"
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

void schedule_window_add(const struct sched_window *w, long *day, int *minute, long g)
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

/* What one agent has been sent so far: the day from which its next pair
 * may start, and for each persona that wrote to it the latest message. */
struct agent_hist {
	long next_day;
	int n, cap;
	int64_t *persona;
	time_t *latest;
};

static time_t *hist_slot(struct agent_hist *h, int64_t persona, int add)
{
	for (int i = 0; i < h->n; i++)
		if (h->persona[i] == persona)
			return &h->latest[i];
	if (!add)
		return NULL;
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 4;
		h->persona = xrealloc(h->persona, sizeof(*h->persona) * (size_t)h->cap);
		h->latest = xrealloc(h->latest, sizeof(*h->latest) * (size_t)h->cap);
	}
	h->persona[h->n] = persona;
	h->latest[h->n] = (time_t)0;
	return &h->latest[h->n++];
}

/* Records that persona wrote to the agent at t, on local day. */
static void hist_add(struct agent_hist *h, int64_t persona, time_t t, long day)
{
	int had = hist_slot(h, persona, 0) != NULL;
	time_t *x = hist_slot(h, persona, 1);
	if (!had || t > *x)
		*x = t;
	if (day + 1 > h->next_day)
		h->next_day = day + 1;
}

/* The earliest instant persona may write to the agent again; 0 (and
 * *has = 0) when it never did. */
static time_t hist_bound(const struct agent_hist *h, int64_t persona, long gap, int *has)
{
	for (int i = 0; i < h->n; i++)
		if (h->persona[i] == persona) {
			*has = 1;
			return h->latest[i] + (time_t)gap;
		}
	*has = 0;
	return 0;
}

static int day_has_room(const struct sched_window *w, struct daycount *dc, long d, int slots)
{
	return allowed(w, d) && *dc_firsts(dc, d) < slots && *dc_used(dc, d) < w->daily_quota;
}

int schedule_place(const struct sched_window *w, const struct sched_msg *existing, int nexisting,
		   int nagents, const struct sched_pair *pairs, int n, time_t *first, time_t *second,
		   struct sched_report *report, struct ct_err *err)
{
	struct sched_report rep_local, *rep = report ? report : &rep_local;
	rep->delayed = 0;
	rep->last_agent = -1;
	rep->last_day = rep->quota_last_day = -1;
	if (!(w->days_mask & 0x7f))
		return ct_fail(err, CT_EINPUT, "the schedule allows no day of the week");
	if (w->day_from < 0 || w->day_to > 24 * 60 || w->day_from >= w->day_to)
		return ct_fail(err, CT_EINPUT, "the sending hours are empty");
	if (w->daily_quota < 1)
		return ct_fail(err, CT_EINPUT, "the daily quota must be at least 1");
	struct daycount dc = { w->first_day, NULL, NULL, 0 };
	/* The quota alone, for the report: first messages only. */
	struct daycount qc = { w->first_day, NULL, NULL, 0 };
	struct agent_hist *hist = xcalloc((size_t)nagents + 1, sizeof(*hist));
	for (int i = 0; i < nexisting; i++) {
		long day;
		int minute;
		schedule_local(w->tz, existing[i].at, &day, &minute);
		if (existing[i].agent >= 0 && existing[i].agent < nagents)
			hist_add(&hist[existing[i].agent], existing[i].persona, existing[i].at, day);
		if (day < w->first_day)
			continue;
		(*dc_used(&dc, day))++;
		(*dc_used(&qc, day))++;
		if (existing[i].first) {
			(*dc_firsts(&dc, day))++;
			(*dc_firsts(&qc, day))++;
		}
	}
	/* Half the quota goes to first messages, so that the second messages
	 * of the day's pairs fit in the same quota. */
	int slots = w->daily_quota / 2 > 0 ? w->daily_quota / 2 : 1;
	int span = w->day_to - w->day_from;
	long front = w->first_day, qfront = w->first_day;
	char stream[64];
	snprintf(stream, sizeof(stream), "assign.times.%ld", w->salt);
	struct rng r;
	rng_init(&r, w->seed, stream);
	int rc = CT_OK;
	for (int i = 0; i < n && !rc; i++) {
		const struct sched_pair *p = &pairs[i];
		while (!day_has_room(w, &dc, front, slots) && front - w->first_day <= SCHED_MAX_DAYS)
			front++;
		while (!day_has_room(w, &qc, qfront, slots) && qfront - w->first_day <= SCHED_MAX_DAYS)
			qfront++;
		(*dc_firsts(&qc, qfront))++;
		(*dc_used(&qc, qfront))++;
		rep->quota_last_day = qfront;
		struct agent_hist *h = p->agent >= 0 && p->agent < nagents ? &hist[p->agent] : NULL;
		int has1 = 0, has2 = 0;
		time_t b1 = h ? hist_bound(h, p->persona_first, w->agent_gap_seconds, &has1) : 0;
		time_t b2 = h ? hist_bound(h, p->persona_second, w->agent_gap_seconds, &has2) : 0;
		long d = front;
		if (h && h->next_day > d)
			d = h->next_day;
		if (has1) {
			long bd;
			int bm;
			schedule_local(w->tz, b1, &bd, &bm);
			if (bd > d)
				d = bd;
		}
		long d2 = d;
		int m1 = 0, m2 = 0;
		for (;; d++) {
			if (d - w->first_day > SCHED_MAX_DAYS) {
				rc = ct_fail(err, CT_EINPUT, "the sending window cannot hold %d pairs", n);
				break;
			}
			if (!day_has_room(w, &dc, d, slots))
				continue;
			/* Any whole minute of the window: no clock grid. */
			m1 = w->day_from + (int)rng_below(&r, (uint64_t)span);
			if (has1 && schedule_instant(w->tz, d, m1) < b1)
				continue;
			d2 = d;
			m2 = m1;
			schedule_window_add(w, &d2, &m2, p->gap_minutes > 0 ? p->gap_minutes : 0);
			while (*dc_used(&dc, d2) + (d2 == d) + 1 > w->daily_quota && d2 - d < SCHED_MAX_DAYS)
				d2 = next_allowed(w, d2 + 1);
			if (has2 && schedule_instant(w->tz, d2, m2) < b2)
				continue;
			break;
		}
		if (rc)
			break;
		(*dc_used(&dc, d))++;
		(*dc_firsts(&dc, d))++;
		(*dc_used(&dc, d2))++;
		first[i] = schedule_instant(w->tz, d, m1);
		second[i] = schedule_instant(w->tz, d2, m2);
		if (h) {
			hist_add(h, p->persona_first, first[i], d);
			hist_add(h, p->persona_second, second[i], d2);
		}
		if (d > front) {
			rep->delayed++;
			if (rep->last_agent < 0 || d2 >= rep->last_day)
				rep->last_agent = p->agent;
		}
		if (d2 > rep->last_day)
			rep->last_day = d2;
	}
	for (int a = 0; a < nagents; a++) {
		free(hist[a].persona);
		free(hist[a].latest);
	}
	free(hist);
	free(dc.used);
	free(dc.firsts);
	free(qc.used);
	free(qc.firsts);
	return rc;
}
