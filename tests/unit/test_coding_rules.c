/* test_coding_rules.c: what a researcher relies on when editing a rule
 * file: a negation takes back only what it overlaps; matches of two
 * outcomes go to review whatever their priorities; priority chooses only
 * among codes of one outcome; every code names its FILE:LINE and the
 * file's SHA-256; a bad line is refused with FILE:LINE. The built-in nl,
 * fr and en rules are tried on the negations of the issue ("nog niet
 * verhuurd", "pas encore loué", "not yet let"). Expected codes are the
 * codebook's definitions applied by hand. */
#include <check.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coding/extract.h"
#include "coding/rules.h"
#include "corpus.h"
#include "base/banned.h"

static struct codebook *cb;

static struct coding_rules *rules_of(const char *text)
{
	struct coding_rules *rs = NULL;
	struct ct_err err = { 0 };
	ck_assert_msg(coding_rules_add_text(&rs, cb, "r.txt", text, CODING_NL, &err) == CT_OK,
		      "%s", err.msg);
	return rs;
}

static int load_error(const char *text, char *msg)
{
	struct coding_rules *rs = NULL;
	struct ct_err err = { 0 };
	int rc = coding_rules_add_text(&rs, cb, "r.txt", text, CODING_NL, &err);
	ck_assert_ptr_null(rs);
	snprintf(msg, 1024, "%s", err.msg);
	return rc;
}

/* The code (or "review") that rs gives text. */
static char *code_of(const struct coding_rules *rs, const char *text, unsigned market,
		     struct coding_result *res)
{
	struct ct_err err = { 0 };
	ck_assert_int_eq(coding_classify(rs, text, 0, market, -1, res, &err), CT_OK);
	return xstrdup(res->outcome ? res->code : "review");
}

#define EXPECT(rs, text, market, want)                                          \
	do {                                                                    \
		struct coding_result r_ = { 0 };                                \
		char *got_ = code_of((rs), (text), (market), &r_);              \
		ck_assert_msg(!strcmp(got_, (want)), "'%s': got %s, want %s (%s)", \
			      (text), got_, (want), r_.why ? r_.why : "");      \
		free(got_);                                                     \
		coding_result_clear(&r_);                                       \
	} while (0)

START_TEST(negation_cancels_only_what_it_overlaps)
{
	struct coding_rules *rs = rules_of(
		"# comment\n\n10 refusal.let /verhuurd/ let\n"
		"10 !refusal.let /nog\\s+niet\\s+verhuurd/ negation\n");
	EXPECT(rs, "Het is al verhuurd.", 0, "refusal.let");
	EXPECT(rs, "Het is nog niet verhuurd.", 0, "review");
	/* A second, real "verhuurd" outside the negation still fires. */
	EXPECT(rs, "Nummer 3 is nog niet verhuurd, nummer 5 wel: verhuurd.", 0, "refusal.let");
	coding_rules_free(rs);
}
END_TEST

/* Coding many replies at once (code --classify codes files in batches,
 * rule by rule) gives each the code it gets alone: what a negation
 * matched in one reply takes nothing back in another, and a reply that
 * cannot be coded stops only itself. */
START_TEST(a_batch_codes_each_reply_as_alone)
{
	struct coding_rules *rs = rules_of("10 refusal.let /verhuurd/ let\n"
					   "10 !refusal.let /nog\\s+niet\\s+verhuurd/ negation\n"
					   "10 invitation.viewing /bezoek/ v\n");
	const char *texts[] = { "Het is nog niet verhuurd.", "Het is al verhuurd.",
				"Nog niet verhuurd: kom op bezoek.", "ok \xff",
				"Verhuurd, sorry.", "Het is nog niet verhuurd." };
	const char *want[] = { "review", "refusal.let", "invitation.viewing", NULL,
			       "refusal.let", "review" };
	int autos[6] = { 0 }, rcs[6];
	struct coding_result res[6] = { 0 };
	struct ct_err errs[6] = { 0 };
	ck_assert_int_eq(coding_classify_many(rs, 6, texts, autos, 0, -1, res, rcs, errs), CT_EINPUT);
	for (int t = 0; t < 6; t++) {
		if (!want[t]) {
			ck_assert_int_eq(rcs[t], CT_EINPUT);
			ck_assert_msg(strstr(errs[t].msg, "UTF-8") != NULL, "%s", errs[t].msg);
			continue;
		}
		ck_assert_int_eq(rcs[t], CT_OK);
		ck_assert_str_eq(res[t].outcome ? res[t].code : "review", want[t]);
		EXPECT(rs, texts[t], 0, want[t]);
		coding_result_clear(&res[t]);
	}
	/* A text left out (a message that could not be read: NULL) keeps
	 * the status and error the caller gave it, and the others are coded. */
	const char *some[] = { NULL, "Het is al verhuurd." };
	int rc2[2] = { CT_EENV, -1 };
	struct coding_result r2[2] = { 0 };
	struct ct_err e2[2] = { { CT_EENV, "x.eml: unreadable" }, { 0 } };
	ck_assert_int_eq(coding_classify_many(rs, 2, some, autos, 0, -1, r2, rc2, e2), CT_OK);
	ck_assert_int_eq(rc2[0], CT_EENV);
	ck_assert_str_eq(e2[0].msg, "x.eml: unreadable");
	ck_assert_ptr_null(r2[0].outcome);
	ck_assert_int_eq(rc2[1], CT_OK);
	ck_assert_str_eq(r2[1].code, "refusal.let");
	coding_result_clear(&r2[1]);
	coding_rules_free(rs);
}
END_TEST

START_TEST(negation_of_an_outcome_cancels_its_sub_codes)
{
	struct coding_rules *rs = rules_of("10 invitation.viewing /bezoek/ v\n"
					   "10 !invitation /geen\\s+bezoek/ n\n");
	EXPECT(rs, "Er is geen bezoek mogelijk.", 0, "review");
	EXPECT(rs, "Een bezoek kan zaterdag.", 0, "invitation.viewing");
	coding_rules_free(rs);
}
END_TEST

