/* extract.c: a reply's text for coding (see extract.h). The markers of
 * quoted text and signatures are those the common mail clients write in
 * Dutch, French and English (Outlook, Gmail, Apple Mail, Thunderbird,
 * mobile clients); they are matched on whole lines, ASCII case ignored. */
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "coding/extract.h"
#include "mail/reply.h"
#include "base/banned.h"

void coding_text_free(struct coding_text *t)
{
	if (!t)
		return;
	free(t->body);
	free(t->quoted);
	free(t->signature);
	free(t);
}

/* ---- text ---- */

/* The lines of a text: one copy of it, cut at each '\n' (no allocation
 * per line: a reply has hundreds of lines, and coding reads thousands of
 * replies). */
struct lines {
	char *buf;
	char **l;
	size_t *len; /* of each line, without its '\n' */
	int n;
};

static void lines_split(struct lines *ls, const char *text)
{
	size_t total = strlen(text);
	ls->buf = xmalloc(total + 1);
	memcpy(ls->buf, text, total + 1);
	int cap = 1;
	for (const char *p = text; (p = memchr(p, '\n', total - (size_t)(p - text))); p++)
		cap++;
	ls->l = xcalloc((size_t)cap, sizeof(*ls->l));
	ls->len = xcalloc((size_t)cap, sizeof(*ls->len));
	ls->n = 0;
	char *p = ls->buf, *end = p + total;
	while (p < end) {
		char *e = memchr(p, '\n', (size_t)(end - p));
		ls->l[ls->n] = p;
		ls->len[ls->n++] = (size_t)((e ? e : end) - p);
		if (!e)
			break;
		*e = 0;
		p = e + 1;
	}
}

static void lines_free(struct lines *ls)
{
	free(ls->buf);
	free(ls->l);
	free(ls->len);
}

