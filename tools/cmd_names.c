/* cmd_names.c: corrtest names: list the name banks, one bank's names, or
 * check every bank (and, inside a study, the banks its design names). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "design/names.h"
#include "io/out.h"
#include "base/banned.h"

const char cmd_names_usage[] =
	"usage: corrtest names [--group BANK] [--check]\n"
	"\n"
	"Lists the name banks (templates/names/, and a study's own names/ folder,\n"
	"whose ID.tsv adds a bank or overrides the embedded one of the same id), or\n"
	"with --group the names of one bank, with the note on why each signals its\n"
	"group and whether it is encoded (RFC 2047) in mail headers.\n"
	"\n"
	"  --group BANK  the names of one bank\n"
	"  --check       check every bank: format, values, too few names, a name twice\n"
	"                in a bank or in two banks; inside a study, also that every bank\n"
	"                its study.ini names exists. Lists the names with non-ASCII\n"
	"                letters (encoded in mail headers; not a problem).\n"
	"                Exit 1 if any problem is found.\n";

/* The study around the command, if any: its names/ folder and design. */
struct names_study {
	char *ini_path, *names_dir;
	struct config *cfg;
	struct design *design;
};

static int file_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

/* A study is used when the folder holds study.ini. A folder named with -S
 * or CORRTEST_STUDY that holds none is an error; the current folder that
 * holds none just means "no study". */
static int find_study(struct cmd_ctx *ctx, struct names_study *ns)
{
	memset(ns, 0, sizeof(*ns));
	char *ini = xasprintf("%s/study.ini", ctx->study_dir);
	if (!file_exists(ini)) {
		free(ini);
		if (strcmp(ctx->study_dir, "."))
			return cmd_errorf(ctx, CT_EINPUT, "%s: no study here (no study.ini)",
					  ctx->study_dir);
		return CT_OK;
	}
	struct ct_err err = { 0 };
	int rc = config_load(ini, &ns->cfg, &err);
	if (!rc)
		rc = design_from_config(ns->cfg, &ns->design, &err);
	if (rc) {
		free(ini);
		config_free(ns->cfg);
		ns->cfg = NULL;
		return cmd_error(ctx, &err);
	}
	ns->ini_path = ini;
	ns->names_dir = xasprintf("%s/names", ctx->study_dir);
	return CT_OK;
}

static void names_study_free(struct names_study *ns)
{
	free(ns->ini_path);
	free(ns->names_dir);
	design_free(ns->design);
	config_free(ns->cfg);
}

static void counts(const struct names_bank *b, int c[2][3])
{
	memset(c, 0, sizeof(int) * 6);
	for (int i = 0; i < b->n; i++)
		c[b->e[i].kind][b->e[i].gender]++;
}

static const struct out_field F_SOURCE = { "source", NULL, OUT_TEXT, 0 };
static const struct out_field F_PATH = { "path", NULL, OUT_TEXT, 0 };

/* The banks: a bare array in JSON, a table for people. */
static void describe_banks(struct out *o, struct names_bank *const *banks, int n)
{
	static const struct out_field list = { NULL, NULL, OUT_TEXT, 0 };
	static const struct out_field id = { "id", "bank", OUT_TEXT, OUT_ID };
	static const struct out_field label = { "label", "label", OUT_TEXT, 0 };
	static const struct out_field count[5] = {
		{ "first_female", "first f", OUT_COUNT, 0 }, { "first_male", "first m", OUT_COUNT, 0 },
		{ "last_female", "last f", OUT_COUNT, 0 },   { "last_male", "last m", OUT_COUNT, 0 },
		{ "last_any", "last any", OUT_COUNT, 0 }
	};
	/* People see where a bank comes from in one column: embedded, or
	 * the file that overrides or adds it. */
	static const struct out_field where = { "where", "source", OUT_TEXT, OUT_TABLE_ONLY };
	out_table_begin(o, &list);
	for (int i = 0; i < n; i++) {
		const struct names_bank *b = banks[i];
		int c[2][3];
		counts(b, c);
		const int v[5] = { c[NAMES_FIRST][NAMES_FEMALE], c[NAMES_FIRST][NAMES_MALE],
				   c[NAMES_LAST][NAMES_FEMALE], c[NAMES_LAST][NAMES_MALE],
				   c[NAMES_LAST][NAMES_ANY] };
		out_row_begin(o, NULL);
		out_str(o, &id, b->id);
		out_str(o, &label, b->label);
		out_str(o, &F_SOURCE, b->embedded ? "embedded" : "study");
		out_str(o, &F_PATH, b->path);
		for (int k = 0; k < 5; k++)
			out_int(o, &count[k], v[k]);
		out_str(o, &where, b->embedded ? "embedded" : b->path);
		out_row_end(o);
	}
	out_table_end(o);
}