/* A lookbehind in the pattern itself is the other way to write a
 * negation. */
START_TEST(lookbehind_negation)
{
	struct coding_rules *rs = rules_of("10 refusal.let /(?<!not\\s)(?<!not\\syet\\s)\\blet\\b/ x\n");
	EXPECT(rs, "It is let.", 0, "refusal.let");
	EXPECT(rs, "It is not yet let.", 0, "review");
	coding_rules_free(rs);
}
END_TEST

START_TEST(conflicting_outcomes_go_to_review_whatever_the_priority)
{
	struct coding_rules *rs = rules_of("1 refusal.let /verhuurd/ strong\n"
					   "99 invitation.viewing /langskomen/ weak\n");
	struct coding_result res = { 0 };
	char *got = code_of(rs, "Verhuurd, maar u kan langskomen voor een ander.", 0, &res);
	ck_assert_str_eq(got, "review");
	ck_assert_ptr_null(res.outcome);
	ck_assert_ptr_nonnull(strstr(res.why, "r.txt:1"));
	ck_assert_ptr_nonnull(strstr(res.why, "r.txt:2"));
	free(got);
	coding_result_clear(&res);
	coding_rules_free(rs);
}
END_TEST

START_TEST(priority_picks_the_sub_code_within_one_outcome)
{
	struct coding_rules *rs = rules_of("20 refusal.other /helaas/ generic\n"
					   "10 refusal.let /verhuurd/ specific\n"
					   "10 refusal.other /andere\\s+kandidaat/ same priority, later\n");
	struct coding_result res = { 0 };
	char *got = code_of(rs, "Helaas, het is verhuurd.", 0, &res);
	ck_assert_str_eq(got, "refusal.let");
	ck_assert_str_eq(res.rule, "r.txt:2");
	ck_assert_str_eq(res.outcome, "refusal");
	/* The rule file's SHA-256, computed apart: printf ... | sha256sum. */
	ck_assert_str_eq(res.rules_sha256,
			 "61bbb46bbbf1bb6f792cc6cfefebb1611ee9026fda8c32cf6f4a8a0aee0666b1");
	free(got);
	coding_result_clear(&res);
	/* Equal priorities: the earlier line. */
	got = code_of(rs, "Verhuurd aan een andere kandidaat.", 0, &res);
	ck_assert_str_eq(res.rule, "r.txt:2");
	free(got);
	coding_result_clear(&res);
	coding_rules_free(rs);
}
END_TEST

START_TEST(markets_follow_the_codebook)
{
	struct coding_rules *rs = rules_of("10 refusal.let /weg/ housing only\n"
					   "10 refusal.filled /weg/ job only\n");
	EXPECT(rs, "Het is weg.", CODING_HOUSING, "refusal.let");
	EXPECT(rs, "Het is weg.", CODING_JOB, "refusal.filled");
	coding_rules_free(rs);
}
END_TEST

START_TEST(auto_reply_gives_way_to_what_the_text_says)
{
	struct coding_rules *rs = rules_of("10 refusal.let /verhuurd/ x\n"
					   "10 other.auto_reply /afwezig/ y\n");
	struct coding_result res = { 0 };
	struct ct_err err = { 0 };
	ck_assert_int_eq(coding_classify(rs, "Ik ben afwezig. Het is verhuurd.", 0, 0, -1, &res,
					 &err), CT_OK);
	ck_assert_str_eq(res.code, "refusal.let");
	ck_assert(res.auto_reply);
	ck_assert_int_eq(coding_classify(rs, "Ik ben afwezig.", 0, 0, -1, &res, &err), CT_OK);
	ck_assert_str_eq(res.code, "other.auto_reply");
	/* By header alone, with a text that says nothing. */
	ck_assert_int_eq(coding_classify(rs, "Dank u.", 1, 0, -1, &res, &err), CT_OK);
	ck_assert_str_eq(res.code, "other.auto_reply");
	ck_assert_str_eq(res.rule, "header");
	/* A person's reply that says nothing the rules know: review. */
	ck_assert_int_eq(coding_classify(rs, "Dank u.", 0, 0, -1, &res, &err), CT_OK);
	ck_assert_ptr_null(res.outcome);
	ck_assert_str_eq(res.why, "no rule matched");
	coding_result_clear(&res);
	coding_rules_free(rs);
}
END_TEST

START_TEST(bad_lines_are_named)
{
	char msg[1024];
	ck_assert_int_eq(load_error("10 refusal.let /ok/\n10 refusal.gone /x/\n", msg), CT_EINPUT);
	ck_assert_str_eq(msg, "r.txt:2: 'refusal.gone' is not a code of the codebook");
	ck_assert_int_eq(load_error("10 no_reply /x/\n", msg), CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(msg, "r.txt:1: no_reply"));
	ck_assert_int_eq(load_error("\n10 refusal.let /(unclosed/\n", msg), CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(msg, "r.txt:2: pattern:"));
	ck_assert_int_eq(load_error("ten refusal.let /x/\n", msg), CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(msg, "r.txt:1: the priority"));
	ck_assert_int_eq(load_error("10 refusal.let x\n", msg), CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(msg, "between slashes"));
	ck_assert_int_eq(load_error("10 refusal.let /x\n", msg), CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(msg, "no closing slash"));
}
END_TEST

/* An escaped slash belongs to the pattern. */
START_TEST(escaped_slash)
{
	struct coding_rules *rs = rules_of("10 other.auto_reply /afwezig\\s+t\\/m/ note\n");
	EXPECT(rs, "Ik ben afwezig t/m 3 januari.", 0, "other.auto_reply");
	coding_rules_free(rs);
}
END_TEST

/* The built-in files on the hard cases, sentences written here. */
/* The prefilter (each rule's two-byte starts, read from its pattern) may
 * only skip a rule that cannot match: optional first groups, classes,
 * lookbehinds, alternatives of different lengths, upper case in the text,
 * and the Kelvin sign (which PCRE2 matches caselessly with 'k') all still
 * match as PCRE2 alone would. */
