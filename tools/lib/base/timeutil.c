/* timeutil.c: ISO 8601 times and time-zone conversion. Zones are applied by
 * switching TZ and calling tzset(): the C library's zoneinfo reader is the
 * one well-tested implementation of DST rules we have. corrtest is single
 * threaded, so the switch is safe. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "base/banned.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define DATE_MIN_YEAR_TEXT STR(DATE_MIN_YEAR)

time_t time_now(void)
{
	const char *fixed = getenv("CORRTEST_NOW");
	time_t t;
	if (fixed && *fixed && time_parse_iso(fixed, &t))
		return t;
	return time(NULL);
}

int date_parse_prefix(const char *s, int *y, int *m, int *d)
{
	/* By hand, not sscanf: sscanf would skip blanks and take signs. */
	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return 0;
	int yy = atoi(s), mm = atoi(s + 5), dd = atoi(s + 8);
	if (yy < DATE_MIN_YEAR || mm < 1 || mm > 12 || dd < 1 || dd > 31)
		return 0;
	/* Round-tripping through the day number rejects 31 April, 29 February
	 * of a common year, and the like. */
	int ry, rm, rd;
	civil_from_days(days_from_civil(yy, mm, dd), &ry, &rm, &rd);
	if (ry != yy || rm != mm || rd != dd)
		return 0;
	*y = yy, *m = mm, *d = dd;
	return 1;
}

int date_valid(const char *s)
{
	int y, m, d;
	return strlen(s) == 10 && date_parse_prefix(s, &y, &m, &d);
}

const char *date_problem(const char *s)
{
	if (date_valid(s))
		return NULL;
	if (strlen(s) != 10)
		return "must be a date YYYY-MM-DD";
	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return "must be a date YYYY-MM-DD";
	if (atoi(s) < DATE_MIN_YEAR)
		return "has a year before " DATE_MIN_YEAR_TEXT " (write the full year, e.g. 2026)";
	return "is not a day of the calendar";
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

/* Two digits at p, as a number; -1 when they are not two digits. */
static int two_digits(const char *p)
{
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
		return -1;
	return (p[0] - '0') * 10 + (p[1] - '0');
}

int time_parse_iso(const char *s, time_t *out)
{
	int y, mo, d, h = 0, mi = 0, sec = 0;
	if (strlen(s) < 10 || !date_parse_prefix(s, &y, &mo, &d))
		return 0;
	const char *p = s + 10;
	long off = 0;
	if (*p) {
		if (*p != 'T' && *p != ' ')
			return 0;
		h = two_digits(p + 1);
		if (h < 0 || p[3] != ':' || (mi = two_digits(p + 4)) < 0)
			return 0;
		p += 6;
		if (*p == ':') {
			if ((sec = two_digits(p + 1)) < 0)
				return 0;
			p += 3;
		}
		if (*p == 'Z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh = two_digits(p + 1), om = oh < 0 || p[3] != ':' ? -1 : two_digits(p + 4);
			if (oh < 0 || om < 0 || oh > 14 || om > 59)
				return 0;
			off = (oh * 60L + om) * 60L * (*p == '-' ? -1 : 1);
			p += 6;
		} else {
			return 0;
		}
		if (*p)
			return 0;
	}
	if (h > 23 || mi > 59 || sec > 60)
		return 0;
	*out = (time_t)(days_from_civil(y, mo, d) * 86400L + h * 3600L + mi * 60L + sec - off);
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
