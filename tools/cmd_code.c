/* cmd_code.c: corrtest code: coding replies. The modes are dispatched on
 * their flag (see code_mode); --classify and --eval need no study: they try
 * the rules (coding/rules.h) on message files and on a labelled set. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "coding/codebook.h"
#include "coding/eval.h"
#include "coding/extract.h"
#include "coding/rules.h"
#include "coding/store.h"
#include "io/out.h"
#include "base/banned.h"

const char cmd_code_usage[] =
	"usage: corrtest code --classify [--lang nl|fr|en] [--market housing|job] FILE.eml...\n"
	"       corrtest code --eval LABELS.csv [--lang nl|fr|en] [--market housing|job]\n"
	"\n"
	"Codes replies with the rules of templates/coding/rules-{nl,fr,en}.txt (a\n"
	"study's coding/rules-LANG.txt replaces the built-in file of its language, and\n"
	"its coding/codebook.ini adds sub-codes, when -S names a study). Quoted text,\n"
	"signatures and disclaimers are removed before coding; an automatic reply\n"
	"(by its headers) is still coded by its text, and is other.auto_reply when its\n"
	"text says nothing. When rules of two outcomes match, or none, the reply goes\n"
	"to review: its outcome is null.\n"
	"\n"
	"  --classify        code each FILE (a raw message), one result per file: the\n"
	"                    file as given, outcome (null: review), sub_code (e.g.\n"
	"                    refusal.let), rule (FILE:LINE), rules_sha256, auto_reply,\n"
	"                    review (why it goes to review)\n"
	"  --eval LABELS.csv a CSV with columns file (relative to the CSV) and outcome,\n"
	"                    and optionally lang and market (they override --lang and\n"
	"                    --market for their row): prints per language the share\n"
	"                    coded by the rules, the accuracy of what they coded, the\n"
	"                    confusion matrix (labelled outcome by coded outcome or\n"
	"                    review) and the files coded wrong\n"
	"  --lang LANG       only the rules of this language (default: all three)\n"
	"  --market MARKET   only the rules of this market (default: both)\n"
	"\n"
	"       corrtest code\n"
	"codes every reply of the study that has no first code with the study's rules;\n"
	"what they code with confidence is stored (coder 'rules', with the rule and its\n"
	"file's SHA-256) and analysed; the rest wait for a person:\n"
	"\n"
	"       corrtest code --review [--coder ID] [--pass first|second]\n"
	"       corrtest code --export-queue F.csv [--pass first|second] [--coder ID]\n"
	"       corrtest code --import-coded F.csv [--coder ID]\n"
	"       corrtest code --second [--seed N] [--export F.csv]\n"
	"       corrtest code --agreement [--json]\n"
	"       corrtest code --adjudicate [--set ID=OUTCOME[.SUB]]... [--coder ID]\n"
	"\n"
	"Codes the study's replies by hand, blind: the coder sees the reply's text with\n"
	"every candidate's name and address replaced by [CANDIDATE], never the persona,\n"
	"group, gender or sender.\n"
	"\n"
	"  --review          one reply at a time; keys: i invitation, f info, r refusal,\n"
	"                    o other, x no_reply (then a sub-code, optional), s skip,\n"
	"                    n NOTE, u undo, q quit; every code is saved as it is typed\n"
	"  --export-queue F  the replies waiting for a code, as CSV (id, text, outcome,\n"
	"                    sub_code, note) for a spreadsheet\n"
	"  --import-coded F  reads it back: all or nothing, errors named by line\n"
	"  --coder ID        who codes (default: $CORRTEST_ACTOR or $USER)\n"
	"  --pass P          first (default) or second: the second coder's sample\n"
	"  --second          draws the second coder's sample: 10% of the first-coded\n"
	"                    replies, at least 50 (all when fewer), from --seed (default:\n"
	"                    the study's seed); --export writes it as CSV\n"
	"  --agreement       raw agreement, Cohen's kappa with its 95% CI, Gwet's AC1\n"
	"                    with its SE and 95% CI (t, as irrCAC), per outcome and per\n"
	"                    candidate group, and the confusion matrix\n"
	"  --adjudicate      lists the disagreements; --set ID=OUTCOME[.SUB] settles one\n"
	"                    (the adjudicated code is the one analysed)\n";;

/* The modes of `corrtest code`. The study modes (coding every uncoded reply,
 * the review queue, second coding, agreement, adjudication) join this list
 * and the switch in cmd_code. */