START_TEST(prefilter_never_skips_a_possible_match)
{
	struct coding_rules *rs = rules_of("10 refusal.let /(nog\\s+)?verhuurd/ opt\n"
					   "10 info.call_back /\\b(a|bc)d[ée]\\b/ alts\n"
					   "10 invitation.viewing /(?<!geen )\\b[Kk]amer\\b/ class\n"
					   "10 other.acknowledgement /\\bok\\b/ ok\n");
	EXPECT(rs, "Het is VERHUURD.", 0, "refusal.let");
	EXPECT(rs, "nog verhuurd", 0, "refusal.let");
	EXPECT(rs, "ADÉ", 0, "info.call_back");
	EXPECT(rs, "zie bcde hier", 0, "info.call_back");
	EXPECT(rs, "een KAMER vrij", 0, "invitation.viewing");
	EXPECT(rs, "een \xe2\x84\xaa" "amer vrij", 0, "invitation.viewing");
	EXPECT(rs, "geen kamer", 0, "review");
	EXPECT(rs, "OK", 0, "other.acknowledgement");
	EXPECT(rs, "bd ad cd", 0, "review");
	coding_rules_free(rs);
}
END_TEST

/* The bodies of the corpus replies, in reading order. */
struct bodies {
	char **v;
	int *autos;
	int n;
};

static void add_body(const char *path, const char *raw, size_t len, void *arg)
{
	struct bodies *b = arg;
	struct coding_text *t = NULL;
	struct ct_err err = { 0 };
	ck_assert_msg(coding_extract(raw, len, &t, &err) == CT_OK, "%s: %s", path, err.msg);
	b->v = xrealloc(b->v, (size_t)(b->n + 1) * sizeof(*b->v));
	b->autos = xrealloc(b->autos, (size_t)(b->n + 1) * sizeof(int));
	b->v[b->n] = xstrdup(t->body);
	b->autos[b->n++] = t->auto_reply;
	coding_text_free(t);
}

/* The built-in rules on every corpus reply: coded in batches of 97 and
 * one at a time, the same code, rule and reason for review. */
START_TEST(built_in_rules_batch_equals_one_by_one)
{
	struct coding_rules *rs = NULL;
	struct ct_err err = { 0 };
	ck_assert_msg(coding_rules_load(NULL, cb, 0, &rs, &err) == CT_OK, "%s", err.msg);
	static const char *const dirs[] = {
		"tests/fixtures/replies",	   "tests/fixtures/replies-dev",
		"tests/fixtures/replies-holdout",  "tests/fixtures/replies-holdout2",
		"tests/fixtures/replies-holdout3", "tests/fixtures/replies-holdout4",
	};
	struct bodies b = { 0 };
	corpus_each(dirs, sizeof(dirs) / sizeof(*dirs), add_body, &b);
	ck_assert_int_gt(b.n, 1000);
	struct coding_result *many = xcalloc((size_t)b.n, sizeof(*many));
	struct ct_err *errs = xcalloc((size_t)b.n, sizeof(*errs));
	int *rcs = xcalloc((size_t)b.n, sizeof(int)), coded = 0;
	for (int t0 = 0; t0 < b.n; t0 += 97) {
		int k = b.n - t0 < 97 ? b.n - t0 : 97;
		ck_assert_int_eq(coding_classify_many(rs, k, (const char *const *)b.v + t0, b.autos + t0,
						      0, -1, many + t0, rcs + t0, errs + t0),
				 CT_OK);
	}
	for (int t = 0; t < b.n; t++) {
		struct coding_result one = { 0 };
		ck_assert_int_eq(coding_classify(rs, b.v[t], b.autos[t], 0, -1, &one, &err), CT_OK);
		ck_assert_msg((one.outcome == NULL) == (many[t].outcome == NULL), "%s", b.v[t]);
		ck_assert_str_eq(one.code ? one.code : "-", many[t].code ? many[t].code : "-");
		ck_assert_str_eq(one.rule ? one.rule : "-", many[t].rule ? many[t].rule : "-");
		ck_assert_str_eq(one.why ? one.why : "-", many[t].why ? many[t].why : "-");
		ck_assert_int_eq(one.auto_reply, many[t].auto_reply);
		coded += one.outcome != NULL;
		coding_result_clear(&one);
		coding_result_clear(&many[t]);
		free(b.v[t]);
	}
	ck_assert_int_gt(coded, b.n / 2);
	free(many), free(errs), free(rcs), free(b.v), free(b.autos);
	coding_rules_free(rs);
}
END_TEST

START_TEST(built_in_rules)
{
	struct coding_rules *rs = NULL;
	struct ct_err err = { 0 };
	ck_assert_msg(coding_rules_load(NULL, cb, 0, &rs, &err) == CT_OK, "%s", err.msg);
	ck_assert_int_gt(coding_rules_count(rs), 100);
	unsigned H = CODING_HOUSING, J = CODING_JOB;
	EXPECT(rs, "Het appartement is al verhuurd.", H, "refusal.let");
	EXPECT(rs, "Het appartement is nog niet verhuurd.", H, "review");
	EXPECT(rs, "Désolé, le bien est déjà loué.", H, "refusal.let");
	EXPECT(rs, "Le bien n'est pas encore loué.", H, "review");
	EXPECT(rs, "Sorry, the flat has already been let.", H, "refusal.let");
	EXPECT(rs, "The flat is not yet let.", H, "review");
	EXPECT(rs, "Let me know if you have questions.", H, "review");
	EXPECT(rs, "Bedankt voor uw interesse, kan u zaterdag om 10u langskomen?", H,
	       "invitation.viewing");
	EXPECT(rs, "Bel me even op 0470 12 34 56 om een bezichtiging af te spreken.", H,
	       "invitation.call_to_fix");
	EXPECT(rs, "Kan u mij eens terugbellen?", H, "info.call_back");
	EXPECT(rs, "Pourriez-vous d'abord m'envoyer vos trois dernières fiches de paie ?", H,
	       "info.documents");
	EXPECT(rs, "We would like to invite you for an interview on Monday.", J,
	       "invitation.interview");
	EXPECT(rs, "Le poste a déjà été pourvu.", J, "refusal.filled");
	EXPECT(rs, "De vacature is ondertussen ingevuld.", J, "refusal.filled");
	EXPECT(rs, "Nous ne donnerons pas suite à votre candidature.", J, "refusal.other");
	coding_rules_free(rs);
}
END_TEST

