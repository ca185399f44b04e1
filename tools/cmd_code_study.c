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
#include "io/json.h"
#include "base/banned.h"



static void print_measures(const char *label, const struct agreement *a)
{
	printf("%-12s n=%-5ld agreement %5.1f%%", label, a->n, 100 * a->po);
	if (a->kappa_defined && a->se_defined)
		printf("  kappa %.3f [%.3f, %.3f]", a->kappa, a->lo, a->hi);
	else if (a->kappa_defined)
		printf("  kappa %.3f", a->kappa);
	else
		printf("  kappa -");
	if (a->ac1_defined)
		printf("  AC1 %.3f\n", a->ac1);
	else
		printf("  AC1 -\n");
}

static void json_measures(struct json *j, const struct agreement *a)
{
	json_obj_begin(j);
	json_key(j, "n");
	json_int(j, a->n);
	json_key(j, "agreement");
	a->n ? json_num(j, a->po) : json_str(j, NULL);
	json_key(j, "kappa");
	a->kappa_defined ? json_num(j, a->kappa) : json_str(j, NULL);
	json_key(j, "kappa_se");
	a->se_defined ? json_num(j, a->se) : json_str(j, NULL);
	json_key(j, "kappa_ci95");
	if (a->se_defined) {
		json_arr_begin(j);
		json_num(j, a->lo);
		json_num(j, a->hi);
		json_arr_end(j);
	} else {
		json_str(j, NULL);
	}
	json_key(j, "ac1");
	a->ac1_defined ? json_num(j, a->ac1) : json_str(j, NULL);
	json_obj_end(j);
}

static void json_table(struct json *j, const long *t)
{
	json_arr_begin(j);
	for (int i = 0; i < CODING_NOUTCOMES; i++) {
		json_arr_begin(j);
		for (int k = 0; k < CODING_NOUTCOMES; k++)
			json_int(j, t[i * CODING_NOUTCOMES + k]);
		json_arr_end(j);
	}
	json_arr_end(j);
}

static int agreement_out(struct cmd_ctx *ctx)
{
	struct ct_err err = { 0 };
	struct coding_agreement *a;
	if (coding_agreement_run(ctx->study, &a, &err))
		return cmd_error(ctx, &err);
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 1);
		json_obj_begin(&j);
		json_key(&j, "sample");
		json_int(&j, a->sample);
		json_key(&j, "overall");
		json_measures(&j, &a->all);
		json_key(&j, "outcomes");
		json_arr_begin(&j);
		for (int i = 0; i < CODING_NOUTCOMES; i++)
			json_str(&j, coding_outcomes[i]);
		json_arr_end(&j);
		json_key(&j, "by_outcome");
		json_obj_begin(&j);
		for (int i = 0; i < CODING_NOUTCOMES; i++) {
			json_key(&j, coding_outcomes[i]);
			json_measures(&j, &a->outcome[i]);
		}
		json_obj_end(&j);
		json_key(&j, "by_group");
		json_obj_begin(&j);
		for (int g = 0; g < a->ngroups; g++) {
			json_key(&j, a->groups[g].grp);
			json_measures(&j, &a->groups[g].a);
		}
		json_obj_end(&j);
		json_key(&j, "confusion");
		json_table(&j, a->table);
		json_key(&j, "disagreements");
		json_int(&j, a->disagreeing);
		json_key(&j, "adjudicated");
		json_int(&j, a->adjudicated);
		json_obj_end(&j);
		fputc('\n', stdout);
	} else {
		printf("Double coding: %ld replies coded twice (sample of %ld).\n", a->all.n, a->sample);
		print_measures("overall", &a->all);
		printf("\nEach outcome against the rest:\n");
		for (int i = 0; i < CODING_NOUTCOMES; i++)
			print_measures(coding_outcomes[i], &a->outcome[i]);
		printf("\nBy candidate group (the group of the persona the reply answers):\n");
		for (int g = 0; g < a->ngroups; g++)
			print_measures(a->groups[g].grp, &a->groups[g].a);
		printf("\nConfusion matrix (rows: first code, columns: second code):\n%-12s", "");
		for (int k = 0; k < CODING_NOUTCOMES; k++)
			printf(" %10s", coding_outcomes[k]);
		printf("\n");
		for (int i = 0; i < CODING_NOUTCOMES; i++) {
			printf("%-12s", coding_outcomes[i]);
			for (int k = 0; k < CODING_NOUTCOMES; k++)
				printf(" %10ld", a->table[i * CODING_NOUTCOMES + k]);
			printf("\n");
		}
		printf("\n%ld disagreements, %ld adjudicated.\n", a->disagreeing, a->adjudicated);
		if (ctx->study->design && a->all.kappa_defined &&
		    a->all.kappa < ctx->study->design->min_kappa)
			printf("Warning: kappa %.3f is below the study's min_kappa %.2f.\n", a->all.kappa,
			       ctx->study->design->min_kappa);
	}
	coding_agreement_free(a);
	return cmd_flush(ctx);
}

