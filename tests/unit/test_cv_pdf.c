/* test_cv_pdf.c: CV documents made by hand rendered to PDF and read back
 * with poppler's own tools (pdftotext, pdffonts, pdfinfo; make deps
 * installs poppler-utils): every entry's text is found, in reading order
 * and with each column kept together; the page is A4; every font is
 * embedded and is DejaVu; the metadata are the document's (title, author,
 * both dates) and two CVs differing in the name differ in nothing else
 * pdfinfo shows; a long CV runs on to a second page; the same document
 * gives the same bytes, also on four threads at once; a missing font is an
 * environment error; Pango and cairo are loaded by the first render, not
 * at start (cv/pango_dl.h), also when that render is on four threads at
 * once, and a missing library is an environment error naming it; the
 * attachment's file name. */
#define _GNU_SOURCE /* memmem */
#include <check.h>
#include <ctype.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cv/cv.h"
#include "tmpdir.h"

static void add_entry(struct cv_section *s, const char *when, const char *what, const char *where,
		      const char *text)
{
	s->e = xrealloc(s->e, (size_t)(s->n + 1) * sizeof(*s->e));
	struct cv_entry *e = &s->e[s->n++];
	e->when = when ? xstrdup(when) : NULL;
	e->what = what ? xstrdup(what) : NULL;
	e->where = where ? xstrdup(where) : NULL;
	e->text = text ? xstrdup(text) : NULL;
}

static struct cv_section *add_section(struct cv_doc *d, const char *kind, const char *title)
{
	if (d->nsec >= CV_MAXSECTIONS) /* also used outside a test: see main */
		abort();
	struct cv_section *s = &d->sec[d->nsec++];
	s->kind = kind;
	s->title = title ? xstrdup(title) : NULL;
	return s;
}

static void add_contact(struct cv_doc *d, const char *label, const char *value)
{
	d->contact_label[d->ncontact] = xstrdup(label);
	d->contact_value[d->ncontact++] = xstrdup(value);
}

/* 2026-03-02 09:15:00 UTC, computed by hand: 20514 days from 1970-01-01
 * (56 years, 14 of them leap: 20454 days to 2026-01-01, then 31 + 28 + 1)
 * times 86400 plus 9 h 15 min. `date -u -d @1772442900` agrees. */
#define CREATED 1772442900

/* A CV with every kind of section; the name given (UTF-8). */
static struct cv_doc make_doc(int layout, const char *name, int long_cv)
{
	struct cv_doc d = { 0 };
	d.layout = layout;
	d.lang = xstrdup("en");
	d.name = xstrdup(name);
	d.headline = xstrdup("Accounting clerk");
	d.summary_title = xstrdup("Profile");
	d.summary = xstrdup("Accurate and calm bookkeeper with six years of experience in small "
			    "firms, used to closing the month on time and to answering suppliers' "
			    "questions by phone and by mail.");
	add_contact(&d, "E-mail", "candidate.mail@example.org");
	add_contact(&d, "Phone", "+32 470 12 34 56");
	add_contact(&d, "Address", "Kerkstraat 12, 9000 Gent");
	add_contact(&d, "Born", "1994");
	struct cv_section *s = add_section(&d, "experience", "Experience");
	add_entry(s, "2020 – 2026", "Accounting clerk", "Verhaeghe Bouw, Gent",
		  "Kept the purchase ledger of a building firm with forty staff, matched invoices "
		  "to orders and prepared the quarterly VAT return.");
	add_entry(s, "2017 – 2020", "Junior bookkeeper", "Fiduciaire Lambert, Brussels",
		  "Entered the books of twenty small clients and drew up their annual accounts.");
	if (long_cv)
		for (int i = 0; i < 14; i++) {
			char when[32], what[64], text[512];
			snprintf(when, sizeof(when), "%d – %d", 1990 + i, 1991 + i);
			snprintf(what, sizeof(what), "Temporary assignment number %d", i + 1);
			snprintf(text, sizeof(text),
				 "Assignment %d: reconciled the bank statements of the client every "
				 "week, chased the unpaid invoices, answered the auditors and wrote "
				 "the notes that went with the yearly accounts, all in good time.",
				 i + 1);
			add_entry(s, when, what, "Interim office, Antwerp", text);
		}
	s = add_section(&d, "education", "Education");
	add_entry(s, "2014 – 2017", "Bachelor in accountancy", "HOGENT, Gent", NULL);
	add_entry(s, "2008 – 2014", "Secondary school, economics", "Sint-Barbaracollege, Gent",
		  NULL);
	s = add_section(&d, "skills", "Skills");
	add_entry(s, NULL, "Exact Online", NULL, NULL);
	add_entry(s, NULL, "Excel", "advanced", NULL);
	add_entry(s, NULL, "Driving licence B", NULL, NULL);
	s = add_section(&d, "languages", "Languages");
	add_entry(s, NULL, "Dutch", "native", NULL);
	add_entry(s, NULL, "French", "fluent", NULL);
	add_entry(s, NULL, "English", "good", NULL);
	s = add_section(&d, "interests", "Interests");
	add_entry(s, NULL, NULL, NULL, "Running, cooking for friends and the local choir.");
	d.title = xasprintf("CV %s", name);
	d.author = xstrdup(name);
	d.created = CREATED;
	return d;
}

