/* corrtest.c: the dispatch table and what every subcommand shares: -S,
 * --json, --help, opening the study, and the exit-status contract. */
#include <getopt.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "design/personas.h"
#include "io/csv.h"
#include "io/out.h"
#include "base/banned.h"

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct cmd_ctx *ctx);
	unsigned needs;
	const char *summary;
	const char *usage;
};

static const struct cmd commands[] = {
	{ "init", cmd_init, NEEDS_NOTHING, "create a study folder from a market/language preset",
	  cmd_init_usage },
	{ "names", cmd_names, TAKES_JSON, "list and check the name banks", cmd_names_usage },
	{ "personas", cmd_personas, NEEDS_STUDY_RW | TAKES_JSON,
	  "draw the fictitious candidates for the study's groups", cmd_personas_usage },
	{ "listings", cmd_listings, NEEDS_STUDY_RW | TAKES_JSON, "add, import and list the offers to test",
	  cmd_listings_usage },
	{ "assign", cmd_assign, NEEDS_STUDY_RW | TAKES_JSON,
	  "pairs, variants, order and schedule, from the seed", cmd_assign_usage },
	{ "check", cmd_check, NEEDS_STUDY_RO | TAKES_JSON,
	  "pre-flight: what would make the study fail or reveal itself", cmd_check_usage },
	{ "compose", cmd_compose, NEEDS_STUDY_RW | TAKES_JSON,
	  "render messages: check templates, preview one, or write all to an outbox",
	  cmd_compose_usage },
	{ "send", cmd_send, NEEDS_STUDY_RW | TAKES_JSON,
	  "send what is due: to the outbox, or over SMTP with --live", cmd_send_usage },
	{ "field", cmd_field, NEEDS_STUDY_RW | TAKES_JSON,
	  "fielding by hand (portal, web mail, phone, SMS): worklist; record what was done",
	  cmd_field_usage },
	{ "fetch", cmd_fetch, NEEDS_STUDY_RW | TAKES_JSON,
	  "collect replies over IMAP and link them to applications", cmd_fetch_usage },
	{ "code", cmd_code, NEEDS_NOTHING | TAKES_JSON,
	  "code replies: rules, blind review, second coder, kappa; try the rules on files",
	  cmd_code_usage },
	{ "link", cmd_link, NEEDS_STUDY_RW, "link an unlinked reply to its application by hand",
	  cmd_link_usage },
	{ "decline", cmd_decline, NEEDS_STUDY_RW | TAKES_JSON,
	  "politely withdraw after a positive reply", cmd_decline_usage },
	{ "log", cmd_log, NEEDS_STUDY_RW, "record an outcome (e-mail, phone, SMS, voicemail, portal, manual)",
	  cmd_log_usage },
	{ "import", cmd_import, NEEDS_STUDY_RW, "read an external response log (CSV)", cmd_import_usage },
	{ "status", cmd_status, NEEDS_STUDY_RO | TAKES_JSON, "where the study stands",
	  cmd_status_usage },
	{ "stats", cmd_stats, TAKES_JSON, "paired and unpaired measures, tests and intervals",
	  cmd_stats_usage },
	{ "power", cmd_power, TAKES_JSON, "sample size and power for a paired design",
	  cmd_power_usage },
	{ "report", cmd_report, NEEDS_STUDY_RO | TAKES_JSON,
	  "the study report: HTML and Markdown (and PDF) with charts, nl/fr/en", cmd_report_usage },
	{ "cv", cmd_cv, TAKES_JSON,
	  "a job study's CVs: one application's, their balance over the groups, the template",
	  cmd_cv_usage },
	{ "verify", cmd_verify, NEEDS_STUDY_RO | TAKES_JSON,
	  "check the record: event chain, raw messages, a checkpoint, a report's figures",
	  cmd_verify_usage },
	{ "seal", cmd_seal, NEEDS_STUDY_RW | TAKES_JSON,
	  "write a checkpoint of the event log to keep outside the study", cmd_seal_usage },
	{ "dossier", cmd_dossier, NEEDS_STUDY_RW | TAKES_JSON,
	  "one agent's case file for a complaint: summary, raw messages, events (confidential)",
	  cmd_dossier_usage },
	{ "followup", cmd_followup, NEEDS_STUDY_RW | TAKES_JSON,
	  "plan \"is it still available?\" follow-ups after differing replies", cmd_followup_usage },
	{ "retest", cmd_retest, NEEDS_STUDY_RW | TAKES_JSON,
	  "plan a new paired test of one agent on another of its listings", cmd_retest_usage },
	{ "recheck", cmd_recheck, NEEDS_STUDY_RW | TAKES_JSON,
	  "fetch listings again after \"no longer available\": still advertised?",
	  cmd_recheck_usage },
	{ "purge", cmd_purge, NEEDS_STUDY_RW | TAKES_JSON,
	  "remove landlords' personal data after the retention period", cmd_purge_usage },
	{ "subject", cmd_subject, NEEDS_STUDY_RO | TAKES_JSON,
	  "every piece of data held about one landlord (a GDPR access request)",
	  cmd_subject_usage },
	{ "export", cmd_export, NEEDS_STUDY_RO | TAKES_JSON,
	  "CSV for R, Stata, Python; the stats result as CSV or JSON", cmd_export_usage },
	{ "simulate", cmd_simulate, NEEDS_STUDY_RW | TAKES_JSON,
	  "draw outcomes from a market with a known discrimination level", cmd_simulate_usage },
	{ "demo", cmd_demo, NEEDS_NOTHING, "a whole study end to end on the embedded defaults",
	  cmd_demo_usage },
};