/* Phenomena of the blind dev batch h, in sentences written for this test
 * (none is a corpus reply): a refusal inside an out-of-office wins over the
 * auto-reply text; an acknowledgement gives way to a refusal or a request
 * in the same reply but not to a mere viewing word; documents to bring to
 * the visit are no request; a refusal whose condition is a missing
 * document is not a refusal, while one that excludes a group still is.
 * Expected codes follow the label convention of tests/fixtures/replies/
 * README.md. */
START_TEST(built_in_rules_general_phenomena)
{
	struct coding_rules *rs = NULL;
	struct ct_err err = { 0 };
	ck_assert_msg(coding_rules_load(NULL, cb, 0, &rs, &err) == CT_OK, "%s", err.msg);
	unsigned H = CODING_HOUSING, J = CODING_JOB;
	/* Job refusals in auto replies (headers and text). */
	struct coding_result res = { 0 };
	ck_assert_int_eq(coding_classify(rs, "Automatic reply: I am out of the office until "
					 "Monday. The selection for the driver vacancy is now "
					 "closed.",
					 1, J, CODING_EN, &res, &err),
			 CT_OK);
	ck_assert_str_eq(res.outcome ? res.outcome : "review", "refusal");
	coding_result_clear(&res);
	EXPECT(rs, "I am away until 12 June. The cashier job has been filled, thanks for applying.",
	       J, "refusal.filled");
	EXPECT(rs, "Absente jusqu'au 4 mars. Nous avons clôturé le recrutement pour ce poste.", J,
	       "refusal.filled");
	EXPECT(rs, "Afwezig tot 3 juni. De selectieprocedure voor deze functie is afgesloten.", J,
	       "refusal.filled");
	EXPECT(rs, "The vacancy has not been filled yet.", J, "review");
	/* An acknowledgement beside a refusal or a request. */
	EXPECT(rs, "Thanks for your mail. Unfortunately the house was taken last week; we will "
		   "keep your details on file.",
	       H, "refusal.let");
	EXPECT(rs, "Bedankt, goed ontvangen. Het huis is ondertussen verhuurd.", H, "refusal.let");
	EXPECT(rs, "Bien reçu. Pourriez-vous m'envoyer vos fiches de paie ? Je reviendrai vers "
		   "vous dès réception.",
	       H, "info.documents");
	/* ... but not beside a mere viewing word, nor "let you know". */
	EXPECT(rs, "Bezichtigingen beginnen pas in mei, we houden u op de hoogte.", H,
	       "other.acknowledgement");
	EXPECT(rs, "Thanks, I'll look into it and let you know.", H, "other.acknowledgement");
	/* Documents to bring to the visit are no request. */
	EXPECT(rs, "U kan zaterdag om 11u langskomen. Gelieve uw loonfiches mee te brengen.", H,
	       "invitation.viewing");
	/* A visit after a condition is not proposed. */
	EXPECT(rs, "Stuur eerst uw loonfiches door; pas daarna plannen we een bezoek.", H,
	       "info.documents");
	/* A missing document is a request; a group excluded is a refusal. */
	EXPECT(rs, "Without your payslips we cannot consider your application, could you send "
		   "them?",
	       H, "info.documents");
	EXPECT(rs, "La propriétaire ne loue pas aux étudiants sans garant.", H, "refusal.other");
	/* Ordinary wordings that the rules missed. */
	EXPECT(rs, "Could you drop by tomorrow around 4 to see the flat?", H, "invitation.viewing");
	EXPECT(rs, "Pouvez-vous passer jeudi vers 17h ?", H, "invitation");
	EXPECT(rs, "Are you currently employed, and do you have pets?", H, "info.questions");
	EXPECT(rs, "Sorry, the owner does not rent to students.", H, "refusal.other");
	coding_rules_free(rs);
}
END_TEST

/* Round 6 (the first held-out set, retired to tuning): the phenomena behind
 * its errors and review cases, each in sentences written here by hand (none
 * is a corpus sentence). The expected codes follow the codebook's
 * definitions and the Belgian convention. */
