/* cmd_init.c: corrtest init: create a study folder from a preset. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "base/embedded.h"
#include "io/out.h"
#include "base/timeutil.h"
#include "base/banned.h"

const char cmd_init_usage[] =
	"usage: corrtest init DIR [--market housing|job] [--lang nl|fr|en] [--city NAME]\n"
	"                     [--seed N] [--start YYYY-MM-DD]\n"
	"\n"
	"Creates DIR with study.ini (the design, from the market and language's preset,\n"
	"every key explained), study.db (the empty study) and templates/ (the message\n"
	"variants, to adapt before fielding). DIR must not exist or be empty. All or\n"
	"nothing: the study is built beside DIR and moved into place when complete, so\n"
	"that a failure (a full disk) leaves no DIR behind.\n"
	"\n"
	"  --market M   housing (default) or job\n"
	"  --lang L     nl (default), fr or en: the messages' language and control group\n"
	"  --city NAME  the city under test (default Gent, Liège for fr, Brussels for en)\n"
	"  --seed N     the random seed (default: drawn from the system; written to study.ini)\n"
	"  --start D    first fielding day (default: the Monday after today)\n";

/* Replaces every @KEY@ of the preset with its value. */
static char *fill(const char *text, const char *const *kv)
{
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = text; *p;) {
		int done = 0;
		if (*p == '@') {
			for (int i = 0; kv[i]; i += 2) {
				size_t n = strlen(kv[i]);
				if (!strncmp(p, kv[i], n)) {
					sb_adds(&sb, kv[i + 1]);
					p += n;
					done = 1;
					break;
				}
			}
		}
		if (!done)
			sb_addc(&sb, *p++);
	}
	return sb_detach(&sb);
}

/* The embedded message variants of market/lang, as files of the new study
 * (templates/NAME). Caller frees the array and each path. */
static struct study_file *template_files(const char *market, const char *lang, int *n)
{
	char *prefix = xasprintf("templates/%s/%s/", market, lang);
	struct study_file *f = xcalloc(embedded_count + 1, sizeof(*f));
	*n = 0;
	for (size_t i = 0; i < embedded_count; i++) {
		const struct embedded_file *e = &embedded_files[i];
		if (strncmp(e->path, prefix, strlen(prefix)))
			continue;
		f[*n].path = xasprintf("templates/%s", e->path + strlen(prefix));
		f[*n].data = e->data;
		f[*n].len = e->len;
		(*n)++;
	}
	free(prefix);
	return f;
}

