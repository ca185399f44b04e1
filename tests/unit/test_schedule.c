/* test_schedule.c: the sending window, against times worked out by hand
 * and properties checked pair by pair (the times themselves are drawn from
 * the seed)
 * (Europe/Brussels: CET = UTC+1 in winter, CEST = UTC+2 in summer; DST
 * ended on Sunday 2026-10-25 and starts on Sunday 2027-03-28). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assign/schedule.h"
#include "base/timeutil.h"

static const char *utc(time_t t)
{
	static char buf[8][ISO_LEN];
	static int i;
	i = (i + 1) % 8;
	time_iso_utc(t, buf[i]);
	return buf[i];
}

#define WEEKDAYS 0x1f /* mon..fri */

static struct sched_window window(int y, int m, int d, int quota)
{
	struct sched_window w = { "Europe/Brussels", days_from_civil(y, m, d), WEEKDAYS, 9 * 60,
				  17 * 60, quota, 0, 0, 0 };
	return w;
}

/* Window minutes from (d1, m1) to (d2, m2), counting only sending-window
 * time on allowed days: the inverse of the gap arithmetic, written here
 * apart from the library so that it checks it. */
static long window_time(const struct sched_window *w, long d1, int m1, long d2, int m2)
{
	if (d2 < d1 || (d2 == d1 && m2 <= m1))
		return 0;
	if (d1 == d2)
		return m2 - m1;
	long total = m1 < w->day_to ? w->day_to - m1 : 0;
	for (long d = d1 + 1; d < d2; d++)
		if ((w->days_mask >> schedule_weekday(d)) & 1)
			total += w->day_to - w->day_from;
	if (m2 > w->day_from)
		total += m2 - w->day_from;
	return total;
}

START_TEST(weekday_numbers)
{
	ck_assert_int_eq(schedule_weekday(days_from_civil(2026, 11, 23)), 0); /* Monday */
	ck_assert_int_eq(schedule_weekday(days_from_civil(2026, 10, 25)), 6); /* Sunday */
	ck_assert_int_eq(schedule_weekday(0), 3);                              /* 1970-01-01, Thursday */
}
END_TEST

/* A window whose times come from the seed, with no agents. */
static struct sched_window seeded(struct sched_window w, uint64_t seed)
{
	w.seed = seed;
	w.salt = 0;
	w.agent_gap_seconds = 7L * 86400;
	return w;
}

/* n pairs without agents (persona ids 1 and 2), the given gaps. */
static struct sched_pair *plain_pairs(const int *gap, int n)
{
	struct sched_pair *p = calloc((size_t)n, sizeof(*p));
	for (int i = 0; i < n; i++)
		p[i] = (struct sched_pair){ -1, 1, 2, gap[i] };
	return p;
}

START_TEST(gap_arithmetic_across_dst_end)
{
	/* Window 09:00-17:00, Monday to Friday, from Thursday 2026-10-22 (CEST);
	 * DST ends on Sunday 2026-10-25. Worked out by hand. */
	struct sched_window w = window(2026, 10, 22, 4);
	long thu = days_from_civil(2026, 10, 22), d;
	int m;
	/* Thu 09:00 + 2 h = Thu 11:00 CEST = 09:00Z */
	d = thu, m = 9 * 60;
	schedule_window_add(&w, &d, &m, 120);
	ck_assert_str_eq(utc(schedule_instant(w.tz, d, m)), "2026-10-22T09:00:00Z");
	/* Thu 13:00 + 5 h: 4 h to closing, 1 h on Friday -> Fri 10:00 CEST */
	d = thu, m = 13 * 60;
	schedule_window_add(&w, &d, &m, 300);
	ck_assert_str_eq(utc(schedule_instant(w.tz, d, m)), "2026-10-23T08:00:00Z");
	/* Fri 13:00 + 8 h: 4 h on Friday, the weekend skipped, 4 h on Monday ->
	 * Mon 13:00 CET (winter time now) = 12:00Z */
	d = thu + 1, m = 13 * 60;
	schedule_window_add(&w, &d, &m, 480);
	ck_assert_str_eq(utc(schedule_instant(w.tz, d, m)), "2026-10-26T12:00:00Z");
	/* Mon 13:00 + 4 h ends exactly at closing: Tue 09:00 CET */
	d = thu + 4, m = 13 * 60;
	schedule_window_add(&w, &d, &m, 240);
	ck_assert_str_eq(utc(schedule_instant(w.tz, d, m)), "2026-10-27T08:00:00Z");
}
END_TEST

START_TEST(gap_arithmetic_across_dst_start)
{
	/* Friday 2027-03-26 is CET, Monday 2027-03-29 CEST: Fri 16:00 + 2 h =
	 * Mon 10:00 CEST = 08:00Z. */
	struct sched_window w = window(2027, 3, 26, 2);
	long d = days_from_civil(2027, 3, 26);
	int m = 16 * 60;
	schedule_window_add(&w, &d, &m, 120);
	ck_assert_str_eq(utc(schedule_instant(w.tz, d, m)), "2027-03-29T08:00:00Z");
}
END_TEST

