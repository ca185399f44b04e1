/* cmd_purge.c: corrtest purge: removes landlords' and agents' personal data
 * after the retention period (evidence/purge.h does the work). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "evidence/purge.h"
#include "io/out.h"
#include "base/banned.h"

const char cmd_purge_usage[] =
	"usage: corrtest purge [--dry-run] [--secrets [--all]]\n"
	"\n"
	"Removes the personal data of landlords and agents whose listings were last\n"
	"active more than study.ini [evidence] retention_days days ago, except those\n"
	"of agents under [evidence] legal_hold (names as written in the listings, or a\n"
	"private landlord's contact address; matched through the agent key). A\n"
	"listing's last activity is the latest of its sending, its messages, the times\n"
	"of its replies (also those logged by hand) and its re-check snapshots; a\n"
	"listing with an application still to send or a re-check still due is kept.\n"
	"\n"
	"Removed: contact e-mail addresses, names and phone numbers, the listing's URL,\n"
	"portal number and title, the raw messages and what was read from them (From,\n"
	"Subject, the landlord's Message-ID), free-text notes, re-check snapshots' URLs,\n"
	"titles, prices and pages; unlinked incoming messages older than the\n"
	"retention; the outbox files of the messages; and every other file in the\n"
	"study folder that holds one of those values (exports, reports, copies of the\n"
	"listings file, logs), which is overwritten and deleted. Files of the design\n"
	"(study.ini, templates/, names/, coding/) are never deleted: one holding such a\n"
	"value is named. The database is then rewritten (VACUUM, the WAL checkpointed\n"
	"and truncated) so that no old copy stays in study.db or study.db-wal.\n"
	"\n"
	"Kept: the pseudonymous record (listing refs, agent keys and types, areas,\n"
	"prices, applications, responses, codes, every message's SHA-256), so that\n"
	"stats and the report give the same figures, and corrtest verify still passes\n"
	"(a purged message keeps its hash). A \"purge\" event records the counts.\n"
	"\n"
	"  --dry-run   list what would be removed (counts by kind, listings by ref,\n"
	"              files) and change nothing\n"
	"  --secrets   also remove the personas' mailbox passwords: their sections of\n"
	"              secrets.ini (or of the file CORRTEST_SECRETS names; the file\n"
	"              goes when nothing else is left in it), at the end of a study\n"
	"  --all       with --secrets: also remove the agent key's secret, so that no\n"
	"              one can test an agent's name against the agent keys any more;\n"
	"              new listings can then no longer be keyed, and a later wave's\n"
	"              report matches this study's agents by their stored keys only\n"
	"              (refused while a legal hold is set)\n"
	"\n"
	"Exit status 0 when done, 1 when personal data remain that purge may not\n"
	"remove (a design file, or the text of an event, which the hash chain keeps),\n"
	"2 for a bad [evidence] section (nothing is changed).\n";

int cmd_purge(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "dry-run", no_argument, NULL, 'n' },
					      { "secrets", no_argument, NULL, 's' },
					      { "all", no_argument, NULL, 'a' },
					      { NULL, 0, NULL, 0 } };
	struct purge_options po = { 0 };
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': po.dry_run = 1; break;
		case 's': po.secrets = 1; break;
		case 'a': po.all = 1; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	if (po.all && !po.secrets)
		return cmd_usage_error(ctx, "--all goes with --secrets");
	struct purge_result *r;
	struct ct_err err = { 0 };
	int rc = purge_run(ctx->study, &po, &r, &err);
	if (rc)
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_bool(o, &(struct out_field){ "dry_run", "dry run", OUT_BOOL, 0 }, po.dry_run);
	out_int(o, &(struct out_field){ "retention_days", "retention (days)", OUT_COUNT, 0 },
		r->retention_days);
	out_str(o, &(struct out_field){ "cutoff", "last active at or before", OUT_TEXT, 0 },
		r->cutoff);
	out_int(o, &(struct out_field){ "listings_purged", po.dry_run ? "listings to purge"
								     : "listings purged",
					OUT_COUNT, 0 },
		r->due);
	out_int(o, &(struct out_field){ "listings_held", "kept: legal hold", OUT_COUNT, 0 },
		r->held);
	out_int(o, &(struct out_field){ "listings_recent", "kept: within the retention", OUT_COUNT,
					0 },
		r->recent);
	out_int(o, &(struct out_field){ "listings_pending", "kept: work pending", OUT_COUNT, 0 },
		r->pending);
	out_int(o, &(struct out_field){ "unlinked_messages", "unlinked messages", OUT_COUNT, 0 },
		r->unlinked);
	out_map_begin(o, &(struct out_field){ "removed", po.dry_run ? "Would remove" : "Removed",
					      OUT_TEXT, 0 });
	static const char *const labels[PK_KIND_N] = {
		"e-mail addresses", "names", "phone numbers", "URLs and portal numbers",
		"titles and prices", "raw messages", "message headers", "notes and errors",
		"snapshot pages"
	};
	for (int k = 0; k < PK_KIND_N; k++)
		out_int(o, &(struct out_field){ purge_kind_key(k), labels[k], OUT_COUNT, 0 },
			r->counts[k]);
	out_int(o, &(struct out_field){ "files", "files", OUT_COUNT, 0 }, (long)r->nfiles_removed);
	out_map_end(o);
	out_table_begin(o, &(struct out_field){ "listings", NULL, OUT_TEXT, 0 });
	for (size_t i = 0; i < r->nlistings; i++) {
		out_row_begin(o, NULL);
		out_str(o, &(struct out_field){ "ref", "listing", OUT_TEXT, OUT_ID }, r->listings[i].ref);
		out_str(o, &(struct out_field){ "state", "state", OUT_TEXT, 0 },
			purge_state_key(r->listings[i].state));
		out_str(o, &(struct out_field){ "last_activity", "last activity", OUT_TEXT, 0 },
			r->listings[i].last[0] ? r->listings[i].last : NULL);
		out_row_end(o);
	}
	out_table_end(o);
	out_table_begin(o, &(struct out_field){ "files", NULL, OUT_TEXT, 0 });
	for (size_t i = 0; i < r->nfiles_removed; i++) {
		out_row_begin(o, NULL);
		out_str(o, &(struct out_field){ "file", po.dry_run ? "file to remove" : "file removed",
						OUT_TEXT, 0 },
			r->files_removed[i]);
		out_row_end(o);
	}
	out_table_end(o);
	out_list_begin(o, &(struct out_field){ "files_kept", NULL, OUT_TEXT, 0 });
	for (size_t i = 0; i < r->nfiles_kept; i++)
		out_str(o, &(struct out_field){ NULL, NULL, OUT_TEXT, 0 }, r->files_kept[i]);
	out_list_end(o);
	out_list_begin(o, &(struct out_field){ "events_with_data", NULL, OUT_COUNT, 0 });
	for (size_t i = 0; i < r->nevents_with_data; i++)
		out_int(o, &(struct out_field){ NULL, NULL, OUT_COUNT, 0 }, r->events_with_data[i]);
	out_list_end(o);
	if (po.secrets) {
		out_str(o, &(struct out_field){ "secrets_file", "secrets file", OUT_TEXT, 0 },
			r->secrets_path);
		out_int(o, &(struct out_field){ "secret_sections", "mailbox passwords", OUT_COUNT, 0 },
			r->secret_sections);
		out_bool(o, &(struct out_field){ "secrets_file_removed", "secrets file removed",
						 OUT_BOOL, 0 },
			 r->secrets_file_removed && r->secret_sections);
		out_bool(o, &(struct out_field){ "agent_key_removed", "agent key removed", OUT_BOOL,
						 0 },
			 r->agent_key_removed);
	}
	if (r->event_id)
		out_int(o, &(struct out_field){ "event", "recorded as event", OUT_COUNT, 0 },
			(long)r->event_id);
	if (r->files_left)
		out_text(o, "%ld file(s) renamed *.purging could not be removed: remove them by "
			    "hand, or run corrtest purge again.",
			 r->files_left);
	for (size_t i = 0; i < r->nfiles_kept; i++)
		out_text(o, strncmp(r->files_kept[i], "dossiers/", 9)
				    ? "%s holds a purged value and is a design file: edit it by hand."
				    : "%s holds a purged value and belongs to the dossier of an agent "
				      "under legal hold: kept; check it by hand.",
			 r->files_kept[i]);
	if (r->nevents_with_data) {
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < r->nevents_with_data; i++)
			sb_addf(&sb, "%s%ld", i ? ", " : "", r->events_with_data[i]);
		out_text(o, "The text of event%s %s holds a purged value; the hash chain keeps it "
			    "(changing it would break corrtest verify).",
			 r->nevents_with_data == 1 ? "" : "s", sb_str(&sb));
		sb_free(&sb);
	}
	if (po.dry_run)
		out_text(o, "\nDry run: nothing was changed.");
	int left = r->nfiles_kept || r->nevents_with_data || r->files_left;
	purge_result_free(r);
	if (out_free(o))
		return cmd_errorf(ctx, CT_EENV, "cannot write the output");
	rc = cmd_flush(ctx);
	return rc ? rc : left && !po.dry_run ? CT_PROBLEM : CT_OK;
}
