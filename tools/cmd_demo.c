/* cmd_demo.c: corrtest demo: the example study studies/gent-housing-nl (a
 * housing-market test in Ghent, in Dutch) end to end in a fresh folder, with
 * its fictitious listings and a simulated market whose discrimination level
 * is known. The example's study.ini and listings.csv are compiled into the
 * binary, so the demo needs nothing beside it. It drives the real commands
 * through corrtest_main, so it shows exactly what a team would run. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "base/embedded.h"
#include "io/out.h"
#include "base/rng.h"
#include "base/banned.h"

const char cmd_demo_usage[] =
	"usage: corrtest demo [--dir DIR] [--seed N] [--listings N] [--p-control P] [--net D]\n"
	"\n"
	"Runs the example study studies/gent-housing-nl (a housing-market test in\n"
	"Ghent, in Dutch, with 180 fictitious listings) end to end in a fresh folder:\n"
	"init, the example's study.ini, personas, listings import, assign, compose\n"
	"to an outbox, simulate, stats and report; then says where everything is\n"
	"and prints the report's path. Nothing is\n"
	"sent: messages go to a Maildir outbox.\n"
	"\n"
	"  --dir DIR      the study folder (default: results/demo-N, the first free N)\n"
	"  --seed N       the study's seed (default: the example's, 20270301)\n"
	"  --listings N   instead of the example's listings, N generated fictitious ones\n"
	"                 in Ghent (for a larger study; drawn from the seed)\n"
	"  --p-control P  simulated positive-response rate of the control (default 0.55)\n"
	"  --net D        simulated net discrimination rate, ILO (default 0.25)\n";

/* The example study the demo runs; both files are embedded by the Makefile. */
#define DEMO_STUDY "studies/gent-housing-nl"

/* Ghent's districts, for generated listings. */
static const char *const areas[] = { "Gent-Centrum", "Gentbrugge", "Ledeberg", "Sint-Amandsberg",
				     "Mariakerke", "Drongen", "Wondelgem", "Oostakker",
				     "Zwijnaarde", "Sint-Denijs-Westrem", "Muide", "Brugse Poort" };

/* Writes n generated listings to path, for --listings: about a third
 * belong to eight agencies with several listings each (what makes
 * agent-level evidence possible), the rest to private landlords. All
 * addresses are under the reserved .example top-level domain: nothing here
 * can reach a person. */
static int write_generated_listings(const char *path, int n, uint64_t seed, struct ct_err *err)
{
	struct rng r;
	rng_init(&r, seed, "demo.listings");
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on\n");
	for (int i = 1; i <= n; i++) {
		int agency = rng_uniform(&r) < 0.35;
		int agent = (int)rng_below(&r, 8) + 1;
		const char *area = areas[rng_below(&r, ARRAY_SIZE(areas))];
		int price = 650 + 10 * (int)rng_below(&r, 76);
		int day = 1 + (int)rng_below(&r, 28);
		if (agency)
			sb_addf(&sb,
				"DEMO-%05d,https://listings.example/demo/%05d,verhuur@immo-%d.example,"
				"Immo Demo %d,agency,Immo Demo %d,%s,%d,1,2027-02-%02d\n",
				i, i, agent, agent, agent, area, price, day);
		else
			sb_addf(&sb,
				"DEMO-%05d,https://listings.example/demo/%05d,eigenaar-%05d@private.example,"
				"Eigenaar %05d,private,Eigenaar %05d,%s,%d,1,2027-02-%02d\n",
				i, i, i, i, i, area, price, day);
	}
	int rc = file_write_atomic(path, sb.buf, sb.len, 0644, err);
	sb_free(&sb);
	return rc;
}

/* The example's seed, from the line "seed = N" of its embedded study.ini
 * (caller frees); NULL when the line is missing. */
static char *example_seed(void)
{
	const struct embedded_file *f = embedded_find(DEMO_STUDY "/study.ini");
	if (!f)
		return NULL;
	for (const char *p = f->data; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, "seed = ", 7))
			return xstrndup(p + 7, strcspn(p + 7, "\r\n"));
	return NULL;
}

/* Writes the embedded file DEMO_STUDY/name to path. With seed set, the
 * line "seed = ..." of study.ini gets that value instead of the example's. */
