/* cmd.h: what every subcommand gets and may use.
 *
 * Adding a subcommand, in four steps:
 *  1. write tools/cmd_<name>.c with `int cmd_<name>(int argc, char **argv,
 *     struct cmd_ctx *ctx)` and `const char cmd_<name>_usage[]`;
 *  2. declare both below;
 *  3. add a row to the table in tools/corrtest.c (name, function, needs,
 *     summary, usage): help, -S, --json and opening the study come from it;
 *  4. add an e2e test tests/e2e/NNNN-<name>.sh.
 * The Makefile picks up tools/cmd_*.c by itself, and `make install` makes
 * the man page from the usage text (man/mkpage.sh).
 */
#ifndef CT_CMD_H
#define CT_CMD_H

#include "store/study.h"
#include "base/util.h"

/* What main prepares before calling the command. */
enum cmd_needs {
	NEEDS_NOTHING = 0,
	NEEDS_STUDY_RO = 1, /* open the study read-only */
	NEEDS_STUDY_RW = 2, /* open it read-write */
	TAKES_JSON = 4      /* --json is accepted */
};

struct cmd_ctx {
	const char *cmd;       /* the subcommand's name, for messages */
	const char *study_dir; /* -S DIR, $CORRTEST_STUDY, or "." */
	struct study *study;   /* open when the table asks for it; main closes it */
	int json;              /* --json was given */
	const char *usage;     /* the command's usage text */
};

/* Prints "corrtest <cmd>: <err->msg>" to stderr; returns err->status. */
int cmd_error(struct cmd_ctx *ctx, const struct ct_err *err);
/* Prints "corrtest <cmd>: <message>"; returns status. */
int cmd_errorf(struct cmd_ctx *ctx, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prints every line of text as its own "corrtest <cmd>: <line>" (a list of
 * errors collected by a parser). */
void cmd_error_lines(struct cmd_ctx *ctx, const char *text);
/* A usage error: the message, a pointer to --help, status 2. */
int cmd_usage_error(struct cmd_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Opens the study if the command did not ask main to (e.g. it needs a study
 * for only some of its modes). */
int cmd_open_study(struct cmd_ctx *ctx, int mode);
/* Call before returning 0 after writing results: a full disk or closed pipe
 * must not look like success. */
int cmd_flush(struct cmd_ctx *ctx);
/* Runs a whole command line as main would (argv[0] is ignored); demo uses
 * it to drive the pipeline in one process. */
int corrtest_main(int argc, char **argv);
/* Whether human decorations (progress, colour) may go to stderr. */
int cmd_stderr_is_tty(void);

#define CMD(name)                                                        \
	int cmd_##name(int argc, char **argv, struct cmd_ctx *ctx);      \
	extern const char cmd_##name##_usage[]

CMD(init);
CMD(names);
CMD(personas);
CMD(listings);
CMD(assign);
CMD(check);
CMD(compose);
CMD(log);
CMD(import);
CMD(status);
CMD(stats);
CMD(power);
CMD(export);
CMD(send);
CMD(field);
CMD(fetch);
CMD(code);
CMD(link);
CMD(decline);
CMD(cv);
CMD(simulate);
CMD(demo);
CMD(report);
CMD(verify);
CMD(seal);
CMD(dossier);
CMD(followup);
CMD(retest);
CMD(recheck);
CMD(purge);
CMD(subject);
/* Temporary, until cmd_code.c dispatches to code_study_main (issue 10). */

#undef CMD

/* --delimiter's value (',', ';' or tab) into *out, or a usage error. */
int cmd_delimiter(struct cmd_ctx *ctx, const char *v, char *out);
/* Tells the dialect a CSV file was read in: keys delimiter,
 * delimiter_guessed and read_as, and a line for people when it was not
 * comma-separated. */
struct out;
void cmd_show_dialect(struct out *o, const char *path, char delim, int guessed,
		      const char *dialect);
/* code --review, --export-queue, --import-coded, --second, --agreement,
 * --adjudicate: called by cmd_code.c's dispatch (tools/cmd_code_study.c). */
int code_study_main(int argc, char **argv, struct cmd_ctx *ctx);

#endif