START_TEST(built_in_rules_round6_phenomena)
{
	struct coding_rules *rs = NULL;
	struct ct_err err = { 0 };
	ck_assert_msg(coding_rules_load(NULL, cb, 0, &rs, &err) == CT_OK, "%s", err.msg);
	unsigned H = CODING_HOUSING, J = CODING_JOB;
	/* A disclaimer's "réservés à ... destinataire" reserves no dwelling. */
	EXPECT(rs, "Je vous appelle demain.\nCe courriel et ses pièces jointes sont réservés "
		   "à l'usage exclusif du destinataire.",
	       H, "info.call_back");
	/* A signature line on how visits are booked proposes nothing. */
	EXPECT(rs, "Le studio a été loué la semaine passée.\nVisites : exclusivement sur "
		   "rendez-vous par téléphone",
	       H, "refusal.let");
	EXPECT(rs, "The flat has been let.\nViewings: strictly by appointment only", H,
	       "refusal.let");
	/* A call to fix a visit, in other words. */
	EXPECT(rs, "Donnez-moi un coup de fil et on fixera un rendez-vous.", H,
	       "invitation.call_to_fix");
	EXPECT(rs, "Neem telefonisch contact op met het kantoor om een bezichtiging vast te "
		   "leggen.",
	       H, "invitation.call_to_fix");
	/* The dwelling named by a pronoun is shown; not when the writer cannot. */
	EXPECT(rs, "Je peux vous le faire visiter samedi matin.", H, "invitation.viewing");
	EXPECT(rs, "Happy to show it to you on Thursday evening.", H, "invitation.viewing");
	EXPECT(rs, "Sorry, I can't show it to you this week.", H, "review");
	EXPECT(rs, "Je ne pourrai pas vous la montrer avant la fin du mois.", H, "review");
	/* An out-of-office's return time proposes no meeting. */
	EXPECT(rs, "I am out of the office and will be back on Monday at 9 am.", H,
	       "other.auto_reply");
	EXPECT(rs, "Ik ben afwezig tot vrijdag en vanaf maandag om 9u terug op kantoor.", J,
	       "other.auto_reply");
	/* The job gone, with a title or an adverb in between. */
	EXPECT(rs, "The recruitment for our 'Night porter (m/f)' role has now closed.", J,
	       "refusal.filled");
	EXPECT(rs, "Cette offre d'emploi est désormais clôturée.", J, "refusal.filled");
	EXPECT(rs, "Die vacature is niet langer open.", J, "refusal.filled");
	EXPECT(rs, "Sorry, this position is not open any longer.", J, "refusal.filled");
	/* Another household chosen; an application not taken further. */
	EXPECT(rs, "After some thought we decided to go with another couple.", H,
	       "refusal.other");
	EXPECT(rs, "Uiteindelijk hebben we voor een ander koppel gekozen.", H, "refusal.other");
	EXPECT(rs, "Nous avons finalement retenu une autre famille.", H, "refusal.other");
	EXPECT(rs, "Wij zullen dus niet verder gaan met uw sollicitatie.", J, "refusal.other");
	EXPECT(rs, "We won't be progressing your application at this stage.", J,
	       "refusal.other");
	EXPECT(rs, "We gaan nog niet verder met uw kandidatuur zolang uw cv ontbreekt.", J,
	       "review");
	/* Call back in other words; "thank you for contacting us" is none. */
	EXPECT(rs, "Gelieve ons telefonisch te contacteren.", H, "info.call_back");
	EXPECT(rs, "Would you mind calling me this afternoon?", J, "info.call_back");
	EXPECT(rs, "Thank you for contacting us, we will be in touch.", J,
	       "other.acknowledgement");
	/* Documents still awaited. */
	EXPECT(rs, "We are still awaiting your bank statements.", H, "info.documents");
	EXPECT(rs, "Il nous manque encore votre attestation de l'employeur.", H,
	       "info.documents");
	EXPECT(rs, "We wachten nog steeds op uw loonfiches.", H, "info.documents");
	/* Whether the candidate accepts the work's conditions. */
	EXPECT(rs, "Are you prepared to travel abroad for work?", J, "info.questions");
	EXPECT(rs, "Seriez-vous prêt à travailler le samedi ?", J, "info.questions");
	EXPECT(rs, "Zou je bereid zijn om 's nachts te werken?", J, "info.questions");
	/* Acknowledgements: the writer reads the CV. */
	EXPECT(rs, "Merci, nous étudions votre dossier.", H, "other.acknowledgement");
	EXPECT(rs, "Thanks, we are reviewing your application.", J, "other.acknowledgement");
	coding_rules_free(rs);
}
END_TEST

/* Round 7 (the review cases of replies-dev): more phenomena, in sentences
 * written here by hand. */
START_TEST(built_in_rules_round7_phenomena)
{
	struct coding_rules *rs = NULL;
	struct ct_err err = { 0 };
	ck_assert_msg(coding_rules_load(NULL, cb, 0, &rs, &err) == CT_OK, "%s", err.msg);
	unsigned H = CODING_HOUSING, J = CODING_JOB;
	/* The job filled, in the job market's own rules. */
	EXPECT(rs, "We have now filled the position, thank you for your interest.", J,
	       "refusal.filled");
	EXPECT(rs, "Nous avons finalement pourvu cette fonction.", J, "refusal.filled");
	EXPECT(rs, "We hebben de functie ondertussen ingevuld.", J, "refusal.filled");
	EXPECT(rs, "We hebben de functie nog niet ingevuld.", J, "review");
	EXPECT(rs, "We hope to fill the position soon.", J, "review");
	/* A group excluded, with the dwelling named in between. */
	EXPECT(rs, "The owner does not rent the house to students.", H, "refusal.other");
	EXPECT(rs, "De eigenaar verhuurt de studio niet aan rokers.", H, "refusal.other");
	/* Documents wanted, said in other words; "geen cv nodig" is none. */
	EXPECT(rs, "We would like to see your latest payslips first.", H, "info.documents");
	EXPECT(rs, "Il nous faudrait encore une attestation de votre employeur.", H,
	       "info.documents");
	EXPECT(rs, "Voor ik iets beslis heb ik uw loonfiches nodig.", H, "info.documents");
	EXPECT(rs, "Voor deze job is een diploma niet nodig.", J, "review");
	/* "We will contact you once the selection is over" acknowledges: it
	 * asks for no call. */
	EXPECT(rs, "We will call you once the selection is finished.", J,
	       "other.acknowledgement");
	EXPECT(rs, "Je vous appellerai quand le propriétaire aura décidé.", H,
	       "other.acknowledgement");
	EXPECT(rs, "Wij bellen u zodra de eigenaar beslist heeft.", H, "other.acknowledgement");
	/* The process's end as a condition, and a shop closed, are no
	 * refusal. */
	EXPECT(rs, "Dès que la sélection est terminée, nous vous contacterons.", J, "review");
	EXPECT(rs, "Zodra de selectie is afgerond, bellen we u.", J, "review");
	EXPECT(rs, "Le poste est à temps plein et le magasin est fermé le lundi.", J, "review");
	EXPECT(rs, "The job is full-time and the shop is closed on Sundays.", J, "review");
	EXPECT(rs, "De job is voltijds en de winkel is gesloten op maandag.", J, "review");
	EXPECT(rs, "The recruitment for \"Driver (m/f)\" has now closed.", J, "refusal.filled");
	/* Round 8 (hand-written probes): ordinary wordings the rules missed. */
	EXPECT(rs, "Thanks for your interest, I'll be in touch.", H, "other.acknowledgement");
	EXPECT(rs, "Before I can arrange anything I need to know your monthly income.", H,
	       "info.questions");
	EXPECT(rs, "We've decided to offer the role to an internal candidate.", J,
	       "refusal.filled");
	EXPECT(rs, "Désolée, l'appartement est déjà parti.", H, "refusal.let");
	EXPECT(rs, "Le propriétaire est parti en vacances.", H, "review");
	EXPECT(rs, "Nous avons retenu une candidature correspondant davantage au profil.", J,
	       "refusal.other");
	EXPECT(rs, "We kozen een kandidaat die beter aansluit bij het profiel.", J,
	       "refusal.other");
	EXPECT(rs, "Which time would better suit you?", H, "review");
	EXPECT(rs, "Kies gerust een moment dat beter past.", H, "review");
	/* Sent to the wrong person. */
	EXPECT(rs, "I'm afraid you have the wrong address, I don't rent anything out.", H,
	       "other.other");
	/* Opening hours over a range of days propose nothing. */
	EXPECT(rs, "Our office is open Monday to Friday at 9 am.", H, "review");
	EXPECT(rs, "Bureau ouvert du lundi au vendredi à 9h.", H, "review");
	/* A time in words. */
	EXPECT(rs, "Would Thursday at half five suit you?", H, "invitation");
	EXPECT(rs, "Zaterdag om half tien, lukt dat?", H, "invitation");
	coding_rules_free(rs);
}
END_TEST

