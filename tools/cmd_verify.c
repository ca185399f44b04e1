/* cmd_verify.c: corrtest verify and corrtest seal: is the record what it
 * was (evidence/verify.h does the work). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "evidence/verify.h"
#include "io/out.h"
#include "base/banned.h"

const char cmd_verify_usage[] =
	"usage: corrtest verify [--checkpoint FILE [--tsr FILE] [--tsa-ca FILE]]\n"
	"                       [--report FILE [--previous DIR]...]\n"
	"\n"
	"Checks that the study's record was not changed: the hash-chained event log\n"
	"(an event edited, inserted, reordered or deleted is named), every stored raw\n"
	"message against its SHA-256, and with --checkpoint a checkpoint written by\n"
	"corrtest seal and kept outside the study (events cut from the end of the\n"
	"log, or a log rewritten since the seal). With --report, a report written\n"
	"by corrtest report is made again from the study as it stands, with the\n"
	"language, options and time its data block records, and every figure of\n"
	"the data block and every line of its text must be the same; --previous\n"
	"gives the earlier studies the report was made with.\n"
	"\n"
	"A checkpoint's RFC 3161 time-stamp (written by seal --tsa to FILE.tsr, or\n"
	"given with --tsr: a DER TimeStampResp or a bare token) is checked when it\n"
	"exists: its imprint must be the checkpoint's digest and its signature must\n"
	"verify; the authority's time and name are shown. With --tsa-ca (the\n"
	"authority's CA certificates, PEM) its signer must be certified by that CA\n"
	"for time-stamping, at the time it signed; without it only the certificate\n"
	"the token carries is used, which shows the token is intact but not who\n"
	"signed it (the output says so).\n"
	"\n"
	"Exit status 0 when everything holds, 1 when something differs (each\n"
	"difference is listed; a time-stamp that does not hold is one), 2 for a\n"
	"file that is not a checkpoint, a report or a file of CA certificates.\n";

const char cmd_seal_usage[] =
	"usage: corrtest seal [--out FILE [--tsa URL [--tsa-ca FILE]]]\n"
	"\n"
	"Records a seal in the event log and writes a checkpoint: the number of\n"
	"events and the hash of the last one, with the time. Keep it outside the\n"
	"study (print it, mail it to a partner, file it): corrtest verify\n"
	"--checkpoint FILE then also finds events cut from the end of the log,\n"
	"which the hash chain alone cannot show. Without --out the checkpoint is\n"
	"printed.\n"
	"\n"
	"With --tsa, an RFC 3161 time-stamp authority signs the checkpoint's\n"
	"SHA-256 with its time, which shows that the checkpoint (and the log up to\n"
	"it) existed then. The URL is https://, or http:// to this machine only\n"
	"(127.0.0.1, ::1, localhost). The reply must grant the time-stamp, for this\n"
	"checkpoint and this request (its nonce), with a signature that verifies\n"
	"(against --tsa-ca, the authority's CA certificates in PEM, when given); it\n"
	"is kept as FILE.tsr (a DER TimeStampResp: openssl ts -verify -in FILE.tsr\n"
	"-data FILE -CAfile CA checks it too) and a timestamp event records the\n"
	"authority's time and serial. All or nothing: when the authority cannot be\n"
	"reached (within 30 seconds), refuses or answers anything else, nothing is\n"
	"written or recorded (exit status 3). A seal without --tsa removes the\n"
	"FILE.tsr of an earlier one, which would not match the new checkpoint.\n";

int cmd_verify(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "checkpoint", required_argument, NULL, 'c' },
					      { "report", required_argument, NULL, 'r' },
					      { "previous", required_argument, NULL, 'p' },
					      { "tsr", required_argument, NULL, 't' },
					      { "tsa-ca", required_argument, NULL, 'a' },
					      { NULL, 0, NULL, 0 } };
	struct verify_options vo = { 0 };
	const char **previous = xcalloc((size_t)argc + 1, sizeof(char *));
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': vo.checkpoint = optarg; break;
		case 'r': vo.report = optarg; break;
		case 'p': previous[vo.nprevious++] = optarg; break;
		case 't': vo.tsr = optarg; break;
		case 'a': vo.tsa_ca = optarg; break;
		default: free(previous); return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc) {
		free(previous);
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	}
	if (vo.nprevious && !vo.report) {
		free(previous);
		return cmd_usage_error(ctx, "--previous goes with --report");
	}
	if ((vo.tsr || vo.tsa_ca) && !vo.checkpoint) {
		free(previous);
		return cmd_usage_error(ctx, "--tsr and --tsa-ca go with --checkpoint");
	}
	vo.previous = previous;
	struct verify_result *r;
	struct ct_err err = { 0 };
	int rc = verify_run(ctx->study, &vo, &r, &err);
	free(previous);
	if (rc)
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_bool(o, &(struct out_field){ "ok", NULL, OUT_BOOL, 0 }, r->nfindings == 0);
	out_int(o, &(struct out_field){ "events", "events in the log", OUT_COUNT, 0 }, r->events);
	out_str(o, &(struct out_field){ "head", "hash of the last event", OUT_TEXT, 0 },
		r->head[0] ? r->head : NULL);
	out_int(o, &(struct out_field){ "messages", "raw messages", OUT_COUNT, 0 }, r->messages);
	out_int(o, &(struct out_field){ "messages_purged", "of which purged (hash kept)", OUT_COUNT,
					0 },
		r->messages_purged);
	struct out_field cp = { "checkpoint_events", "events at the checkpoint", OUT_COUNT, 0 };
	if (r->checkpoint_checked)
		out_int(o, &cp, r->checkpoint_events);
	else
		out_missing(o, &(struct out_field){ "checkpoint_events", NULL, OUT_COUNT, 0 }, NULL);
	/* The time-stamp's lines only when it holds (a finding says when it
	 * does not); null in JSON otherwise. */
	const struct tsa_info *ts = r->timestamp_valid ? &r->timestamp : NULL;
	struct out_field tsf[] = {
		{ "timestamp_time", "time-stamped at", OUT_TEXT, 0 },
		{ "timestamp_tsa", "time-stamp authority", OUT_TEXT, 0 },
		{ "timestamp_serial", "time-stamp serial", OUT_TEXT, 0 },
		{ "timestamp_trusted", "time-stamp signer certified by --tsa-ca", OUT_BOOL, 0 },
	};
	if (ts) {
		out_str(o, &tsf[0], ts->gen_time);
		out_str(o, &tsf[1], ts->tsa_name);
		out_str(o, &tsf[2], ts->serial);
		out_bool(o, &tsf[3], r->timestamp_trusted);
	} else {
		for (size_t i = 0; i < ARRAY_SIZE(tsf); i++)
			out_missing(o, &(struct out_field){ tsf[i].key, NULL, tsf[i].unit, 0 }, NULL);
	}
	struct out_field fig = { "report_figures", "report: data-block lines compared", OUT_COUNT, 0 };
	struct out_field txt = { "report_lines", "report: text lines compared", OUT_COUNT, 0 };
	struct out_field rev = { "report_events", "report: events when it was made", OUT_COUNT, 0 };
	if (r->report_checked) {
		out_int(o, &fig, r->figures);
		out_int(o, &txt, r->text_lines);
		out_value(o, &rev, r->report_events >= 0, (double)r->report_events);
	} else {
		out_missing(o, &(struct out_field){ "report_figures", NULL, OUT_COUNT, 0 }, NULL);
		out_missing(o, &(struct out_field){ "report_lines", NULL, OUT_COUNT, 0 }, NULL);
		out_missing(o, &(struct out_field){ "report_events", NULL, OUT_COUNT, 0 }, NULL);
	}
	out_table_begin(o, &(struct out_field){ "findings", NULL, OUT_TEXT, 0 });
	for (int i = 0; i < r->nfindings; i++) {
		const struct verify_finding *f = &r->findings[i];
		out_row_begin(o, NULL);
		out_str(o, &(struct out_field){ "kind", NULL, OUT_TEXT, 0 }, verify_kind_key(f->kind));
		out_str(o, &(struct out_field){ "subject", NULL, OUT_TEXT, 0 }, f->subject);
		out_str(o, &(struct out_field){ "what", NULL, OUT_TEXT, 0 }, f->what);
		out_text(o, "%s: %s: %s", verify_kind_key(f->kind), f->subject, f->what);
		out_row_end(o);
	}
	out_table_end(o);
	if (r->report_checked && r->report_events >= 0 && r->report_events != r->events)
		out_text(o, "\nThe report was made when the event log held %ld events; it holds %ld "
			    "now. It was compared with the study's data as they are now and the log "
			    "as it was then (its length and head): a seal, a re-check or a purge "
			    "since changes nothing in it; a reply logged or coded since would show "
			    "as a difference.",
			 r->report_events, r->events);
	if (ts && !r->timestamp_trusted)
		out_text(o, "\nThe time-stamp (%s) was checked with the certificate it carries only: "
			    "its imprint and signature hold, but its signer is not trusted (give "
			    "--tsa-ca with the authority's CA certificate to check who signed it).",
			 r->timestamp_file);
	if (r->nfindings)
		out_text(o, "\nThe record does NOT hold: %d difference%s above.", r->nfindings,
			 r->nfindings == 1 ? "" : "s");
	else
		out_text(o, "\nEverything holds.");
	int findings = r->nfindings;
	verify_result_free(r);
	if (out_free(o))
		return cmd_errorf(ctx, CT_EENV, "cannot write the output");
	rc = cmd_flush(ctx);
	return rc ? rc : findings ? CT_PROBLEM : CT_OK;
}

