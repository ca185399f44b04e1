/* cmd_listings.c: corrtest listings add | import | list | withdraw: the
 * offers a study tests, validated strictly, all or nothing. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "io/csv.h"
#include "io/json.h"
#include "listings/listing.h"
#include "listings/listing_import.h"
#include "io/table.h"
#include "base/banned.h"

const char cmd_listings_usage[] =
	"usage: corrtest listings add --ref R --agent-type agency|private [--url U]\n"
	"                             [--contact-email E] [--contact-name N] [--agent NAME]\n"
	"                             [--area A] [--price P] [--round N] [--posted-on YYYY-MM-DD]\n"
	"                             [--title T]\n"
	"       corrtest listings import FILE.csv\n"
	"       corrtest listings list [--contacts]\n"
	"       corrtest listings withdraw REF [--note TEXT]\n"
	"\n"
	"The offers to test. import reads a CSV file (UTF-8, header row) with the\n"
	"columns ref, url, contact_email, contact_name, agent_type, agent, area, price,\n"
	"round, posted_on and title (ref and agent_type required; see\n"
	"docs/csv-formats.md). Every value is checked; every error is reported with its\n"
	"line and column, and nothing is imported unless the whole file is valid.\n"
	"Refs are compared ignoring case: GENT-001 and gent-001 are one listing.\n"
	"\n"
	"The agent (or, without one, the contact address) is stored as a pseudonymous\n"
	"key (agent_key); names and addresses are kept apart so that they can be purged.\n"
	"list shows them only with --contacts. withdraw marks a listing withdrawn (it is\n"
	"never deleted; stats leaves its pair out).\n";

/* At most this many errors are printed: enough to fix a file in one pass,
 * few enough to read. */
#define MAX_ERRORS 50

/* ---- listings add ---- */

struct add_report {
	struct cmd_ctx *ctx;
	int n;
};

static void add_report(void *ud, const char *column, long off, const char *msg)
{
	(void)off; /* an option's value has no position worth naming */
	struct add_report *r = ud;
	struct strbuf opt = STRBUF_INIT;
	for (const char *p = column; *p; p++)
		sb_addc(&opt, *p == '_' ? '-' : *p);
	cmd_errorf(r->ctx, CT_EINPUT, "--%s: %s", sb_str(&opt), msg);
	sb_free(&opt);
	r->n++;
}

/* getopt values of the add options: OPT + the listing field. */
#define OPT 256

static int listings_add(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "ref", required_argument, NULL, OPT + LF_REF },
		{ "url", required_argument, NULL, OPT + LF_URL },
		{ "contact-email", required_argument, NULL, OPT + LF_CONTACT_EMAIL },
		{ "contact-name", required_argument, NULL, OPT + LF_CONTACT_NAME },
		{ "agent-type", required_argument, NULL, OPT + LF_AGENT_TYPE },
		{ "agent", required_argument, NULL, OPT + LF_AGENT },
		{ "area", required_argument, NULL, OPT + LF_AREA },
		{ "price", required_argument, NULL, OPT + LF_PRICE },
		{ "round", required_argument, NULL, OPT + LF_ROUND },
		{ "posted-on", required_argument, NULL, OPT + LF_POSTED_ON },
		{ "title", required_argument, NULL, OPT + LF_TITLE },
		{ NULL, 0, NULL, 0 }
	};
	const char *in[LF_COUNT] = { 0 };
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c < OPT || c >= OPT + LF_COUNT)
			return cmd_usage_error(ctx, "unknown option for 'listings add'");
		/* The last of two values must not win silently. */
		if (in[c - OPT])
			return cmd_usage_error(ctx, "--%s is given twice", opts[c - OPT].name);
		in[c - OPT] = optarg;
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "'listings add' takes options only, not '%s'",
				       argv[optind]);

	struct ct_err err = { 0 };
	struct listing l;
	struct add_report rep = { ctx, 0 };
	int64_t id;
	int rc = listing_add(ctx->study, in, add_report, &rep, &l, &id, &err);
	if (rc)
		return rep.n ? rc : cmd_error(ctx, &err);
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 1);
		json_obj_begin(&j);
		json_key(&j, "id");
		json_int(&j, id);
		json_key(&j, "ref");
		json_str(&j, l.f[LF_REF]);
		json_obj_end(&j);
		json_end(&j);
	} else {
		printf("Added listing %s (%s).\n", l.f[LF_REF], l.f[LF_AGENT_TYPE]);
	}
	listing_free(&l);
	return CT_OK;
}

/* ---- listings import ---- */

static int listings_import(int argc, char **argv, struct cmd_ctx *ctx)
{
	if (argc != 2)
		return cmd_usage_error(ctx, "'listings import' takes one CSV file");
	const char *path = argv[1];
	struct ct_err err = { 0 };
	struct csv_errs errs;
	struct listings_import_summary sum;
	csv_errs_init(&errs, MAX_ERRORS);
	int rc = listings_import_file(ctx->study, path, &sum, &errs, &err);
	if (errs.n)
		cmd_error_lines(ctx, csv_errs_text(&errs));
	csv_errs_free(&errs);
	if (rc)
		return cmd_error(ctx, &err);
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 1);
		json_obj_begin(&j);
		json_key(&j, "imported");
		json_int(&j, sum.imported);
		json_key(&j, "file");
		json_str(&j, path);
		json_obj_end(&j);
		json_end(&j);
	} else {
		printf("Imported %ld listing%s from %s.\n", sum.imported,
		       sum.imported == 1 ? "" : "s", path);
	}
	return CT_OK;
}

/* ---- listings list ---- */