/* The stdout of a shell command (its words are the test's own paths,
 * made by mkdtemp: no quoting needed); the command must succeed. */
static char *run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		sb_add(&sb, buf, n);
	int st = pclose(p);
	ck_assert_msg(st == 0, "%s: exit %d (poppler-utils installed? make deps)", cmd, st);
	return sb_detach(&sb);
}

/* s with every run of white space made one space: pdftotext breaks lines
 * where the layout wrapped them. */
static char *squeeze(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	int gap = 0;
	for (; *s; s++) {
		if (isspace((unsigned char)*s) || *s == '\f') {
			gap = 1;
			continue;
		}
		if (gap && sb.len)
			sb_addc(&sb, ' ');
		gap = 0;
		sb_addc(&sb, *s);
	}
	return sb_detach(&sb);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *render_to(const struct cv_doc *d, const char *dir, const char *name)
{
	unsigned char *pdf;
	size_t len;
	struct ct_err err = { 0 };
	ck_assert_msg(cv_pdf_render(d, &pdf, &len, &err) == CT_OK, "%s", err.msg);
	ck_assert_msg(len > 1000 && memcmp(pdf, "%PDF-", 5) == 0, "not a PDF");
	/* Nothing in the file names corrtest, in any case. */
	for (size_t i = 0; i + 8 <= len; i++)
		ck_assert_msg(strncasecmp((const char *)pdf + i, "corrtest", 8) != 0,
			      "'corrtest' at byte %zu", i);
	char *path = xasprintf("%s/%s", dir, name);
	ck_assert_int_eq(file_write_atomic(path, (const char *)pdf, len, 0644, &err), CT_OK);
	free(pdf);
	return path;
}

static void assert_has(const char *text, const char *want, const char *what)
{
	char *w = squeeze(want);
	ck_assert_msg(strstr(text, w) != NULL, "%s: \"%s\" not in pdftotext's text:\n%s", what, w,
		      text);
	free(w);
}

/* Every string of d is in the text, each whole (so also in reading
 * order, no column's line between two of its lines). */
static void assert_all_text(const struct cv_doc *d, const char *text)
{
	assert_has(text, d->name, "name");
	assert_has(text, d->headline, "headline");
	assert_has(text, d->summary, "summary");
	for (int i = 0; i < d->ncontact; i++) {
		assert_has(text, d->contact_label[i], "contact label");
		assert_has(text, d->contact_value[i], "contact value");
	}
	for (int i = 0; i < d->nsec; i++) {
		assert_has(text, d->sec[i].title, "section title");
		for (int j = 0; j < d->sec[i].n; j++) {
			const struct cv_entry *e = &d->sec[i].e[j];
			const char *f[4] = { e->when, e->what, e->where, e->text };
			for (int k = 0; k < 4; k++)
				if (f[k])
					assert_has(text, f[k], d->sec[i].title);
		}
	}
}

static char *pdf_text(const char *path, const char *opts)
{
	char *cmd = xasprintf("pdftotext -enc UTF-8 %s '%s' -", opts, path);
	char *raw = run(cmd);
	char *text = squeeze(raw);
	free(cmd);
	free(raw);
	return text;
}

/* Checks fonts: all embedded, all DejaVu of the family. */
static void assert_fonts(const char *path, const char *family)
{
	char *cmd = xasprintf("pdffonts '%s'", path);
	char *out = run(cmd);
	int rows = 0;
	/* Two header lines, then: name type encoding emb sub uni object ID. */
	char *save = NULL, *line = strtok_r(out, "\n", &save);
	for (int i = 0; line; line = strtok_r(NULL, "\n", &save), i++) {
		if (i < 2)
			continue;
		char name[256], type[64], enc[64], emb[8];
		ck_assert_msg(sscanf(line, "%255s %63s %63s %7s", name, type, enc, emb) == 4, "%s",
			      line);
		/* Type is "CID TrueType" or "TrueType" (two words or one). */
		if (strcmp(type, "CID") == 0)
			ck_assert_int_eq(sscanf(line, "%*s %*s %*s %*s %7s", emb), 1);
		ck_assert_msg(strcmp(emb, "yes") == 0, "font not embedded: %s", line);
		const char *plus = strchr(name, '+');
		ck_assert_msg(plus && strncmp(plus + 1, family, strlen(family)) == 0,
			      "font %s is not %s", name, family);
		rows++;
	}
	ck_assert_msg(rows >= 2, "fonts: %d (regular and bold expected)\n%s", rows, out);
	free(out);
	free(cmd);
}

/* pdfinfo's "Key: value" for key, or NULL. */
static char *info_value(const char *info, const char *key)
{
	char *k = xasprintf("\n%s:", key);
	char *whole = xasprintf("\n%s", info);
	const char *p = strstr(whole, k);
	char *v = NULL;
	if (p) {
		p += strlen(k);
		while (*p == ' ')
			p++;
		v = xstrndup(p, strcspn(p, "\n"));
	}
	free(k);
	free(whole);
	return v;
}

static void layout_case(int layout, const char *name, const char *family)
{
	char *dir = tmpdir_new("test_cv_pdf");
	struct cv_doc d = make_doc(layout, name, 0);
	char *path = render_to(&d, dir, "cv.pdf");
	char *text = pdf_text(path, "");
	assert_all_text(&d, text);
	assert_fonts(path, family);
	char *cmd = xasprintf("pdfinfo -isodates '%s'", path);
	char *info = run(cmd);
	char *v = info_value(info, "Page size");
	ck_assert_str_eq(v, "595.28 x 841.89 pts (A4)");
	free(v);
	v = info_value(info, "Pages");
	ck_assert_str_eq(v, "1");
	free(v);
	free(info);
	free(cmd);
	free(text);
	free(path);
	cv_doc_free(&d);
	free(dir);
}

START_TEST(layout_one_serif)
{
	layout_case(1, "Gülşen Öztürk", "DejaVuSerif");
}
END_TEST

/* The side column's lines are not mixed with the main column's in
 * pdftotext's default mode: assert_all_text finds every paragraph of
 * both whole. */
START_TEST(layout_two_side_column)
{
	layout_case(2, "Nguyễn Thị Ștefan Çağlar", "DejaVuSans");
	/* In content order (pdftotext -raw) each column comes whole, the main
	 * one first: the name first, the interests (the main column's
	 * last) before the first contact, the skills and languages after. */
	char *dir = tmpdir_new("test_cv_pdf");
	struct cv_doc d = make_doc(2, "Nguyễn Thị Ștefan Çağlar", 0);
	char *path = render_to(&d, dir, "cv.pdf");
	char *raw = pdf_text(path, "-raw");
	char *want = squeeze("Nguyễn Thị Ștefan Çağlar Accounting clerk Profile Accurate");
	ck_assert_msg(strncmp(raw, want, strlen(want)) == 0, "-raw starts: %.80s", raw);
	const char *last_main = strstr(raw, "Running, cooking for friends and the local choir.");
	const char *first_side = strstr(raw, "E-mail candidate.mail@example.org Phone");
	const char *side_end = strstr(raw, "Dutch native French fluent English good");
	ck_assert_msg(last_main && first_side && side_end && last_main < first_side &&
			      first_side < side_end,
		      "-raw order: %s", raw);
	free(want);
	free(raw);
	free(path);
	cv_doc_free(&d);
	free(dir);
}
END_TEST

START_TEST(long_cv_two_pages)
{
	for (int layout = 1; layout <= 2; layout++) {
		char *dir = tmpdir_new("test_cv_pdf");
		struct cv_doc d = make_doc(layout, "Çağlar Yılmaz", 1);
		char *path = render_to(&d, dir, "cv.pdf");
		char *cmd = xasprintf("pdfinfo '%s'", path);
		char *info = run(cmd);
		char *pages = info_value(info, "Pages");
		long npages = 0;
		ck_assert(parse_long(pages, &npages));
		/* Sixteen jobs of four lines each do not fit on one page. */
		ck_assert_int_ge(npages, 2);
		/* All of it is there, and each page carries on where the one
		 * before stopped: the name on page 1 only, the last job and
		 * the last section after page 1. */
		char *text = pdf_text(path, "");
		assert_all_text(&d, text);
		char *p1 = pdf_text(path, "-f 1 -l 1");
		assert_has(p1, d.name, "page 1");
		ck_assert_ptr_null(strstr(p1, "Temporary assignment number 14"));
		ck_assert_ptr_null(strstr(p1, "Running, cooking"));
		for (long p = 2; p <= npages; p++) {
			char *opt = xasprintf("-f %ld -l %ld", p, p);
			char *pt = pdf_text(path, opt);
			ck_assert_msg(strlen(pt) > 20, "page %ld is (almost) empty: '%s'", p, pt);
			ck_assert_ptr_null(strstr(pt, d.name));
			free(pt);
			free(opt);
		}
		free(p1);
		free(text);
		free(pages);
		free(info);
		free(cmd);
		free(path);
		cv_doc_free(&d);
		free(dir);
	}
}
END_TEST

/* Any field may be NULL; a paragraph longer than a page runs on over the
 * next page (no line lost, none below the bottom margin): every numbered
 * sentence is in the text, in order; a word wider than the column is
 * broken within the right margin. */
START_TEST(sparse_and_huge_paragraph)
{
	for (int layout = 1; layout <= 2; layout++) {
		struct cv_doc d = { 0 };
		d.layout = layout;
		d.created = CREATED;
		struct cv_section *s = add_section(&d, "experience", NULL);
		add_entry(s, NULL, NULL, NULL, NULL);
		add_entry(s, "2020", NULL, NULL, NULL);
		add_entry(s, NULL, NULL, "Only a place", NULL);
		struct strbuf big = STRBUF_INIT;
		for (int i = 1; i <= 150; i++)
			sb_addf(&big, "Sentence %d of a very long description of duties. ", i);
		s = add_section(&d, "skills", "Skills");
		add_entry(s, NULL, NULL, NULL, "A skill with text only");
		/* A "word" wider than any column: broken, not run off the
		 * page (the xMax check below). */
		char longword[301];
		for (int i = 0; i < 300; i++)
			longword[i] = (char)('a' + i % 26);
		longword[300] = '\0';
		add_entry(s, NULL, longword, NULL, NULL);
		s = add_section(&d, "interests", "Interests");
		add_entry(s, NULL, "Reading", NULL, sb_str(&big));
		char *dir = tmpdir_new("test_cv_pdf");
		char *path = render_to(&d, dir, "cv.pdf");
		char *text = pdf_text(path, "");
		assert_has(text, "Only a place", "where alone");
		assert_has(text, "A skill with text only", "text alone");
		assert_has(text, sb_str(&big), "a paragraph over two pages");
		/* The bounding boxes of the words (pdftotext -bbox) all lie
		 * within the page's margins. */
		char *cmd = xasprintf("pdftotext -bbox '%s' - | grep -c '<word' ", path);
		char *nwords = run(cmd);
		ck_assert_int_gt(atoi(nwords), 1000);
		char *cmd2 = xasprintf("pdftotext -bbox '%s' - | sed -n 's/.*yMax=\"\\([0-9.]*\\)\".*/\\1/p' "
				       "| sort -n | tail -1", path);
		char *ymax = run(cmd2);
		ck_assert_msg(atof(ymax) < 841.89 - 40, "a word ends at y = %s", ymax);
		char *cmd3 = xasprintf("pdftotext -bbox '%s' - | sed -n 's/.*xMax=\"\\([0-9.]*\\)\".*/\\1/p' "
				       "| sort -n | tail -1", path);
		char *xmax = run(cmd3);
		ck_assert_msg(atof(xmax) < 595.28 - 40, "a word ends at x = %s", xmax);
		char *cmd4 = xasprintf("pdfinfo '%s' | grep '^Pages:'", path);
		char *pages = run(cmd4);
		int np = 0;
		ck_assert_int_eq(sscanf(pages, "Pages: %d", &np), 1);
		ck_assert_int_ge(np, 2);
		free(pages);
		free(cmd4);
		free(xmax);
		free(cmd3);
		free(ymax);
		free(cmd2);
		free(nwords);
		free(cmd);
		free(text);
		free(path);
		free(dir);
		sb_free(&big);
		cv_doc_free(&d);
	}
}
END_TEST

/* The words of s (split at white space), sorted, one a line. */
static char *sorted_words(const char *s)
{
	char *copy = xstrdup(s), *save = NULL;
	char **w = NULL;
	size_t n = 0;
	for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		w = xrealloc(w, (n + 1) * sizeof(*w));
		w[n++] = tok;
	}
	qsort(w, n, sizeof(*w), cmp_str);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		sb_addf(&sb, "%s\n", w[i]);
	free(w);
	free(copy);
	return sb_detach(&sb);
}

