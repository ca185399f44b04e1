/* cmd_stats.c: corrtest stats: per test group against the control, the
 * paired counts a, b, c, d, both response rates and the ILO net rate, with
 * the pairs left out counted by reason. The arithmetic is in stats/. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "lib/json.h"
#include "lib/pairs.h"
#include "lib/table.h"
#include "paired.h"
#include "lib/banned.h"

const char cmd_stats_usage[] =
	"usage: corrtest stats [--outcome strict|broad|any] [--json]\n"
	"\n"
	"For each test group against the control group, over the valid pairs (both\n"
	"applications to a listing sent, the listing not withdrawn):\n"
	"  a  both candidates positive      b  only the control candidate positive\n"
	"  c  only the test candidate       d  neither\n"
	"and N = a+b+c+d, the response rates (a+b)/N (control) and (a+c)/N (test),\n"
	"the ILO net discrimination rate (b-c)/(a+b+c), the gross rates b/(a+b+c)\n"
	"and c/(a+b+c), and the net rate over all pairs (b-c)/N. A measure whose\n"
	"denominator is 0 is shown as '-' (null in JSON) with a note.\n"
	"An application's outcome is its latest recorded response; none is 'no reply'.\n"
	"Pairs left out (bounced, withdrawn, not sent, ...) are counted by reason.\n"
	"\n"
	"  --outcome D  what counts as positive (default: study.ini [design] outcome):\n"
	"               strict = invitation; broad = invitation or request for\n"
	"               information; any = any reply\n"
	"  --json       {\"outcome\", \"groups\": [...], \"all\": {...}, \"excluded\": {...}}\n"
	"               with rates as fractions (0..1)\n";

static void json_value(struct json *j, const char *key, const struct paired_value *v)
{
	json_key(j, key);
	if (v->defined)
		json_num(j, v->v);
	else
		json_null(j);
}

static void json_group(struct json *j, const char *name, const char *label,
		       const struct paired_counts *t)
{
	struct paired_summary s;
	paired_summarise(t, &s);
	json_obj_begin(j);
	json_key(j, "group");
	json_str(j, name);
	json_key(j, "label");
	json_str(j, label);
	json_key(j, "n");
	json_int(j, s.n);
	json_key(j, "a");
	json_int(j, t->a);
	json_key(j, "b");
	json_int(j, t->b);
	json_key(j, "c");
	json_int(j, t->c);
	json_key(j, "d");
	json_int(j, t->d);
	json_value(j, "rate_control", &s.rate_control);
	json_value(j, "rate_test", &s.rate_test);
	json_value(j, "net_ilo", &s.net_ilo);
	json_value(j, "gross_control", &s.gross_control);
	json_value(j, "gross_test", &s.gross_test);
	json_value(j, "net_all", &s.net_all);
	json_key(j, "notes");
	json_arr_begin(j);
	for (int i = 0; i < s.nnotes; i++)
		json_str(j, s.notes[i]);
	json_arr_end(j);
	json_obj_end(j);
}

static void print_json(const struct pairs_set *ps, const struct pairs_counts *counts,
		       const struct pairs_counts *total, int def)
{
	struct json j;
	json_init(&j, stdout, 1);
	json_obj_begin(&j);
	json_key(&j, "outcome");
	json_str(&j, pairs_def_name(def));
	json_key(&j, "groups");
	json_arr_begin(&j);
	for (int g = 0; g < ps->ngroups; g++)
		json_group(&j, ps->groups[g].name, ps->groups[g].label, &counts[g].all);
	json_arr_end(&j);
	json_key(&j, "all");
	json_group(&j, "all", "All test groups", &total->all);
	json_key(&j, "excluded");
	json_obj_begin(&j);
	for (int r = 0; r < PAIRS_EXCL_N; r++) {
		json_key(&j, pairs_excl_key(r));
		json_int(&j, ps->excluded[r]);
	}
	json_obj_end(&j);
	json_key(&j, "excluded_total");
	json_int(&j, ps->excluded_total);
	json_obj_end(&j);
	json_end(&j);
}

/* A percentage with one decimal, halves rounded away from zero as readers
 * expect (6.25 -> 6.3), or NULL (printed "-") when undefined. */
