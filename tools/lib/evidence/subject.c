/* subject.c: what the study holds about one landlord (subject.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "evidence/subject.h"
#include "base/banned.h"

#define GROW(v, n) ((v) = xrealloc((v), ((n) + 1) * sizeof(*(v))), &(v)[(n)++])

static char *dup_col(sqlite3_stmt *st, int i)
{
	return study_column_dup(st, i, NULL);
}

static int matches(const struct subject_query *q, const char *email, const char *cname,
		   const char *aname, const char *phone)
{
	if (email && str_eq_ci(email, q->email))
		return 1;
	if (q->name && ((cname && str_eq_ci(cname, q->name)) || (aname && str_eq_ci(aname, q->name))))
		return 1;
	return q->phone && phone && phone_same(phone, q->phone);
}

static int load_listings(struct study *s, const struct subject_query *q, struct subject_result *r,
			 struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s,
			       "SELECT l.id, l.ref, l.url, l.title, l.agent_type, l.agent_key, l.area,"
			       " l.status, l.added_at, c.contact_email, c.contact_name, c.agent_name,"
			       " c.contact_phone, l.portal_ref, l.price FROM listing l"
			       " JOIN listing_contact c ON c.listing = l.id ORDER BY l.ref",
			       &st, err), step;
	if (rc)
		return rc;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (!matches(q, (const char *)sqlite3_column_text(st, 9),
			     (const char *)sqlite3_column_text(st, 10),
			     (const char *)sqlite3_column_text(st, 11),
			     (const char *)sqlite3_column_text(st, 12)))
			continue;
		struct subject_listing *l = GROW(r->listings, r->nlistings);
		*l = (struct subject_listing){
			.id = sqlite3_column_int64(st, 0), .ref = dup_col(st, 1), .url = dup_col(st, 2),
			.title = dup_col(st, 3), .agent_type = dup_col(st, 4), .agent_key = dup_col(st, 5),
			.area = dup_col(st, 6), .status = dup_col(st, 7), .added_at = dup_col(st, 8),
			.contact_email = dup_col(st, 9), .contact_name = dup_col(st, 10),
			.agent_name = dup_col(st, 11), .contact_phone = dup_col(st, 12),
			.portal_ref = dup_col(st, 13),
			.has_price = sqlite3_column_type(st, 14) != SQLITE_NULL,
			.price = sqlite3_column_double(st, 14),
		};
	}
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? CT_OK : study_db_error(s, err, "reading the listings");
}

static int is_listing(const struct subject_result *r, int64_t id)
{
	for (size_t i = 0; i < r->nlistings; i++)
		if (r->listings[i].id == id)
			return 1;
	return 0;
}

static int write_raw(const char *dir, struct subject_message *m, const void *raw, size_t len,
		     struct ct_err *err)
{
	m->raw_file = xasprintf("%s/message-%lld.eml", dir, (long long)m->id);
	return file_write_atomic(m->raw_file, raw, len, 0600, err);
}

static int load_messages(struct study *s, const struct subject_query *q, struct subject_result *r,
			 struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s,
			       "SELECT m.id, m.application, a.listing, l.ref, m.direction, m.at,"
			       " m.from_addr, m.subject, m.sha256, m.kind, m.raw FROM message m"
			       " LEFT JOIN application a ON a.id = m.application"
			       " LEFT JOIN listing l ON l.id = a.listing ORDER BY m.id",
			       &st, err), step;
	if (rc)
		return rc;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *from = (const char *)sqlite3_column_text(st, 6);
		int linked = sqlite3_column_type(st, 2) != SQLITE_NULL &&
			     is_listing(r, sqlite3_column_int64(st, 2));
		if (!linked && !(from && str_eq_ci(from, q->email)))
			continue;
		struct subject_message *m = GROW(r->messages, r->nmessages);
		int purged = sqlite3_column_type(st, 10) == SQLITE_NULL;
		*m = (struct subject_message){
			.id = sqlite3_column_int64(st, 0), .application = sqlite3_column_int64(st, 1),
			.ref = dup_col(st, 3), .direction = dup_col(st, 4), .at = dup_col(st, 5),
			.from_addr = dup_col(st, 6), .subject = dup_col(st, 7), .sha256 = dup_col(st, 8),
			.kind = dup_col(st, 9), .size = purged ? -1 : sqlite3_column_bytes(st, 10),
		};
		if (!purged && q->raw_dir)
			rc = write_raw(q->raw_dir, m, sqlite3_column_blob(st, 10), (size_t)m->size, err);
	}
	sqlite3_finalize(st);
	return rc ? rc : step == SQLITE_DONE ? CT_OK : study_db_error(s, err, "reading the messages");
}

static int load_responses(struct study *s, struct subject_result *r, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s,
			       "SELECT a.listing, a.id, l.ref, 'response', r.outcome, r.channel, r.coder,"
			       " coalesce(r.at, r.coded_at), r.note FROM response r"
			       " JOIN application a ON a.id = r.application JOIN listing l ON l.id = a.listing"
			       " UNION ALL SELECT a.listing, a.id, l.ref, 'code ' || c.pass, c.outcome, NULL,"
			       " c.coder, c.coded_at, c.note FROM coding c"
			       " JOIN application a ON a.id = c.application JOIN listing l ON l.id = a.listing"
			       " ORDER BY 3, 2, 8",
			       &st, err), step;
	if (rc)
		return rc;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (!is_listing(r, sqlite3_column_int64(st, 0)))
			continue;
		struct subject_response *p = GROW(r->responses, r->nresponses);
		*p = (struct subject_response){
			.application = sqlite3_column_int64(st, 1), .ref = dup_col(st, 2),
			.source = dup_col(st, 3), .outcome = dup_col(st, 4), .channel = dup_col(st, 5),
			.coder = dup_col(st, 6), .at = dup_col(st, 7), .note = dup_col(st, 8),
		};
	}
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? CT_OK : study_db_error(s, err, "reading the responses");
}

static int load_snapshots(struct study *s, struct subject_result *r, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s,
			       "SELECT p.listing, p.id, l.ref, p.at, p.url, p.final_url, p.title, p.price,"
			       " p.http_status, p.advertised, p.body_size FROM snapshot p"
			       " JOIN listing l ON l.id = p.listing ORDER BY l.ref, p.at",
			       &st, err), step;
	if (rc)
		return rc;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (!is_listing(r, sqlite3_column_int64(st, 0)))
			continue;
		struct subject_snapshot *p = GROW(r->snapshots, r->nsnapshots);
		*p = (struct subject_snapshot){
			.id = sqlite3_column_int64(st, 1), .ref = dup_col(st, 2), .at = dup_col(st, 3),
			.url = dup_col(st, 4), .final_url = dup_col(st, 5), .title = dup_col(st, 6),
			.price = dup_col(st, 7), .http_status = sqlite3_column_int(st, 8),
			.has_status = sqlite3_column_type(st, 8) != SQLITE_NULL,
			.advertised = sqlite3_column_type(st, 9) == SQLITE_NULL
					      ? -1 : sqlite3_column_int(st, 9),
			.body_size = sqlite3_column_type(st, 10) == SQLITE_NULL
					     ? -1 : (long)sqlite3_column_int64(st, 10),
		};
	}
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? CT_OK : study_db_error(s, err, "reading the snapshots");
}

/* The names events give what they are about: a listing by its ref (or
 * "listing REF": recheck, retest), an application or a message by
 * "application N" / "message N". */