static const char main_usage[] =
	"usage: corrtest [-S DIR] COMMAND [ARGS]\n"
	"       corrtest help [COMMAND]\n"
	"\n"
	"Options for every command:\n"
	"  -S, --study DIR   the study folder (default: $CORRTEST_STUDY, else .)\n"
	"  --json            machine-readable output, where the command prints results\n"
	"  -h, --help        the command's usage\n";

static const char exit_codes[] =
	"Exit status: 0 success; 1 ran but found a problem (a failed check); 2 usage or\n"
	"input error; 3 environment error (database locked, I/O, permission).\n";

static const struct cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void print_help(FILE *out)
{
	fputs(main_usage, out);
	fputs("\nCommands:\n", out);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("  help       this list, or a command's usage\n\n", out);
	fputs(exit_codes, out);
}

static void print_cmd_help(const struct cmd *c, FILE *out)
{
	fputs(c->usage, out);
	fputs("\nCommon options: -S DIR (study folder)", out);
	if (c->needs & TAKES_JSON)
		fputs(", --json (machine-readable output)", out);
	fputs(", -h/--help.\n", out);
	fputs(exit_codes, out);
}


/* Every message to stderr goes through here: a message quotes data (a
 * file's header, a landlord's subject), and data must not be able to move
 * the cursor, retitle the terminal or reorder the line. */
static void put_msg(struct cmd_ctx *ctx, const char *text)
{
	struct strbuf sb = STRBUF_INIT;
	out_escape_terminal(&sb, text, 0);
	fprintf(stderr, "corrtest %s: %s\n", ctx->cmd, sb_str(&sb));
	sb_free(&sb);
}

__attribute__((format(printf, 2, 0))) static void put_vmsg(struct cmd_ctx *ctx, const char *fmt,
							      va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	sb_vaddf(&sb, fmt, ap);
	put_msg(ctx, sb_str(&sb));
	sb_free(&sb);
}

int cmd_error(struct cmd_ctx *ctx, const struct ct_err *err)
{
	put_msg(ctx, err->msg);
	return err->status ? err->status : CT_EENV;
}

int cmd_errorf(struct cmd_ctx *ctx, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	put_vmsg(ctx, fmt, ap);
	va_end(ap);
	return status;
}