static char *pct(const struct paired_value *v, char buf[32])
{
	if (!v->defined)
		return NULL;
	double x = round(1000.0 * v->v) / 10.0;
	snprintf(buf, 32, "%.1f", x == 0.0 ? 0.0 : x); /* never "-0.0" */
	return buf;
}

static void table_row(struct table *t, const char *label, const struct paired_counts *c,
		      struct strbuf *notes)
{
	struct paired_summary s;
	char n[24], a[24], b[24], cc[24], d[24], p[6][32];
	paired_summarise(c, &s);
	snprintf(n, sizeof(n), "%ld", s.n);
	snprintf(a, sizeof(a), "%ld", c->a);
	snprintf(b, sizeof(b), "%ld", c->b);
	snprintf(cc, sizeof(cc), "%ld", c->c);
	snprintf(d, sizeof(d), "%ld", c->d);
	const char *cells[] = { label,
				n,
				a,
				b,
				cc,
				d,
				pct(&s.rate_control, p[0]),
				pct(&s.rate_test, p[1]),
				pct(&s.net_ilo, p[2]),
				pct(&s.gross_control, p[3]),
				pct(&s.gross_test, p[4]),
				pct(&s.net_all, p[5]) };
	table_add(t, cells);
	for (int i = 0; i < s.nnotes; i++)
		sb_addf(notes, "  %s: %s\n", label, s.notes[i]);
}

static void print_human(const struct pairs_set *ps, const struct pairs_counts *counts,
			const struct pairs_counts *total, int def, int def_given)
{
	static const char *const head[] = { "group",     "pairs",     "a",
					    "b",         "c",         "d",
					    "control %", "test %",    "net ILO %",
					    "gross b %", "gross c %", "net all %" };
	struct table *t = table_new((int)ARRAY_SIZE(head), head);
	struct strbuf notes = STRBUF_INIT;
	for (int g = 0; g < ps->ngroups; g++)
		table_row(t, ps->groups[g].label, &counts[g].all, &notes);
	table_row(t, "All test groups", &total->all, &notes);
	printf("Outcome %s%s.\n", pairs_def_text(def),
	       def_given ? " (--outcome)" : " (study.ini [design] outcome)");
	table_print(t, stdout);
	table_free(t);
	printf("a both positive, b control only, c test only, d neither; net ILO = (b-c)/(a+b+c),\n"
	       "gross b = b/(a+b+c), gross c = c/(a+b+c), net all = (b-c)/pairs.\n");
	if (ps->excluded_total == 0) {
		printf("Excluded pairs: none.\n");
	} else {
		printf("Excluded pairs: %ld (", ps->excluded_total);
		const char *sep = "";
		for (int r = 0; r < PAIRS_EXCL_N; r++) {
			if (!ps->excluded[r])
				continue;
			printf("%s%s: %ld", sep, pairs_excl_text(r), ps->excluded[r]);
			sep = "; ";
		}
		printf(").\n");
	}
	if (notes.len)
		printf("Notes:\n%s", sb_str(&notes));
	sb_free(&notes);
}

int cmd_stats(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "outcome", required_argument, NULL, 'o' },
					      { NULL, 0, NULL, 0 } };
	const char *outcome = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': outcome = optarg; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	int def = pairs_def_parse(outcome ? outcome : ctx->study->design->outcome);
	if (def < 0) {
		if (outcome)
			return cmd_usage_error(ctx, "--outcome must be strict, broad or any, not '%s'",
					       outcome);
		return cmd_errorf(ctx, CT_EINPUT, "study.ini: [design] outcome '%s' is not strict, "
				  "broad or any", ctx->study->design->outcome);
	}

	struct ct_err err = { 0 };
	struct pairs_set ps;
	int rc = pairs_collect(ctx->study, &ps, &err);
	if (rc)
		return cmd_error(ctx, &err);
	struct pairs_counts *counts = xcalloc((size_t)ps.ngroups + 1, sizeof(*counts));
	struct pairs_counts total;
	pairs_tabulate(&ps, def, counts, &total);
	if (ctx->json)
		print_json(&ps, counts, &total, def);
	else
		print_human(&ps, counts, &total, def, outcome != NULL);
	free(counts);
	pairs_set_free(&ps);
	/* Discrimination found is a result, not a problem: exit 0. */
	return CT_OK;
}
