/* cmd_cv.c: corrtest cv: the CVs of a job study (cv/cv.h, cv/cvtpl.h):
 * one application's drawn CV (and its PDF), the balance of the draws over
 * the groups, checking the template, drawing what is missing. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cv/cvtpl.h"
#include "io/out.h"
#include "base/banned.h"

const char cmd_cv_usage[] =
	"usage: corrtest cv APP [--out FILE | --pdf] [--json]\n"
	"       corrtest cv --balance [--json]\n"
	"       corrtest cv --check [--json]\n"
	"       corrtest cv --draw [--json]\n"
	"\n"
	"The CVs of a job study (study.ini [cv] attach = yes). 'corrtest assign'\n"
	"draws them with each pair, from the study's seed and the CV template\n"
	"(templates/job/LANG/cv.ini, or [cv] template): the attributes that matter\n"
	"(degree, years of experience, skills, languages) are the same in both CVs\n"
	"of a pair; the layout and the phrasing differ, counterbalanced over the\n"
	"groups. Everything drawn is recorded; 'corrtest export cv' writes it.\n"
	"\n"
	"  APP         show what application APP's CV says (every drawn attribute)\n"
	"  --out FILE  also write its PDF to FILE (never over an existing file)\n"
	"  --pdf       the same, to ./CV_First_Last.pdf\n"
	"  --balance   layouts, phrasings and every drawn or worded attribute of the\n"
	"              main pairs counted per group, with Pearson's chi-square test of\n"
	"              independence of group and value and its p adjusted for the\n"
	"              number of tests (Holm); exit 1 if an adjusted p is below 0.01\n"
	"  --check     read and check the study's CV template; exit 2 naming\n"
	"              FILE:LINE on the first problem\n"
	"  --draw      draw the CVs of pairs that have none (assign does it; this is\n"
	"              for pairs assigned before [cv] attach = yes)\n";

static int show_balance(struct cmd_ctx *ctx)
{
	struct cv_balance *b;
	struct ct_err err = { 0 };
	int rc = cv_balance(ctx->study, &b, &err);
	if (rc)
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	long total = 0;
	for (int g = 0; g < b->ngroups; g++)
		total += b->ncv[g];
	out_int(o, &(struct out_field){ "cvs", "CVs recorded", OUT_COUNT, 0 }, total);
	struct out_field *gf = xcalloc((size_t)b->ngroups + 1, sizeof(*gf));
	for (int g = 0; g < b->ngroups; g++)
		gf[g] = (struct out_field){ b->group[g], b->group[g], OUT_COUNT, 0 };
	static const struct out_field attr = { "attribute", "attribute", OUT_TEXT, OUT_ID };
	static const struct out_field value = { "value", "value", OUT_TEXT, 0 };
	int off = 0;
	out_table_begin(o, &(struct out_field){ "tests", "\nIndependence of group and value "
						"(Pearson chi-square)", OUT_TEXT, 0 });
	for (int r = 0; r < b->nrow; r++) {
		const struct cv_balance_row *x = &b->row[r];
		out_row_begin(o, NULL);
		out_str(o, &attr, x->attr);
		out_int(o, &(struct out_field){ "values", "values", OUT_COUNT, 0 }, x->nvalues);
		out_value(o, &(struct out_field){ "chi2", "chi2", OUT_STAT, 0 }, !isnan(x->p), x->chi2);
		out_int(o, &(struct out_field){ "df", "df", OUT_COUNT, 0 }, x->df);
		out_value(o, &(struct out_field){ "p", "p", OUT_PVALUE, 0 }, !isnan(x->p), x->p);
		out_value(o, &(struct out_field){ "p_holm", "p (Holm)", OUT_PVALUE, 0 }, !isnan(x->p),
			  x->p_holm);
		out_row_end(o);
		off += !isnan(x->p) && x->p_holm < 0.01;
	}
	out_table_end(o);
	out_table_begin(o, &(struct out_field){ "counts", "\nCounts per group", OUT_TEXT, 0 });
	for (int r = 0; r < b->nrow; r++) {
		const struct cv_balance_row *x = &b->row[r];
		for (int v = 0; v < x->nvalues; v++) {
			out_row_begin(o, NULL);
			out_str(o, &attr, x->attr);
			out_str(o, &value, x->value[v]);
			for (int g = 0; g < b->ngroups; g++)
				out_int(o, &gf[g], x->count[g * x->nvalues + v]);
			out_row_end(o);
		}
	}
	out_table_end(o);
	out_bool(o, &(struct out_field){ "balanced", NULL, OUT_BOOL, 0 }, off == 0);
	if (off)
		out_text(o, "\n%d attribute%s depend%s on the group (p < 0.01 after Holm's "
			 "correction for the %d tests).", off, off == 1 ? "" : "s",
			 off == 1 ? "s" : "", b->nrow);
	else if (total)
		out_text(o, "\nNo attribute depends on the group (every p >= 0.01).");
	rc = out_free(o);
	free(gf);
	cv_balance_free(b);
	if (rc)
		return rc;
	rc = cmd_flush(ctx);
	return rc ? rc : off ? 1 : 0;
}

static int write_pdf(struct cmd_ctx *ctx, long long app, const char *path, char **written)
{
	struct cv_doc d;
	int has = 0;
	struct ct_err err = { 0 };
	int rc = cv_doc_load(ctx->study, app, &has, &d, &err);
	if (rc)
		return cmd_error(ctx, &err);
	if (!has)
		return cmd_errorf(ctx, CT_EINPUT, "application %lld has no CV", app);
	char *name = NULL;
	if (!path) {
		struct cv_record r;
		if ((rc = cv_record_load(ctx->study, app, &has, &r, &err))) {
			cv_doc_free(&d);
			return cmd_error(ctx, &err);
		}
		name = cv_file_name(r.first, r.last);
		cv_record_free(&r);
		path = name;
	}
	/* Never over an existing file: a preview must not replace anything.
	 * The file is claimed first (and removed again if rendering fails). */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0) {
		rc = cmd_errorf(ctx, errno == EEXIST ? CT_EINPUT : CT_EENV, "%s: %s", path,
				errno == EEXIST ? "exists; not overwritten" : strerror(errno));
		cv_doc_free(&d);
		free(name);
		return rc;
	}
	unsigned char *pdf = NULL;
	size_t len = 0;
	rc = cv_pdf_render(&d, &pdf, &len, &err);
	cv_doc_free(&d);
	if (rc) {
		close(fd);
		unlink(path);
		rc = cmd_error(ctx, &err);
	} else if (file_write_fd(fd, (const char *)pdf, len) || close(fd)) {
		unlink(path);
		rc = cmd_errorf(ctx, CT_EENV, "cannot write %s", path);
	} else {
		*written = xstrdup(path);
	}
	free(pdf);
	free(name);
	return rc;
}

