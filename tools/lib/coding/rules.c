/* rules.c: loads rule files and codes texts with PCRE2 (see rules.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coding/rules.h"
#include "coding/prefilter.h"
#include "base/embedded.h"
#include "base/banned.h"

/* Match spans of the rules, per rule: [start, end) byte offsets. */
struct span {
	size_t s, e;
};
struct spans {
	struct span *v;
	int n, cap;
};

struct rule {
	char *id;            /* "FILE:LINE" */
	char *pat;           /* the pattern as written between the slashes */
	int file;            /* index into files */
	int priority;
	int cancel;          /* a negation rule */
	const struct coding_code *code; /* borrowed from the codebook */
	int outcome;
	int auto_text;       /* other.auto_reply: evidence, not a competing code */
	unsigned markets;
	int lang;
	pcre2_code *re;
	/* Which texts the pattern may match (NULL: every text). */
	struct prefilter *pf;
	int jit; /* compiled to machine code (on its first run) */
};

struct rule_file {
	char *path;
	char sha[65];
};

struct coding_rules {
	struct rule *r;
	int n;
	struct rule_file *f;
	int nf;
	pcre2_match_data *md;
	pcre2_match_context *mc;
	pcre2_jit_stack *js;
	/* Scratch reused by every coding_classify call, so that coding a reply
	 * allocates nothing here: spans per rule and the matched negation rules (ncap rules),
	 * and the grams of the text. */
	struct spans *sp;
	/* Per rule, for the text being coded: 0 not run yet, 1 run (or not
	 * applicable) without a match, 2 matched. Negation rules run only
	 * when a rule they can take back has matched. */
	signed char *state;
	int ncap;
	/* For each rule, the negation rules that can take its matches back
	 * (cby[cby_first[i] .. cby_first[i + 1])). */
	int *cby_first, *cby;
	/* The other rules by priority, then line (order[0 .. norder)): the
	 * first of them to fire for an outcome is the one coding keeps, and
	 * the rest of that outcome need not run; then the negation rules.
	 * pos[i] is rule i's place in order. */
	int *order, *pos;
	int norder;
	struct prefilter_text grams;
	/* The rules a text may match, by their key grams (rebuilt when rules
	 * are added), and the candidates of the text being coded: bits by
	 * place in order, so that they are visited by priority. */
	struct prefilter_index *ix;
	uint64_t *cand;
	/* By place in order: the rules that apply to app_market and
	 * app_lang (app_lang -2: not yet computed). */
	uint64_t *app;
	unsigned app_market;
	int app_lang;
};

int coding_rules_count(const struct coding_rules *rs)
{
	return rs ? rs->n : 0;
}

const char *coding_rules_pattern(const struct coding_rules *rs, int i)
{
	return rs && i >= 0 && i < rs->n ? rs->r[i].pat : NULL;
}

void coding_rules_free(struct coding_rules *rs)
{
	if (!rs)
		return;
	for (int i = 0; i < rs->n; i++) {
		free(rs->r[i].id);
		free(rs->r[i].pat);
		prefilter_free(rs->r[i].pf);
		pcre2_code_free(rs->r[i].re);
	}
	free(rs->r);
	for (int i = 0; i < rs->ncap; i++)
		free(rs->sp[i].v);
	free(rs->sp);
	free(rs->state);
	free(rs->cby_first);
	free(rs->cby);
	free(rs->order);
	free(rs->pos);
	free(rs->cand);
	free(rs->app);
	prefilter_index_free(rs->ix);
	for (int i = 0; i < rs->nf; i++)
		free(rs->f[i].path);
	free(rs->f);
	pcre2_match_data_free(rs->md);
	pcre2_match_context_free(rs->mc);
	pcre2_jit_stack_free(rs->js);
	free(rs);
}

void coding_result_clear(struct coding_result *res)
{
	free(res->code);
	free(res->rule);
	free(res->rules_sha256);
	free(res->why);
	memset(res, 0, sizeof(*res));
}