/* The layouts show the document's words and no word of their own (no
 * heading, separator or hyphen the document does not hold): the same
 * document in layout 1 and in layout 2 gives pdftotext the same words,
 * in another order. An e-mail address too long for the side column is
 * set smaller, not broken: it is one word in both. */
START_TEST(layouts_same_words)
{
	const char *mail = "gulsen.vandenbroeck-ozturk@example.org";
	char *dir = tmpdir_new("test_cv_pdf");
	char *words[2];
	for (int layout = 1; layout <= 2; layout++) {
		struct cv_doc d = make_doc(layout, "Gülşen Öztürk", 0);
		free(d.contact_value[0]);
		d.contact_value[0] = xstrdup(mail);
		char *name = xasprintf("cv%d.pdf", layout);
		char *path = render_to(&d, dir, name);
		char *text = pdf_text(path, "");
		ck_assert_msg(strstr(text, mail) != NULL, "layout %d: %s broken: %s", layout, mail,
			      text);
		words[layout - 1] = sorted_words(text);
		free(text);
		free(path);
		free(name);
		cv_doc_free(&d);
	}
	ck_assert_str_eq(words[0], words[1]);
	free(words[0]);
	free(words[1]);
	free(dir);
}
END_TEST

/* Title, author and both dates as set; the two CVs of a pair (one name
 * each) give the same pdfinfo lines but Title and Author (and the file's
 * size: the fonts' subsets hold the names' letters). */
