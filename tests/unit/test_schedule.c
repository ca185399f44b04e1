/* test_schedule.c: the sending window, against times worked out by hand
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
				  17 * 60, quota };
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

START_TEST(october_week_across_dst_end)
{
	/* Quota 4: two first-message slots a day, at 09:00 and 13:00. From
	 * Thursday 2026-10-22 (CEST). */
	struct sched_window w = window(2026, 10, 22, 4);
	int gap[] = { 120, 300, 60, 480, 120, 240 };
	time_t a[6], b[6];
	ck_assert_int_eq(schedule_place(&w, NULL, NULL, 0, gap, 6, a, b, NULL), 0);
	/* Thu 09:00 CEST, +2 h */
	ck_assert_str_eq(utc(a[0]), "2026-10-22T07:00:00Z");
	ck_assert_str_eq(utc(b[0]), "2026-10-22T09:00:00Z");
	/* Thu 13:00 CEST; 5 h: 4 h to closing, 1 h on Friday -> Fri 10:00 CEST */
	ck_assert_str_eq(utc(a[1]), "2026-10-22T11:00:00Z");
	ck_assert_str_eq(utc(b[1]), "2026-10-23T08:00:00Z");
	/* Thursday's two slots are taken: Fri 09:00 CEST, +1 h */
	ck_assert_str_eq(utc(a[2]), "2026-10-23T07:00:00Z");
	ck_assert_str_eq(utc(b[2]), "2026-10-23T08:00:00Z");
	/* Fri 13:00 CEST; 8 h: 4 h on Friday, the weekend skipped, 4 h on
	 * Monday -> Mon 13:00 CET (winter time now) = 12:00Z */
	ck_assert_str_eq(utc(a[3]), "2026-10-23T11:00:00Z");
	ck_assert_str_eq(utc(b[3]), "2026-10-26T12:00:00Z");
	/* Friday is full (4): Mon 09:00 CET = 08:00Z, +2 h */
	ck_assert_str_eq(utc(a[4]), "2026-10-26T08:00:00Z");
	ck_assert_str_eq(utc(b[4]), "2026-10-26T10:00:00Z");
	/* Mon 13:00 CET; 4 h ends exactly at closing: Tue 09:00 CET */
	ck_assert_str_eq(utc(a[5]), "2026-10-26T12:00:00Z");
	ck_assert_str_eq(utc(b[5]), "2026-10-27T08:00:00Z");
}
END_TEST

START_TEST(march_week_across_dst_start)
{
	/* Quota 2: one first message a day, at 09:00. Friday 2027-03-26 is CET,
	 * Monday 2027-03-29 CEST. */
	struct sched_window w = window(2027, 3, 26, 2);
	int gap[] = { 60, 60 };
	time_t a[2], b[2];
	ck_assert_int_eq(schedule_place(&w, NULL, NULL, 0, gap, 2, a, b, NULL), 0);
	ck_assert_str_eq(utc(a[0]), "2027-03-26T08:00:00Z");
	ck_assert_str_eq(utc(b[0]), "2027-03-26T09:00:00Z");
	ck_assert_str_eq(utc(a[1]), "2027-03-29T07:00:00Z");
	ck_assert_str_eq(utc(b[1]), "2027-03-29T08:00:00Z");
}
END_TEST

START_TEST(full_day_moves_the_second_message)
{
	/* Quota 3, and Friday 2026-10-23 already holds 3 messages. A pair from
	 * Thursday whose gap ends on Friday moves its second message to Monday
	 * at the same local time; the next pair cannot start on Friday either. */
	struct sched_window w = window(2026, 10, 22, 3);
	time_t ex[3];
	ck_assert(time_parse_iso("2026-10-23T10:00:00Z", &ex[0]));
	ck_assert(time_parse_iso("2026-10-23T11:00:00Z", &ex[1]));
	ck_assert(time_parse_iso("2026-10-23T12:00:00Z", &ex[2]));
	int first[] = { 0, 0, 0 };
	int gap[] = { 480, 60 };
	time_t a[2], b[2];
	ck_assert_int_eq(schedule_place(&w, ex, first, 3, gap, 2, a, b, NULL), 0);
	ck_assert_str_eq(utc(a[0]), "2026-10-22T07:00:00Z"); /* Thu 09:00 CEST */
	ck_assert_str_eq(utc(b[0]), "2026-10-26T08:00:00Z"); /* Mon 09:00 CET */
	ck_assert_str_eq(utc(a[1]), "2026-10-26T08:00:00Z");
	ck_assert_str_eq(utc(b[1]), "2026-10-26T09:00:00Z");
}
END_TEST

START_TEST(quota_days_and_hours_hold_for_many_pairs)
{
	/* 300 pairs, quota 40, Monday, Wednesday and Friday 10:00-16:30: every
	 * message inside the window on an allowed day, at most 40 a day, no
	 * second before its first, whole minutes. */
	struct sched_window w = { "Europe/Brussels", days_from_civil(2026, 12, 7), 1 | 4 | 16,
				  10 * 60, 16 * 60 + 30, 40 };
	int n = 300, *gap = malloc(sizeof(int) * 300);
	time_t *a = malloc(sizeof(time_t) * 300), *b = malloc(sizeof(time_t) * 300);
	for (int i = 0; i < n; i++)
		gap[i] = 120 + (i * 37) % 241;
	ck_assert_int_eq(schedule_place(&w, NULL, NULL, 0, gap, n, a, b, NULL), 0);
	int per_day[400] = { 0 };
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
	}
	for (int i = 0; i < 400; i++)
		ck_assert_int_le(per_day[i], 40);
	for (int i = 0; i < n; i++) {
		ck_assert(b[i] > a[i]);
		/* The gap in window time is at least the drawn gap (more only when
		 * a full day pushed the second message on). */
		long d1, d2;
		int m1, m2;
		schedule_local(w.tz, a[i], &d1, &m1);
		schedule_local(w.tz, b[i], &d2, &m2);
		ck_assert_int_ge(window_time(&w, d1, m1, d2, m2), gap[i]);
		if (i > 0)
			ck_assert(a[i] >= a[i - 1]); /* in listing order */
	}
	free(gap);
	free(a);
	free(b);
}
END_TEST

START_TEST(refuses_empty_windows)
{
	struct sched_window w = window(2026, 10, 22, 4);
	int gap[] = { 60 };
	time_t a[1], b[1];
	struct ct_err err = { 0 };
	w.days_mask = 0;
	ck_assert_int_eq(schedule_place(&w, NULL, NULL, 0, gap, 1, a, b, &err), 2);
	w = window(2026, 10, 22, 0);
	ck_assert_int_eq(schedule_place(&w, NULL, NULL, 0, gap, 1, a, b, &err), 2);
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
	tcase_add_test(tc, october_week_across_dst_end);
	tcase_add_test(tc, march_week_across_dst_start);
	tcase_add_test(tc, full_day_moves_the_second_message);
	tcase_add_test(tc, quota_days_and_hours_hold_for_many_pairs);
	tcase_add_test(tc, refuses_empty_windows);
	tcase_add_test(tc, window_minutes);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