START_TEST(full_day_moves_the_second_message)
{
	/* Quota 3 (one first message a day), and Friday 2026-10-23 already
	 * holds 3 messages. A pair from Thursday with a gap of 8 window hours
	 * ends on Friday at the minute it began; Friday is full, so its second
	 * message moves to Monday at that minute; the next pair cannot start
	 * on Thursday (its one first-message slot is taken) nor on Friday. */
	struct sched_window w = seeded(window(2026, 10, 22, 3), 11);
	struct sched_msg ex[3] = { { 0, 0, -1, 9 }, { 0, 0, -1, 9 }, { 0, 0, -1, 9 } };
	ck_assert(time_parse_iso("2026-10-23T10:00:00Z", &ex[0].at));
	ck_assert(time_parse_iso("2026-10-23T11:00:00Z", &ex[1].at));
	ck_assert(time_parse_iso("2026-10-23T12:00:00Z", &ex[2].at));
	int gap[] = { 480, 60 };
	struct sched_pair *p = plain_pairs(gap, 2);
	time_t a[2], b[2];
	ck_assert_int_eq(schedule_place(&w, ex, 3, 0, p, 2, a, b, NULL, NULL), 0);
	long d1, d2;
	int m1, m2;
	schedule_local(w.tz, a[0], &d1, &m1);
	schedule_local(w.tz, b[0], &d2, &m2);
	ck_assert_int_eq(d1, days_from_civil(2026, 10, 22));
	ck_assert_int_eq(d2, days_from_civil(2026, 10, 26));
	ck_assert_int_eq(m2, m1);
	schedule_local(w.tz, a[1], &d1, &m1);
	ck_assert_int_eq(d1, days_from_civil(2026, 10, 26));
	free(p);
}
END_TEST

START_TEST(quota_days_and_hours_hold_for_many_pairs)
{
	/* 300 pairs, quota 40, Monday, Wednesday and Friday 10:00-16:30: every
	 * message inside the window on an allowed day, at most 40 a day, no
	 * second before its first, whole minutes. */
	struct sched_window w = seeded((struct sched_window){ "Europe/Brussels",
							      days_from_civil(2026, 12, 7), 1 | 4 | 16,
							      10 * 60, 16 * 60 + 30, 40, 0, 0, 0 },
				       20261122);
	int n = 300, *gap = malloc(sizeof(int) * 300);
	time_t *a = malloc(sizeof(time_t) * 300), *b = malloc(sizeof(time_t) * 300);
	for (int i = 0; i < n; i++)
		gap[i] = 120 + (i * 37) % 241;
	struct sched_pair *p = plain_pairs(gap, n);
	ck_assert_int_eq(schedule_place(&w, NULL, 0, 0, p, n, a, b, NULL, NULL), 0);
	int per_day[400] = { 0 }, minute_seen[60] = { 0 }, distinct = 0;
	long d0 = w.first_day;
	for (int i = 0; i < 2 * n; i++) {
		time_t t = i < n ? a[i] : b[i - n];
		long day;
		int minute;
		schedule_local(w.tz, t, &day, &minute);
		ck_assert_int_eq(t % 60, 0);
		ck_assert_int_ge(minute, w.day_from);
		ck_assert_int_lt(minute, w.day_to);
		int wd = schedule_weekday(day);
		ck_assert_msg(wd == 0 || wd == 2 || wd == 4, "weekday %d", wd);
		ck_assert_int_ge(day, d0);
		per_day[day - d0]++;
		if (i < n && !minute_seen[minute % 60]++)
			distinct++;
	}
	for (int i = 0; i < 400; i++)
		ck_assert_int_le(per_day[i], 40);
	/* No clock grid: with the old regular slots (20 a day, every 19.5
	 * minutes) the first messages took 40 minutes of the hour at most;
	 * 300 uniform draws miss one of the 60 with probability under 1e-20. */
	ck_assert_int_eq(distinct, 60);
	for (int i = 0; i < n; i++) {
		ck_assert(b[i] > a[i]);
		/* The gap in window time is at least the drawn gap (more only when
		 * a full day pushed the second message on). */
		long d1, d2, dp;
		int m1, m2, mp;
		schedule_local(w.tz, a[i], &d1, &m1);
		schedule_local(w.tz, b[i], &d2, &m2);
		ck_assert_int_ge(window_time(&w, d1, m1, d2, m2), gap[i]);
		if (i > 0) {
			/* Without agents, the days of the first messages follow
			 * listing order. */
			schedule_local(w.tz, a[i - 1], &dp, &mp);
			ck_assert_int_ge(d1, dp);
		}
	}
	free(p);
	free(gap);
	free(a);
	free(b);
}
END_TEST