START_TEST(metadata_pair)
{
	char *dir = tmpdir_new("test_cv_pdf");
	struct cv_doc a = make_doc(1, "Gülşen Öztürk", 0);
	struct cv_doc b = make_doc(1, "Sarah Peeters", 0);
	char *pa = render_to(&a, dir, "a.pdf"), *pb = render_to(&b, dir, "b.pdf");
	/* TZ fixed: pdfinfo shows dates in the local zone. */
	char *ca = xasprintf("TZ=UTC pdfinfo -isodates '%s'", pa);
	char *cb = xasprintf("TZ=UTC pdfinfo -isodates '%s'", pb);
	char *ia = run(ca), *ib = run(cb);
	char *v = info_value(ia, "Title");
	ck_assert_str_eq(v, "CV Gülşen Öztürk");
	free(v);
	v = info_value(ia, "Author");
	ck_assert_str_eq(v, "Gülşen Öztürk");
	free(v);
	v = info_value(ia, "CreationDate");
	ck_assert_str_eq(v, "2026-03-02T09:15:00Z");
	free(v);
	v = info_value(ia, "ModDate");
	ck_assert_str_eq(v, "2026-03-02T09:15:00Z");
	free(v);
	/* cairo 1.16 names itself as Producer (it cannot be set) and writes
	 * no Creator unless told one. */
	v = info_value(ia, "Producer");
	ck_assert_msg(strncmp(v, "cairo ", 6) == 0, "Producer: %s", v);
	free(v);
	ck_assert_ptr_null(info_value(ia, "Creator"));
	ck_assert_ptr_null(info_value(ia, "Subject"));
	ck_assert_ptr_null(info_value(ia, "Keywords"));
	/* Line by line, the same but for Title, Author and File size. */
	char *sa = NULL, *sb = NULL;
	char *la = strtok_r(ia, "\n", &sa), *lb = strtok_r(ib, "\n", &sb);
	int differ = 0;
	for (; la && lb; la = strtok_r(NULL, "\n", &sa), lb = strtok_r(NULL, "\n", &sb)) {
		if (strcmp(la, lb) == 0)
			continue;
		differ++;
		ck_assert_msg(strncmp(la, "Title:", 6) == 0 || strncmp(la, "Author:", 7) == 0 ||
				      strncmp(la, "File size:", 10) == 0,
			      "pdfinfo differs: '%s' / '%s'", la, lb);
	}
	ck_assert_msg(!la && !lb, "pdfinfo outputs of different length");
	ck_assert_int_ge(differ, 2);
	free(ia);
	free(ib);
	free(ca);
	free(cb);
	free(pa);
	free(pb);
	cv_doc_free(&a);
	cv_doc_free(&b);
	free(dir);
}
END_TEST

