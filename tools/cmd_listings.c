/* cmd_listings.c: corrtest listings add | import | list | withdraw: the
 * offers a study tests, validated strictly, all or nothing. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "io/csv.h"
#include "io/out.h"
#include "listings/listing.h"
#include "messages/outbox.h"
#include "listings/listing_import.h"
#include "base/banned.h"

const char cmd_listings_usage[] =
	"usage: corrtest listings add --ref R --agent-type agency|private [--url U]\n"
	"                             [--contact-email E] [--contact-name N] [--agent NAME]\n"
	"                             [--area A] [--price P] [--round N] [--posted-on YYYY-MM-DD]\n"
	"                             [--title T] [--channel C] [--contact-phone P]\n"
	"                             [--portal-ref N] [--isco CODE] [--occupation TEXT]\n"
	"                             [--level none|secondary|bachelor|master]\n"
	"       corrtest listings import FILE.csv [--delimiter ,|;|tab]\n"
	"       corrtest listings list [--contacts]\n"
	"       corrtest listings edit REF FIELD=VALUE [FIELD=VALUE...]\n"
	"       corrtest listings withdraw REF [--note TEXT]\n"
	"\n"
	"The offers to test. import reads a CSV file (UTF-8, header row) with the\n"
	"columns ref, url, contact_email, contact_name, agent_type, agent, area, price,\n"
	"round, posted_on, title, channel (smtp, portal, webmail, phone or sms: how\n"
	"this listing is approached, else study.ini [fielding] channel), contact_phone\n"
	"and portal_ref (the portal's listing number) (ref and agent_type required;\n"
	"see docs/csv-formats.md). A vacancy (a job study) may also have isco (its\n"
	"occupation's ISCO-08 code, 1 to 4 digits, such as 2411 for accountants),\n"
	"occupation (the occupation as the vacancy names it) and level (the education\n"
	"it asks for: none, secondary, bachelor or master); a housing study refuses them. Every value is checked; every error is reported with its\n"
	"line and column, and nothing is imported unless the whole file is valid.\n"
	"The delimiter (comma, semicolon or tab) is guessed from the header and shown;\n"
	"--delimiter names it. In a semicolon- or tab-separated file (what Excel\n"
	"writes where the comma is the decimal mark) a price may have a decimal comma\n"
	"and thousands points (1.250,50 is 1250.50).\n"
	"Refs are compared ignoring case: GENT-001 and gent-001 are one listing.\n"
	"\n"
	"The agent (or, without one, the contact address) is stored as a pseudonymous\n"
	"key (agent_key); names and addresses are kept apart so that they can be purged.\n"
	"list shows them only with --contacts. withdraw marks a listing withdrawn (it is\n"
	"never deleted; stats leaves its pair out) and removes the outbox files (DIR/new,\n"
	"DIR/tmp) that compose --outbox wrote for its unsent messages, saying how many; a\n"
	"file a mail client already took into DIR/cur is named, not removed.\n"
	"\n"
	"edit corrects a listing: url, title, area, price, agent_type, agent,\n"
	"contact_email, contact_name, contact_phone, channel, portal_ref, round,\n"
	"posted_on, isco, occupation and level (an empty value clears an optional field). Each value is checked as\n"
	"import checks it; a new agent (or, without one, a new contact address) gets\n"
	"its agent key again. One event records the edit, naming the fields changed\n"
	"and, except for the landlord's contact data, their old and new values. Once an\n"
	"application of the listing was sent, the fields that say where it went (url,\n"
	"portal_ref, channel, contact_email, contact_phone) can no longer be changed:\n"
	"withdraw the listing and add the corrected one under a new ref.\n";

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
		{ "channel", required_argument, NULL, OPT + LF_CHANNEL },
		{ "contact-phone", required_argument, NULL, OPT + LF_CONTACT_PHONE },
		{ "portal-ref", required_argument, NULL, OPT + LF_PORTAL_REF },
		{ "isco", required_argument, NULL, OPT + LF_ISCO },
		{ "occupation", required_argument, NULL, OPT + LF_OCCUPATION },
		{ "level", required_argument, NULL, OPT + LF_LEVEL },
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
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_int(o, &(struct out_field){ "id", NULL, OUT_COUNT, 0 }, id);
	out_str(o, &(struct out_field){ "ref", NULL, OUT_TEXT, 0 }, l.f[LF_REF]);
	out_text(o, "Added listing %s (%s).", l.f[LF_REF], l.f[LF_AGENT_TYPE]);
	listing_free(&l);
	return out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
}

/* ---- listings import ---- */

