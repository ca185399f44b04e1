/* cmd_code_study.c: the study side of `corrtest code`: the blind review
 * queue, its spreadsheet round trip, the second coder's sample, the
 * agreement figures and adjudication. cmd_code.c's dispatch calls
 * code_study_main for these options; until then it is registered on its
 * own as `corrtest code`. Options in, library calls, text out. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "coding/agreement.h"
#include "coding/review.h"
#include "coding/store.h"
#include "io/out.h"
#include "base/banned.h"



static const struct out_field F_N = { "n", "replies", OUT_COUNT, 0 };
static const struct out_field F_PO = { "agreement", "agreement %", OUT_FRACTION, 0 };
static const struct out_field F_KAPPA = { "kappa", "Cohen's kappa", OUT_STAT, 0 };
static const struct out_field F_SE = { "kappa_se", NULL, OUT_STAT, 0 };
static const struct out_field F_CI = { "kappa_ci95", "95% CI", OUT_STAT, OUT_ATTACH };
static const struct out_field F_AC1 = { "ac1", "Gwet's AC1", OUT_STAT, 0 };
static const struct out_field F_AC1_SE = { "ac1_se", "AC1 SE", OUT_STAT, 0 };
static const struct out_field F_AC1_CI = { "ac1_ci", "95% CI (t)", OUT_STAT, OUT_ATTACH };

/* Why a measure is undefined, in the words of stats/agreement.h. */
static const char *why_undefined(const struct agreement *a)
{
	if (a->n == 0)
		return "no reply coded twice";
	return "both coders used one outcome only";
}

/* One set of measures, as a map: JSON keys n, agreement, kappa,
 * kappa_se, kappa_ci95, ac1, ac1_se and ac1_ci (the keys scripts and e2e
 * 0205 read). AC1's interval is irrCAC's, with a t quantile (see
 * stats/agreement.h); the table says so. */
static void out_measures(struct out *o, const struct out_field *f, const struct agreement *a)
{
	out_map_begin(o, f);
	out_int(o, &F_N, a->n);
	if (a->n)
		out_num(o, &F_PO, a->po);
	else
		out_missing(o, &F_PO, why_undefined(a));
	if (a->kappa_defined)
		out_num(o, &F_KAPPA, a->kappa);
	else
		out_missing(o, &F_KAPPA, why_undefined(a));
	out_value(o, &F_SE, a->se_defined, a->se);
	struct out_interval ci = { a->lo, a->hi, a->se_defined, a->se_defined };
	out_interval(o, &F_CI, &ci);
	if (a->ac1_defined)
		out_num(o, &F_AC1, a->ac1);
	else
		out_missing(o, &F_AC1, a->n ? "chance agreement is 1" : why_undefined(a));
	out_value(o, &F_AC1_SE, a->ac1_defined, a->ac1_se);
	struct out_interval ac1_ci = { a->ac1_lo, a->ac1_hi, a->ac1_ci_defined, a->ac1_ci_defined };
	out_interval(o, &F_AC1_CI, &ac1_ci);
	out_map_end(o);
}