struct job {
	struct cv_doc d;
	unsigned char *pdf;
	size_t len;
	int rc;
};

static void *render_job(void *arg)
{
	struct job *j = arg;
	struct ct_err err = { 0 };
	/* Three times each, so that the threads overlap. */
	for (int i = 0; i < 3; i++) {
		free(j->pdf);
		j->rc = cv_pdf_render(&j->d, &j->pdf, &j->len, &err);
		if (j->rc != CT_OK)
			break;
	}
	return NULL;
}

/* The same document gives the same bytes, twice in a row and on four
 * threads rendering at once (two layouts, two lengths). */
START_TEST(same_bytes_and_threads)
{
	static const char *const names[4] = { "Gülşen Öztürk", "Sarah Peeters", "Nguyễn Văn An",
					       "Ștefan Popescu" };
	struct job jobs[4] = { 0 };
	unsigned char *ref[4];
	size_t reflen[4];
	struct ct_err err = { 0 };
	for (int i = 0; i < 4; i++) {
		jobs[i].d = make_doc(1 + i % 2, names[i], i >= 2);
		ck_assert_int_eq(cv_pdf_render(&jobs[i].d, &ref[i], &reflen[i], &err), CT_OK);
		unsigned char *again;
		size_t len;
		ck_assert_int_eq(cv_pdf_render(&jobs[i].d, &again, &len, &err), CT_OK);
		ck_assert_msg(len == reflen[i] && memcmp(again, ref[i], len) == 0,
			      "document %d: two renderings differ", i);
		free(again);
	}
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, render_job, &jobs[i]), 0);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(jobs[i].rc, CT_OK);
		ck_assert_msg(jobs[i].len == reflen[i] && memcmp(jobs[i].pdf, ref[i], reflen[i]) == 0,
			      "document %d: rendered on a thread it differs", i);
		free(jobs[i].pdf);
		free(ref[i]);
		cv_doc_free(&jobs[i].d);
	}
}
END_TEST