/* Every example of the codebook is coded as its own code by the built-in
 * rules of its language, or goes to review; never to another outcome. */
START_TEST(codebook_examples_never_coded_wrong)
{
	struct coding_rules *rs = NULL;
	struct ct_err err = { 0 };
	ck_assert_int_eq(coding_rules_load(NULL, cb, 0, &rs, &err), CT_OK);
	for (int i = 0; i < cb->n; i++) {
		const struct coding_code *c = &cb->code[i];
		if (!c->sub || !strcmp(c->outcome, "no_reply"))
			continue;
		for (int l = 0; l < CODING_NLANG; l++) {
			struct coding_result res = { 0 };
			ck_assert_int_eq(coding_classify(rs, c->example[l], 0, c->markets, l, &res,
							 &err), CT_OK);
			ck_assert_msg(!res.outcome || !strcmp(res.outcome, c->outcome),
				      "%s example %s '%s' coded %s by %s", c->code,
				      coding_lang_names[l], c->example[l], res.code, res.rule);
			coding_result_clear(&res);
		}
	}
	coding_rules_free(rs);
}
END_TEST

START_TEST(codebook_study_adds_sub_codes_not_outcomes)
{
	struct codebook *own = NULL;
	struct ct_err err = { 0 };
	ck_assert_int_eq(codebook_load(NULL, &own, &err), CT_OK);
	int n = own->n;
	ck_assert_int_eq(codebook_load_text(&own, "s.ini",
					    "[refusal.income]\ndefinition = income too low\n"
					    "markets = housing\n",
					    &err),
			 CT_OK);
	ck_assert_int_eq(own->n, n + 1);
	ck_assert_uint_eq(codebook_find(own, "refusal.income")->markets, CODING_HOUSING);
	ck_assert_int_eq(codebook_load_text(&own, "s.ini",
					    "[maybe]\ndefinition = a sixth outcome\n", &err),
			 CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "s.ini:2: [maybe]: the outcome must be one of"));
	ck_assert_int_eq(codebook_load_text(&own, "s.ini", "[info.x]\nlabel = no definition\n",
					    &err),
			 CT_EINPUT);
	codebook_free(own);
}
END_TEST

/* Issue 13: employers' replies to job applications, written by hand for
 * this test in each language as a recruiter would write them; the expected
 * code follows the codebook's definitions (templates/coding/codebook.ini:
 * invitation.interview for an interview proposed in person, by phone or
 * video; invitation.call_to_fix for a call whose purpose is to fix one;
 * info.* for a call back, documents, questions or another channel;
 * refusal.filled for the job gone, refusal.other for the candidate turned
 * down; other.acknowledgement for a receipt), not read off the rules. */