static int show_one(struct cmd_ctx *ctx, const char *arg, const char *out_path, int pdf)
{
	long app;
	if (!parse_long(arg, &app) || app <= 0)
		return cmd_usage_error(ctx, "'%s' is not an application id", arg);
	struct cv_record r;
	int has = 0;
	struct ct_err err = { 0 };
	int rc = cv_record_load(ctx->study, app, &has, &r, &err);
	if (rc)
		return cmd_error(ctx, &err);
	if (!has)
		return cmd_errorf(ctx, CT_EINPUT, "application %ld has no CV (not a job study with "
				  "[cv] attach = yes, a follow-up, or CVs not drawn yet: corrtest cv "
				  "--draw)", app);
	char *written = NULL;
	if ((out_path || pdf) && (rc = write_pdf(ctx, app, out_path, &written))) {
		cv_record_free(&r);
		return rc;
	}
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_int(o, &(struct out_field){ "application_id", "application", OUT_COUNT, 0 }, r.app);
	out_str(o, &(struct out_field){ "listing_ref", "listing", OUT_TEXT, 0 }, r.listing_ref);
	char *name = xasprintf("%s %s", r.first, r.last);
	out_str(o, &(struct out_field){ "name", "candidate", OUT_TEXT, 0 }, name);
	free(name);
	out_str(o, &(struct out_field){ "group", "group", OUT_TEXT, 0 }, r.group);
	out_str(o, &(struct out_field){ "gender", "gender", OUT_TEXT, 0 }, r.gender);
	out_int(o, &(struct out_field){ "position", "position", OUT_COUNT, 0 }, r.position);
	out_int(o, &(struct out_field){ "layout", "layout", OUT_COUNT, 0 }, r.layout);
	out_int(o, &(struct out_field){ "phrasing", "phrasing", OUT_COUNT, 0 }, r.phrasing);
	out_str(o, &(struct out_field){ "family", "occupation family", OUT_TEXT, 0 }, r.family);
	out_str(o, &(struct out_field){ "isco", "ISCO-08", OUT_TEXT, 0 }, r.isco);
	out_str(o, &(struct out_field){ "created_at", "PDF created", OUT_TEXT, 0 }, r.created_at);
	out_str(o, &(struct out_field){ "pdf", "PDF written", OUT_TEXT, 0 }, written);
	out_table_begin(o, &(struct out_field){ "attributes", "\nWhat the CV says", OUT_TEXT, 0 });
	for (int i = 0; i < r.n; i++) {
		out_row_begin(o, NULL);
		out_str(o, &(struct out_field){ "node", "node", OUT_TEXT, OUT_ID }, r.key[i]);
		out_str(o, &(struct out_field){ "text", "text", OUT_TEXT, 0 }, r.value[i]);
		out_row_end(o);
	}
	out_table_end(o);
	rc = out_free(o);
	free(written);
	cv_record_free(&r);
	return rc ? rc : cmd_flush(ctx);
}

