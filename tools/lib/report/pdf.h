/* pdf.h: printing the HTML report to PDF with headless Chromium, for
 * `report --pdf`. Chromium is a separate program found at run time, never
 * linked: without it everything else of `report` still works. */
#ifndef CT_REPORT_PDF_H
#define CT_REPORT_PDF_H

#include "base/util.h"

/* How long Chromium may take to print before it is killed, in seconds
 * ($CORRTEST_PDF_TIMEOUT_MS, for the tests, may only shorten it). */
#define REPORT_PDF_TIMEOUT_S 120

/* Finds Chromium: $CORRTEST_CHROMIUM when set (and then only it: NULL if it
 * is not an executable file), else chromium, chromium-browser or
 * google-chrome in $PATH, in that order. Returns a malloc'd path (caller
 * frees) or NULL. */
char *report_chromium_find(void);

/* Prints html_path (an existing local file) to pdf_path with headless
 * Chromium's --print-to-pdf: no header or footer, a temporary profile of its
 * own (removed after), no network (every host name resolves to nothing and
 * the proxy is 127.0.0.1:9, which nobody serves), --no-sandbox only when
 * running as root, stdin from /dev/null, its output captured, and killed
 * (with every process it started) after REPORT_PDF_TIMEOUT_S. The paper
 * size is the page's: --print-to-pdf has no paper option and prints US
 * Letter unless the page's CSS says `@page { size: A4 }`, as the report's
 * does. The PDF is written to a temporary name beside pdf_path and renamed
 * once it is complete, so pdf_path is either the old file or the whole new
 * one. Returns CT_OK; CT_EINPUT when html_path does not exist; CT_EENV when
 * Chromium is absent ("report --pdf needs Chromium: install the chromium
 * package (make deps does)"), fails (its exit status and the last lines of
 * its error output), takes too long, or writes no PDF. Never prints or
 * exits. */
int report_pdf(const char *html_path, const char *pdf_path, struct ct_err *err);

#endif