static int event_names(const struct subject_result *r, const char *subj)
{
	long long n;
	char tail;
	if (!subj)
		return 0;
	const char *ref = !strncmp(subj, "listing ", 8) ? subj + 8 : subj;
	for (size_t i = 0; i < r->nlistings; i++)
		if (!strcmp(subj, r->listings[i].ref) || !strcmp(ref, r->listings[i].ref))
			return 1;
	for (size_t i = 0; i < r->nmessages; i++) {
		if (sscanf(subj, "message %lld%c", &n, &tail) == 1 && n == r->messages[i].id)
			return 1;
		if (sscanf(subj, "application %lld%c", &n, &tail) == 1 && r->messages[i].application &&
		    n == r->messages[i].application)
			return 1;
	}
	for (size_t i = 0; i < r->nresponses; i++)
		if (sscanf(subj, "application %lld%c", &n, &tail) == 1 && n == r->responses[i].application)
			return 1;
	return 0;
}

static int load_events(struct study *s, const struct subject_query *q, struct subject_result *r,
		       struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT id, at, action, subject, detail FROM event ORDER BY id", &st,
			       err), step;
	if (rc)
		return rc;
	char *want = xstrdup(q->email);
	for (char *p = want; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *action = (const char *)sqlite3_column_text(st, 2);
		const char *subj = (const char *)sqlite3_column_text(st, 3);
		const char *detail = (const char *)sqlite3_column_text(st, 4);
		if (action && !strcmp(action, "purge"))
			r->purges++;
		int hit = event_names(r, subj);
		if (!hit && detail) {
			char *low = xstrdup(detail);
			for (char *p = low; *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p - 'A' + 'a');
			hit = strstr(low, want) != NULL;
			free(low);
		}
		if (!hit)
			continue;
		struct subject_event *e = GROW(r->events, r->nevents);
		*e = (struct subject_event){ .id = sqlite3_column_int64(st, 0), .at = dup_col(st, 1),
					     .action = dup_col(st, 2), .subject = dup_col(st, 3) };
	}
	free(want);
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? CT_OK : study_db_error(s, err, "reading the event log");
}