void cmd_error_lines(struct cmd_ctx *ctx, const char *text)
{
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);
		char *line = xstrndup(text, n);
		put_msg(ctx, line);
		free(line);
		text += n + (nl != NULL);
	}
}

int cmd_usage_error(struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	put_vmsg(ctx, fmt, ap);
	va_end(ap);
	fprintf(stderr, "(see 'corrtest %s --help')\n", ctx->cmd);
	return CT_EINPUT;
}

int cmd_open_study(struct cmd_ctx *ctx, int mode)
{
	struct ct_err err = { 0 };
	if (ctx->study)
		return CT_OK;
	int rc = study_open(ctx->study_dir, mode, &ctx->study, &err);
	if (rc)
		return cmd_error(ctx, &err);
	/* A command that writes first brings the drawn personas in line with
	 * study.ini, as long as nothing was actually sent (personas.h); the
	 * personas command does it itself, to show what changed. */
	if (mode == STUDY_RW && !ctx->study->readonly_store && strcmp(ctx->cmd, "personas")) {
		struct personas_follow f;
		if (personas_follow(ctx->study, &f, &err))
			return cmd_error(ctx, &err);
		if (f.applied)
			cmd_errorf(ctx, 0,
				   "note: study.ini changed %d persona%s (nothing was sent yet, so "
				   "they follow it; one event)%s; see 'corrtest personas'",
				   f.personas, f.personas == 1 ? "" : "s",
				   f.discarded ? "; composed messages were dropped: compose again" : "");
		personas_follow_free(&f);
	}
	return CT_OK;
}

int cmd_flush(struct cmd_ctx *ctx)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		return cmd_errorf(ctx, CT_EENV, "cannot write the output");
	return CT_OK;
}

int cmd_stderr_is_tty(void)
{
	return isatty(2);
}

/* Takes the options every command shares out of argv (up to "--"), so that
 * each command's own parser sees only its own. */
static int take_common(int *argc, char **argv, struct cmd_ctx *ctx, int *help, const char **bad)
{
	int out = 1;
	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		if (!strcmp(a, "-S") || !strcmp(a, "--study")) {
			if (i + 1 >= *argc) {
				*bad = a;
				return -1;
			}
			ctx->study_dir = argv[++i];
		} else if (!strncmp(a, "--study=", 8)) {
			ctx->study_dir = a + 8;
		} else if (!strncmp(a, "-S", 2) && a[2]) {
			ctx->study_dir = a + 2;
		} else if (!strcmp(a, "--json")) {
			ctx->json = 1;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			*help = 1;
		} else {
			argv[out++] = argv[i];
		}
	}
	argv[out] = NULL;
	*argc = out;
	return 0;
}

