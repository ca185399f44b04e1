/* preflight.h: the pre-flight check of a study (`corrtest check`): what
 * would make the study fail or reveal itself once it goes out, found before
 * anything is sent. `send --live` and `field list` run it first and refuse
 * on errors (preflight_errors); `status` shows its warnings. Reads the
 * study (and the secrets file, for the presence of passwords only: no
 * password is copied or named); never writes, never prints.
 *
 * Every finding has a stable short code that scripts and tests rely on:
 *   errors    shared-phone, shared-mailbox, reserved-domain, placeholder-phone,
 *             no-contact, mail-config, no-mail-server, no-secrets, no-secret,
 *             template, persona-profile, persona-phone, persona-mail-domain,
 *             agent-collision
 *   warnings  reserved-domain (persona mailboxes on a loopback test server),
 *             outside-hours, personas-not-drawn, not-assigned, no-listings
 */
#ifndef CT_PREFLIGHT_H
#define CT_PREFLIGHT_H

#include "store/study.h"
#include "base/util.h"

enum preflight_severity { PREFLIGHT_ERROR = 0, PREFLIGHT_WARNING = 1 };

struct preflight_finding {
	enum preflight_severity severity;
	const char *code; /* static text, e.g. "shared-phone" */
	char *subject;    /* what it is about: personas ("belgian.female"), a listing
			   * ref, applications ("application 12"); NULL for the study */
	char *message;    /* a sentence for people, naming the fix */
};

/* Owned by the caller: preflight_report_free. Zero-initialise before use. */
struct preflight_report {
	struct preflight_finding *f; /* errors first, then warnings; in check order */
	int n, cap;
	int nerrors, nwarnings;
	/* The smallest gap, in days, between two applications of one persona
	 * to one agent (sent or planned), and the two applications; gap < 0
	 * when no persona writes any agent twice. */
	double min_agent_gap_days;
	long long min_agent_gap_apps[2];
};

/* Runs every check on the study and fills r (which it empties first).
 * CT_OK when the check ran, whatever it found; CT_EENV on a database error
 * (err set). The effective channel of an application is
 * application.channel, else its listing's, else the study's default
 * ([fielding] channel). */
int preflight_run(struct study *s, struct preflight_report *r, struct ct_err *err);
/* For commands that must not go on with a study that would fail (send
 * --live, field list): preflight_run, then CT_EINPUT with err saying how
 * many errors were found and pointing to `corrtest check` when there is at
 * least one error; r keeps every finding so that the caller can name them.
 * CT_OK when there is no error (warnings only). */
enum preflight_scope {
	PREFLIGHT_SEND,  /* send --live: every error */
	PREFLIGHT_FIELD, /* field list: the mail server's settings and secrets
			  * concern send --live only; they are kept as warnings */
};
int preflight_errors(struct study *s, enum preflight_scope scope, struct preflight_report *r,
		     struct ct_err *err);
void preflight_report_free(struct preflight_report *r);
/* "error" / "warning". */
const char *preflight_severity_name(enum preflight_severity sev);

/* Describes the report to an output printer (io/out.h): JSON keys errors,
 * warnings, min_agent_gap_days (null when no persona writes an agent
 * twice) and findings [{severity, code, subject, message}]; for people one
 * line per finding, "severity code: subject: message". With warnings_only,
 * the errors are left out (status shows the warnings). */
struct out;
void preflight_describe(struct out *o, const struct preflight_report *r, int warnings_only);

/* Exposed for its unit test: 1 when a phone number cannot be a persona's own: empty, fewer than 8
 * digits, or ending in six zeros (the preset's "+32 460 00 00 00"). */
int preflight_phone_placeholder(const char *phone);

#endif
