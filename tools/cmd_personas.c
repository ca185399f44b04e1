/* cmd_personas.c: corrtest personas: draw, from the study's seed, one
 * fictitious candidate per design group x gender (name from the group's
 * bank, e-mail address, phone, profile), keep them across runs, and redraw
 * them on request while nothing has been sent. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "design/personas.h"
#include "io/out.h"
#include "base/banned.h"

const char cmd_personas_usage[] =
	"usage: corrtest personas [--redraw]\n"
	"\n"
	"Draws one fictitious candidate per group x gender of study.ini from the\n"
	"study's seed: a first name and a surname from the group's name bank (no\n"
	"two candidates share a first name or a surname), an e-mail address\n"
	"first.last@mail_domain (the name in lower-case ASCII: accents dropped,\n"
	"spaces and apostrophes removed, hyphens kept; a digit is added if two\n"
	"would be equal), the phone of [phones] or [personas] phone, and the\n"
	"[profile] (KEY.female / KEY.male override KEY for that gender).\n"
	"The same seed and study.ini give the same candidates.\n"
	"\n"
	"Running it again keeps the candidates already drawn and draws only those\n"
	"of groups or genders added to study.ini since.\n"
	"\n"
	"Until the first application is actually sent (not simulated; compose\n"
	"--outbox does not count), the drawn candidates follow study.ini: a changed\n"
	"[profile], [personas] phone, [phones] or [personas] mail_domain (the address\n"
	"keeps its part before the @) is applied to them, with one event, by this\n"
	"command and by every command that writes to the study; messages composed\n"
	"for unsent applications are dropped then, to be composed again. After the\n"
	"first real send nothing changes: this command lists the study.ini values\n"
	"that differ from the candidates in use.\n"
	"\n"
	"A run of '#' at the end of a phone (e.g. phone = +32 460 00 00 ##) is\n"
	"replaced by the candidate's number (1, 2, ... over groups, then genders),\n"
	"so that one placeholder gives each candidate its own fictitious number.\n"
	"Warnings follow the table: candidates sharing a phone, placeholder phones,\n"
	"a reserved mail domain (.invalid, .test, .example, example.com): all to be\n"
	"replaced before going live.\n"
	"\n"
	"  --redraw   draw every candidate anew; refused once an application was\n"
	"             actually sent, or while simulated rows are held. Messages\n"
	"             composed for unsent applications are dropped (compose again).\n"
	"             The Nth redraw uses its own random stream of the seed, so it\n"
	"             too is reproducible\n";

/* The candidates of the design: a bare array in JSON, a table for
 * people, and what this run drew. */
static void describe(struct out *o, const struct design *d, const struct persona_set *r,
		     int redraw, long long dropped, int followed)
{
	static const struct out_field list = { NULL, NULL, OUT_TEXT, 0 };
	static const struct out_field id = { "id", NULL, OUT_COUNT, 0 };
	static const struct out_field group = { "group", "group", OUT_TEXT, OUT_ID };
	static const struct out_field role = { "role", NULL, OUT_TEXT, 0 };
	static const struct out_field gender = { "gender", "gender", OUT_TEXT, 0 };
	static const struct out_field first = { "first_name", "first name", OUT_TEXT, 0 };
	static const struct out_field last = { "last_name", "last name", OUT_TEXT, 0 };
	static const struct out_field email = { "email", "email", OUT_TEXT, 0 };
	static const struct out_field phone = { "phone", "phone", OUT_TEXT, 0 };
	static const struct out_field profile = { "profile", NULL, OUT_TEXT, 0 };
	out_table_begin(o, &list);
	for (int i = 0; i < r->n; i++) {
		const struct persona *p = &r->p[i];
		if (!p->in_design)
			continue;
		const struct design_group *dg = design_group_find(d, p->group);
		out_row_begin(o, NULL);
		out_int(o, &id, p->id);
		out_str(o, &group, p->group);
		out_str(o, &role, dg && dg->control ? "control" : "test");
		out_str(o, &gender, gender_name(p->gender));
		out_str(o, &first, p->first);
		out_str(o, &last, p->last);
		out_str(o, &email, p->email);
		out_str(o, &phone, p->phone);
		/* Stored by personas_draw as a JSON object. */
		out_raw_json(o, &profile, p->profile && *p->profile == '{' ? p->profile : "{}");
		out_row_end(o);
	}
	out_table_end(o);
	/* After study.ini was applied above, "nothing changed" would
	 * contradict the lines just printed. */
	if (!r->drawn && followed)
		out_text(o, "\nAll candidates were drawn before; none was drawn anew (--redraw draws "
			    "them anew).");
	else if (!r->drawn)
		out_text(o, "\nAll candidates were drawn before; nothing changed (--redraw draws them "
			    "anew).");
	else
		out_text(o, "\n%s %d candidate%s from seed %llu.", redraw ? "Redrew" : "Drew", r->drawn,
			 r->drawn == 1 ? "" : "s", (unsigned long long)r->seed);
	if (dropped)
		out_text(o, "Dropped %lld composed message%s that carried the old candidates: run "
			    "'compose --outbox' again (the outbox still holds the old files until then).",
			 dropped, dropped == 1 ? "" : "s");
}