int cmd_init(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "market", required_argument, NULL, 'm' }, { "lang", required_argument, NULL, 'l' },
		{ "city", required_argument, NULL, 'c' },   { "seed", required_argument, NULL, 's' },
		{ "start", required_argument, NULL, 't' },  { NULL, 0, NULL, 0 }
	};
	const char *market = "housing", *lang = "nl", *city = NULL, *seed = NULL, *start = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm': market = optarg; break;
		case 'l': lang = optarg; break;
		case 'c': city = optarg; break;
		case 's': seed = optarg; break;
		case 't': start = optarg; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error(ctx, "name one folder to create");
	const char *dir = argv[optind];
	if (strcmp(market, "housing") && strcmp(market, "job"))
		return cmd_usage_error(ctx, "--market must be housing or job, not '%s'", market);
	if (strcmp(lang, "nl") && strcmp(lang, "fr") && strcmp(lang, "en"))
		return cmd_usage_error(ctx, "--lang must be nl, fr or en, not '%s'", lang);
	if (!city)
		city = !strcmp(lang, "fr") ? "Liège" : !strcmp(lang, "en") ? "Brussels" : "Gent";
	const char *why;
	unsigned long cp;
	if (!text_ok(city, strlen(city), &why, NULL, &cp))
		return cmd_usage_error(ctx, "--city must be plain text; it contains %s (U+%04lX)", why,
				       cp);
	if (strchr(city, ';'))
		return cmd_usage_error(ctx, "--city must be plain text (no ';')");
	/* Checked here so that the message names the option, not a line of a
	 * study.ini the user has not seen yet. */
	if (strspn(city, " ") == strlen(city))
		return cmd_usage_error(ctx, "--city must not be empty");
	if (strlen(city) > 100)
		return cmd_usage_error(ctx, "--city must be at most 100 bytes");

	char seedbuf[32], startbuf[16];
	uint64_t seedv;
	if (seed) {
		if (!parse_u64(seed, &seedv))
			return cmd_usage_error(ctx, "--seed must be a whole number from 0 to 2^64-1");
	} else {
		/* A fresh seed per study: teams must not all share one. */
		FILE *f = fopen("/dev/urandom", "rb");
		if (!f || fread(&seedv, sizeof(seedv), 1, f) != 1) {
			if (f)
				fclose(f);
			return cmd_errorf(ctx, CT_EENV, "cannot read /dev/urandom for a seed");
		}
		fclose(f);
		seedv %= 1000000000000ULL; /* twelve digits are easy to quote */
	}
	snprintf(seedbuf, sizeof(seedbuf), "%llu", (unsigned long long)seedv);
	if (start) {
		const char *bad = date_problem(start);
		if (bad)
			return cmd_usage_error(ctx, "--start %s", bad);
		if (strncmp(start, "1970", 4) < 0)
			return cmd_usage_error(ctx, "--start must be a date YYYY-MM-DD from 1970 on");
		snprintf(startbuf, sizeof(startbuf), "%s", start);
	} else {
		long day = (long)(time_now() / 86400);
		/* 1970-01-01 was a Thursday: (day + 3) % 7 is 0 on Mondays. */
		long monday = day + 7 - (day + 3) % 7;
		int y, m, d;
		civil_from_days(monday, &y, &m, &d);
		snprintf(startbuf, sizeof(startbuf), "%04d-%02d-%02d", y, m, d);
	}

	char *ppath = xasprintf("templates/presets/%s-%s.ini", market, lang);
	const struct embedded_file *preset = embedded_find(ppath);
	free(ppath);
	if (!preset)
		return cmd_errorf(ctx, CT_EENV, "no preset for %s/%s in this build", market, lang);
	const char *kv[] = { "@CITY@", city, "@SEED@", seedbuf, "@START@", startbuf, NULL };
	char *ini = fill(preset->data, kv);

	struct ct_err err = { 0 };
	int nfiles;
	struct study_file *files = template_files(market, lang, &nfiles);
	int rc = nfiles ? study_create_with(dir, ini, files, nfiles, &err)
			: ct_fail(&err, CT_EENV, "no embedded templates for %s/%s", market, lang);
	for (int i = 0; i < nfiles; i++)
		free((char *)files[i].path);
	free(files);
	free(ini);
	if (rc)
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_str(o, &(struct out_field){ "study", NULL, OUT_TEXT, 0 }, dir);
	out_str(o, &(struct out_field){ "market", NULL, OUT_TEXT, 0 }, market);
	out_str(o, &(struct out_field){ "lang", NULL, OUT_TEXT, 0 }, lang);
	out_str(o, &(struct out_field){ "city", NULL, OUT_TEXT, 0 }, city);
	out_str(o, &(struct out_field){ "seed", NULL, OUT_TEXT, 0 }, seedbuf);
	out_str(o, &(struct out_field){ "start", NULL, OUT_TEXT, 0 }, startbuf);
	out_text(o, "Created study in %s (%s market, %s, %s; seed %s; fielding from %s).", dir,
		 market, lang, city, seedbuf, startbuf);
	out_text(o, "Next: edit %s/study.ini and %s/templates/, then\n"
		    "  corrtest -S %s personas\n"
		    "  corrtest -S %s listings import LISTINGS.csv\n"
		    "  corrtest -S %s assign",
		 dir, dir, dir, dir, dir);
	return out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
}