enum code_mode { MODE_NONE = 0, MODE_CLASSIFY, MODE_EVAL };

struct code_opts {
	enum code_mode mode;
	const char *eval_csv;
	int lang;        /* -1: all */
	unsigned market; /* 0: both */
};

/* The codebook and rules: the study's own files when -S names a study
 * folder (one with study.ini), else the built-in ones. */
static int load_rules(struct cmd_ctx *ctx, int lang, struct codebook **cb,
		      struct coding_rules **rs)
{
	struct ct_err err = { 0 };
	char *ini = xasprintf("%s/study.ini", ctx->study_dir);
	struct stat st;
	const char *dir = stat(ini, &st) == 0 ? ctx->study_dir : NULL;
	free(ini);
	int rc = codebook_load(dir, cb, &err);
	if (rc == CT_OK)
		rc = coding_rules_load(dir, *cb, lang < 0 ? 0 : 1u << lang, rs, &err);
	if (rc != CT_OK) {
		codebook_free(*cb);
		*cb = NULL;
		return cmd_error(ctx, &err);
	}
	return CT_OK;
}

static const struct out_field F_FILE = { "file", "file", OUT_TEXT, OUT_ID };
static const struct out_field F_OUTCOME = { "outcome", "outcome", OUT_TEXT, 0 };
static const struct out_field F_SUB = { "sub_code", "code", OUT_TEXT, 0 };
static const struct out_field F_RULE = { "rule", "rule", OUT_TEXT, 0 };
static const struct out_field F_SHA = { "rules_sha256", NULL, OUT_TEXT, 0 };
static const struct out_field F_AUTO = { "auto_reply", "auto", OUT_BOOL, 0 };
static const struct out_field F_REVIEW = { "review", "review", OUT_TEXT, 0 };

static int code_classify(struct cmd_ctx *ctx, const struct code_opts *o, int nfiles,
			 char **files)
{
	if (nfiles == 0)
		return cmd_usage_error(ctx, "--classify needs one or more message files");
	struct codebook *cb = NULL;
	struct coding_rules *rs = NULL;
	int rc = load_rules(ctx, o->lang, &cb, &rs);
	if (rc)
		return rc;
	struct out *out = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_table_stream_begin(out, NULL);
	/* The files in batches, which the engine codes rule by rule; the rows
	 * come out in the files' order, up to the first that cannot be read
	 * or coded. */
	enum { BATCH = 256 };
	char **raws = xcalloc(BATCH, sizeof(*raws));
	size_t *lens = xcalloc(BATCH, sizeof(*lens));
	struct coding_result *res = xcalloc(BATCH, sizeof(*res));
	int *rcs = xcalloc(BATCH, sizeof(*rcs));
	struct ct_err *errs = xcalloc(BATCH, sizeof(*errs)), rerr = { 0 };
	for (int i = 0; i < nfiles && rc == CT_OK;) {
		int got = 0, rrc = CT_OK;
		while (got < BATCH && i + got < nfiles) {
			if ((rrc = coding_read_message(files[i + got], &raws[got], &lens[got], &rerr)))
				break;
			got++;
		}
		coding_classify_raw_many(rs, got, (const char *const *)raws, lens, o->market, o->lang,
					 res, rcs, errs);
		for (int k = 0; k < got; k++) {
			if (rc == CT_OK && rcs[k] != CT_OK) {
				ct_fail(&rerr, rcs[k], "%s: %s", files[i + k], errs[k].msg);
				rc = cmd_error(ctx, &rerr);
			}
			if (rc == CT_OK) {
				out_row_begin(out, NULL);
				out_str(out, &F_FILE, files[i + k]);
				out_str(out, &F_OUTCOME, res[k].outcome);
				out_str(out, &F_SUB, res[k].code);
				out_str(out, &F_RULE, res[k].rule);
				out_str(out, &F_SHA, res[k].rules_sha256);
				out_bool(out, &F_AUTO, res[k].auto_reply);
				out_str(out, &F_REVIEW, res[k].why);
				out_row_end(out);
			}
			coding_result_clear(&res[k]);
			free(raws[k]);
		}
		if (rc == CT_OK && rrc != CT_OK)
			rc = cmd_error(ctx, &rerr);
		i += got;
	}
	free(raws), free(lens), free(res), free(rcs), free(errs);
	out_table_end(out);
	if (rc == CT_OK)
		rc = out_free(out) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
	else
		out_discard(out);
	coding_rules_free(rs);
	codebook_free(cb);
	return rc;
}

/* ---- --eval ---- */

