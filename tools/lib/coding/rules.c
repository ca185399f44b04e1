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
	/* Scratch reused by every coding call: the matches of each rule on
	 * the text it last ran on (ncap rules), and the grams of a text. */
	struct spans *sp;
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
	/* The negations are order[norder .. n). */
	rs->cby_first = xrealloc(rs->cby_first, (size_t)(rs->n + 1) * sizeof(int));
	int ncby = 0, capcby = 0;
	for (int i = 0; i < rs->n; i++) {
		rs->cby_first[i] = ncby;
		for (int k = rs->norder; k < rs->n && !rs->r[i].cancel; k++) {
			if (!cancels(&rs->r[rs->order[k]], &rs->r[i]))
				continue;
			if (ncby == capcby) {
				capcby = capcby ? 2 * capcby : 64;
				rs->cby = xrealloc(rs->cby, (size_t)capcby * sizeof(int));
			}
			rs->cby[ncby++] = rs->order[k];
		}
	}
	rs->cby_first[rs->n] = ncby;
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
#ifndef CORRTEST_NO_JIT /* make valgrind: see the Makefile */
		(void)pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE);
#endif
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

/* One text of a batch being coded. Bits are by place in rs->order. */
struct btext {
	const char *text;
	size_t len;
	int auto_reply;
	struct coding_result *res;
	struct ct_err *err;
	int rc, skip; /* skip: no text, left as the caller had it */
	const struct rule *best[CODING_NOUTCOMES], *auto_rule;
	uint64_t *may;   /* applies, is a candidate, and its prefilter passes */
	uint64_t *tried; /* negation rules run on the text (or not applicable) */
	uint64_t *hit;   /* ... and those that matched it */
	/* Every match of each negation rule that matched, kept until the
	 * text is done (rs->sp holds one rule's matches on one text). */
	struct spans *negsp;
	int *negrule, nneg;
};

static int bit(const uint64_t *b, int k)
{
	return (int)(b[k / 64] >> (k % 64) & 1);
}

static void bit_set(uint64_t *b, int k)
{
	b[k / 64] |= 1ull << (k % 64);
}

/* The matches of negation rule c on x (it matched). */
static const struct spans *neg_spans(const struct btext *x, int c)
{
	for (int k = 0; k < x->nneg; k++)
		if (x->negrule[k] == c)
			return &x->negsp[k];
	return NULL;
}

/* Rule i (matched on x, first match in rs->sp[i]): whether it fires, with
 * its negations run on x as needed; -1 with x->rc set on an error. */
static int fires(const struct coding_rules *rs, int i, struct btext *x)
{
	struct spans *sp = rs->sp;
	int cancellable = 0;
	for (int k = rs->cby_first[i]; k < rs->cby_first[i + 1]; k++) {
		int c = rs->cby[k], p = rs->pos[c];
		if (!bit(x->tried, p)) {
			bit_set(x->tried, p);
			if (bit(x->may, p)) {
				if ((x->rc = run_rule(rs, c, x->text, x->len, 1, x->err)) != CT_OK)
					return -1;
				if (sp[c].n) {
					bit_set(x->hit, p);
					x->negsp = xrealloc(x->negsp, (size_t)(x->nneg + 1) * sizeof(*x->negsp));
					x->negrule = xrealloc(x->negrule, (size_t)(x->nneg + 1) * sizeof(int));
					struct spans *d = &x->negsp[x->nneg];
					d->n = d->cap = sp[c].n;
					d->v = xmalloc((size_t)d->n * sizeof(*d->v));
					memcpy(d->v, sp[c].v, (size_t)d->n * sizeof(*d->v));
					x->negrule[x->nneg++] = c;
				}
			}
		}
		cancellable |= bit(x->hit, p);
	}
	/* Nothing can take the match back: the first one decides. */
	if (!cancellable)
		return 1;
	if ((x->rc = run_rule(rs, i, x->text, x->len, 1, x->err)) != CT_OK)
		return -1;
	for (int m = 0; m < sp[i].n; m++) {
		int cancelled = 0;
		for (int k = rs->cby_first[i]; k < rs->cby_first[i + 1] && !cancelled; k++) {
			const struct spans *c = bit(x->hit, rs->pos[rs->cby[k]]) ? neg_spans(x, rs->cby[k]) : NULL;
			for (int q = 0; c && q < c->n && !cancelled; q++)
				cancelled = c->v[q].s < sp[i].v[m].e && sp[i].v[m].s < c->v[q].e;
		}
		if (!cancelled)
			return 1;
	}
	return 0;
}