static struct coding_rules *rules_new(void)
{
	struct coding_rules *rs = xcalloc(1, sizeof(*rs));
	rs->md = pcre2_match_data_create(8, NULL);
	rs->mc = pcre2_match_context_create(NULL);
	/* A pattern that backtracks badly must fail, not hang a batch: JIT
	 * stack and match limits bound each match. */
	rs->js = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);
	if (!rs->md || !rs->mc || !rs->js)
		ct_oom(0);
	pcre2_jit_stack_assign(rs->mc, NULL, rs->js);
	pcre2_set_match_limit(rs->mc, 1000000);
	return rs;
}

/* Parses one line into its fields; returns NULL on success or a message. */
static const char *parse_line(char *line, long *prio, char **code, char **pat, char **note)
{
	char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	char *end;
	char *num = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (!*p)
		return "want PRIORITY CODE /PATTERN/ [NOTE]";
	*p++ = 0;
	if (!parse_long(num, prio) || *prio < 0 || *prio > 1000000)
		return "the priority is not a whole number from 0";
	while (*p == ' ' || *p == '\t')
		p++;
	*code = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (!*p)
		return "want PRIORITY CODE /PATTERN/ [NOTE]";
	*p++ = 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '/')
		return "the pattern must be written between slashes: /PATTERN/";
	*pat = ++p;
	/* The pattern ends at the first '/' not escaped by a backslash;
	 * "\/" is kept as is (PCRE2 reads it as a slash). */
	for (end = p; *end && *end != '/'; end++)
		if (*end == '\\' && end[1])
			end++;
	if (*end != '/')
		return "the pattern has no closing slash";
	*end = 0;
	if (end == *pat)
		return "the pattern is empty";
	p = end + 1;
	if (*p && *p != ' ' && *p != '\t')
		return "a blank must follow the pattern's closing slash";
	while (*p == ' ' || *p == '\t')
		p++;
	*note = p;
	return NULL;
}

/* Whether cancel rule c takes back matches of rule r. */
static int cancels(const struct rule *c, const struct rule *r)
{
	if (c->code == r->code)
		return 1;
	return !c->code->sub && !strcmp(c->code->outcome, r->code->outcome);
}