/* The test program itself (argv[0]), run again to render without fonts. */
static const char *self;

/* Without DejaVu (fontconfig given a configuration with no font folder)
 * the render fails with CT_EENV naming the font and its package, rather
 * than embedding whatever fontconfig falls back to. In a new process (this
 * program again, see main): fontconfig reads FONTCONFIG_FILE once per
 * process, and valgrind does not follow an exec. */
START_TEST(missing_font)
{
	char *dir = tmpdir_new("test_cv_pdf");
	char *conf = xasprintf("%s/fonts.conf", dir);
	const char *xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n"
			  "<fontconfig><cachedir>/nonexistent-cache</cachedir></fontconfig>\n";
	struct ct_err err = { 0 };
	ck_assert_int_eq(file_write_atomic(conf, xml, strlen(xml), 0644, &err), CT_OK);
	char *cmd = xasprintf("FONTCONFIG_FILE='%s' TEST_CV_PDF_CHILD=render '%s'", conf, self);
	char *out = run(cmd);
	ck_assert_str_eq(out, "3 the font DejaVu Serif is not installed (Debian package "
			      "fonts-dejavu-core)\n");
	free(out);
	free(cmd);
	free(conf);
	free(dir);
}
END_TEST

/* The child of missing_font and missing_library: prints the status and
 * the message. */
