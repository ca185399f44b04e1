/* test_report_pdf.c: report_pdf prints a small HTML page with an SVG chart
 * to a PDF with the real headless Chromium (a PDF, one A4 page, nothing
 * left beside it, in HOME or in TMPDIR); with CORRTEST_CHROMIUM naming a missing file it fails
 * with CT_EENV and says that Chromium is needed; a missing HTML file is an
 * input error. Without Chromium the printing test fails rather than skips:
 * make deps installs it. */
#define _GNU_SOURCE /* memmem */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/pdf.h"
#include "tmpdir.h"

static const char page[] =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Test report</title>\n"
	"<style>@page { size: A4; margin: 15mm } body { font: 11pt sans-serif }</style></head>\n"
	"<body><h1>Call-backs</h1>\n"
	"<figure class=\"chart\" id=\"chart-rates\"><svg role=\"img\" aria-labelledby=\"t1\" "
	"width=\"240\" height=\"150\" viewBox=\"0 0 240 150\"><title id=\"t1\">Rates</title>"
	"<rect x=\"20\" y=\"20\" width=\"60\" height=\"100\" fill=\"#1f4e79\"/></svg></figure>\n"
	"<img src=\"http://example.invalid/x.png\" alt=\"\">\n"
	"</body></html>\n";

/* Number of names in dir (besides . and ..). */
static int dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

START_TEST(prints_a4)
{
	struct ct_err err = { 0 };
	unsetenv("CORRTEST_CHROMIUM");
	char *found = report_chromium_find();
	ck_assert_msg(found != NULL, "Chromium is not installed: run 'make deps' as root");
	free(found);
	char *dir = tmpdir_new("test_report_pdf");
	/* Chromium writes beside its profile unless given a home and a
	 * TMPDIR of its own: both are empty folders here that must stay so. */
	char *home = tmpdir_new("test_report_pdf-home");
	char *tmp = tmpdir_new("test_report_pdf-tmp");
	/* Put back after the test: without a fork (CK_FORK=no, valgrind) the
	 * next tests run in this process. */
	char *old_home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
	setenv("HOME", home, 1);
	setenv("TMPDIR", tmp, 1);
	char *html = xasprintf("%s/report #1.html", dir); /* a space and a '#' in the URL */
	char *pdf = xasprintf("%s/report.pdf", dir);
	ck_assert_int_eq(file_write_atomic(html, page, strlen(page), 0644, &err), CT_OK);
	int rc = report_pdf(html, pdf, &err);
	ck_assert_msg(rc == CT_OK, "report_pdf: %d %s", rc, err.msg);
	char *data = NULL;
	size_t len = 0;
	ck_assert_int_eq(file_read(pdf, &data, &len, &err), CT_OK);
	ck_assert_uint_gt(len, 100);
	ck_assert_mem_eq(data, "%PDF-", 5);
	/* A4 is 210 x 297 mm = 595.28 x 841.89 points; Skia writes the
	 * MediaBox of 8.27 x 11.69 in as 594.96 x 841.92. Not US Letter
	 * (612 x 792), --print-to-pdf's own default. */
	const char *mb = memmem(data, len, "/MediaBox [", 11);
	ck_assert_msg(mb != NULL, "no MediaBox");
	double x0, y0, x1, y1;
	ck_assert_int_eq(sscanf(mb + 11, "%lf %lf %lf %lf", &x0, &y0, &x1, &y1), 4);
	ck_assert_double_eq_tol(x1 - x0, 595.28, 1.0);
	ck_assert_double_eq_tol(y1 - y0, 841.89, 1.0);
	ck_assert_ptr_nonnull(memmem(data, len, "/Count 1", 8));
	/* Nothing but the page and the PDF: the temporary name was renamed. */
	ck_assert_int_eq(dir_entries(dir), 2);
	ck_assert_int_eq(dir_entries(home), 0);
	ck_assert_int_eq(dir_entries(tmp), 0);
	unsetenv("TMPDIR");
	if (old_home)
		setenv("HOME", old_home, 1);
	else
		unsetenv("HOME");
	free(old_home);
	free(home);
	free(tmp);
	free(data);
	free(html);
	free(pdf);
	free(dir);
}
END_TEST

START_TEST(missing_chromium)
{
	struct ct_err err = { 0 };
	char *dir = tmpdir_new("test_report_pdf");
	char *html = xasprintf("%s/r.html", dir);
	char *pdf = xasprintf("%s/r.pdf", dir);
	char *fake = xasprintf("%s/no-such-chromium", dir);
	ck_assert_int_eq(file_write_atomic(html, page, strlen(page), 0644, &err), CT_OK);
	setenv("CORRTEST_CHROMIUM", fake, 1);
	ck_assert_ptr_null(report_chromium_find());
	ck_assert_int_eq(report_pdf(html, pdf, &err), CT_EENV);
	ck_assert_msg(strstr(err.msg, "Chromium") && strstr(err.msg, "chromium package"),
		      "message: %s", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, fake));
	struct stat st;
	ck_assert_int_ne(stat(pdf, &st), 0);
	ck_assert_int_eq(dir_entries(dir), 1);
	unsetenv("CORRTEST_CHROMIUM");
	free(html);
	free(pdf);
	free(fake);
	free(dir);
}
END_TEST

/* A "Chromium" that exits 1 after a message: its status and its words
 * reach the message, and no PDF is left. */