static int agreement_out(struct cmd_ctx *ctx)
{
	struct ct_err err = { 0 };
	struct coding_agreement *a;
	if (coding_agreement_run(ctx->study, &a, &err))
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_text(o, "Double coding: %ld replies coded twice (sample of %ld).", a->all.n, a->sample);
	out_int(o, &(struct out_field){ "sample", NULL, OUT_COUNT, 0 }, a->sample);
	out_measures(o, &(struct out_field){ "overall", "Overall", OUT_TEXT, 0 }, &a->all);
	out_list_begin(o, &(struct out_field){ "outcomes", NULL, OUT_TEXT, 0 });
	for (int i = 0; i < CODING_NOUTCOMES; i++)
		out_str(o, &(struct out_field){ NULL, NULL, OUT_TEXT, 0 }, coding_outcomes[i]);
	out_list_end(o);
	out_map_begin(o, &(struct out_field){ "by_outcome", "Each outcome against the rest", OUT_TEXT, 0 });
	for (int i = 0; i < CODING_NOUTCOMES; i++)
		out_measures(o, &(struct out_field){ coding_outcomes[i], coding_outcomes[i], OUT_TEXT, 0 },
			     &a->outcome[i]);
	out_map_end(o);
	out_map_begin(o, &(struct out_field){
				 "by_group", "By candidate group (the group of the persona the reply answers)", OUT_TEXT, 0 });
	for (int g = 0; g < a->ngroups; g++)
		out_measures(o, &(struct out_field){ a->groups[g].grp, a->groups[g].grp, OUT_TEXT, 0 },
			     &a->groups[g].a);
	out_map_end(o);
	/* The confusion matrix: one row per first code, one column per second
	 * code. */
	out_table_begin(o, &(struct out_field){
				   "confusion", "Confusion matrix (rows: first code, columns: second code)", OUT_TEXT, 0 });
	for (int i = 0; i < CODING_NOUTCOMES; i++) {
		out_row_begin(o, NULL);
		out_str(o, &(struct out_field){ "first", "first \\ second", OUT_TEXT, OUT_ID },
			coding_outcomes[i]);
		for (int k = 0; k < CODING_NOUTCOMES; k++)
			out_int(o, &(struct out_field){ coding_outcomes[k], coding_outcomes[k], OUT_COUNT, 0 },
				a->table[i * CODING_NOUTCOMES + k]);
		out_row_end(o);
	}
	out_table_end(o);
	out_int(o, &(struct out_field){ "disagreements", "disagreements", OUT_COUNT, 0 }, a->disagreeing);
	out_int(o, &(struct out_field){ "adjudicated", "adjudicated", OUT_COUNT, 0 }, a->adjudicated);
	if (ctx->study->design) {
		double min = ctx->study->design->min_kappa;
		out_num(o, &(struct out_field){ "min_kappa", "the study's min_kappa", OUT_STAT, 0 }, min);
		if (a->all.kappa_defined && a->all.kappa < min) {
			char *w = xasprintf("Cohen's kappa %.3f is below the study's min_kappa %.2f",
					    a->all.kappa, min);
			const char *ws[] = { w };
			out_notes(o, &(struct out_field){ "warnings", "warnings", OUT_TEXT, 0 }, ws, 1);
			free(w);
		}
	}
	coding_agreement_free(a);
	if (out_free(o))
		return cmd_errorf(ctx, CT_EENV, "cannot write the output");
	return cmd_flush(ctx);
}

static int review_loop(struct cmd_ctx *ctx, const char *coder, const char *pass)
{
	struct ct_err err = { 0 };
	struct review *r;
	if (review_open(ctx->study, coder, pass, &r, &err))
		return cmd_error(ctx, &err);
	/* The dialogue is printed as it goes; its summary goes through the
	 * output layer. */
	printf("%d replies to code (%s pass, coder %s). Keys: i invitation, f info, r refusal, "
	       "o other, x no_reply [sub-code]; s skip; n NOTE; u undo; q quit.\n",
	       review_left(r), pass, coder);
	char line[4096];
	int rc = 0, shown = 1;
	for (;;) {
		const struct coding_item *it = review_current(r);
		if (shown) {
			if (it) {
				/* The reply is the landlord's text: shown escaped, as
				 * every command shows data on the terminal. */
				struct strbuf sb = STRBUF_INIT;
				out_escape_terminal(&sb, it->text, 1);
				printf("\n--- reply %lld (%d left) ---\n%s\n--- code> ",
				       (long long)it->message, review_left(r), sb_str(&sb));
				sb_free(&sb);
			} else
				printf("\nThe queue is done (u undoes the last code, q quits).\n> ");
			fflush(stdout);
		}
		if (!fgets(line, sizeof(line), stdin))
			break;
		/* A line longer than the buffer is refused whole: its rest must
		 * not be read as the next key. */
		if (!strchr(line, '\n') && !feof(stdin)) {
			int ch;
			while ((ch = getchar()) != EOF && ch != '\n')
				;
			printf("a line of at most %zu characters, please\n> ", sizeof(line) - 2);
			fflush(stdout);
			shown = 0;
			continue;
		}
		int action;
		struct ct_err e = { 0 };
		if ((rc = review_input(r, line, &action, &e))) {
			rc = cmd_error(ctx, &e);
			break;
		}
		if (action == REVIEW_QUIT)
			break;
		shown = action != REVIEW_NOTED && action != REVIEW_BAD;
		if (action == REVIEW_BAD) {
			struct strbuf sb = STRBUF_INIT;
			out_escape_terminal(&sb, e.msg, 0);
			printf("%s\n> ", sb_str(&sb));
			sb_free(&sb);
		}
		else if (action == REVIEW_NOTED)
			printf("note kept for the next code\n> ");
		else if (action == REVIEW_UNDONE)
			printf("undone\n");
		fflush(stdout);
	}
	printf("\n");
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_int(o, &(struct out_field){ "saved", NULL, OUT_COUNT, 0 }, review_coded(r));
	out_int(o, &(struct out_field){ "left", NULL, OUT_COUNT, 0 }, review_left(r));
	out_str(o, &(struct out_field){ "coder", NULL, OUT_TEXT, 0 }, coder);
	out_str(o, &(struct out_field){ "pass", NULL, OUT_TEXT, 0 }, pass);
	out_text(o, "%d codes saved in this session.", review_coded(r));
	review_close(r);
	if (out_free(o) && !rc)
		rc = cmd_errorf(ctx, CT_EENV, "cannot write the output");
	return rc ? rc : cmd_flush(ctx);
}