static int render_child(void)
{
	struct cv_doc d = make_doc(1, "Sarah Peeters", 0);
	unsigned char *pdf = NULL;
	size_t len;
	struct ct_err err = { 0 };
	int rc = cv_pdf_render(&d, &pdf, &len, &err);
	printf("%d %s\n", rc, pdf ? "(a PDF)" : err.msg);
	free(pdf);
	cv_doc_free(&d);
	return 0;
}

/* Without libcairo.so.2 (an empty file of that name first in the search
 * path, which the loader refuses) the render fails with CT_EENV naming the
 * library, and the program starts at all: it is not linked against it. In
 * a new process, since the loader tries once per process. */
START_TEST(missing_library)
{
	char *dir = tmpdir_new("test_cv_pdf");
	char *lib = xasprintf("%s/libcairo.so.2", dir);
	struct ct_err err = { 0 };
	ck_assert_int_eq(file_write_atomic(lib, "", 0, 0644, &err), CT_OK);
	char *cmd = xasprintf("LD_LIBRARY_PATH='%s' TEST_CV_PDF_CHILD=render '%s'", dir, self);
	char *out = run(cmd);
	ck_assert_msg(strncmp(out, "3 cannot load Pango and cairo (", 31) == 0 &&
			      strstr(out, lib) && strstr(out, "libpangocairo-1.0-0)\n"),
		      "%s", out);
	free(out);
	free(cmd);
	free(lib);
	free(dir);
}
END_TEST

/* 1 when the library soname is in the process (RTLD_NOLOAD: not loaded by
 * asking). */
static int in_process(const char *soname)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_NOLOAD);
	if (h)
		dlclose(h);
	return h != NULL;
}

struct first {
	pthread_barrier_t *go;
	struct cv_doc *d;
	unsigned char *pdf;
	size_t len;
	int rc;
};

static void *render_first(void *arg)
{
	struct first *f = arg;
	struct ct_err err = { 0 };
	pthread_barrier_wait(f->go);
	f->rc = cv_pdf_render(f->d, &f->pdf, &f->len, &err);
	return NULL;
}