int coding_rules_add_text(struct coding_rules **rsp, const struct codebook *cb, const char *path,
			  const char *text, int lang, struct ct_err *err)
{
	int fresh = !*rsp;
	if (fresh)
		*rsp = rules_new();
	struct coding_rules *rs = *rsp;
	int n0 = rs->n, rc = CT_OK;
	size_t bad = 0;
	if (!utf8_check(text, strlen(text), &bad)) {
		int line = 1;
		for (size_t i = 0; i < bad; i++)
			line += text[i] == '\n';
		rc = ct_fail(err, CT_EINPUT, "%s:%d: invalid UTF-8", path, line);
		goto out;
	}
	rs->f = xrealloc(rs->f, (size_t)(rs->nf + 1) * sizeof(*rs->f));
	int fi = rs->nf++;
	rs->f[fi].path = xstrdup(path);
	sha256_hex(text, strlen(text), rs->f[fi].sha);

	const char *p = text;
	for (int lineno = 1; *p; lineno++) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char *line = xstrndup(p, len);
		p = e ? e + 1 : p + len;
		size_t l = strlen(line);
		if (l && line[l - 1] == '\r')
			line[--l] = 0;
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#') {
			free(line);
			continue;
		}
		long prio = 0;
		char *code = NULL, *pat = NULL, *note = NULL;
		const char *msg = parse_line(s, &prio, &code, &pat, &note);
		if (msg) {
			rc = ct_fail(err, CT_EINPUT, "%s:%d: %s", path, lineno, msg);
			free(line);
			goto out;
		}
		int cancel = code[0] == '!';
		const struct coding_code *cc = codebook_find(cb, code + cancel);
		if (!cc) {
			rc = ct_fail(err, CT_EINPUT, "%s:%d: '%s' is not a code of the codebook", path,
				     lineno, code + cancel);
			free(line);
			goto out;
		}
		if (!strcmp(cc->outcome, "no_reply")) {
			rc = ct_fail(err, CT_EINPUT,
				     "%s:%d: no_reply is given by the deadline, not by a rule", path,
				     lineno);
			free(line);
			goto out;
		}
		int ec = 0;
		PCRE2_SIZE eo = 0;
		pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
					       PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &ec, &eo,
					       NULL);
		if (!re) {
			PCRE2_UCHAR buf[256];
			pcre2_get_error_message(ec, buf, sizeof(buf));
			rc = ct_fail(err, CT_EINPUT, "%s:%d: pattern: %s at offset %zu", path, lineno,
				     (const char *)buf, (size_t)eo);
			free(line);
			goto out;
		}
		rs->r = xrealloc(rs->r, (size_t)(rs->n + 1) * sizeof(*rs->r));
		struct rule *r = &rs->r[rs->n++];
		r->id = xasprintf("%s:%d", path, lineno);
		r->pat = xstrdup(pat);
		r->file = fi;
		r->priority = (int)prio;
		r->cancel = cancel;
		r->code = cc;
		r->outcome = coding_outcome_index(cc->outcome);
		r->auto_text = !cancel && !strcmp(cc->code, "other.auto_reply");
		r->markets = cc->markets;
		r->lang = lang;
		r->re = re;
		r->pf = prefilter_new(pat);
		r->jit = 0;
		free(line);
	}
	/* The scratch grows with the rules. */
	if (rs->n > rs->ncap) {
		rs->sp = xrealloc(rs->sp, (size_t)rs->n * sizeof(*rs->sp));
		memset(rs->sp + rs->ncap, 0, (size_t)(rs->n - rs->ncap) * sizeof(*rs->sp));
		rs->state = xrealloc(rs->state, (size_t)rs->n);
		rs->cand = xrealloc(rs->cand, (size_t)(rs->n + 63) / 64 * sizeof(uint64_t));
		rs->app = xrealloc(rs->app, (size_t)(rs->n + 63) / 64 * sizeof(uint64_t));
		rs->ncap = rs->n;
	}
	rs->app_lang = -2;
	rs->order = xrealloc(rs->order, (size_t)(rs->n ? rs->n : 1) * sizeof(*rs->order));
	rs->pos = xrealloc(rs->pos, (size_t)(rs->n ? rs->n : 1) * sizeof(*rs->pos));
	rs->norder = 0;
	for (int i = 0; i < rs->n; i++) {
		if (rs->r[i].cancel)
			continue;
		/* Insertion by priority; equal priorities keep their order. */
		int k = rs->norder++;
		while (k > 0 && rs->r[rs->order[k - 1]].priority > rs->r[i].priority) {
			rs->order[k] = rs->order[k - 1];
			k--;
		}
		rs->order[k] = i;
	}
	for (int i = 0, k = rs->norder; i < rs->n; i++)
		if (rs->r[i].cancel)
			rs->order[k++] = i;
	for (int k = 0; k < rs->n; k++)
		rs->pos[rs->order[k]] = k;
	rs->cby_first = xrealloc(rs->cby_first, (size_t)(rs->n + 1) * sizeof(int));
	int ncby = 0;
	for (int pass = 0; pass < 2; pass++) {
		ncby = 0;
		for (int i = 0; i < rs->n; i++) {
			rs->cby_first[i] = ncby;
			for (int c = 0; c < rs->n && !rs->r[i].cancel; c++)
				if (rs->r[c].cancel && cancels(&rs->r[c], &rs->r[i])) {
					if (pass)
						rs->cby[ncby] = c;
					ncby++;
				}
		}
		rs->cby_first[rs->n] = ncby;
		if (!pass)
			rs->cby = xrealloc(rs->cby, (size_t)(ncby ? ncby : 1) * sizeof(int));
	}
	struct prefilter **pfs = xcalloc((size_t)(rs->n ? rs->n : 1), sizeof(*pfs));
	for (int k = 0; k < rs->n; k++)
		pfs[k] = rs->r[rs->order[k]].pf;
	prefilter_index_free(rs->ix);
	rs->ix = prefilter_index_new(pfs, rs->n);
	free(pfs);