static int adjudicate(struct cmd_ctx *ctx, char **sets, int nsets, const char *coder)
{
	struct ct_err err = { 0 };
	static const struct out_field F_REPLY = { "reply", "reply", OUT_COUNT, OUT_ID };
	static const struct out_field F_ADJ = { "adjudicated", "adjudicated", OUT_TEXT, 0 };
	if (nsets) {
		/* Every --set read first, then all recorded at once: one that
		 * cannot be recorded leaves the others unrecorded too. */
		struct coding_ruling *rul = xcalloc((size_t)nsets, sizeof(*rul));
		char **texts = xcalloc((size_t)nsets, sizeof(*texts));
		int rc = CT_OK;
		for (int i = 0; !rc && i < nsets; i++) {
			char *eq = strchr(sets[i], '=');
			long id = 0;
			if (eq)
				*eq = '\0';
			if (!eq || !parse_long(sets[i], &id) || id <= 0) {
				if (eq)
					*eq = '=';
				rc = cmd_usage_error(ctx, "--set takes ID=OUTCOME[.SUB], not '%s'",
						     sets[i]);
				break;
			}
			*eq = '=';
			char *outcome = texts[i] = xstrdup(eq + 1), *dot = strchr(outcome, '.');
			if (dot)
				*dot++ = 0;
			rul[i] = (struct coding_ruling){ id, outcome, dot };
		}
		if (!rc && (rc = coding_adjudicate(ctx->study, rul, nsets, coder, NULL, &err)))
			rc = cmd_error(ctx, &err);
		struct out *o = rc ? NULL : out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
		if (o)
			out_table_begin(o, &(struct out_field){ "adjudicated", NULL, OUT_TEXT, 0 });
		for (int i = 0; o && i < nsets; i++) {
			out_row_begin(o, NULL);
			out_int(o, &F_REPLY, rul[i].message);
			out_str(o, &(struct out_field){ "outcome", "outcome", OUT_TEXT, 0 },
				rul[i].outcome);
			out_str(o, &(struct out_field){ "sub_code", "sub-code", OUT_TEXT, 0 },
				rul[i].sub_code);
			out_str(o, &(struct out_field){ "coder", "coder", OUT_TEXT, 0 }, coder);
			out_text(o, "Reply %lld adjudicated: %s%s%s.", (long long)rul[i].message,
				 rul[i].outcome, rul[i].sub_code ? "." : "",
				 rul[i].sub_code ? rul[i].sub_code : "");
			out_row_end(o);
		}
		for (int i = 0; i < nsets; i++)
			free(texts[i]);
		free(texts);
		free(rul);
		if (!o)
			return rc;
		out_table_end(o);
		if (out_free(o))
			return cmd_errorf(ctx, CT_EENV, "cannot write the output");
		return cmd_flush(ctx);
	}
	struct coding_disagreement *d;
	int n;
	if (coding_disagreements(ctx->study, &d, &n, &err))
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_text(o, "%d disagreements.", n);
	out_table_begin(o, &(struct out_field){ "disagreements", NULL, OUT_TEXT, 0 });
	for (int i = 0; i < n; i++) {
		out_row_begin(o, NULL);
		out_int(o, &F_REPLY, d[i].message);
		out_str(o, &(struct out_field){ "first", "first", OUT_TEXT, 0 }, d[i].first);
		out_str(o, &(struct out_field){ "second", "second", OUT_TEXT, 0 }, d[i].second);
		if (d[i].adjudicated)
			out_str(o, &F_ADJ, d[i].adjudicated);
		else
			out_missing(o, &F_ADJ, "not yet");
		out_str(o, &(struct out_field){ "text", NULL, OUT_TEXT, 0 }, d[i].text);
		out_text(o, "\n--- reply %lld: first %s, second %s, adjudicated %s ---\n%s",
			 (long long)d[i].message, d[i].first, d[i].second,
			 d[i].adjudicated ? d[i].adjudicated : "not yet", d[i].text);
		out_row_end(o);
	}
	out_table_end(o);
	coding_disagreements_free(d, n);
	if (out_free(o))
		return cmd_errorf(ctx, CT_EENV, "cannot write the output");
	return cmd_flush(ctx);
}