static int list_banks(struct cmd_ctx *ctx, const char *dir)
{
	char **ids;
	int n, rc;
	struct ct_err err = { 0 };
	if ((rc = names_list_ids(dir, &ids, &n, &err)))
		return cmd_error(ctx, &err);
	struct names_bank **banks = xcalloc((size_t)n + 1, sizeof(*banks));
	for (int i = 0; i < n && !rc; i++)
		if ((rc = names_load(dir, ids[i], &banks[i], &err)))
			rc = cmd_error(ctx, &err);
	if (!rc) {
		struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
		describe_banks(o, banks, n);
		if (out_free(o))
			rc = cmd_errorf(ctx, CT_EENV, "cannot write the output");
	}
	for (int i = 0; i < n; i++) {
		names_bank_free(banks[i]);
		free(ids[i]);
	}
	free(banks);
	free(ids);
	return rc;
}

/* One bank: what it is, then its names. */
static void describe_bank(struct out *o, const struct names_bank *b)
{
	static const struct out_field id = { "id", "bank", OUT_TEXT, 0 };
	static const struct out_field label = { "label", "label", OUT_TEXT, 0 };
	static const struct out_field signal = { "signal", "signal", OUT_TEXT, 0 };
	static const struct out_field sources = { "sources", "sources", OUT_TEXT, 0 };
	static const struct out_field source = { "source", "source", OUT_TEXT, 0 };
	static const struct out_field path = { "path", "file", OUT_TEXT, 0 };
	/* An empty title: a blank line between the bank and its names. */
	static const struct out_field names = { "names", "", OUT_TEXT, 0 };
	static const struct out_field kind = { "kind", "kind", OUT_TEXT, 0 };
	static const struct out_field gender = { "gender", "gender", OUT_TEXT, 0 };
	static const struct out_field name = { "name", "name", OUT_TEXT, 0 };
	static const struct out_field note = { "note", "note", OUT_TEXT, 0 };
	static const struct out_field enc = { "needs_encoding", "encoded", OUT_BOOL, 0 };
	out_str(o, &id, b->id);
	out_str(o, &label, b->label);
	out_str(o, &signal, b->signal);
	out_str(o, &sources, b->sources);
	out_str(o, &source, b->embedded ? "embedded" : "study");
	out_str(o, &path, b->path);
	out_table_begin(o, &names);
	for (int i = 0; i < b->n; i++) {
		out_row_begin(o, NULL);
		out_str(o, &kind, names_kind_name(b->e[i].kind));
		out_str(o, &gender, names_gender_name(b->e[i].gender));
		out_str(o, &name, b->e[i].name);
		out_bool(o, &enc, b->e[i].needs_encoding);
		out_str(o, &note, b->e[i].note);
		out_row_end(o);
	}
	out_table_end(o);
}

static int show_bank(struct cmd_ctx *ctx, const char *dir, const char *id)
{
	struct names_bank *b;
	struct ct_err err = { 0 };
	if (names_load(dir, id, &b, &err))
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	describe_bank(o, b);
	names_bank_free(b);
	return out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
}

/* Inside a study: every bank the design names must exist. */
static void check_design(const struct names_study *ns, struct names_bank *const *banks, int n,
			 struct names_problems *probs)
{
	for (int g = 0; g < ns->design->ngroups; g++) {
		const struct design_group *dg = &ns->design->groups[g];
		int found = 0;
		for (int i = 0; i < n && !found; i++)
			found = !strcmp(banks[i]->id, dg->bank);
		if (found)
			continue;
		char *sec = xasprintf("group %s", dg->id);
		int line = config_line(ns->cfg, sec, "bank");
		free(sec);
		names_problem_add(probs, ns->ini_path, line,
				  "[group %s] names bank '%s', which does not exist", dg->id, dg->bank);
	}
}

/* What --check found: the counts, the names that mail headers encode
 * (one line per bank for people), and the problems, in the compiler's
 * FILE:LINE: MESSAGE form for people. */