static int listings_import(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "delimiter", required_argument, NULL, 'd' },
					      { NULL, 0, NULL, 0 } };
	char delim = 0;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'd')
			return cmd_usage_error(ctx, "unknown option for 'listings import'");
		if (cmd_delimiter(ctx, optarg, &delim))
			return CT_EINPUT;
	}
	if (optind != argc - 1)
		return cmd_usage_error(ctx, "'listings import' takes one CSV file");
	const char *path = argv[optind];
	struct ct_err err = { 0 };
	struct csv_errs errs;
	struct listings_import_summary sum;
	csv_errs_init(&errs, MAX_ERRORS);
	int rc = listings_import_file(ctx->study, path, delim, &sum, &errs, &err);
	if (errs.n)
		cmd_error_lines(ctx, csv_errs_text(&errs));
	csv_errs_free(&errs);
	if (rc)
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_int(o, &(struct out_field){ "imported", NULL, OUT_COUNT, 0 }, sum.imported);
	out_str(o, &(struct out_field){ "file", NULL, OUT_TEXT, 0 }, path);
	cmd_show_dialect(o, path, sum.delim, sum.delim_guessed, sum.dialect);
	out_text(o, "Imported %ld listing%s from %s.", sum.imported, sum.imported == 1 ? "" : "s",
		 path);
	return out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
}

/* ---- listings list ---- */

/* The listings, streamed row by row to the output layer: a bare JSON
 * array, or a table for people; contact data only with --contacts. */
struct list_out {
	struct out *o;
	int contacts;
	int job; /* a job study: the vacancies' isco, occupation and level too */
	long n;
};

static int list_row(void *ud, const struct listing_row *l)
{
	static const struct out_field id = { "id", NULL, OUT_COUNT, 0 };
	static const struct out_field ref = { "ref", "ref", OUT_TEXT, OUT_ID };
	static const struct out_field url = { "url", NULL, OUT_TEXT, 0 };
	static const struct out_field agent_type = { "agent_type", "agent_type", OUT_TEXT, 0 };
	static const struct out_field agent_key = { "agent_key", "agent_key", OUT_TEXT, 0 };
	static const struct out_field area = { "area", "area", OUT_TEXT, 0 };
	static const struct out_field price = { "price", "price", OUT_AMOUNT, 0 };
	static const struct out_field round = { "round", "round", OUT_COUNT, 0 };
	static const struct out_field posted = { "posted_on", "posted_on", OUT_TEXT, 0 };
	static const struct out_field status = { "status", "status", OUT_TEXT, 0 };
	static const struct out_field apps = { "applications", NULL, OUT_COUNT, 0 };
	static const struct out_field assigned = { "assigned", "assigned", OUT_BOOL, 0 };
	static const struct out_field title = { "title", "title", OUT_TEXT, 0 };
	static const struct out_field email = { "contact_email", "contact_email", OUT_TEXT, 0 };
	static const struct out_field name = { "contact_name", "contact_name", OUT_TEXT, 0 };
	static const struct out_field agent = { "agent", "agent", OUT_TEXT, 0 };
	static const struct out_field phone = { "contact_phone", "contact_phone", OUT_TEXT, 0 };
	static const struct out_field channel = { "channel", "channel", OUT_TEXT, 0 };
	static const struct out_field portal = { "portal_ref", "portal_ref", OUT_TEXT, 0 };
	static const struct out_field isco = { "isco", "isco", OUT_TEXT, 0 };
	static const struct out_field occupation = { "occupation", "occupation", OUT_TEXT, 0 };
	static const struct out_field level = { "level", "level", OUT_TEXT, 0 };
	struct list_out *lo = ud;
	struct out *o = lo->o;
	lo->n++;
	out_row_begin(o, NULL);
	out_int(o, &id, l->id);
	out_str(o, &ref, l->ref);
	out_str(o, &url, l->url);
	out_str(o, &agent_type, l->agent_type);
	out_str(o, &agent_key, l->agent_key);
	out_str(o, &area, l->area);
	out_value(o, &price, l->has_price, l->price);
	out_int(o, &round, l->round);
	out_str(o, &posted, l->posted_on);
	out_str(o, &status, l->status);
	out_int(o, &apps, l->applications);
	out_bool(o, &assigned, l->applications > 0);
	out_str(o, &title, l->title);
	out_str(o, &channel, l->channel);
	out_str(o, &portal, l->portal_ref);
	if (lo->job) {
		out_str(o, &isco, l->isco);
		out_str(o, &occupation, l->occupation);
		out_str(o, &level, l->level);
	}
	if (lo->contacts) {
		out_str(o, &email, l->contact_email);
		out_str(o, &name, l->contact_name);
		out_str(o, &agent, l->agent);
		out_str(o, &phone, l->contact_phone);
	}
	out_row_end(o);
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
	const char *market = ctx->study->design->market;
	struct list_out lo = { out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE), contacts,
			       market && !strcmp(market, "job"), 0 };
	out_table_stream_begin(lo.o, &(struct out_field){ NULL, NULL, OUT_TEXT, 0 });
	int rc = listing_each(ctx->study, list_row, &lo, &err);
	out_table_end(lo.o);
	if (rc) {
		out_discard(lo.o);
		return cmd_error(ctx, &err);
	}
	if (lo.n == 0)
		out_text(lo.o, "No listings yet: add them with 'corrtest listings import FILE.csv'.");
	return out_free(lo.o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
}

