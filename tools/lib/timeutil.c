/* timeutil.c: ISO 8601 times and time-zone conversion. Zones are applied by
 * switching TZ and calling tzset(): the C library's zoneinfo reader is the
 * one well-tested implementation of DST rules we have. corrtest is single
 * threaded, so the switch is safe. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"
#include "banned.h"

time_t time_now(void)
{
	const char *fixed = getenv("CORRTEST_NOW");
	time_t t;
	if (fixed && *fixed && time_parse_iso(fixed, &t))
		return t;
	return time(NULL);
}

long days_from_civil(int y, int m, int d)
{
	/* Howard Hinnant's algorithm, proleptic Gregorian. */
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void civil_from_days(long z, int *y, int *m, int *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long yy = yoe + era * 400;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

void time_iso_utc(time_t t, char out[ISO_LEN])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, ISO_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int time_parse_iso(const char *s, time_t *out)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return 0;
	const char *p = s + 10;
	long off = 0;
	if (*p) {
		if (*p != 'T' && *p != ' ')
			return 0;
		p++;
		if (sscanf(p, "%2d:%2d%n", &h, &mi, &n) != 2 || n != 5)
			return 0;
		p += 5;
		if (*p == ':') {
			if (sscanf(p + 1, "%2d%n", &sec, &n) != 1 || n != 2)
				return 0;
			p += 3;
		}
		if (*p == 'Z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh, om;
			if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5 || oh > 14 || om > 59)
				return 0;
			off = (oh * 60L + om) * 60L * (*p == '-' ? -1 : 1);
			p += 6;
		} else {
			return 0;
		}
		if (*p)
			return 0;
	}
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
		return 0;
	long days = days_from_civil(y, mo, d);
	int dy, dm, dd;
	civil_from_days(days, &dy, &dm, &dd);
	if (dd != d) /* 29 February in a common year */
		return 0;
	*out = (time_t)(days * 86400L + h * 3600L + mi * 60L + sec - off);
	return 1;
}

static void use_zone(const char *tz)
{
	static char current[128];
	if (!strcmp(current, tz))
		return;
	snprintf(current, sizeof(current), "%s", tz);
	setenv("TZ", tz, 1);
	tzset();
}

void time_iso_local(time_t t, const char *tz, char out[40])
{
	struct tm tm;
	use_zone(tz);
	localtime_r(&t, &tm);
	int off = (int)(tm.tm_gmtoff / 60); /* minutes; |offset| < 24 h */
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	char date[24];
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 40, "%.19s%c%02d:%02d", date, sign, (off / 60) % 100, off % 60);
}

time_t time_from_local(const char *tz, int y, int mo, int d, int h, int mi)
{
	struct tm tm = { 0 };
	use_zone(tz);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	return mktime(&tm);
}