/* The child of loaded_on_first_render: "ok", or what went wrong. */
static int first_render_child(void)
{
	static const char *const libs[] = { "libcairo.so.2", "libpango-1.0.so.0",
					    "libpangocairo-1.0.so.0", "libfontconfig.so.1" };
	for (int i = 0; i < 4; i++)
		if (in_process(libs[i]))
			return printf("%s loaded at start\n", libs[i]), 0;
	struct cv_doc d = make_doc(2, "Gülşen Öztürk", 0);
	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, 4);
	struct first f[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		f[i] = (struct first){ .go = &go, .d = &d };
		pthread_create(&th[i], NULL, render_first, &f[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&go);
	unsigned char *ref;
	size_t len;
	struct ct_err err = { 0 };
	int rc = cv_pdf_render(&d, &ref, &len, &err);
	const char *bad = rc != CT_OK ? err.msg : NULL;
	for (int i = 0; i < 4; i++) {
		if (!bad && f[i].rc != CT_OK)
			bad = "a thread's render failed";
		else if (!bad && (f[i].len != len || memcmp(f[i].pdf, ref, len) != 0))
			bad = "a thread's PDF differs";
		free(f[i].pdf);
	}
	for (int i = 0; !bad && i < 3; i++)
		if (!in_process(libs[i]))
			bad = "a library not loaded after rendering";
	printf("%s\n", bad ? bad : "ok");
	if (rc == CT_OK)
		free(ref);
	cv_doc_free(&d);
	return 0;
}

/* Pango, cairo and fontconfig are not in the process until the first CV
 * is rendered (this program is linked like corrtest, whose every command
 * would otherwise load them at start); when that first render runs on
 * four threads at once, each loads them or waits for the one that does,
 * and all four give the bytes of a later render. In a new process: here
 * an earlier test may have loaded them. */
START_TEST(loaded_on_first_render)
{
	char *cmd = xasprintf("TEST_CV_PDF_CHILD=first '%s'", self);
	char *out = run(cmd);
	ck_assert_str_eq(out, "ok\n");
	free(out);
	free(cmd);
}
END_TEST

START_TEST(file_name)
{
	struct {
		const char *first, *last, *want;
	} cases[] = {
		{ "Sarah", "Peeters", "CV_Sarah_Peeters.pdf" },
		{ "Gülşen", "Öztürk", "CV_Gülşen_Öztürk.pdf" },
		{ "Ana María", "de la  Cruz", "CV_Ana_María_de_la_Cruz.pdf" },
		{ " Jan ", "Smit", "CV_Jan_Smit.pdf" },
		{ "a/b", "c\\d", "CV_a_b_c_d.pdf" },
		{ NULL, "Smit", "CV_Smit.pdf" },
		{ "Jan", "", "CV_Jan.pdf" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = cv_file_name(cases[i].first, cases[i].last);
		ck_assert_str_eq(got, cases[i].want);
		free(got);
	}
}
END_TEST

START_TEST(bad_input)
{
	struct cv_doc d = make_doc(3, "Sarah Peeters", 0);
	unsigned char *pdf = (unsigned char *)"x";
	size_t len = 1;
	struct ct_err err = { 0 };
	ck_assert_int_eq(cv_pdf_render(&d, &pdf, &len, &err), CT_EINPUT);
	ck_assert_ptr_null(pdf);
	/* Text that is not UTF-8 (Latin-1 "é") is refused, not shown as
	 * something else. */
	d.layout = 2;
	free(d.sec[0].e[1].where);
	d.sec[0].e[1].where = xstrdup("Li\xe8ge");
	ck_assert_int_eq(cv_pdf_render(&d, &pdf, &len, &err), CT_EINPUT);
	ck_assert_str_eq(err.msg, "the CV's entry of section 1 is not valid UTF-8 (byte 2)");
	ck_assert_ptr_null(pdf);
	cv_doc_free(&d);
}
END_TEST

int main(int argc, char **argv)
{
	(void)argc;
	self = argv[0];
	const char *child = getenv("TEST_CV_PDF_CHILD");
	if (child && strcmp(child, "render") == 0)
		return render_child();
	if (child && strcmp(child, "first") == 0)
		return first_render_child();
	Suite *s = suite_create("cv_pdf");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, layout_one_serif);
	tcase_add_test(tc, layout_two_side_column);
	tcase_add_test(tc, long_cv_two_pages);
	tcase_add_test(tc, sparse_and_huge_paragraph);
	tcase_add_test(tc, layouts_same_words);
	tcase_add_test(tc, metadata_pair);
	tcase_add_test(tc, missing_font);
	tcase_add_test(tc, missing_library);
	tcase_add_test(tc, loaded_on_first_render);
	tcase_add_test(tc, file_name);
	tcase_add_test(tc, bad_input);
	suite_add_tcase(s, tc);
	/* A case of its own, so that CK_RUN_CASE=threads runs it alone (under
	 * helgrind, say). */
	TCase *th = tcase_create("threads");
	tcase_set_timeout(th, 600);
	tcase_add_test(th, same_bytes_and_threads);
	suite_add_tcase(s, th);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