static void render_eval(struct out *out, const struct coding_eval *e)
{
	const struct coding_eval_tally *t = e->t;
	const struct coding_eval_wrong *w = e->wrong;
	static const struct out_field F_BY = { "by_lang", "By language", OUT_TEXT, 0 };
	static const struct out_field F_LANG = { "lang", "lang", OUT_TEXT, OUT_ID };
	static const struct out_field F_N = { "replies", "replies", OUT_COUNT, 0 };
	static const struct out_field F_CODED = { "coded", "coded", OUT_COUNT, 0 };
	static const struct out_field F_SHARE = { "share_coded", "% coded", OUT_FRACTION, 0 };
	static const struct out_field F_RIGHT = { "correct", "right", OUT_COUNT, 0 };
	static const struct out_field F_ACC = { "accuracy", "% right", OUT_FRACTION, 0 };
	static const struct out_field F_CONF = { "confusion", "Confusion (labelled by coded)",
						 OUT_TEXT, 0 };
	static const struct out_field F_LAB = { "labelled", "labelled", OUT_TEXT, OUT_ID };
	static const struct out_field F_COL[CODING_NOUTCOMES + 1] = {
		{ "invitation", "invitation", OUT_COUNT, 0 }, { "info", "info", OUT_COUNT, 0 },
		{ "refusal", "refusal", OUT_COUNT, 0 },       { "other", "other", OUT_COUNT, 0 },
		{ "no_reply", "no_reply", OUT_COUNT, 0 },     { "review", "review", OUT_COUNT, 0 },
	};
	static const struct out_field F_WRONG = { "wrong", "Coded wrong", OUT_TEXT, 0 };
	static const struct out_field F_WFILE = { "file", "file", OUT_TEXT, OUT_ID };
	static const struct out_field F_WLAB = { "labelled", "labelled", OUT_TEXT, 0 };
	static const struct out_field F_WOUT = { "outcome", "coded", OUT_TEXT, 0 };
	static const struct out_field F_WCODE = { "sub_code", "code", OUT_TEXT, 0 };
	static const struct out_field F_WRULE = { "rule", "rule", OUT_TEXT, 0 };

	out_table_begin(out, &F_BY);
	for (int l = 0; l <= CODING_EVAL_ALL; l++) {
		if (l < CODING_EVAL_ALL && !t[l].n)
			continue;
		out_row_begin(out, NULL);
		out_str(out, &F_LANG, coding_eval_row_name(l));
		out_int(out, &F_N, t[l].n);
		out_int(out, &F_CODED, t[l].coded);
		out_value(out, &F_SHARE, t[l].n > 0, t[l].n ? (double)t[l].coded / t[l].n : 0);
		out_int(out, &F_RIGHT, t[l].correct);
		out_value(out, &F_ACC, t[l].coded > 0,
			  t[l].coded ? (double)t[l].correct / t[l].coded : 0);
		out_row_end(out);
	}
	out_table_end(out);
	out_table_begin(out, &F_CONF);
	for (int l = 0; l <= CODING_EVAL_ALL; l++) {
		if (l < CODING_EVAL_ALL && !t[l].n)
			continue;
		for (int o = 0; o < CODING_NOUTCOMES; o++) {
			out_row_begin(out, NULL);
			out_str(out, &F_LANG, coding_eval_row_name(l));
			out_str(out, &F_LAB, coding_outcomes[o]);
			for (int c = 0; c <= CODING_NOUTCOMES; c++)
				out_int(out, &F_COL[c], t[l].conf[o][c]);
			out_row_end(out);
		}
	}
	out_table_end(out);
	out_table_begin(out, &F_WRONG);
	for (int i = 0; i < e->nwrong; i++) {
		out_row_begin(out, NULL);
		out_str(out, &F_WFILE, w[i].file);
		out_str(out, &F_LANG, w[i].lang);
		out_str(out, &F_WLAB, w[i].labelled);
		out_str(out, &F_WOUT, w[i].outcome);
		out_str(out, &F_WCODE, w[i].code);
		out_str(out, &F_WRULE, w[i].rule);
		out_row_end(out);
	}
	out_table_end(out);
}