START_TEST(built_in_rules_job_replies)
{
	struct coding_rules *rs = NULL;
	struct ct_err err = { 0 };
	ck_assert_msg(coding_rules_load(NULL, cb, 0, &rs, &err) == CT_OK, "%s", err.msg);
	unsigned J = CODING_JOB;
	/* Dutch. */
	EXPECT(rs,
	       "Beste, bedankt voor uw sollicitatie. Wij nodigen u graag uit voor een "
	       "sollicitatiegesprek op dinsdag 20 april om 14 uur in ons kantoor in Gent.",
	       J, "invitation.interview");
	EXPECT(rs,
	       "Dag Sevgi, uw cv ziet er interessant uit. Heeft u volgende week tijd voor een "
	       "kennismakingsgesprek?",
	       J, "invitation.interview");
	EXPECT(rs,
	       "Goedemiddag, wanneer zou u beschikbaar zijn voor een gesprek bij ons?",
	       J, "invitation.interview");
	EXPECT(rs,
	       "Beste, kan u mij morgen even bellen op 09 234 56 78 om een datum voor een "
	       "gesprek vast te leggen?",
	       J, "invitation.call_to_fix");
	EXPECT(rs,
	       "Dag, ik had graag eerst eens telefonisch met u gesproken. Kan u mij "
	       "terugbellen op 0470 11 22 33?",
	       J, "info.call_back");
	EXPECT(rs,
	       "Beste, kan u ons een kopie van uw diploma en een referentie van uw vorige "
	       "werkgever bezorgen?",
	       J, "info.documents");
	EXPECT(rs,
	       "Hallo, vanaf wanneer zou u kunnen starten en heeft u een rijbewijs B?",
	       J, "info.questions");
	EXPECT(rs,
	       "Geachte, wij danken u voor uw kandidatuur. Na zorgvuldige overweging hebben "
	       "wij gekozen voor een andere kandidaat.",
	       J, "refusal.other");
	EXPECT(rs,
	       "Beste, helaas moeten wij u meedelen dat uw profiel niet beantwoordt aan wat "
	       "wij zoeken.",
	       J, "refusal.other");
	EXPECT(rs,
	       "Dag, de vacature is intussen ingevuld. Wij houden uw gegevens bij voor een "
	       "volgende keer.",
	       J, "refusal.filled");
	EXPECT(rs,
	       "Beste, bedankt voor uw interesse, maar wij gaan niet verder met uw "
	       "sollicitatie.",
	       J, "refusal.other");
	EXPECT(rs,
	       "Beste, solliciteren kan enkel via het formulier op onze website, onder de "
	       "rubriek jobs.",
	       J, "info.apply_elsewhere");
	EXPECT(rs,
	       "Beste, wij hebben uw sollicitatie goed ontvangen en nemen zo snel mogelijk "
	       "contact met u op.",
	       J, "other.acknowledgement");
	EXPECT(rs,
	       "Beste Ahmed, graag nodigen we u uit voor een eerste gesprek op ons kantoor. "
	       "Past woensdag om 10 uur?",
	       J, "invitation.interview");
	EXPECT(rs,
	       "Dag Leen, we zouden u graag eens ontmoeten. Wanneer past het voor u?",
	       J, "invitation.interview");
	EXPECT(rs,
	       "Beste, wij hebben beslist om niet verder te gaan met uw kandidatuur. Veel "
	       "succes in uw verdere zoektocht.",
	       J, "refusal.other");
	EXPECT(rs, "Beste, de functie werd intussen intern ingevuld.", J, "refusal.filled");
	EXPECT(rs,
	       "Beste, we hebben ondertussen iemand gevonden voor deze job.",
	       J, "refusal.filled");
	EXPECT(rs,
	       "Dag, wat zijn uw loonverwachtingen en hoeveel jaar ervaring heeft u als "
	       "boekhouder?",
	       J, "info.questions");
	EXPECT(rs, "Beste, uw kandidatuur werd niet weerhouden.", J, "refusal.other");
	EXPECT(rs,
	       "Beste, wij zoeken iemand met meer ervaring in de zorgsector.",
	       J, "refusal.other");
	EXPECT(rs,
	       "Beste, u mag mij altijd bellen op 09 123 45 67 voor meer info over de functie.",
	       J, "info.call_back");
	/* French. */
	EXPECT(rs,
	       "Bonjour Madame, suite à votre candidature, nous souhaiterions vous rencontrer "
	       "pour un entretien d'embauche le jeudi 22 avril à 10h.",
	       J, "invitation.interview");
	EXPECT(rs,
	       "Bonjour, votre profil nous intéresse. Seriez-vous disponible la semaine "
	       "prochaine pour un entretien dans nos bureaux à Liège ?",
	       J, "invitation.interview");
	EXPECT(rs,
	       "Bonjour, je vous propose de passer nous voir mardi à 14h pour faire "
	       "connaissance.",
	       J, "invitation.interview");
	EXPECT(rs,
	       "Bonjour, pouvez-vous me téléphoner au 04 222 33 44 afin de convenir d'un "
	       "rendez-vous pour un entretien ?",
	       J, "invitation.call_to_fix");
	EXPECT(rs,
	       "Bonjour, merci de me rappeler au 0478 12 34 56, j'aimerais vous poser quelques "
	       "questions.",
	       J, "info.call_back");
	EXPECT(rs,
	       "Bonjour, pourriez-vous nous transmettre une copie de votre diplôme ainsi que "
	       "vos références ?",
	       J, "info.documents");
	EXPECT(rs,
	       "Bonjour, à partir de quand seriez-vous disponible et disposez-vous d'un "
	       "véhicule ?",
	       J, "info.questions");
	EXPECT(rs,
	       "Madame, nous vous remercions pour votre candidature. Malheureusement, nous "
	       "avons retenu un autre candidat.",
	       J, "refusal.other");
	EXPECT(rs,
	       "Monsieur, après examen de votre dossier, nous sommes au regret de vous "
	       "informer que votre profil ne correspond pas à nos attentes.",
	       J, "refusal.other");
	EXPECT(rs,
	       "Bonjour, le poste a entre-temps été pourvu. Nous gardons votre CV dans notre "
	       "base de données.",
	       J, "refusal.filled");
	EXPECT(rs,
	       "Bonjour, nous avons le regret de vous annoncer que nous ne donnerons pas suite "
	       "à votre candidature.",
	       J, "refusal.other");
	EXPECT(rs,
	       "Bonjour, pour postuler, merci de passer par le formulaire en ligne sur notre "
	       "site.",
	       J, "info.apply_elsewhere");
	EXPECT(rs,
	       "Bonjour, nous accusons bonne réception de votre candidature et reviendrons "
	       "vers vous prochainement.",
	       J, "other.acknowledgement");
	EXPECT(rs,
	       "Madame, nous ne sommes malheureusement pas en mesure de vous proposer un "
	       "entretien.",
	       J, "refusal.other");
	EXPECT(rs,
	       "Bonjour Monsieur, nous aimerions vous convier à un entretien d'embauche. "
	       "Quelles sont vos disponibilités ?",
	       J, "invitation.interview");
	EXPECT(rs,
	       "Bonjour, votre candidature a retenu notre attention. Je vous propose un "
	       "entretien téléphonique demain à 11h.",
	       J, "invitation.interview");
	EXPECT(rs,
	       "Madame, nous avons bien reçu votre candidature pour le poste de comptable, "
	       "mais nous avons décidé de ne pas la retenir.",
	       J, "refusal.other");
	EXPECT(rs,
	       "Bonjour, nous avons trouvé la personne qu'il nous fallait. Bonne continuation "
	       "dans vos recherches.",
	       J, "refusal.filled");
	EXPECT(rs,
	       "Bonjour, l'offre n'est plus d'actualité, le recrutement est clôturé.",
	       J, "refusal.filled");
	EXPECT(rs,
	       "Bonjour, pourriez-vous nous préciser vos prétentions salariales ?",
	       J, "info.questions");
	EXPECT(rs,
	       "Bonjour, je souhaiterais en savoir un peu plus sur votre expérience. "
	       "Pouvez-vous m'appeler ?",
	       J, "info.call_back");
	EXPECT(rs,
	       "Bonjour, votre profil ne correspond pas au poste proposé. Nous vous souhaitons "
	       "bonne chance.",
	       J, "refusal.other");
	EXPECT(rs,
	       "Bonjour, nous privilégions des candidats ayant une expérience dans le secteur "
	       "hospitalier.",
	       J, "refusal.other");
	/* English. */
	EXPECT(rs,
	       "Dear Ms Cetin, thank you for your application. We would like to invite you to "
	       "an interview on Thursday 22 April at 10 am.",
	       J, "invitation.interview");
	EXPECT(rs,
	       "Hi, thanks for applying. Are you available for a short video interview next "
	       "week?",
	       J, "invitation.interview");
	EXPECT(rs,
	       "Hello, could you give me a call on 02 345 67 89 to arrange a time for an "
	       "interview?",
	       J, "invitation.call_to_fix");
	EXPECT(rs,
	       "Hello, could you call me back on 0470 12 34 56? I would like to ask you a few "
	       "questions.",
	       J, "info.call_back");
	EXPECT(rs,
	       "Dear applicant, please send us a copy of your diploma and the contact details "
	       "of two referees.",
	       J, "info.documents");
	EXPECT(rs,
	       "Hi, when would you be able to start, and do you have a driving licence?",
	       J, "info.questions");
	EXPECT(rs,
	       "Dear Mr Peeters, thank you for your interest. After careful consideration we "
	       "have decided not to proceed with your application.",
	       J, "refusal.other");
	EXPECT(rs,
	       "Dear applicant, unfortunately the position has been filled.",
	       J, "refusal.filled");
	EXPECT(rs,
	       "Thank you for applying. We have decided to go ahead with another candidate "
	       "whose experience more closely matches the role.",
	       J, "refusal.other");
	EXPECT(rs,
	       "Dear candidate, we regret to inform you that your application was "
	       "unsuccessful.",
	       J, "refusal.other");
	EXPECT(rs,
	       "Hi, please apply through the careers page on our website.",
	       J, "info.apply_elsewhere");
	EXPECT(rs,
	       "Thank you for your application, which we have received. We will be in touch.",
	       J, "other.acknowledgement");
	EXPECT(rs,
	       "Dear Ms Dubois, we are pleased to invite you for a first meeting with our "
	       "finance manager on Monday at 2 pm.",
	       J, "invitation.interview");
	EXPECT(rs,
	       "Hi Sevgi, we'd love to have a chat with you about the role. When are you free "
	       "this week?",
	       J, "invitation.interview");
	EXPECT(rs,
	       "Dear Mr El Amrani, we are pleased to invite you to an interview at our "
	       "Zaventem office.",
	       J, "invitation.interview");
	EXPECT(rs,
	       "Dear candidate, we have now filled this vacancy and are no longer accepting "
	       "applications.",
	       J, "refusal.filled");
	EXPECT(rs,
	       "Unfortunately we will not be taking your application further.",
	       J, "refusal.other");
	EXPECT(rs,
	       "We have received a large number of applications and have decided to pursue "
	       "other candidates.",
	       J, "refusal.other");
	EXPECT(rs, "What are your salary expectations and notice period?", J, "info.questions");
	EXPECT(rs,
	       "Thank you for your application. We are looking for someone with more "
	       "experience in payroll.",
	       J, "refusal.other");
	EXPECT(rs,
	       "Could you give me a ring when you have a moment? My number is 0470 12 34 56.",
	       J, "info.call_back");
	coding_rules_free(rs);
}
END_TEST