/* The line without leading white space (spaces, tabs, no-break spaces). */
static const char *skip_ws(const char *s)
{
	for (;;) {
		if (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		else if ((unsigned char)s[0] == 0xc2 && (unsigned char)s[1] == 0xa0)
			s += 2;
		else
			return s;
	}
}

static int blank(const char *s)
{
	return !*skip_ws(s);
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Whether s starts with p, ASCII case ignored; the first byte is compared
 * alone first, as most lines start otherwise. */
static int starts_ci(const char *s, const char *p)
{
	return lower((unsigned char)*s) == lower((unsigned char)*p) && !strncasecmp(s, p, strlen(p));
}

/* A list of line starts (each of two bytes or more), with a bitmap of the
 * hashes of their first two bytes in lower case: a line whose first two
 * bytes are not in it starts with none of them, and most lines are
 * rejected so, without a comparison per entry. */
struct starts {
	const char *const *s;
	size_t n;
	unsigned char pairs[128];
	unsigned char single[32]; /* first bytes of one-byte entries ("A") */
};

static unsigned pair_hash(const char *s)
{
	return ((unsigned)lower((unsigned char)s[0]) * 31u ^ (unsigned)lower((unsigned char)s[1])) &
	       1023u;
}

static int maybe_starts(const struct starts *st, const char *s)
{
	unsigned h = pair_hash(s), c = (unsigned)lower((unsigned char)s[0]);
	return s[0] && ((st->pairs[h >> 3] >> (h & 7) & 1) || (st->single[c >> 3] >> (c & 7) & 1));
}

/* The length of the first entry of st that s starts with (ASCII case
 * ignored), or 0. */
static size_t starts_any(const struct starts *st, const char *s)
{
	if (!maybe_starts(st, s))
		return 0;
	for (size_t i = 0; i < st->n; i++)
		if (starts_ci(s, st->s[i]))
			return strlen(st->s[i]);
	return 0;
}

static void starts_init(struct starts *st)
{
	for (size_t i = 0; i < st->n; i++) {
		unsigned h = pair_hash(st->s[i]), c = (unsigned)lower((unsigned char)st->s[i][0]);
		if (st->s[i][1])
			st->pairs[h >> 3] |= (unsigned char)(1u << (h & 7));
		else
			st->single[c >> 3] |= (unsigned char)(1u << (c & 7));
	}
}

/* Where a quote's attribution line starts. */
static const char *const attribution_list[] = { "Op ", "On ", "Le ", "Am ", "Il " };
/* Separator lines that start an original or forwarded message. */
static const char *const separator_list[] = {
	"-----Original Message-----", "----- Original Message -----",
	"-------- Original Message --------", "-----Oorspronkelijk bericht-----",
	"-----Oorspronkelijk Bericht-----", "-----Message d'origine-----",
	"----- Message d'origine -----", "-------- Message original --------",
	"---------- Forwarded message", "-------- Forwarded Message",
	"---------- Doorgestuurd bericht", "-------- Doorgestuurd bericht",
	"---------- Message transféré", "-------- Message transféré",
	"Begin forwarded message:", "Begin doorgestuurd bericht:",
	"Début du message réexpédié",
	"Début du message transféré",
};
/* Outlook's header block: the first field, and the fields that follow. */
static const char *const from_list[] = { "Van", "De", "From", "Von" };
static const char *const rest_list[] = { "Verzonden", "Envoyé", "Sent", "Date",	"Datum", "Aan",
					 "À", "A", "To", "Onderwerp", "Objet", "Subject",
					 "Cc", "Gesendet", "An", "Betreff" };
/* Closings that end a message. */
static const char *const closing_list[] = {
	"Met vriendelijke groet", "Vriendelijke groet", "Met vriendelijke groeten",
	"Beste groeten", "Hartelijke groet", "Groetjes", "Groeten", "Mvg", "M.v.g.",
	"Vriendelijke groetjes", "Met hartelijke groet", "Hoogachtend",
	"Cordialement", "Bien cordialement", "Bien à vous", "Bien a vous",
	"Salutations", "Meilleures salutations", "Sincères salutations",
	"Bonne journée", "Bien amicalement", "Amicalement", "Veuillez agréer",
	"Kind regards", "Best regards", "Regards", "Warm regards", "Best wishes",
	"Sincerely", "Yours sincerely", "Yours faithfully", "Many thanks,", "Best,", "Cheers,",
	"Sent from my", "Verzonden vanaf mijn", "Verstuurd vanaf mijn", "Envoyé de mon",
	"Envoyé depuis mon", "Get Outlook for", "Outlook voor",
};
/* The first lines of disclaimers (case counts). */
static const char *const disclaimer_list[] = {
	"Disclaimer", "DISCLAIMER", "This e-mail and any", "This email and any",
	"This message and any", "This e-mail is confidential", "This email is confidential",
	"The information contained in this", "Dit bericht en eventuele bijlagen",
	"Dit e-mailbericht", "Dit bericht is uitsluitend", "De informatie in dit bericht",
	"De informatie verzonden in dit", "Ce message et", "Ce courriel et",
	"Ce message est confidentiel", "Le présent message", "Le présent courriel",
	"Les informations contenues dans",
};

#define STARTS(list) { list, ARRAY_SIZE(list), { 0 }, { 0 } }
static struct starts attribution_starts = STARTS(attribution_list), separators = STARTS(separator_list),
		     from_fields = STARTS(from_list), rest_fields = STARTS(rest_list),
		     closings = STARTS(closing_list), disclaimers = STARTS(disclaimer_list);
static pthread_once_t starts_once = PTHREAD_ONCE_INIT;

static void starts_init_all(void)
{
	starts_init(&attribution_starts);
	starts_init(&separators);
	starts_init(&from_fields);
	starts_init(&rest_fields);
	starts_init(&closings);
	starts_init(&disclaimers);
}

/* Whether s (trimmed at the end) ends with one of the verbs of an
 * attribution line, then ':' (French puts a space before it). */
static int ends_attribution(const char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (!n || s[n - 1] != ':')
		return 0;
	n--;
	while (n && s[n - 1] == ' ')
		n--;
	/* An address or name may come between the verb and the colon
	 * ("schreef Jan <jan@x.be>:" or "Jan <jan@x.be> schreef:"), so the
	 * verb is looked for anywhere in the line. */
	static const char *const verbs[] = { "schreef", "wrote", "a écrit", "a ecrit",
					     "schrieb", "geschreven" };
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++) {
		const char *v = verbs[i];
		for (const char *p = s; p + strlen(v) <= s + n; p++)
			if (!strncasecmp(p, v, strlen(v)))
				return 1;
	}
	return 0;
}

/* An attribution of a quote starting at line i, over 1 to 3 lines (Gmail
 * wraps long ones): returns how many lines it takes, or 0. */
static int attribution_start(const char *line)
{
	return starts_any(&attribution_starts, skip_ws(line)) != 0;
}

static int attribution(const struct lines *ls, int i)
{
	if (!attribution_start(ls->l[i]))
		return 0;
	struct strbuf sb = STRBUF_INIT;
	int got = 0;
	for (int k = 0; k < 3 && i + k < ls->n && !got; k++) {
		/* A wrapped attribution has no empty line in it, and a line that
		 * itself starts like one is where the attribution starts: else
		 * a body line "Le bien est loué." above "Le mar. ... a écrit :"
		 * would be taken for its first line, and the answer cut. */
		if (k && (blank(ls->l[i + k]) || attribution_start(ls->l[i + k])))
			break;
		if (k)
			sb_addc(&sb, ' ');
		sb_adds(&sb, ls->l[i + k]);
		if (sb.len > 400)
			break;
		if (ends_attribution(sb_str(&sb)))
			got = k + 1;
	}
	sb_free(&sb);
	return got;
}

/* A separator line that starts an original or forwarded message. */
static int separator(const char *line)
{
	return starts_any(&separators, skip_ws(line)) != 0;
}

/* Outlook's header block: "Van:", "De :", "From:" (bold '*From:*' in HTML
 * made text) followed within four lines by a sent, to or subject field. */
static int field_line(const char *line, const struct starts *names)
{
	const char *s = skip_ws(line);
	if (*s == '*')
		s++;
	if (!maybe_starts(names, s))
		return 0;
	for (size_t i = 0; i < names->n; i++) {
		size_t l = strlen(names->s[i]);
		if (starts_ci(s, names->s[i])) {
			const char *p = s + l;
			while (*p == ' ' || (unsigned char)*p == 0xc2 || (unsigned char)*p == 0xa0)
				p++;
			if (*p == '*')
				p++;
			if (*p == ':')
				return 1;
		}
	}
	return 0;
}

static int outlook_block(const struct lines *ls, int i)
{
	if (!field_line(ls->l[i], &from_fields))
		return 0;
	for (int k = 1; k <= 4 && i + k < ls->n; k++)
		if (field_line(ls->l[i + k], &rest_fields))
			return 1;
	return 0;
}

static int quote_line(const char *line)
{
	return *skip_ws(line) == '>';
}

/* A line of underscores or dashes alone, which Outlook puts above its
 * header block. */
static int rule_line(const char *line)
{
	const char *s = skip_ws(line);
	size_t n = 0;
	while (s[n] == '_' || s[n] == '-')
		n++;
	return n >= 10 && blank(s + n);
}

/* Closings that end a message: the line that starts with one (and is
 * short, with no digit: a name may follow, not a time) begins the
 * signature. */
static int closing_line(const char *line)
{
	const char *s = skip_ws(line);
	size_t l = starts_any(&closings, s);
	if (!l)
		return 0;
	const char *rest = s + l;
	if (strlen(rest) > 40)
		return 0;
	for (const char *p = rest; *p; p++)
		if (*p >= '0' && *p <= '9')
			return 0;
	return 1;
}

/* A disclaimer's or a signature separator's first line. */
static int disclaimer_line(const char *line)
{
	const char *s = skip_ws(line);
	if (!strcmp(line, "-- ") || !strcmp(line, "--") || !strcmp(line, "__"))
		return 1;
	if (!maybe_starts(&disclaimers, s))
		return 0;
	for (size_t i = 0; i < disclaimers.n; i++)
		if (*s == disclaimers.s[i][0] && !strncmp(s, disclaimers.s[i], strlen(disclaimers.s[i])))
			return 1;
	return 0;
}

/* Line i of ls, and its end of line, to sb. */
static void add_line(struct strbuf *sb, const struct lines *ls, int i)
{
	sb_add(sb, ls->l[i], ls->len[i]);
	sb_addc(sb, '\n');
}

/* Trailing and leading blank lines removed; returns a new string. */
static char *trim_lines(struct strbuf *sb)
{
	char *s = sb_detach(sb);
	if (!s)
		return xstrdup("");
	char *p = s;
	while (*p == '\n' || *p == ' ' || *p == '\t')
		p++;
	size_t n = strlen(p);
	while (n && (p[n - 1] == '\n' || p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	char *out = xstrndup(p, n);
	free(s);
	return out;
}

struct coding_text *coding_text_split(const char *text)
{
	pthread_once(&starts_once, starts_init_all);
	struct coding_text *t = xcalloc(1, sizeof(*t));
	struct lines ls;
	lines_split(&ls, text ? text : "");
	struct strbuf quoted = STRBUF_INIT, sig = STRBUF_INIT, kept = STRBUF_INIT;
	/* The replier's own lines, by number in ls. */
	int *own = xcalloc((size_t)(ls.n ? ls.n : 1), sizeof(int)), nown = 0;

	/* Quoted text: '>' lines go wherever they are (a bottom-posted answer
	 * below them is kept); an attribution directly above '>' lines goes
	 * with them; any other start of an original (an attribution without
	 * '>' lines, a separator, Outlook's header block) takes the rest of
	 * the message. */
	int cut = ls.n;
	for (int i = 0; i < ls.n; i++) {
		if (quote_line(ls.l[i])) {
			add_line(&quoted, &ls, i);
			continue;
		}
		int a = attribution(&ls, i);
		if (a) {
			int j = i + a;
			while (j < ls.n && blank(ls.l[j]))
				j++;
			if (j < ls.n && quote_line(ls.l[j])) {
				for (int k = i; k < i + a; k++)
					add_line(&quoted, &ls, k);
				i += a - 1;
				continue;
			}
			cut = i;
			break;
		}
		if (separator(ls.l[i]) || outlook_block(&ls, i) ||
		    (rule_line(ls.l[i]) && i + 1 < ls.n && outlook_block(&ls, i + 1))) {
			cut = i;
			break;
		}
		own[nown++] = i;
	}
	for (int i = cut; i < ls.n; i++)
		add_line(&quoted, &ls, i);

	/* The signature: from the first closing or disclaimer line that
	 * follows some text of the replier's own. */
	int seen_text = 0, in_sig = 0;
	for (int k = 0; k < nown; k++) {
		const char *l = ls.l[own[k]];
		if (!in_sig && seen_text && (closing_line(l) || disclaimer_line(l)))
			in_sig = 1;
		add_line(in_sig ? &sig : &kept, &ls, own[k]);
		if (!blank(l))
			seen_text = 1;
	}
	free(own);
	lines_free(&ls);
	t->body = trim_lines(&kept);
	t->quoted = trim_lines(&quoted);
	t->signature = trim_lines(&sig);
	return t;
}

int coding_read_message(const char *path, char **raw, size_t *len, struct ct_err *err)
{
	int rc = file_read(path, raw, len, err);
	if (rc == CT_OK && !*len) {
		free(*raw);
		*raw = NULL;
		rc = ct_fail(err, CT_EINPUT, "%s: an empty file", path);
	}
	return rc;
}

int coding_extract(const char *raw, size_t len, struct coding_text **out, struct ct_err *err)
{
	*out = NULL;
	if (!raw || !len)
		return ct_fail(err, CT_EINPUT, "an empty message");
	struct reply *r = NULL;
	/* HTML quotes (<blockquote>) are marked "> " in the text, so that an
	 * answer written below the quoted original is kept as the body: without
	 * the marks the attribution line above the quote took the rest of the
	 * message, answer included. */
	int rc = reply_parse_flags(raw, len, REPLY_HTML_QUOTES | REPLY_TEXT_ONLY, &r, err);
	if (rc != CT_OK)
		return rc;
	struct coding_text *t = coding_text_split(r->text);
	t->from_html = r->text_from_html;
	t->auto_reply = reply_auto_headers(raw, len, t->auto_why, sizeof(t->auto_why)) != 0;
	reply_free(r);
	*out = t;
	return CT_OK;
}
