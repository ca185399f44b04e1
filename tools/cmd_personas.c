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
#include "io/json.h"
#include "io/table.h"
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
	"  --redraw   draw every candidate anew (refused once a message was sent);\n"
	"             the Nth redraw uses its own random stream of the seed, so it too\n"
	"             is reproducible\n";

static void print_personas(struct cmd_ctx *ctx, const struct persona_set *r)
{
	const struct design *d = ctx->study->design;
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 1);
		json_arr_begin(&j);
		for (int i = 0; i < r->n; i++) {
			const struct persona *p = &r->p[i];
			if (!p->in_design)
				continue;
			const struct design_group *dg = design_group_find(d, p->group);
			json_obj_begin(&j);
			json_key(&j, "id");
			json_int(&j, p->id);
			json_key(&j, "group");
			json_str(&j, p->group);
			json_key(&j, "role");
			json_str(&j, dg && dg->control ? "control" : "test");
			json_key(&j, "gender");
			json_str(&j, gender_name(p->gender));
			json_key(&j, "first_name");
			json_str(&j, p->first);
			json_key(&j, "last_name");
			json_str(&j, p->last);
			json_key(&j, "email");
			json_str(&j, p->email);
			json_key(&j, "phone");
			json_str(&j, p->phone);
			json_key(&j, "profile");
			json_raw(&j, p->profile && *p->profile == '{' ? p->profile : "{}");
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_end(&j);
		return;
	}
	static const char *const head[] = { "group",     "gender", "first name",
					    "last name", "email",  "phone" };
	struct table *t = table_new(6, head);
	for (int i = 0; i < r->n; i++) {
		const struct persona *p = &r->p[i];
		if (p->in_design)
			table_addv(t, p->group, gender_name(p->gender), p->first, p->last, p->email,
				   p->phone);
	}
	table_print(t, stdout);
	table_free(t);
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
	if (personas_draw(ctx->study, redraw, &r, &err))
		return cmd_error(ctx, &err);
	print_personas(ctx, r);
	if (!ctx->json) {
		if (!r->drawn)
			printf("\nAll candidates were drawn before; nothing changed "
			       "(--redraw draws them anew).\n");
		else
			printf("\n%s %d candidate%s from seed %llu.\n", redraw ? "Redrew" : "Drew",
			       r->drawn, r->drawn == 1 ? "" : "s", (unsigned long long)r->seed);
	}
	persona_set_free(r);
	return CT_OK;
}