int corrtest_main(int argc, char **argv)
{
	struct cmd_ctx ctx = { 0 };
	const char *env = getenv("CORRTEST_STUDY");
	ctx.study_dir = env && *env ? env : ".";

	/* Options before the command name: -S DIR only, in the forms that
	 * take_common accepts after it. */
	int i = 1;
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "-S") || !strcmp(argv[i], "--study")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "corrtest: %s needs a folder\n", argv[i]);
				return CT_EINPUT;
			}
			ctx.study_dir = argv[i + 1];
			i += 2;
		} else if (!strncmp(argv[i], "--study=", 8)) {
			ctx.study_dir = argv[i] + 8;
			i++;
		} else if (!strncmp(argv[i], "-S", 2) && argv[i][2]) {
			ctx.study_dir = argv[i] + 2;
			i++;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_help(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--version")) {
			puts("corrtest " CORRTEST_VERSION);
			return 0;
		} else {
			fprintf(stderr, "corrtest: unknown option '%s'\n", argv[i]);
			print_help(stderr);
			return CT_EINPUT;
		}
	}
	if (i >= argc) {
		print_help(stderr);
		return CT_EINPUT;
	}
	const char *name = argv[i];
	if (!strcmp(name, "help")) {
		if (i + 1 < argc) {
			const struct cmd *c = find_cmd(argv[i + 1]);
			if (!c) {
				fprintf(stderr, "corrtest: no command '%s' (see 'corrtest help')\n",
					argv[i + 1]);
				return CT_EINPUT;
			}
			print_cmd_help(c, stdout);
		} else {
			print_help(stdout);
		}
		return fflush(stdout) ? CT_EENV : 0;
	}
	const struct cmd *c = find_cmd(name);
	if (!c) {
		fprintf(stderr, "corrtest: no command '%s' (see 'corrtest help')\n", name);
		return CT_EINPUT;
	}
	ctx.cmd = c->name;
	ctx.usage = c->usage;

	int cargc = argc - i, help = 0;
	char **cargv = xcalloc((size_t)cargc + 1, sizeof(char *));
	memcpy(cargv, argv + i, (size_t)cargc * sizeof(char *));
	/* getopt prints its own complaints as "argv[0]: ..."; this makes them
	 * start with "corrtest CMD: " like every other message. */
	char prog[64];
	snprintf(prog, sizeof(prog), "corrtest %s", c->name);
	cargv[0] = prog;
	const char *bad = NULL;
	int rc;
	if (take_common(&cargc, cargv, &ctx, &help, &bad) < 0) {
		rc = cmd_usage_error(&ctx, "%s needs a folder", bad);
		goto out;
	}
	if (help) {
		print_cmd_help(c, stdout);
		rc = fflush(stdout) ? CT_EENV : 0;
		goto out;
	}
	if (ctx.json && !(c->needs & TAKES_JSON)) {
		rc = cmd_usage_error(&ctx, "--json is not available for this command");
		goto out;
	}
	if (c->needs & (NEEDS_STUDY_RO | NEEDS_STUDY_RW)) {
		rc = cmd_open_study(&ctx, (c->needs & NEEDS_STUDY_RW) ? STUDY_RW : STUDY_RO);
		if (rc)
			goto out;
	}
	optind = 0; /* getopt_long restarts for the command's own options */
	rc = c->fn(cargc, cargv, &ctx);
	if (rc == 0)
		rc = cmd_flush(&ctx);
out:
	study_close(ctx.study);
	free(cargv);
	return rc;
}

int main(int argc, char **argv)
{
	/* Commands that read thousands of messages (code, fetch, import)
	 * allocate and free per message; glibc's default gives the top of
	 * the heap back to the kernel whenever 128 KiB are free there, and
	 * takes it again for the next message: two system calls and fresh
	 * page faults each time. Keeping up to 32 MiB costs nothing. */
	mallopt(M_TOP_PAD, 4 << 20);
	mallopt(M_TRIM_THRESHOLD, 32 << 20);
	return corrtest_main(argc, argv);
}

/* The CSV dialect options of the importing commands (listings import,
 * import). */
int cmd_delimiter(struct cmd_ctx *ctx, const char *v, char *out)
{
	if (!(*out = csv_delim_parse(v)))
		return cmd_usage_error(ctx, "--delimiter: '%s' is not one of ',', ';' or tab", v);
	return CT_OK;
}

/* The dialect the file was read in, for people and for scripts. */
void cmd_show_dialect(struct out *o, const char *path, char delim, int guessed,
		      const char *dialect)
{
	char d[2] = { delim, 0 };
	out_str(o, &(struct out_field){ "delimiter", NULL, OUT_TEXT, 0 },
		delim == '\t' ? "tab" : d);
	out_bool(o, &(struct out_field){ "delimiter_guessed", NULL, OUT_BOOL, 0 }, guessed);
	out_str(o, &(struct out_field){ "read_as", NULL, OUT_TEXT, 0 }, dialect);
	if (delim != ',')
		out_text(o, "Read %s as %s%s.", path, dialect,
			 guessed ? " (guessed from its header; --delimiter to override)" : "");
}