/* What personas_follow did or found. Text in the table format; in JSON,
 * whose output is the bare array of candidates, the same lines go to
 * stderr. */
static void describe_follow(struct out *o, struct cmd_ctx *ctx, const struct personas_follow *f)
{
	if (!f->n)
		return;
	char head[256];
	if (f->applied)
		snprintf(head, sizeof(head),
			 "study.ini changed since the candidates were drawn; nothing was sent yet, "
			 "so %d candidate%s now follow%s it:",
			 f->personas, f->personas == 1 ? "" : "s", f->personas == 1 ? "s" : "");
	else
		snprintf(head, sizeof(head),
			 "study.ini differs from the candidates in use; %lld application%s %s "
			 "actually sent, so the candidates stay as the landlords saw them:",
			 f->real_sends, f->real_sends == 1 ? "" : "s",
			 f->real_sends == 1 ? "was" : "were");
	if (ctx->json)
		fprintf(stderr, "corrtest personas: %s\n", head);
	else
		out_text(o, "%s", head);
	int n;
	char **lines = personas_follow_lines(f, &n);
	for (int i = 0; i < n; i++) {
		if (ctx->json)
			fprintf(stderr, "corrtest personas:   %s\n", lines[i]);
		else
			out_text(o, "  %s%s", lines[i], f->applied ? "" : " (in study.ini; not applied)");
		free(lines[i]);
	}
	free(lines);
	if (f->discarded) {
		if (ctx->json)
			fprintf(stderr, "corrtest personas: %lld composed message%s dropped: compose "
					"again\n", f->discarded, f->discarded == 1 ? "" : "s");
		else
			out_text(o, "Dropped %lld composed message%s that carried the old values: run "
				    "'compose --outbox' again.",
				 f->discarded, f->discarded == 1 ? "" : "s");
	}
	if (!ctx->json)
		out_text(o, "%s", "");
}

static void describe_warnings(struct out *o, struct cmd_ctx *ctx, const struct persona_set *r)
{
	char **w;
	int n = personas_warnings(ctx->study, r, &w);
	for (int i = 0; i < n; i++) {
		if (ctx->json)
			fprintf(stderr, "corrtest personas: warning: %s\n", w[i]);
		else
			out_text(o, "%swarning: %s", i ? "" : "\n", w[i]);
		free(w[i]);
	}
	free(w);
}

int cmd_personas(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "redraw", no_argument, NULL, 'r' },
					      { NULL, 0, NULL, 0 } };
	int c, redraw = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': redraw = 1; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	struct ct_err err = { 0 };
	struct persona_set *r;
	struct personas_follow f;
	long long dropped = 0;
	/* study.ini first, so that a redraw or the table starts from it. */
	if (personas_follow(ctx->study, &f, &err))
		return cmd_error(ctx, &err);
	if (personas_draw_ex(ctx->study, redraw, &r, &dropped, &err)) {
		personas_follow_free(&f);
		return cmd_error(ctx, &err);
	}
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	describe_follow(o, ctx, &f);
	describe(o, ctx->study->design, r, redraw, dropped, f.n > 0 && f.applied);
	describe_warnings(o, ctx, r);
	personas_follow_free(&f);
	persona_set_free(r);
	return out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
}