START_TEST(chromium_fails)
{
	struct ct_err err = { 0 };
	char *dir = tmpdir_new("test_report_pdf");
	char *html = xasprintf("%s/r.html", dir);
	char *pdf = xasprintf("%s/r.pdf", dir);
	char *fake = xasprintf("%s/fake-chromium", dir);
	static const char script[] = "#!/bin/sh\necho 'cannot print: out of paper' >&2\nexit 7\n";
	ck_assert_int_eq(file_write_atomic(html, page, strlen(page), 0644, &err), CT_OK);
	ck_assert_int_eq(file_write_atomic(fake, script, strlen(script), 0755, &err), CT_OK);
	setenv("CORRTEST_CHROMIUM", fake, 1);
	ck_assert_int_eq(report_pdf(html, pdf, &err), CT_EENV);
	ck_assert_msg(strstr(err.msg, "exit status 7") && strstr(err.msg, "out of paper"),
		      "message: %s", err.msg);
	ck_assert_int_eq(dir_entries(dir), 2);
	/* Exits 0 but writes no PDF. */
	static const char script0[] = "#!/bin/sh\nexit 0\n";
	ck_assert_int_eq(file_write_atomic(fake, script0, strlen(script0), 0755, &err), CT_OK);
	ck_assert_int_eq(report_pdf(html, pdf, &err), CT_EENV);
	ck_assert_msg(strstr(err.msg, "wrote no PDF") != NULL, "message: %s", err.msg);
	ck_assert_int_eq(dir_entries(dir), 2);
	unsetenv("CORRTEST_CHROMIUM");
	free(html);
	free(pdf);
	free(fake);
	free(dir);
}
END_TEST

/* State letter of process pid in /proc (Z for a zombie), or 0 if gone. */
static char proc_state(long pid)
{
	char *path = xasprintf("/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	free(path);
	if (!f)
		return 0;
	char state = 0;
	/* pid (comm) state: comm is "sleep" here, without blanks. */
	if (fscanf(f, "%*d %*s %c", &state) != 1)
		state = '?';
	fclose(f);
	return state;
}

/* A "Chromium" that hangs, with a child of its own: both are killed once
 * the limit passes, and the message says so. */
START_TEST(chromium_hangs)
{
	struct ct_err err = { 0 };
	char *dir = tmpdir_new("test_report_pdf");
	char *html = xasprintf("%s/r.html", dir);
	char *pdf = xasprintf("%s/r.pdf", dir);
	char *fake = xasprintf("%s/fake-chromium", dir);
	char *pidfile = xasprintf("%s/child.pid", dir);
	char *script = xasprintf("#!/bin/sh\nsleep 300 &\necho $! > '%s'\nsleep 300\n", pidfile);
	ck_assert_int_eq(file_write_atomic(html, page, strlen(page), 0644, &err), CT_OK);
	ck_assert_int_eq(file_write_atomic(fake, script, strlen(script), 0755, &err), CT_OK);
	setenv("CORRTEST_CHROMIUM", fake, 1);
	setenv("CORRTEST_PDF_TIMEOUT_MS", "500", 1);
	ck_assert_int_eq(report_pdf(html, pdf, &err), CT_EENV);
	ck_assert_msg(strstr(err.msg, "within 0.5 s and was killed") != NULL, "message: %s", err.msg);
	char *text = NULL;
	size_t len = 0;
	ck_assert_int_eq(file_read(pidfile, &text, &len, &err), CT_OK);
	long child = strtol(text, NULL, 10);
	ck_assert_int_gt(child, 1);
	/* SIGKILL is delivered at once, but the orphan is reaped by init when
	 * it gets to it: dead means gone or a zombie. */
	char st = 0;
	for (int i = 0; i < 100 && (st = proc_state(child)) != 0 && st != 'Z'; i++)
		usleep(10000);
	ck_assert_msg(st == 0 || st == 'Z', "the fake's child %ld still runs (%c)", child, st);
	ck_assert_int_eq(dir_entries(dir), 3); /* r.html, the fake, child.pid: no PDF */
	unsetenv("CORRTEST_CHROMIUM");
	unsetenv("CORRTEST_PDF_TIMEOUT_MS");
	free(text);
	free(script);
	free(pidfile);
	free(html);
	free(pdf);
	free(fake);
	free(dir);
}
END_TEST

START_TEST(missing_html)
{
	struct ct_err err = { 0 };
	char *dir = tmpdir_new("test_report_pdf");
	char *html = xasprintf("%s/none.html", dir);
	char *pdf = xasprintf("%s/r.pdf", dir);
	/* Any executable will do: it is not run. */
	setenv("CORRTEST_CHROMIUM", "/bin/true", 1);
	ck_assert_int_eq(report_pdf(html, pdf, &err), CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "none.html"));
	unsetenv("CORRTEST_CHROMIUM");
	free(html);
	free(pdf);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report_pdf");
	TCase *tc = tcase_create("report_pdf");
	/* Chromium's start and print take about a second; valgrind slows the
	 * parent, not the child. */
	tcase_set_timeout(tc, 150);
	tcase_add_test(tc, prints_a4);
	tcase_add_test(tc, missing_chromium);
	tcase_add_test(tc, chromium_fails);
	tcase_add_test(tc, chromium_hangs);
	tcase_add_test(tc, missing_html);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