int cmd_seal(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "out", required_argument, NULL, 'o' },
					      { "tsa", required_argument, NULL, 't' },
					      { "tsa-ca", required_argument, NULL, 'a' },
					      { NULL, 0, NULL, 0 } };
	const char *path = NULL;
	struct seal_tsa tsa = { 0 };
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': path = optarg; break;
		case 't': tsa.url = optarg; break;
		case 'a': tsa.ca_file = optarg; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	if (tsa.ca_file && !tsa.url)
		return cmd_usage_error(ctx, "--tsa-ca goes with --tsa");
	if (tsa.url && !path)
		return cmd_usage_error(ctx, "--tsa needs --out FILE (the time-stamp goes to FILE.tsr)");
	char *text, head[65];
	long events = 0;
	struct ct_err err = { 0 };
	int rc = verify_seal(ctx->study, path, tsa.url ? &tsa : NULL, &text, &events, head, &err);
	if (rc)
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_int(o, &(struct out_field){ "events", "events", OUT_COUNT, 0 }, events);
	out_str(o, &(struct out_field){ "head", "head", OUT_TEXT, 0 }, head);
	out_str(o, &(struct out_field){ "checkpoint", path ? "checkpoint written to" : NULL, OUT_TEXT,
					0 },
		path);
	if (tsa.url) {
		out_str(o, &(struct out_field){ "timestamp", "time-stamp written to", OUT_TEXT, 0 },
			tsa.tsr_path);
		out_str(o, &(struct out_field){ "timestamp_time", "time-stamped at", OUT_TEXT, 0 },
			tsa.info.gen_time);
		out_str(o, &(struct out_field){ "timestamp_tsa", "time-stamp authority", OUT_TEXT, 0 },
			tsa.info.tsa_name);
		out_str(o, &(struct out_field){ "timestamp_serial", "time-stamp serial", OUT_TEXT, 0 },
			tsa.info.serial);
		free(tsa.tsr_path);
		tsa_info_free(&tsa.info);
	}
	if (!path)
		out_text(o, "\n%s", text);
	free(text);
	if (out_free(o))
		return cmd_errorf(ctx, CT_EENV, "cannot write the output");
	return cmd_flush(ctx);
}