/* One walk over the listings, into a JSON array or a table. */
struct list_out {
	int contacts, n;
	struct json *j;   /* NULL for the table */
	struct table *t;
};

static int list_row(void *ud, const struct listing_row *l)
{
	struct list_out *o = ud;
	o->n++;
	if (o->j) {
		struct json *j = o->j;
		json_obj_begin(j);
		json_key(j, "id");
		json_int(j, l->id);
		const char *const text[][2] = { { "ref", l->ref },
						{ "url", l->url },
						{ "title", l->title },
						{ "agent_type", l->agent_type },
						{ "agent_key", l->agent_key },
						{ "area", l->area } };
		for (size_t i = 0; i < ARRAY_SIZE(text); i++) {
			json_key(j, text[i][0]);
			json_str(j, text[i][1]);
		}
		json_key(j, "price");
		if (l->has_price)
			json_num(j, l->price);
		else
			json_null(j);
		json_key(j, "round");
		json_int(j, l->round);
		json_key(j, "posted_on");
		json_str(j, l->posted_on);
		json_key(j, "status");
		json_str(j, l->status);
		json_key(j, "applications");
		json_int(j, l->applications);
		json_key(j, "assigned");
		json_bool(j, l->applications > 0);
		if (o->contacts) {
			json_key(j, "contact_email");
			json_str(j, l->contact_email);
			json_key(j, "contact_name");
			json_str(j, l->contact_name);
			json_key(j, "agent");
			json_str(j, l->agent);
		}
		json_obj_end(j);
		return CT_OK;
	}
	char price[32] = "", round[24];
	if (l->has_price)
		snprintf(price, sizeof(price),
			 l->price == (double)(long long)l->price ? "%.0f" : "%.2f", l->price);
	snprintf(round, sizeof(round), "%ld", l->round);
	const char *cells[12] = { l->ref,	    l->agent_type,	   l->agent_key,
				  l->area,	    price[0] ? price : NULL, round,
				  l->posted_on,	    l->status,		   l->applications ? "yes" : "no",
				  l->contact_email, l->contact_name,	   l->agent };
	table_add(o->t, cells);
	return CT_OK;
}

static int listings_list(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "contacts", no_argument, NULL, 'c' },
					       { NULL, 0, NULL, 0 } };
	int contacts = 0, c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'c')
			return cmd_usage_error(ctx, "unknown option for 'listings list'");
		contacts = 1;
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "'listings list' takes no arguments");
	struct ct_err err = { 0 };
	static const char *const head[] = { "ref",    "agent_type", "agent_key", "area",
					    "price",  "round",	    "posted_on", "status",
					    "assigned", "contact_email", "contact_name", "agent" };
	struct json j;
	struct list_out o = { contacts, 0, ctx->json ? &j : NULL,
			      table_new(contacts ? 12 : 9, head) };
	if (ctx->json) {
		json_init(&j, stdout, 1);
		json_arr_begin(&j);
	}
	int rc = listing_each(ctx->study, list_row, &o, &err);
	if (rc) {
		table_free(o.t);
		return cmd_error(ctx, &err);
	}
	if (ctx->json) {
		json_arr_end(&j);
		json_end(&j);
	} else if (o.n == 0) {
		printf("No listings yet: add them with 'corrtest listings import FILE.csv'.\n");
	} else {
		table_print(o.t, stdout);
	}
	table_free(o.t);
	return CT_OK;
}

/* ---- listings withdraw ---- */

static int listings_withdraw(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "note", required_argument, NULL, 'n' },
					      { NULL, 0, NULL, 0 } };
	const char *note = NULL;
	char why[LISTING_WHY];
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'n')
			return cmd_usage_error(ctx, "unknown option for 'listings withdraw'");
		note = optarg;
	}
	if (optind != argc - 1)
		return cmd_usage_error(ctx, "'listings withdraw' takes one listing ref");
	const char *ref = argv[optind];
	if (!listing_check_ref(ref, why))
		return cmd_usage_error(ctx, "the ref %s", why);
	if (note && !listing_check_text(note, why, NULL))
		return cmd_usage_error(ctx, "--note %s", why);
	if (note && strlen(note) > 1000)
		return cmd_usage_error(ctx, "--note is longer than 1000 bytes");
	struct ct_err err = { 0 };
	char *stored = NULL;
	int rc = listing_withdraw(ctx->study, ref, note, &stored, &err);
	if (rc)
		return cmd_error(ctx, &err);
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 1);
		json_obj_begin(&j);
		json_key(&j, "ref");
		json_str(&j, stored);
		json_key(&j, "status");
		json_str(&j, "withdrawn");
		json_obj_end(&j);
		json_end(&j);
	} else {
		printf("Withdrew listing %s: it stays in the study, and stats leaves its pair out.\n",
		       stored);
	}
	free(stored);
	return CT_OK;
}

int cmd_listings(int argc, char **argv, struct cmd_ctx *ctx)
{
	if (argc < 2)
		return cmd_usage_error(ctx, "name an action: add, import, list or withdraw");
	const char *action = argv[1];
	argv[1] = argv[0]; /* the action's parser reports as "corrtest listings" */
	if (!strcmp(action, "add"))
		return listings_add(argc - 1, argv + 1, ctx);
	if (!strcmp(action, "import"))
		return listings_import(argc - 1, argv + 1, ctx);
	if (!strcmp(action, "list"))
		return listings_list(argc - 1, argv + 1, ctx);
	if (!strcmp(action, "withdraw"))
		return listings_withdraw(argc - 1, argv + 1, ctx);
	return cmd_usage_error(ctx, "unknown action '%s' (add, import, list or withdraw)", action);
}