int cmd_cv(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "balance", no_argument, NULL, 'b' },
					      { "check", no_argument, NULL, 'c' },
					      { "draw", no_argument, NULL, 'd' },
					      { "out", required_argument, NULL, 'o' },
					      { "pdf", no_argument, NULL, 'p' },
					      { NULL, 0, NULL, 0 } };
	int balance = 0, check = 0, draw = 0, pdf = 0, c;
	const char *out_path = NULL;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'b': balance = 1; break;
		case 'c': check = 1; break;
		case 'd': draw = 1; break;
		case 'o': out_path = optarg; break;
		case 'p': pdf = 1; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	int modes = balance + check + draw + (optind < argc);
	if (modes != 1)
		return cmd_usage_error(ctx, "give one of APP, --balance, --check or --draw");
	if (argc - optind > 1)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind + 1]);
	if ((out_path || pdf) && optind >= argc)
		return cmd_usage_error(ctx, "--out and --pdf go with APP");
	if (out_path && pdf)
		return cmd_usage_error(ctx, "--out or --pdf, not both");
	int rc = cmd_open_study(ctx, draw ? STUDY_RW : STUDY_RO);
	if (rc)
		return rc;
	struct ct_err err = { 0 };
	if (balance)
		return show_balance(ctx);
	if (check) {
		struct cv_template *t;
		if ((rc = cv_template_load(ctx->study, &t, &err)))
			return cmd_error(ctx, &err);
		struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
		out_str(o, &(struct out_field){ "template", "template", OUT_TEXT, 0 }, t->path);
		out_str(o, &(struct out_field){ "sha256", "sha256", OUT_TEXT, 0 }, t->sha256);
		out_int(o, &(struct out_field){ "nodes", "nodes", OUT_COUNT, 0 }, t->nnode);
		out_list_begin(o, &(struct out_field){ "families", "occupation families", OUT_TEXT, 0 });
		for (int i = 0; i < t->nfam; i++)
			out_str(o, &(struct out_field){ NULL, NULL, OUT_TEXT, 0 }, t->fam[i].name);
		out_list_end(o);
		out_text(o, "The template reads: no problem found.");
		cvt_free(t);
		rc = out_free(o);
		return rc ? rc : cmd_flush(ctx);
	}
	if (draw) {
		long n = 0;
		int on = 0;
		if ((rc = cv_enabled(ctx->study, &on, &err)))
			return cmd_error(ctx, &err);
		if (!on)
			return cmd_errorf(ctx, CT_EINPUT, "this study sends no CVs (study.ini [cv] "
					  "attach = yes, in a job study)");
		if ((rc = cv_draw_study(ctx->study, &n, &err)))
			return cmd_error(ctx, &err);
		struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
		out_int(o, &(struct out_field){ "drawn", NULL, OUT_COUNT, 0 }, n);
		out_text(o, "%ld CVs drawn.", n);
		rc = out_free(o);
		return rc ? rc : cmd_flush(ctx);
	}
	return show_one(ctx, argv[optind], out_path, pdf);
}
