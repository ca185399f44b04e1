/* cmd_names.c: corrtest names: list the name banks, one bank's names, or
 * check every bank (and, inside a study, the banks its design names). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "io/json.h"
#include "design/names.h"
#include "io/table.h"
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
	if (!rc && ctx->json) {
		struct json j;
		json_init(&j, stdout, 1);
		json_arr_begin(&j);
		for (int i = 0; i < n; i++) {
			int c[2][3];
			counts(banks[i], c);
			json_obj_begin(&j);
			json_key(&j, "id");
			json_str(&j, banks[i]->id);
			json_key(&j, "label");
			json_str(&j, banks[i]->label);
			json_key(&j, "source");
			json_str(&j, banks[i]->embedded ? "embedded" : "study");
			json_key(&j, "path");
			json_str(&j, banks[i]->path);
			json_key(&j, "first_female");
			json_int(&j, c[NAMES_FIRST][NAMES_FEMALE]);
			json_key(&j, "first_male");
			json_int(&j, c[NAMES_FIRST][NAMES_MALE]);
			json_key(&j, "last_female");
			json_int(&j, c[NAMES_LAST][NAMES_FEMALE]);
			json_key(&j, "last_male");
			json_int(&j, c[NAMES_LAST][NAMES_MALE]);
			json_key(&j, "last_any");
			json_int(&j, c[NAMES_LAST][NAMES_ANY]);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_end(&j);
	} else if (!rc) {
		static const char *const head[] = { "bank",      "label",  "first f", "first m",
						    "last f",    "last m", "last any", "source" };
		struct table *t = table_new(8, head);
		for (int i = 0; i < n; i++) {
			int c[2][3];
			char v[5][16];
			counts(banks[i], c);
			snprintf(v[0], sizeof(v[0]), "%d", c[NAMES_FIRST][NAMES_FEMALE]);
			snprintf(v[1], sizeof(v[1]), "%d", c[NAMES_FIRST][NAMES_MALE]);
			snprintf(v[2], sizeof(v[2]), "%d", c[NAMES_LAST][NAMES_FEMALE]);
			snprintf(v[3], sizeof(v[3]), "%d", c[NAMES_LAST][NAMES_MALE]);
			snprintf(v[4], sizeof(v[4]), "%d", c[NAMES_LAST][NAMES_ANY]);
			table_addv(t, banks[i]->id, banks[i]->label, v[0], v[1], v[2], v[3], v[4],
				   banks[i]->embedded ? "embedded" : banks[i]->path);
		}
		table_print(t, stdout);
		table_free(t);
	}
	for (int i = 0; i < n; i++) {
		names_bank_free(banks[i]);
		free(ids[i]);
	}
	free(banks);
	free(ids);
	return rc;
}

static int show_bank(struct cmd_ctx *ctx, const char *dir, const char *id)
{
	struct names_bank *b;
	struct ct_err err = { 0 };
	if (names_load(dir, id, &b, &err))
		return cmd_error(ctx, &err);
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 1);
		json_obj_begin(&j);
		json_key(&j, "id");
		json_str(&j, b->id);
		json_key(&j, "label");
		json_str(&j, b->label);
		json_key(&j, "signal");
		json_str(&j, b->signal);
		json_key(&j, "sources");
		json_str(&j, b->sources);
		json_key(&j, "source");
		json_str(&j, b->embedded ? "embedded" : "study");
		json_key(&j, "path");
		json_str(&j, b->path);
		json_key(&j, "names");
		json_arr_begin(&j);
		for (int i = 0; i < b->n; i++) {
			json_obj_begin(&j);
			json_key(&j, "kind");
			json_str(&j, names_kind_name(b->e[i].kind));
			json_key(&j, "gender");
			json_str(&j, names_gender_name(b->e[i].gender));
			json_key(&j, "name");
			json_str(&j, b->e[i].name);
			json_key(&j, "note");
			json_str(&j, b->e[i].note);
			json_key(&j, "needs_encoding");
			json_bool(&j, b->e[i].needs_encoding);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else {
		printf("%s: %s (%s)\n\n", b->id, b->label, b->embedded ? "embedded" : b->path);
		static const char *const head[] = { "kind", "gender", "name", "encoded", "note" };
		struct table *t = table_new(5, head);
		for (int i = 0; i < b->n; i++)
			table_addv(t, names_kind_name(b->e[i].kind), names_gender_name(b->e[i].gender),
				   b->e[i].name, b->e[i].needs_encoding ? "yes" : "no", b->e[i].note);
		table_print(t, stdout);
		table_free(t);
	}
	names_bank_free(b);
	return CT_OK;
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
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 1);
		json_obj_begin(&j);
		json_key(&j, "ok");
		json_bool(&j, probs.n == 0);
		json_key(&j, "banks");
		json_int(&j, n);
		json_key(&j, "names");
		json_int(&j, total);
		json_key(&j, "needs_encoding_count");
		json_int(&j, enc);
		json_key(&j, "needs_encoding");
		json_arr_begin(&j);
		for (int i = 0; i < n; i++)
			for (int k = 0; k < banks[i]->n; k++) {
				if (!banks[i]->e[k].needs_encoding)
					continue;
				json_obj_begin(&j);
				json_key(&j, "bank");
				json_str(&j, banks[i]->id);
				json_key(&j, "name");
				json_str(&j, banks[i]->e[k].name);
				json_obj_end(&j);
			}
		json_arr_end(&j);
		json_key(&j, "problems");
		json_arr_begin(&j);
		for (int i = 0; i < probs.n; i++) {
			json_obj_begin(&j);
			json_key(&j, "file");
			json_str(&j, probs.p[i].file);
			json_key(&j, "line");
			if (probs.p[i].line > 0)
				json_int(&j, probs.p[i].line);
			else
				json_null(&j);
			json_key(&j, "message");
			json_str(&j, probs.p[i].msg);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else {
		for (int i = 0; i < probs.n; i++) {
			char *t = names_problem_text(&probs.p[i]);
			puts(t);
			free(t);
		}
		if (enc) {
			printf("%sNames encoded in mail headers (non-ASCII, RFC 2047; not a problem):\n",
			       probs.n ? "\n" : "");
			for (int i = 0; i < n; i++) {
				int first = 1;
				for (int k = 0; k < banks[i]->n; k++) {
					if (!banks[i]->e[k].needs_encoding)
						continue;
					if (first)
						printf("  %s: %s", banks[i]->id, banks[i]->e[k].name);
					else
						printf(", %s", banks[i]->e[k].name);
					first = 0;
				}
				if (!first)
					putchar('\n');
			}
		}
		printf("\n%d bank%s, %d names, %d encoded in mail headers: %d problem%s%s\n", n,
		       n == 1 ? "" : "s", total, enc, probs.n, probs.n == 1 ? "" : "s",
		       probs.n ? "" : ", all banks pass");
	}
	int rc = probs.n ? CT_PROBLEM : CT_OK;
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