static int review_loop(struct cmd_ctx *ctx, const char *coder, const char *pass)
{
	struct ct_err err = { 0 };
	struct review *r;
	if (review_open(ctx->study, coder, pass, &r, &err))
		return cmd_error(ctx, &err);
	printf("%d replies to code (%s pass, coder %s). Keys: i invitation, f info, r refusal, "
	       "o other, x no_reply [sub-code]; s skip; n NOTE; u undo; q quit.\n",
	       review_left(r), pass, coder);
	char line[4096];
	int rc = 0, shown = 1;
	for (;;) {
		const struct coding_item *it = review_current(r);
		if (shown) {
			if (it)
				printf("\n--- reply %lld (%d left) ---\n%s\n--- code> ", (long long)it->message,
				       review_left(r), it->text);
			else
				printf("\nThe queue is done (u undoes the last code, q quits).\n> ");
			fflush(stdout);
		}
		if (!fgets(line, sizeof(line), stdin))
			break;
		int action;
		struct ct_err e = { 0 };
		if ((rc = review_input(r, line, &action, &e))) {
			rc = cmd_error(ctx, &e);
			break;
		}
		if (action == REVIEW_QUIT)
			break;
		shown = action != REVIEW_NOTED && action != REVIEW_BAD;
		if (action == REVIEW_BAD)
			printf("%s\n> ", e.msg);
		else if (action == REVIEW_NOTED)
			printf("note kept for the next code\n> ");
		else if (action == REVIEW_UNDONE)
			printf("undone\n");
		fflush(stdout);
	}
	printf("\n%d codes saved in this session.\n", review_coded(r));
	review_close(r);
	return rc ? rc : cmd_flush(ctx);
}

static int adjudicate(struct cmd_ctx *ctx, char **sets, int nsets, const char *coder)
{
	struct ct_err err = { 0 };
	for (int i = 0; i < nsets; i++) {
		char *eq = strchr(sets[i], '=');
		char *end;
		long long id = eq ? strtoll(sets[i], &end, 10) : 0;
		if (!eq || end != eq || id <= 0)
			return cmd_usage_error(ctx, "--set takes ID=OUTCOME[.SUB], not '%s'", sets[i]);
		char *outcome = xstrdup(eq + 1), *dot = strchr(outcome, '.');
		if (dot)
			*dot++ = 0;
		int rc = coding_adjudicate(ctx->study, id, outcome, dot, coder, NULL, &err);
		if (!rc)
			printf("Reply %lld adjudicated: %s%s%s.\n", id, outcome, dot ? "." : "",
			       dot ? dot : "");
		free(outcome);
		if (rc)
			return cmd_error(ctx, &err);
	}
	if (nsets)
		return cmd_flush(ctx);
	struct coding_disagreement *d;
	int n;
	if (coding_disagreements(ctx->study, &d, &n, &err))
		return cmd_error(ctx, &err);
	printf("%d disagreements.\n", n);
	for (int i = 0; i < n; i++)
		printf("\n--- reply %lld: first %s, second %s, adjudicated %s ---\n%s\n",
		       (long long)d[i].message, d[i].first, d[i].second,
		       d[i].adjudicated ? d[i].adjudicated : "-", d[i].text);
	coding_disagreements_free(d, n);
	return cmd_flush(ctx);
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
	switch (mode) {
	case O_REVIEW:
		rc = review_loop(ctx, coder, pass);
		break;
	case O_EXPORT_Q:
		if ((rc = coding_export_queue(ctx->study, file, pass, strcmp(pass, "second") ? NULL : coder,
					      &n, &err)))
			rc = cmd_error(ctx, &err);
		else
			printf("Wrote %d replies to %s (blind).\n", n, file);
		break;
	case O_IMPORT:
		if ((rc = coding_import(ctx->study, file, coder, &n, &err))) {
			cmd_error_lines(ctx, err.msg);
			fprintf(stderr, "corrtest %s: nothing was recorded\n", ctx->cmd);
		} else {
			printf("Recorded %d codes by %s from %s.\n", n, coder, file);
		}
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
		if (pool)
			printf("Drew %d of %d first-coded replies for the second coder (seed %llu).\n", n,
			       pool, (unsigned long long)seed);
		else
			printf("The second coder's sample holds %d replies (seed %llu).\n", n,
			       (unsigned long long)seed);
		if (export) {
			if ((rc = coding_export_queue(ctx->study, export, "second", NULL, &n, &err)))
				rc = cmd_error(ctx, &err);
			else
				printf("Wrote %d replies to %s (blind).\n", n, export);
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
	free(sets);
	if (rc)
		return rc;
	return cmd_flush(ctx);
}

/* The temporary command `code` (until cmd_code.c dispatches here). */