out:
	if (rc != CT_OK) {
		if (fresh) {
			coding_rules_free(rs);
			*rsp = NULL;
		} else {
			for (int i = n0; i < rs->n; i++) {
				free(rs->r[i].id);
				free(rs->r[i].pat);
				prefilter_free(rs->r[i].pf);
				pcre2_code_free(rs->r[i].re);
			}
			rs->n = n0;
		}
	}
	return rc;
}

int coding_rules_load(const char *study_dir, const struct codebook *cb, unsigned langs,
		      struct coding_rules **out, struct ct_err *err)
{
	*out = NULL;
	if (!langs)
		langs = (1u << CODING_NLANG) - 1;
	struct coding_rules *rs = rules_new();
	int rc = CT_OK;
	for (int l = 0; l < CODING_NLANG && rc == CT_OK; l++) {
		if (!(langs & (1u << l)))
			continue;
		char *own = study_dir ? xasprintf("%s/coding/rules-%s.txt", study_dir,
						  coding_lang_names[l])
				      : NULL;
		char *builtin = xasprintf("templates/coding/rules-%s.txt", coding_lang_names[l]);
		char *text = NULL, *used = NULL;
		size_t len = 0;
		rc = text_or_builtin(own, builtin, &text, &len, &used, err);
		if (rc == CT_OK && !text)
			rc = ct_fail(err, CT_EENV, "%s is not built in", builtin);
		if (rc == CT_OK)
			rc = coding_rules_add_text(&rs, cb, used, text, l, err);
		free(text), free(used), free(builtin);
		free(own);
	}
	if (rc != CT_OK) {
		coding_rules_free(rs);
		return rc;
	}
	*out = rs;
	return CT_OK;
}


static void spans_add(struct spans *sp, size_t s, size_t e)
{
	if (sp->n == sp->cap) {
		sp->cap = sp->cap ? 2 * sp->cap : 4;
		sp->v = xrealloc(sp->v, (size_t)sp->cap * sizeof(*sp->v));
	}
	sp->v[sp->n].s = s;
	sp->v[sp->n].e = e;
	sp->n++;
}

/* Every non-overlapping match of r in text (only the first unless all),
 * into sp (reset first). */
static int all_matches(const struct coding_rules *rs, const struct rule *r, const char *text,
		       size_t len, struct spans *sp, int all)
{
	sp->n = 0;
	size_t off = 0;
	while (off <= len) {
		int m = pcre2_match(r->re, (PCRE2_SPTR)text, len, off, PCRE2_NO_UTF_CHECK, rs->md,
				    rs->mc);
		if (m == PCRE2_ERROR_NOMATCH)
			return 0;
		if (m < 0)
			return m;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(rs->md);
		spans_add(sp, ov[0], ov[1]);
		if (!all)
			return 0;
		size_t next = ov[1] > off ? ov[1] : off + 1;
		/* An empty match advances by one character, not into one. */
		while (next < len && ((unsigned char)text[next] & 0xc0) == 0x80)
			next++;
		off = next;
	}
	return 0;
}


/* rs->app for market and lang, unless it holds them already. */
static void applicable(struct coding_rules *rs, unsigned market, int lang)
{
	if (rs->app_lang == lang && rs->app_market == market)
		return;
	memset(rs->app, 0, (size_t)(rs->n + 63) / 64 * sizeof(uint64_t));
	for (int k = 0; k < rs->n; k++) {
		const struct rule *r = &rs->r[rs->order[k]];
		if ((!market || (r->markets & market)) && (lang < 0 || r->lang == lang))
			rs->app[k / 64] |= 1ull << (k % 64);
	}
	rs->app_market = market;
	rs->app_lang = lang;
}