static int write_example(const char *name, const char *path, const char *seed,
			 struct ct_err *err)
{
	char *src = xasprintf("%s/%s", DEMO_STUDY, name);
	const struct embedded_file *f = embedded_find(src);
	int rc;
	if (!f) {
		rc = ct_fail(err, CT_EENV, "%s is not built into this corrtest", src);
		free(src);
		return rc;
	}
	free(src);
	if (!seed)
		return file_write_atomic(path, f->data, f->len, 0644, err);
	struct strbuf sb = STRBUF_INIT;
	const char *p = f->data, *endp = f->data + f->len;
	int replaced = 0;
	while (p < endp) {
		const char *nl = memchr(p, '\n', (size_t)(endp - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(endp - p);
		if (!replaced && n >= 7 && !strncmp(p, "seed = ", 7)) {
			sb_addf(&sb, "seed = %s\n", seed);
			replaced = 1;
		} else {
			sb_add(&sb, p, n);
		}
		p += n;
	}
	if (!replaced)
		rc = ct_fail(err, CT_EENV, "%s/study.ini has no 'seed = ' line", DEMO_STUDY);
	else
		rc = file_write_atomic(path, sb.buf, sb.len, 0644, err);
	sb_free(&sb);
	return rc;
}

/* Runs one corrtest command line; its standard output goes to the log
 * unless show is set, its errors to stderr as always. The step's line is
 * progress, printed as the step ends (the output layer renders a result
 * once it is complete; a large --listings takes a while), and holds no
 * data. */
static int run(FILE *log, int show, const char *step, char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	fprintf(log, "\n$ corrtest");
	for (int i = 1; i < argc; i++)
		fprintf(log, " %s", argv[i]);
	fputc('\n', log);
	fflush(log);
	fflush(stdout);
	int saved = -1;
	if (!show) {
		saved = dup(1);
		dup2(fileno(log), 1);
	}
	int rc = corrtest_main(argc, argv);
	fflush(stdout);
	if (saved >= 0) {
		dup2(saved, 1);
		close(saved);
	}
	if (!show)
		printf("  %-44s %s\n", step, rc == 0 ? "done" : "FAILED");
	return rc;
}

static char *free_demo_dir(void)
{
	if (mkdir("results", 0777) != 0 && errno != EEXIST)
		return NULL;
	for (int i = 1; i < 10000; i++) {
		char *d = xasprintf("results/demo-%d", i);
		if (access(d, F_OK) != 0)
			return d;
		free(d);
	}
	return NULL;
}

int cmd_demo(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "dir", required_argument, NULL, 'd' },
					      { "seed", required_argument, NULL, 's' },
					      { "listings", required_argument, NULL, 'n' },
					      { "p-control", required_argument, NULL, 'p' },
					      { "net", required_argument, NULL, 'D' },
					      { NULL, 0, NULL, 0 } };
	const char *dir_opt = NULL, *seed_opt = NULL, *pc = "0.55", *net = "0.25";
	uint64_t seedv;
	long n = 0;
	double dv;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir_opt = optarg; break;
		case 's': seed_opt = optarg; break;
		case 'n':
			if (!parse_long(optarg, &n) || n < 1 || n > 100000)
				return cmd_usage_error(ctx, "--listings must be a whole number from 1 to 100000");
			break;
		case 'p': pc = optarg; break;
		case 'D': net = optarg; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	if (seed_opt && !parse_u64(seed_opt, &seedv))
		return cmd_usage_error(ctx, "--seed must be a whole number");
	if (!parse_double(pc, &dv) || !parse_double(net, &dv))
		return cmd_usage_error(ctx, "--p-control and --net must be numbers");

	char *seed = seed_opt ? xstrdup(seed_opt) : example_seed();
	if (!seed)
		return cmd_errorf(ctx, CT_EENV, "%s/study.ini is not built into this corrtest", DEMO_STUDY);
	if (!seed_opt && !parse_u64(seed, &seedv)) {
		free(seed);
		return cmd_errorf(ctx, CT_EENV, "%s/study.ini: the seed is not a whole number", DEMO_STUDY);
	}
	char *dir = dir_opt ? xstrdup(dir_opt) : free_demo_dir();
	if (!dir) {
		free(seed);
		return cmd_errorf(ctx, CT_EENV, "cannot create results/: %s", strerror(errno));
	}
	int rc;
	struct ct_err err = { 0 };
	char *ini = NULL, *csv = NULL, *outbox = NULL, *assignments = NULL, *responses = NULL,
	     *logpath = NULL;
	FILE *log = NULL;

