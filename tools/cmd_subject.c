/* cmd_subject.c: corrtest subject EMAIL: a GDPR access request, everything
 * the study holds about one landlord (evidence/subject.h does the work). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "evidence/subject.h"
#include "io/out.h"
#include "base/banned.h"

const char cmd_subject_usage[] =
	"usage: corrtest subject EMAIL [--name NAME] [--phone NUMBER] [--raw DIR]\n"
	"\n"
	"Lists every piece of data the study holds about one landlord or agent, for\n"
	"an access request (GDPR art. 15): the listings whose contact address is EMAIL\n"
	"(or, with --name, whose contact or agent name is NAME; with --phone, whose\n"
	"phone number is NUMBER however written) with their URL, title and contact\n"
	"data; the messages to and from those listings and every message from EMAIL\n"
	"(direction, time, subject, SHA-256, size; 'purged' once the raw message was\n"
	"removed); the responses and codes; the re-check snapshots; and the events\n"
	"that name those listings, applications or messages. --raw DIR writes each raw\n"
	"message held to DIR/message-ID.eml (mode 0600).\n"
	"\n"
	"Confidential: the output holds the landlord's personal data.\n"
	"\n"
	"Exit status 0 when something was found, 1 when the study holds nothing about\n"
	"them (it says so, and whether data were purged from the study before).\n";

static void str(struct out *o, const char *key, const char *label, const char *v)
{
	out_str(o, &(struct out_field){ key, label, OUT_TEXT, 0 }, v);
}

int cmd_subject(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "name", required_argument, NULL, 'n' },
					      { "phone", required_argument, NULL, 'p' },
					      { "raw", required_argument, NULL, 'r' },
					      { NULL, 0, NULL, 0 } };
	struct subject_query q = { 0 };
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': q.name = optarg; break;
		case 'p': q.phone = optarg; break;
		case 'r': q.raw_dir = optarg; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error(ctx, "give one e-mail address");
	q.email = argv[optind];
	if (!*q.email || !strchr(q.email, '@'))
		return cmd_usage_error(ctx, "'%s' is not an e-mail address", q.email);
	struct subject_result *r;
	struct ct_err err = { 0 };
	int rc = subject_run(ctx->study, &q, &r, &err);
	if (rc)
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	str(o, "email", "data held about", q.email);
	out_bool(o, &(struct out_field){ "found", "found", OUT_BOOL, 0 }, subject_found(r));
	out_int(o, &(struct out_field){ "purges", "purges recorded in the study", OUT_COUNT, 0 },
		r->purges);
	out_table_begin(o, &(struct out_field){ "listings", "Listings", OUT_TEXT, 0 });
	for (size_t i = 0; i < r->nlistings; i++) {
		const struct subject_listing *l = &r->listings[i];
		out_row_begin(o, NULL);
		str(o, "ref", "listing", l->ref);
		str(o, "url", "url", l->url);
		str(o, "title", "title", l->title);
		str(o, "contact_email", "e-mail", l->contact_email);
		str(o, "contact_name", "name", l->contact_name);
		str(o, "agent_name", "agent", l->agent_name);
		str(o, "contact_phone", "phone", l->contact_phone);
		str(o, "portal_ref", NULL, l->portal_ref);
		str(o, "agent_type", NULL, l->agent_type);
		str(o, "agent_key", NULL, l->agent_key);
		str(o, "area", NULL, l->area);
		out_value(o, &(struct out_field){ "price", NULL, OUT_AMOUNT, 0 }, l->has_price, l->price);
		str(o, "status", NULL, l->status);
		str(o, "added_at", NULL, l->added_at);
		out_row_end(o);
	}
	out_table_end(o);
	out_table_begin(o, &(struct out_field){ "messages", "Messages", OUT_TEXT, 0 });
	for (size_t i = 0; i < r->nmessages; i++) {
		const struct subject_message *m = &r->messages[i];
		out_row_begin(o, NULL);
		out_int(o, &(struct out_field){ "id", "message", OUT_COUNT, 0 }, (long)m->id);
		str(o, "ref", "listing", m->ref);
		str(o, "direction", "dir", m->direction);
		str(o, "at", "at", m->at);
		str(o, "from", "from", m->from_addr);
		str(o, "subject", "subject", m->subject);
		str(o, "sha256", "sha256", m->sha256);
		out_value(o, &(struct out_field){ "size", "bytes", OUT_COUNT, 0 }, m->size >= 0,
			  (double)m->size);
		out_bool(o, &(struct out_field){ "purged", "purged", OUT_BOOL, 0 }, m->size < 0);
		str(o, "kind", NULL, m->kind);
		str(o, "raw_file", NULL, m->raw_file);
		out_row_end(o);
	}
	out_table_end(o);
	out_table_begin(o, &(struct out_field){ "responses", "Responses and codes", OUT_TEXT, 0 });
	for (size_t i = 0; i < r->nresponses; i++) {
		const struct subject_response *p = &r->responses[i];
		out_row_begin(o, NULL);
		str(o, "ref", "listing", p->ref);
		out_int(o, &(struct out_field){ "application", "application", OUT_COUNT, 0 },
			(long)p->application);
		str(o, "source", "record", p->source);
		str(o, "outcome", "outcome", p->outcome);
		str(o, "channel", "channel", p->channel);
		str(o, "coder", "coder", p->coder);
		str(o, "at", "at", p->at);
		str(o, "note", "note", p->note);
		out_row_end(o);
	}
	out_table_end(o);
	out_table_begin(o, &(struct out_field){ "snapshots", "Re-check snapshots", OUT_TEXT, 0 });
	for (size_t i = 0; i < r->nsnapshots; i++) {
		const struct subject_snapshot *p = &r->snapshots[i];
		out_row_begin(o, NULL);
		str(o, "ref", "listing", p->ref);
		str(o, "at", "at", p->at);
		str(o, "url", "url", p->url);
		out_value(o, &(struct out_field){ "http_status", "HTTP", OUT_COUNT, 0 }, p->has_status,
			  p->http_status);
		str(o, "final_url", NULL, p->final_url);
		str(o, "title", "title", p->title);
		str(o, "price", "price", p->price);
		str(o, "advertised", "advertised",
		    p->advertised < 0 ? NULL : p->advertised ? "yes" : "no");
		out_value(o, &(struct out_field){ "body_size", NULL, OUT_COUNT, 0 }, p->body_size >= 0,
			  (double)p->body_size);
		out_row_end(o);
	}
	out_table_end(o);
	out_table_begin(o, &(struct out_field){ "events", "Events", OUT_TEXT, 0 });
	for (size_t i = 0; i < r->nevents; i++) {
		const struct subject_event *e = &r->events[i];
		out_row_begin(o, NULL);
		out_int(o, &(struct out_field){ "id", "event", OUT_COUNT, 0 }, (long)e->id);
		str(o, "at", "at", e->at);
		str(o, "action", "action", e->action);
		str(o, "subject", "subject", e->subject);
		out_row_end(o);
	}
	out_table_end(o);
	int found = subject_found(r);
	if (!found)
		out_text(o, "\nThe study holds no data about %s%s.", q.email,
			 r->purges ? " now; personal data were purged from it before (its event "
				     "log records each purge), so it may have held some"
				   : "");
	subject_result_free(r);
	if (out_free(o))
		return cmd_errorf(ctx, CT_EENV, "cannot write the output");
	rc = cmd_flush(ctx);
	return rc ? rc : found ? CT_OK : CT_PROBLEM;
}