int main(void)
{
	g_mime_init();
	struct ct_err err = { 0 };
	if (codebook_load(NULL, &cb, &err) != CT_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return EXIT_FAILURE;
	}
	Suite *s = suite_create("coding_rules");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, negation_cancels_only_what_it_overlaps);
	tcase_add_test(tc, negation_of_an_outcome_cancels_its_sub_codes);
	tcase_add_test(tc, a_batch_codes_each_reply_as_alone);
	tcase_add_test(tc, lookbehind_negation);
	tcase_add_test(tc, conflicting_outcomes_go_to_review_whatever_the_priority);
	tcase_add_test(tc, priority_picks_the_sub_code_within_one_outcome);
	tcase_add_test(tc, markets_follow_the_codebook);
	tcase_add_test(tc, auto_reply_gives_way_to_what_the_text_says);
	tcase_add_test(tc, bad_lines_are_named);
	tcase_add_test(tc, escaped_slash);
	tcase_add_test(tc, prefilter_never_skips_a_possible_match);
	tcase_add_test(tc, built_in_rules);
	tcase_add_test(tc, built_in_rules_batch_equals_one_by_one);
	tcase_add_test(tc, built_in_rules_general_phenomena);
	tcase_add_test(tc, built_in_rules_round6_phenomena);
	tcase_add_test(tc, built_in_rules_round7_phenomena);
	tcase_add_test(tc, built_in_rules_job_replies);
	tcase_add_test(tc, codebook_examples_never_coded_wrong);
	tcase_add_test(tc, codebook_study_adds_sub_codes_not_outcomes);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	codebook_free(cb);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