	/* init first: it refuses a folder that holds anything, and it makes the
	 * study.db (with the study's own secret key) that an example cannot
	 * carry. The example's files then replace what init wrote, as a user
	 * starting from studies/ does (studies/README.md). */
	char *init_argv[] = { "corrtest", "init", dir,  "--market", "housing", "--lang",
			      "nl",       "--city", "Gent", "--seed",   seed,      NULL };
	printf("corrtest demo: the example study %s (a housing-market test in Ghent),\n"
	       "with simulated outcomes\n\n", DEMO_STUDY);
	/* The log lives in the study folder, which init wants empty: init's own
	 * output is held in a temporary file until the folder exists. */
	log = tmpfile();
	if (!log) {
		rc = cmd_errorf(ctx, CT_EENV, "cannot create a temporary file: %s", strerror(errno));
		goto out;
	}
	if ((rc = run(log, 0, "init: study.ini, study.db, templates/", init_argv)))
		goto out;
	logpath = xasprintf("%s/demo.log", dir);
	{
		FILE *f = fopen(logpath, "w");
		if (!f) {
			rc = cmd_errorf(ctx, CT_EENV, "%s: %s", logpath, strerror(errno));
			goto out;
		}
		rewind(log);
		char buf[4096];
		size_t got;
		while ((got = fread(buf, 1, sizeof(buf), log)) > 0)
			fwrite(buf, 1, got, f);
		fclose(log);
		log = f;
	}
	ini = xasprintf("%s/study.ini", dir);
	csv = xasprintf("%s/listings.csv", dir);
	outbox = xasprintf("%s/outbox", dir);
	assignments = xasprintf("%s/assignments.csv", dir);
	responses = xasprintf("%s/responses.csv", dir);
	if ((rc = write_example("study.ini", ini, seed, &err)) ||
	    (rc = n ? write_generated_listings(csv, (int)n, seedv, &err)
		    : write_example("listings.csv", csv, NULL, &err))) {
		rc = cmd_error(ctx, &err);
		goto out;
	}
	printf("  %-44s %s\n", n ? "the example's study.ini; generated listings"
				 : "the example's study.ini and listings.csv", "done");
	char *steps[][14] = {
		{ "corrtest", "-S", dir, "personas", NULL },
		{ "corrtest", "-S", dir, "listings", "import", csv, NULL },
		{ "corrtest", "-S", dir, "assign", NULL },
		{ "corrtest", "-S", dir, "assign", "--check", NULL },
		{ "corrtest", "-S", dir, "compose", "--check", NULL },
		{ "corrtest", "-S", dir, "compose", "--outbox", outbox, NULL },
		{ "corrtest", "-S", dir, "export", "assignments", "--csv", "-o", assignments, NULL },
		{ "corrtest", "-S", dir, "simulate", "--assume-sent", "--p-control", (char *)pc, "--net",
		  (char *)net, "--seed", seed, NULL },
		{ "corrtest", "-S", dir, "export", "responses", "--csv", "-o", responses, NULL },
	};
	static const char *const names[] = {
		"personas: one candidate per group x gender", "listings import: fictitious listings",
		"assign: pairs, variants, order, schedule",   "assign --check: balance",
		"compose --check: templates",                  "compose --outbox: Maildir",
		"export assignments",                         "simulate: a market with known net rate",
		"export responses",
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if ((rc = run(log, 0, names[i], steps[i])))
			goto out;
	printf("\nResults (simulated: control positive rate %s, net discrimination %s):\n\n", pc, net);
	char *stats_argv[] = { "corrtest", "-S", dir, "stats", NULL };
	if ((rc = run(log, 1, "stats", stats_argv)))
		goto out;
	/* The report goes into the study folder, beside everything else. */
	char *report_argv[] = { "corrtest", "-S", dir, "report", "--out", dir, NULL };
	if ((rc = run(log, 0, "report: HTML and Markdown with charts", report_argv)))
		goto out;
	{
		char *html = xasprintf("%s/report.html", dir), *md = xasprintf("%s/report.md", dir);
		char *db = xasprintf("%s/study.db", dir),
		     *tpl = xasprintf("%s/templates/", dir), *nw = xasprintf("%s/new/", outbox);
		const char *where[][2] = {
			{ ini, "the design, from " DEMO_STUDY " (pre-register yours)" },
			{ db, "everything that happened (SQLite)" },
			{ tpl, "the message variants" },
			{ csv, n ? "the generated fictitious listings" : "the example's fictitious listings" },
			{ nw, "one RFC 5322 file per message (nothing was sent)" },
			{ assignments, "who writes to whom, with which text, when" },
			{ responses, "outcomes per application, for R, Stata, Python" },
			{ logpath, "every command run and its output" },
			{ html, "the report: open it in a browser, print it on A4" },
			{ md, "the same report in Markdown" },
		};
		/* The folder is the user's: its name is shown escaped. */
		struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
		out_str(o, &(struct out_field){ "study", NULL, OUT_TEXT, 0 }, dir);
		out_table_begin(o, &(struct out_field){ "files", "\nWhere everything is:", OUT_TEXT,
							0 });
		for (size_t i = 0; i < ARRAY_SIZE(where); i++) {
			out_row_begin(o, NULL);
			out_str(o, &(struct out_field){ "path", "file", OUT_TEXT, 0 }, where[i][0]);
			out_str(o, &(struct out_field){ "what", "what it holds", OUT_TEXT, 0 },
				where[i][1]);
			out_row_end(o);
		}
		out_table_end(o);
		out_str(o, &(struct out_field){ "report", "\nReport", OUT_TEXT, 0 }, html);
		out_text(o, "Try: corrtest -S %s stats --json", dir);
		if (out_free(o))
			rc = cmd_errorf(ctx, CT_EENV, "cannot write the output");
		free(html);
		free(md);
		free(db);
		free(tpl);
		free(nw);
	}
out:
	if (log)
		fclose(log);
	free(dir);
	free(seed);
	free(ini);
	free(csv);
	free(outbox);
	free(assignments);
	free(responses);
	free(logpath);
	return rc;
}