/* x's result from the rules that fired. */
static void result_of(const struct coding_rules *rs, const struct btext *x)
{
	struct coding_result *res = x->res;
	int nout = 0;
	const struct rule *pick = NULL;
	struct strbuf why = STRBUF_INIT;
	for (int o = 0; o < CODING_NOUTCOMES; o++)
		if (x->best[o]) {
			sb_addf(&why, "%s%s (%s)", nout ? " vs " : "conflict: ", x->best[o]->code->code,
				x->best[o]->id);
			nout++;
			pick = x->best[o];
		}
	if (x->auto_rule)
		res->auto_reply = 1;
	if (nout > 1) {
		res->why = sb_detach(&why);
	} else if (nout == 1 || x->auto_rule) {
		if (!pick)
			pick = x->auto_rule;
		res->outcome = coding_outcomes[pick->outcome];
		res->code = xstrdup(pick->code->code);
		res->rule = xstrdup(pick->id);
		res->rules_sha256 = xstrdup(rs->f[pick->file].sha);
	} else if (x->auto_reply) {
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
		res->why = xstrdup(x->len ? "no rule matched" : "no text");
	}
	sb_free(&why);
}

int coding_classify_many(const struct coding_rules *rs, int n, const char *const *texts,
			 const int *auto_reply, unsigned market, int lang,
			 struct coding_result *res, int *rcs, struct ct_err *errs)
{
	struct coding_rules *w = (struct coding_rules *)rs;
	int nword = (rs->n + 63) / 64, first_rc = CT_OK;
	struct btext *xs = xcalloc((size_t)(n ? n : 1), sizeof(*xs));
	uint64_t *bits = xcalloc((size_t)(n ? n : 1) * 3 * (size_t)(nword ? nword : 1), sizeof(uint64_t));
	applicable(w, market, lang);
	/* Each text's grams, read once: which rules may match it. */
	for (int t = 0; t < n; t++) {
		struct btext *x = &xs[t];
		x->may = bits + (size_t)t * 3 * (size_t)nword;
		x->tried = x->may + nword;
		x->hit = x->tried + nword;
		if (!texts[t]) {
			x->skip = 1;
			x->rc = CT_EINPUT; /* so that no rule runs on it */
			continue;
		}
		x->text = texts[t];
		x->len = strlen(texts[t]);
		x->auto_reply = auto_reply[t];
		x->res = &res[t];
		x->err = &errs[t];
		coding_result_clear(x->res);
		x->res->auto_reply = x->auto_reply;
		size_t bad = 0;
		if (!utf8_check(x->text, x->len, &bad)) {
			x->rc = ct_fail(x->err, CT_EINPUT, "the text is not valid UTF-8 (byte %zu)", bad);
			continue;
		}
		if (!rs->n)
			continue;
		prefilter_scan(&w->grams, x->text, x->len);
		prefilter_index_candidates(rs->ix, &w->grams, w->cand);
		for (int k = next_candidate(rs, 0); k < rs->n; k = next_candidate(rs, k + 1))
			if (prefilter_may_match(rs->r[rs->order[k]].pf, &w->grams))
				bit_set(x->may, k);
	}
	/* The rules by priority, each on every text it may match: a rule
	 * fires when one of its matches is not overlapped by a match of a
	 * negation rule of its code, and the first to fire for an outcome is
	 * the one kept (a rule of another outcome may still fire: a
	 * conflict). A rule's negations are run (every match, once per text)
	 * only when it has matched: most rules do not, and most negations
	 * then need not run at all. Rule by rule rather than text by text:
	 * the same runs in the same order for each text, so the same results,
	 * with each rule's machine code loaded once for the batch instead of
	 * once per text (a third of the matching time, measured). */
	/* For each rule (place in order), the texts it may match: first[o]
	 * .. first[o + 1] in who, by text. */
	int *first = xcalloc((size_t)rs->norder + 2, sizeof(int)), *who = NULL, nwho = 0;
	for (int t = 0; t < n; t++)
		for (int q = 0; q * 64 < rs->norder; q++)
			for (uint64_t b = xs[t].may[q]; b; b &= b - 1) {
				int o = q * 64 + __builtin_ctzll(b);
				if (o < rs->norder) {
					first[o + 2]++;
					nwho++;
				}
			}
	for (int o = 0; o < rs->norder; o++)
		first[o + 2] += first[o + 1];
	who = xmalloc((size_t)(nwho ? nwho : 1) * sizeof(int));
	for (int t = 0; t < n; t++)
		for (int q = 0; q * 64 < rs->norder; q++)
			for (uint64_t b = xs[t].may[q]; b; b &= b - 1) {
				int o = q * 64 + __builtin_ctzll(b);
				if (o < rs->norder)
					who[first[o + 1]++] = t;
			}
	for (int o = 0; o < rs->norder; o++) {
		int i = rs->order[o];
		const struct rule *r = &rs->r[i];
		for (int k = first[o]; k < first[o + 1]; k++) {
			struct btext *x = &xs[who[k]];
			const struct rule **slot = r->auto_text ? &x->auto_rule : &x->best[r->outcome];
			if (x->rc != CT_OK || *slot)
				continue;
			if ((x->rc = run_rule(rs, i, x->text, x->len, 0, x->err)) != CT_OK || !rs->sp[i].n)
				continue;
			if (fires(rs, i, x) > 0)
				*slot = r;
		}
	}
	free(first);
	free(who);
	for (int t = 0; t < n; t++) {
		struct btext *x = &xs[t];
		if (x->skip)
			continue;
		if (x->rc == CT_OK)
			result_of(rs, x);
		else if (first_rc == CT_OK)
			first_rc = x->rc;
		if (rcs)
			rcs[t] = x->rc;
		for (int k = 0; k < x->nneg; k++)
			free(x->negsp[k].v);
		free(x->negsp);
		free(x->negrule);
	}
	free(bits);
	free(xs);
	return first_rc;
}