static int code_eval(struct cmd_ctx *ctx, const struct code_opts *o, int nargs)
{
	if (nargs)
		return cmd_usage_error(ctx, "--eval takes the labels file only");
	struct ct_err err = { 0 };
	struct codebook *cb = NULL;
	struct coding_rules *rs = NULL;
	struct coding_eval *e = NULL;
	int rc = load_rules(ctx, o->lang, &cb, &rs);
	if (rc)
		return rc;
	rc = coding_eval_run(rs, o->eval_csv, o->market, o->lang, &e, &err);
	if (rc != CT_OK) {
		rc = cmd_error(ctx, &err);
	} else {
		struct out *out = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
		render_eval(out, e);
		rc = out_free(out) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
	}
	coding_eval_free(e);
	coding_rules_free(rs);
	codebook_free(cb);
	return rc;
}

static int set_mode(struct cmd_ctx *ctx, struct code_opts *o, enum code_mode m)
{
	if (o->mode && o->mode != m)
		return cmd_usage_error(ctx, "--classify and --eval are separate modes");
	o->mode = m;
	return 0;
}

/* corrtest code (no mode): the rules code every reply of the study that has
 * no first code; the rest wait for a person. */
static int code_auto(struct cmd_ctx *ctx)
{
	int rc = cmd_open_study(ctx, STUDY_RW);
	if (rc)
		return rc;
	struct codebook *cb = NULL;
	struct coding_rules *rs = NULL;
	if ((rc = load_rules(ctx, coding_lang_parse(ctx->study->design->lang), &cb, &rs)))
		return rc;
	struct ct_err err = { 0 };
	int coded = 0, review = 0;
	rc = coding_auto(ctx->study, rs, &coded, &review, &err);
	coding_rules_free(rs);
	codebook_free(cb);
	if (rc)
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_int(o, &(struct out_field){ "coded", NULL, OUT_COUNT, 0 }, coded);
	out_int(o, &(struct out_field){ "review", NULL, OUT_COUNT, 0 }, review);
	out_text(o, "Coded %d repl%s by the rules; %d wait%s for a person (corrtest code --review, "
		    "or --export-queue FILE.csv and --import-coded FILE.csv).",
		 coded, coded == 1 ? "y" : "ies", review, review == 1 ? "s" : "");
	if (out_free(o))
		return cmd_errorf(ctx, CT_EENV, "cannot write the output");
	return cmd_flush(ctx);
}

/* The options of the study's hand coding (tools/cmd_code_study.c). */
static int study_mode(int argc, char **argv)
{
	static const char *const flags[] = { "--review",  "--export-queue", "--import-coded",
					      "--second",  "--agreement",    "--adjudicate" };
	for (int i = 1; i < argc; i++)
		for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++)
			if (!strncmp(argv[i], flags[k], strlen(flags[k])) &&
			    (argv[i][strlen(flags[k])] == '\0' || argv[i][strlen(flags[k])] == '='))
				return 1;
	return 0;
}

int cmd_code(int argc, char **argv, struct cmd_ctx *ctx)
{
	if (study_mode(argc, argv))
		return code_study_main(argc, argv, ctx);
	if (argc == 1)
		return code_auto(ctx);
	enum { O_CLASSIFY = 256, O_EVAL, O_LANG, O_MARKET };
	static const struct option opts[] = {
		{ "classify", no_argument, NULL, O_CLASSIFY },
		{ "eval", required_argument, NULL, O_EVAL },
		{ "lang", required_argument, NULL, O_LANG },
		{ "market", required_argument, NULL, O_MARKET },
		{ NULL, 0, NULL, 0 }
	};
	struct code_opts o = { MODE_NONE, NULL, -1, 0 };
	int c, rc;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		rc = 0;
		switch (c) {
		case O_CLASSIFY: rc = set_mode(ctx, &o, MODE_CLASSIFY); break;
		case O_EVAL:
			rc = set_mode(ctx, &o, MODE_EVAL);
			o.eval_csv = optarg;
			break;
		case O_LANG:
			o.lang = coding_lang_parse(optarg);
			if (o.lang < 0)
				rc = cmd_usage_error(ctx, "--lang is nl, fr or en, not '%s'", optarg);
			break;
		case O_MARKET:
			o.market = coding_market_parse(optarg);
			if (!o.market)
				rc = cmd_usage_error(ctx, "--market is housing or job, not '%s'",
						     optarg);
			break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
		if (rc)
			return rc;
	}
	switch (o.mode) {
	case MODE_CLASSIFY: return code_classify(ctx, &o, argc - optind, argv + optind);
	case MODE_EVAL: return code_eval(ctx, &o, argc - optind);
	case MODE_NONE: break;
	}
	return cmd_usage_error(ctx, "say what to do: no option (code the study's replies), "
				    "--classify FILE..., --eval LABELS.csv, --review, ...");
}