/* Whether rule i applies to the reply (market, language) and may match
 * its text (the prefilter). */
static int rule_may_run(const struct coding_rules *rs, int i, const struct prefilter_text *grams)
{
	int k = rs->pos[i];
	return (rs->cand[k / 64] & rs->app[k / 64] & (1ull << (k % 64))) &&
	       prefilter_may_match(rs->r[i].pf, grams);
}

/* The first place in order from o on of a rule that applies and is a
 * candidate for the text (rs->n when none is left). */
static int next_candidate(const struct coding_rules *rs, int o)
{
	for (int w = o / 64; w * 64 < rs->n; w++) {
		uint64_t bits = rs->cand[w] & rs->app[w];
		if (w == o / 64)
			bits &= ~0ull << (o % 64);
		if (bits)
			return w * 64 + __builtin_ctzll(bits);
	}
	return rs->n;
}

/* Runs rule i on text into rs->sp[i]: every match (all), or the first. */
static int run_rule(const struct coding_rules *rs, int i, const char *text, size_t len, int all,
		    struct ct_err *err)
{
	struct rule *r = &((struct coding_rules *)rs)->r[i];
	if (!r->jit) {
		/* JIT on first use: compiling costs about ten runs of the
		 * interpreter on the rules' patterns (measured with callgrind:
		 * ~0.3 M instructions against ~37 K a run), and a rule that
		 * never passes the prefilter is never compiled. A pattern JIT
		 * cannot compile runs in the interpreter. */
		(void)pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE);
		r->jit = 1;
	}
	int m = all_matches(rs, r, text, len, &rs->sp[i], all);
	if (m < 0) {
		PCRE2_UCHAR buf[200];
		pcre2_get_error_message(m, buf, sizeof(buf));
		return ct_fail(err, CT_EINPUT, "%s: %s", r->id, (const char *)buf);
	}
	return CT_OK;
}