/* ---- listings edit ---- */

static void edit_report(void *ud, const char *column, long off, const char *msg)
{
	(void)off;
	struct add_report *r = ud;
	cmd_errorf(r->ctx, CT_EINPUT, "%s: %s", column, msg);
	r->n++;
}

static int listings_edit(int argc, char **argv, struct cmd_ctx *ctx)
{
	char why[LISTING_WHY];
	if (argc < 3)
		return cmd_usage_error(ctx, "'listings edit' takes a listing ref and FIELD=VALUE...");
	if (!listing_check_ref(argv[1], why))
		return cmd_usage_error(ctx, "the ref %s", why);
	struct ct_err err = { 0 };
	struct add_report rep = { ctx, 0 };
	struct listing_edit_result res;
	int rc = listing_edit(ctx->study, argv[1], argc - 2, argv + 2, edit_report, &rep, &res,
			      &err);
	if (rc)
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_str(o, &(struct out_field){ "ref", NULL, OUT_TEXT, 0 }, res.ref);
	out_int(o, &(struct out_field){ "changed", NULL, OUT_COUNT, 0 }, res.changed);
	out_str(o, &(struct out_field){ "fields", NULL, OUT_TEXT, 0 }, res.fields);
	if (res.changed)
		out_text(o, "Edited listing %s: %s.", res.ref, res.detail);
	else
		out_text(o, "Listing %s already has these values: nothing changed.", res.ref);
	listing_edit_result_free(&res);
	return out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
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
	struct outbox_withdrawn w;
	int rc = listing_withdraw(ctx->study, ref, note, &stored, &w, &err);
	if (rc) {
		outbox_withdrawn_free(&w);
		return cmd_error(ctx, &err);
	}
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_str(o, &(struct out_field){ "ref", NULL, OUT_TEXT, 0 }, stored);
	out_str(o, &(struct out_field){ "status", NULL, OUT_TEXT, 0 }, "withdrawn");
	out_int(o, &(struct out_field){ "outbox_removed", NULL, OUT_COUNT, 0 }, w.removed);
	out_int(o, &(struct out_field){ "outbox_missing", NULL, OUT_COUNT, 0 }, w.missing);
	out_list_begin(o, &(struct out_field){ "outbox_taken", NULL, OUT_TEXT, 0 });
	for (int i = 0; i < w.taken; i++)
		out_str(o, &(struct out_field){ NULL, NULL, OUT_TEXT, 0 }, w.taken_files[i]);
	out_list_end(o);
	out_text(o, "Withdrew listing %s: it stays in the study, and stats leaves its pair out.",
		 stored);
	if (w.removed)
		out_text(o, "Removed the outbox file%s of its %d unsent message%s.",
			 w.removed == 1 ? "" : "s", w.removed, w.removed == 1 ? "" : "s");
	if (w.missing)
		out_text(o, "%d outbox file%s recorded for it %s no longer there (the outbox was "
			    "moved or emptied); nothing to remove.",
			 w.missing, w.missing == 1 ? "" : "s", w.missing == 1 ? "is" : "are");
	for (int i = 0; i < w.taken; i++)
		out_text(o, "Warning: %s was already taken from the outbox by a mail client; "
			    "corrtest left it: make sure it is not sent.",
			 w.taken_files[i]);
	outbox_withdrawn_free(&w);
	free(stored);
	return out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
}

int cmd_listings(int argc, char **argv, struct cmd_ctx *ctx)
{
	if (argc < 2)
		return cmd_usage_error(ctx, "name an action: add, import, list, edit or withdraw");
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
	if (!strcmp(action, "edit"))
		return listings_edit(argc - 1, argv + 1, ctx);
	return cmd_usage_error(ctx, "unknown action '%s' (add, import, list, edit or withdraw)",
			       action);
}