int subject_found(const struct subject_result *r)
{
	return r->nlistings || r->nmessages;
}

int subject_run(struct study *s, const struct subject_query *q, struct subject_result **out,
		struct ct_err *err)
{
	*out = NULL;
	/* An empty folder, checked before anything is written: a request
	 * answered half into a folder that held other files is no answer. */
	if (q->raw_dir && mkdir(q->raw_dir, 0700) != 0) {
		if (errno != EEXIST)
			return ct_fail(err, CT_EINPUT, "cannot make the folder %s: %s", q->raw_dir,
				       strerror(errno));
		DIR *d = opendir(q->raw_dir);
		struct dirent *e = NULL;
		while (d && (e = readdir(d)) && (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")))
			;
		int empty = d && !e;
		if (d)
			closedir(d);
		if (!empty)
			return ct_fail(err, CT_EINPUT,
				       "--raw %s: give a new or empty folder (it exists and is not an "
				       "empty folder)",
				       q->raw_dir);
	}
	struct subject_result *r = xcalloc(1, sizeof(*r));
	int rc;
	if ((rc = load_listings(s, q, r, err)) || (rc = load_messages(s, q, r, err)) ||
	    (rc = load_responses(s, r, err)) || (rc = load_snapshots(s, r, err)) ||
	    (rc = load_events(s, q, r, err))) {
		subject_result_free(r);
		return rc;
	}
	*out = r;
	return CT_OK;
}

void subject_result_free(struct subject_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nlistings; i++) {
		struct subject_listing *l = &r->listings[i];
		char *f[] = { l->ref, l->url, l->title, l->agent_type, l->agent_key, l->area, l->status,
			      l->added_at, l->contact_email, l->contact_name, l->agent_name,
			      l->contact_phone, l->portal_ref };
		for (size_t k = 0; k < sizeof(f) / sizeof(*f); k++)
			free(f[k]);
	}
	for (size_t i = 0; i < r->nmessages; i++) {
		struct subject_message *m = &r->messages[i];
		char *f[] = { m->ref, m->direction, m->at, m->from_addr, m->subject, m->sha256, m->kind,
			      m->raw_file };
		for (size_t k = 0; k < sizeof(f) / sizeof(*f); k++)
			free(f[k]);
	}
	for (size_t i = 0; i < r->nresponses; i++) {
		struct subject_response *p = &r->responses[i];
		char *f[] = { p->ref, p->source, p->outcome, p->channel, p->coder, p->at, p->note };
		for (size_t k = 0; k < sizeof(f) / sizeof(*f); k++)
			free(f[k]);
	}
	for (size_t i = 0; i < r->nsnapshots; i++) {
		struct subject_snapshot *p = &r->snapshots[i];
		char *f[] = { p->ref, p->at, p->url, p->final_url, p->title, p->price };
		for (size_t k = 0; k < sizeof(f) / sizeof(*f); k++)
			free(f[k]);
	}
	for (size_t i = 0; i < r->nevents; i++) {
		free(r->events[i].at);
		free(r->events[i].action);
		free(r->events[i].subject);
	}
	free(r->listings);
	free(r->messages);
	free(r->responses);
	free(r->snapshots);
	free(r->events);
	free(r);
}