START_TEST(same_seed_same_times)
{
	struct sched_window w = seeded(window(2026, 12, 7, 40), 5);
	int gap[50];
	for (int i = 0; i < 50; i++)
		gap[i] = 120 + i;
	struct sched_pair *p = plain_pairs(gap, 50);
	time_t a[50], b[50], c[50], d[50];
	ck_assert_int_eq(schedule_place(&w, NULL, 0, 0, p, 50, a, b, NULL, NULL), 0);
	ck_assert_int_eq(schedule_place(&w, NULL, 0, 0, p, 50, c, d, NULL, NULL), 0);
	ck_assert(!memcmp(a, c, sizeof(a)) && !memcmp(b, d, sizeof(b)));
	w.seed = 6;
	ck_assert_int_eq(schedule_place(&w, NULL, 0, 0, p, 50, c, d, NULL, NULL), 0);
	ck_assert(memcmp(a, c, sizeof(a)));
	free(p);
}
END_TEST

START_TEST(agent_gap_holds)
{
	/* 90 pairs of 3 agents (listing i is agent i % 3), personas 1 (the
	 * control, in every pair) and 10 + i % 4 (four test personas), the
	 * control first in even pairs; and an existing message of persona 1 to
	 * agent 0 on Wednesday 2026-12-09 at 12:00Z. Every two messages of one
	 * persona to one agent are at least 7 days apart, each agent's pairs
	 * start on distinct days, and agent 0 gets nothing from persona 1
	 * before 2026-12-16T12:00Z. */
	struct sched_window w = seeded(window(2026, 12, 7, 40), 99);
	int n = 90;
	struct sched_pair p[90];
	for (int i = 0; i < n; i++) {
		int64_t t = 10 + i % 4;
		p[i] = (struct sched_pair){ i % 3, i % 2 ? t : 1, i % 2 ? 1 : t, 180 };
	}
	struct sched_msg ex[1] = { { 0, 1, 0, 1 } };
	ck_assert(time_parse_iso("2026-12-09T12:00:00Z", &ex[0].at));
	time_t a[90], b[90], limit;
	struct sched_report rep;
	ck_assert_int_eq(schedule_place(&w, ex, 1, 3, p, n, a, b, &rep, NULL), 0);
	ck_assert(time_parse_iso("2026-12-16T12:00:00Z", &limit));
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < i; j++) {
			if (p[i].agent != p[j].agent)
				continue;
			time_t ti[2] = { a[i], b[i] }, tj[2] = { a[j], b[j] };
			int64_t pi[2] = { p[i].persona_first, p[i].persona_second };
			int64_t pj[2] = { p[j].persona_first, p[j].persona_second };
			for (int x = 0; x < 2; x++)
				for (int y = 0; y < 2; y++)
					if (pi[x] == pj[y])
						ck_assert_msg(llabs((long long)(ti[x] - tj[y])) >= 7L * 86400,
							      "pairs %d and %d", i, j);
			long di, dj;
			int mi, mj;
			schedule_local(w.tz, a[i], &di, &mi);
			schedule_local(w.tz, a[j], &dj, &mj);
			ck_assert_int_ne(di, dj);
		}
		if (p[i].agent == 0)
			ck_assert(p[i].persona_first == 1 ? a[i] >= limit : b[i] >= limit);
	}
	/* The control writes every pair: 30 pairs of one agent need 29 weeks
	 * of gaps, so the pairs wait and the report names an agent. */
	ck_assert_int_gt(rep.delayed, 0);
	ck_assert_int_ge(rep.last_agent, 0);
	ck_assert_int_gt(rep.last_day, rep.quota_last_day);
	ck_assert_int_ge(rep.last_day - w.first_day, 29 * 7);
}
END_TEST

START_TEST(refuses_empty_windows)
{
	struct sched_window w = window(2026, 10, 22, 4);
	int gap[] = { 60 };
	struct sched_pair *p = plain_pairs(gap, 1);
	time_t a[1], b[1];
	struct ct_err err = { 0 };
	w.days_mask = 0;
	ck_assert_int_eq(schedule_place(&w, NULL, 0, 0, p, 1, a, b, NULL, &err), 2);
	w = window(2026, 10, 22, 0);
	ck_assert_int_eq(schedule_place(&w, NULL, 0, 0, p, 1, a, b, NULL, &err), 2);
	free(p);
}
END_TEST

START_TEST(window_minutes)
{
	/* The checking helper itself, against counts by hand. */
	struct sched_window w = window(2026, 10, 22, 4);
	long thu = days_from_civil(2026, 10, 22), mon = days_from_civil(2026, 10, 26);
	/* Thu 13:00 -> Mon 13:00: 4 h Thu, 8 h Fri, 4 h Mon = 960 min */
	ck_assert_int_eq(window_time(&w, thu, 13 * 60, mon, 13 * 60), 960);
	ck_assert_int_eq(window_time(&w, thu, 9 * 60, thu, 11 * 60), 120);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("schedule");
	TCase *tc = tcase_create("schedule");
	tcase_add_test(tc, weekday_numbers);
	tcase_add_test(tc, gap_arithmetic_across_dst_end);
	tcase_add_test(tc, gap_arithmetic_across_dst_start);
	tcase_add_test(tc, full_day_moves_the_second_message);
	tcase_add_test(tc, quota_days_and_hours_hold_for_many_pairs);
	tcase_add_test(tc, same_seed_same_times);
	tcase_add_test(tc, agent_gap_holds);
	tcase_add_test(tc, refuses_empty_windows);
	tcase_add_test(tc, window_minutes);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