static void describe_check(struct out *o, struct names_bank *const *banks, int n, int total,
			   int enc, const struct names_problems *probs)
{
	static const struct out_field ok = { "ok", NULL, OUT_BOOL, 0 };
	static const struct out_field nbanks = { "banks", NULL, OUT_COUNT, 0 };
	static const struct out_field nnames = { "names", NULL, OUT_COUNT, 0 };
	static const struct out_field nenc = { "needs_encoding_count", NULL, OUT_COUNT, 0 };
	static const struct out_field encoded = { "needs_encoding", NULL, OUT_TEXT, 0 };
	static const struct out_field bank = { "bank", NULL, OUT_TEXT, 0 };
	static const struct out_field name = { "name", NULL, OUT_TEXT, 0 };
	static const struct out_field problems = { "problems", NULL, OUT_TEXT, 0 };
	static const struct out_field file = { "file", NULL, OUT_TEXT, 0 };
	static const struct out_field line = { "line", NULL, OUT_COUNT, 0 };
	static const struct out_field msg = { "message", NULL, OUT_TEXT, 0 };
	out_bool(o, &ok, probs->n == 0);
	out_int(o, &nbanks, n);
	out_int(o, &nnames, total);
	out_int(o, &nenc, enc);
	out_table_begin(o, &encoded);
	if (enc)
		out_text(o, "Names encoded in mail headers (non-ASCII, RFC 2047; not a problem):");
	for (int i = 0; i < n; i++) {
		struct strbuf line_sb = STRBUF_INIT;
		for (int k = 0; k < banks[i]->n; k++) {
			if (!banks[i]->e[k].needs_encoding)
				continue;
			out_row_begin(o, NULL);
			out_str(o, &bank, banks[i]->id);
			out_str(o, &name, banks[i]->e[k].name);
			out_row_end(o);
			sb_addf(&line_sb, "%s%s", line_sb.len ? ", " : "", banks[i]->e[k].name);
		}
		if (line_sb.len)
			out_text(o, "  %s: %s", banks[i]->id, sb_str(&line_sb));
		sb_free(&line_sb);
	}
	out_table_end(o);
	out_table_begin(o, &problems);
	if (probs->n && enc)
		out_text(o, "%s", "");
	for (int i = 0; i < probs->n; i++) {
		out_row_begin(o, NULL);
		out_str(o, &file, probs->p[i].file);
		if (probs->p[i].line > 0)
			out_int(o, &line, probs->p[i].line);
		else
			out_missing(o, &line, NULL);
		out_str(o, &msg, probs->p[i].msg);
		char *t = names_problem_text(&probs->p[i]);
		out_text(o, "%s", t);
		free(t);
		out_row_end(o);
	}
	out_table_end(o);
	out_text(o, "\n%d bank%s, %d names, %d encoded in mail headers: %d problem%s%s", n,
		 n == 1 ? "" : "s", total, enc, probs->n, probs->n == 1 ? "" : "s",
		 probs->n ? "" : ", all banks pass");
}

static int check_banks(struct cmd_ctx *ctx, const struct names_study *ns)
{
	struct names_bank **banks;
	int n, total = 0, enc = 0;
	struct names_problems probs = { 0 };
	struct ct_err err = { 0 };
	if (names_check_all(ns->names_dir, &banks, &n, &probs, &err)) {
		names_problems_free(&probs);
		for (int i = 0; banks && i < n; i++)
			names_bank_free(banks[i]);
		free(banks);
		return cmd_error(ctx, &err);
	}
	if (ns->design)
		check_design(ns, banks, n, &probs);
	for (int i = 0; i < n; i++)
		for (int k = 0; k < banks[i]->n; k++) {
			total++;
			enc += banks[i]->e[k].needs_encoding;
		}
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	describe_check(o, banks, n, total, enc, &probs);
	int rc = out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
	if (!rc && probs.n)
		rc = CT_PROBLEM;
	if (probs.n)
		fprintf(stderr, "corrtest %s: %d problem%s in the name banks\n", ctx->cmd, probs.n,
			probs.n == 1 ? "" : "s");
	names_problems_free(&probs);
	for (int i = 0; i < n; i++)
		names_bank_free(banks[i]);
	free(banks);
	return rc;
}

int cmd_names(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "group", required_argument, NULL, 'g' },
					      { "check", no_argument, NULL, 'c' },
					      { NULL, 0, NULL, 0 } };
	const char *group = NULL;
	int check = 0, c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'g': group = optarg; break;
		case 'c': check = 1; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	if (group && check)
		return cmd_usage_error(ctx, "--check checks every bank; leave out --group");
	struct names_study ns;
	int rc = find_study(ctx, &ns);
	if (rc)
		return rc;
	if (check)
		rc = check_banks(ctx, &ns);
	else if (group)
		rc = show_bank(ctx, ns.names_dir, group);
	else
		rc = list_banks(ctx, ns.names_dir);
	names_study_free(&ns);
	return rc;
}