int coding_classify(const struct coding_rules *rs, const char *text, int auto_reply,
		    unsigned market, int lang, struct coding_result *res, struct ct_err *err)
{
	return coding_classify_many(rs, 1, &text, &auto_reply, market, lang, res, NULL, err);
}

int coding_classify_raw_many(const struct coding_rules *rs, int n, const char *const *raws,
			     const size_t *lens, unsigned market, int lang,
			     struct coding_result *res, int *rcs, struct ct_err *errs)
{
	struct coding_text **ts = xcalloc((size_t)(n ? n : 1), sizeof(*ts));
	const char **bodies = xcalloc((size_t)(n ? n : 1), sizeof(*bodies));
	int *autos = xcalloc((size_t)(n ? n : 1), sizeof(int)), first_rc = CT_OK;
	for (int t = 0; t < n; t++) {
		coding_result_clear(&res[t]);
		rcs[t] = coding_extract(raws[t], lens[t], &ts[t], &errs[t]);
		if (rcs[t] == CT_OK) {
			bodies[t] = ts[t]->body;
			autos[t] = ts[t]->auto_reply;
		}
	}
	/* A message that could not be read has no body: skipped, its error kept. */
	coding_classify_many(rs, n, bodies, autos, market, lang, res, rcs, errs);
	for (int t = 0; t < n; t++) {
		if (rcs[t] == CT_OK && !strcmp(res[t].rule ? res[t].rule : "", "header")) {
			free(res[t].rule);
			res[t].rule = xasprintf("header: %s", ts[t]->auto_why);
		}
		if (rcs[t] != CT_OK && first_rc == CT_OK)
			first_rc = rcs[t];
		coding_text_free(ts[t]);
	}
	free(ts), free(bodies), free(autos);
	return first_rc;
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