int coding_classify(const struct coding_rules *rs, const char *text, int auto_reply,
		    unsigned market, int lang, struct coding_result *res, struct ct_err *err)
{
	coding_result_clear(res);
	res->auto_reply = auto_reply;
	size_t len = strlen(text), bad = 0;
	if (!utf8_check(text, len, &bad))
		return ct_fail(err, CT_EINPUT, "the text is not valid UTF-8 (byte %zu)", bad);

	int n = rs->n, rc = CT_OK;
	struct spans *sp = rs->sp;
	/* The text's grams, read once: most rules cannot match it and are
	 * not run. */
	struct prefilter_text *grams = &((struct coding_rules *)rs)->grams;
	prefilter_scan(grams, text, len);
	if (n)
		prefilter_index_candidates(rs->ix, grams, rs->cand);
	applicable((struct coding_rules *)rs, market, lang);
	memset(rs->state, 0, (size_t)n);
	/* The rules by priority: a rule fires when one of its matches is not
	 * overlapped by a match of a negation rule of its code, and the first
	 * to fire for an outcome is the one kept (a rule of another outcome
	 * may still fire: a conflict). A rule's negations are run (every
	 * match, once per text) only when it has matched: most rules do not,
	 * and most negations then need not run at all. */
	const struct rule *best[CODING_NOUTCOMES] = { 0 }, *auto_rule = NULL;
	for (int o = next_candidate(rs, 0); o < rs->norder; o = next_candidate(rs, o + 1)) {
		int i = rs->order[o];
		const struct rule *r = &rs->r[i];
		const struct rule **slot = r->auto_text ? &auto_rule : &best[r->outcome];
		if (*slot || !prefilter_may_match(r->pf, grams))
			continue;
		if ((rc = run_rule(rs, i, text, len, 0, err)) != CT_OK)
			goto out;
		if (!sp[i].n)
			continue;
		int cancellable = 0;
		for (int k = rs->cby_first[i]; k < rs->cby_first[i + 1]; k++) {
			int c = rs->cby[k];
			if (!rs->state[c]) {
				rs->state[c] = 1;
				if (rule_may_run(rs, c, grams)) {
					if ((rc = run_rule(rs, c, text, len, 1, err)) != CT_OK)
						goto out;
					if (sp[c].n)
						rs->state[c] = 2;
				}
			}
			cancellable |= rs->state[c] == 2;
		}
		/* Nothing can take the match back: the first one decides. */
		if (!cancellable) {
			*slot = r;
			continue;
		}
		if ((rc = run_rule(rs, i, text, len, 1, err)) != CT_OK)
			goto out;
		int fired = 0;
		for (int m = 0; m < sp[i].n && !fired; m++) {
			int cancelled = 0;
			for (int k = rs->cby_first[i]; k < rs->cby_first[i + 1] && !cancelled; k++) {
				const struct spans *c = &sp[rs->cby[k]];
				if (rs->state[rs->cby[k]] != 2)
					continue;
				for (int q = 0; q < c->n && !cancelled; q++)
					cancelled = c->v[q].s < sp[i].v[m].e && sp[i].v[m].s < c->v[q].e;
			}
			fired = !cancelled;
		}
		if (fired)
			*slot = r;
	}
	int nout = 0;
	const struct rule *pick = NULL;
	struct strbuf why = STRBUF_INIT;
	for (int o = 0; o < CODING_NOUTCOMES; o++)
		if (best[o]) {
			sb_addf(&why, "%s%s (%s)", nout ? " vs " : "conflict: ", best[o]->code->code,
				best[o]->id);
			nout++;
			pick = best[o];
		}
	if (auto_rule)
		res->auto_reply = 1;
	if (nout > 1) {
		res->why = sb_detach(&why);
	} else if (nout == 1 || auto_rule) {
		if (!pick)
			pick = auto_rule;
		res->outcome = coding_outcomes[pick->outcome];
		res->code = xstrdup(pick->code->code);
		res->rule = xstrdup(pick->id);
		res->rules_sha256 = xstrdup(rs->f[pick->file].sha);
	} else if (auto_reply) {
		/* Decided by the headers with the rules in force: what is
		 * recorded as their version is the hash of every loaded rule
		 * file's hash, so that a stored code (which needs one) and
		 * --classify report the same thing. */
		res->outcome = "other";
		res->code = xstrdup("other.auto_reply");
		res->rule = xstrdup("header");
		struct strbuf all = STRBUF_INIT;
		for (int i = 0; i < rs->nf; i++)
			sb_adds(&all, rs->f[i].sha);
		char sha[65];
		sha256_hex(sb_str(&all), all.len, sha);
		sb_free(&all);
		res->rules_sha256 = xstrdup(sha);
	} else {
		res->why = xstrdup(len ? "no rule matched" : "no text");
	}
	sb_free(&why);
out:
	return rc;
}

int coding_classify_raw(const struct coding_rules *rs, const char *raw, size_t len,
			unsigned market, int lang, struct coding_result *res,
			struct coding_text **text, struct ct_err *err)
{
	if (text)
		*text = NULL;
	struct coding_text *t = NULL;
	int rc = coding_extract(raw, len, &t, err);
	if (rc != CT_OK)
		return rc;
	rc = coding_classify(rs, t->body, t->auto_reply, market, lang, res, err);
	if (rc == CT_OK && !strcmp(res->rule ? res->rule : "", "header")) {
		free(res->rule);
		res->rule = xasprintf("header: %s", t->auto_why);
	}
	if (text && rc == CT_OK)
		*text = t;
	else
		coding_text_free(t);
	return rc;
}