/* The summary of an export of the blind queue. */
static void out_exported(struct out *o, int n, const char *file)
{
	out_map_begin(o, &(struct out_field){ "exported", NULL, OUT_TEXT, 0 });
	out_int(o, &(struct out_field){ "replies", NULL, OUT_COUNT, 0 }, n);
	out_str(o, &(struct out_field){ "file", NULL, OUT_TEXT, 0 }, file);
	out_map_end(o);
	out_text(o, "Wrote %d replies to %s (blind).", n, file);
}

int code_study_main(int argc, char **argv, struct cmd_ctx *ctx)
{
	enum { O_REVIEW = 1, O_EXPORT_Q, O_IMPORT, O_SECOND, O_AGREE, O_ADJ, O_CODER, O_PASS, O_SEED,
	       O_SET, O_EXPORT };
	static const struct option opts[] = { { "review", no_argument, 0, O_REVIEW },
					      { "export-queue", required_argument, 0, O_EXPORT_Q },
					      { "import-coded", required_argument, 0, O_IMPORT },
					      { "second", no_argument, 0, O_SECOND },
					      { "agreement", no_argument, 0, O_AGREE },
					      { "adjudicate", no_argument, 0, O_ADJ },
					      { "coder", required_argument, 0, O_CODER },
					      { "pass", required_argument, 0, O_PASS },
					      { "seed", required_argument, 0, O_SEED },
					      { "set", required_argument, 0, O_SET },
					      { "export", required_argument, 0, O_EXPORT },
					      { 0, 0, 0, 0 } };
	int mode = 0, c, nsets = 0, rc = 0;
	const char *file = NULL, *coder = NULL, *pass = "first", *seedtxt = NULL, *export = NULL;
	char **sets = xcalloc((size_t)argc + 1, sizeof(*sets));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_REVIEW:
		case O_EXPORT_Q:
		case O_IMPORT:
		case O_SECOND:
		case O_AGREE:
		case O_ADJ:
			if (mode && mode != c) {
				free(sets);
				return cmd_usage_error(ctx, "give one of --review, --export-queue, "
							    "--import-coded, --second, --agreement, "
							    "--adjudicate");
			}
			mode = c;
			if (c == O_EXPORT_Q || c == O_IMPORT)
				file = optarg;
			break;
		case O_CODER:
			coder = optarg;
			break;
		case O_PASS:
			pass = optarg;
			break;
		case O_SEED:
			seedtxt = optarg;
			break;
		case O_SET:
			sets[nsets++] = optarg;
			break;
		case O_EXPORT:
			export = optarg;
			break;
		default:
			free(sets);
			return cmd_usage_error(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc || !mode) {
		free(sets);
		return cmd_usage_error(ctx, optind < argc ? "unexpected argument '%s'" : "%s",
				       optind < argc ? argv[optind] : "nothing to do");
	}
	if (strcmp(pass, "first") && strcmp(pass, "second")) {
		free(sets);
		return cmd_usage_error(ctx, "--pass is first or second");
	}
	if (!coder)
		coder = study_actor();
	if (!ctx->study && (rc = cmd_open_study(ctx, STUDY_RW))) {
		free(sets);
		return rc;
	}
	struct ct_err err = { 0 };
	int n = 0, pool = 0;
	struct out *o = NULL;
	switch (mode) {
	case O_REVIEW:
		rc = review_loop(ctx, coder, pass);
		break;
	case O_EXPORT_Q:
		if ((rc = coding_export_queue(ctx->study, file, pass, strcmp(pass, "second") ? NULL : coder,
					      &n, &err))) {
			rc = cmd_error(ctx, &err);
			break;
		}
		o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
		out_str(o, &(struct out_field){ "pass", NULL, OUT_TEXT, 0 }, pass);
		out_exported(o, n, file);
		break;
	case O_IMPORT:
		if ((rc = coding_import(ctx->study, file, coder, &n, &err))) {
			cmd_error_lines(ctx, err.msg);
			fprintf(stderr, "corrtest %s: nothing was recorded\n", ctx->cmd);
			break;
		}
		o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
		out_int(o, &(struct out_field){ "recorded", NULL, OUT_COUNT, 0 }, n);
		out_str(o, &(struct out_field){ "coder", NULL, OUT_TEXT, 0 }, coder);
		out_str(o, &(struct out_field){ "file", NULL, OUT_TEXT, 0 }, file);
		out_text(o, "Recorded %d codes by %s from %s.", n, coder, file);
		break;
	case O_SECOND: {
		uint64_t seed = ctx->study->design ? ctx->study->design->seed : 0;
		if (seedtxt && !parse_u64(seedtxt, &seed)) {
			rc = cmd_usage_error(ctx, "--seed takes a whole number, not '%s'", seedtxt);
			break;
		}
		if ((rc = coding_second_draw(ctx->study, seed, &n, &pool, &err))) {
			rc = cmd_error(ctx, &err);
			break;
		}
		o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
		out_int(o, &(struct out_field){ "sample", NULL, OUT_COUNT, 0 }, n);
		/* pool is 0 when the sample was drawn before: nothing new drawn. */
		if (pool)
			out_int(o, &(struct out_field){ "drawn_from", NULL, OUT_COUNT, 0 }, pool);
		else
			out_missing(o, &(struct out_field){ "drawn_from", NULL, OUT_COUNT, 0 },
				    "drawn before");
		/* The seed as text: a 64-bit seed may exceed what a JSON number
		 * carries exactly. */
		char seedbuf[24];
		snprintf(seedbuf, sizeof(seedbuf), "%llu", (unsigned long long)seed);
		out_str(o, &(struct out_field){ "seed", NULL, OUT_TEXT, 0 }, seedbuf);
		if (pool)
			out_text(o, "Drew %d of %d first-coded replies for the second coder (seed %s).", n,
				 pool, seedbuf);
		else
			out_text(o, "The second coder's sample holds %d replies (seed %s).", n, seedbuf);
		if (export) {
			if ((rc = coding_export_queue(ctx->study, export, "second", NULL, &n, &err))) {
				out_discard(o);
				o = NULL;
				rc = cmd_error(ctx, &err);
			} else {
				out_exported(o, n, export);
			}
		}
		break;
	}
	case O_AGREE:
		rc = agreement_out(ctx);
		break;
	case O_ADJ:
		rc = adjudicate(ctx, sets, nsets, coder);
		break;
	}
	if (o && out_free(o) && !rc)
		rc = cmd_errorf(ctx, CT_EENV, "cannot write the output");
	free(sets);
	if (rc)
		return rc;
	return cmd_flush(ctx);
}

/* The temporary command `code` (until cmd_code.c dispatches here). */
