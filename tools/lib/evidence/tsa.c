/* tsa.c: RFC 3161 requests, replies and tokens with OpenSSL's TS API, and
 * the exchange with the authority over HTTP with libcurl (tsa.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "evidence/tsa.h"
#include "mail/curl_dl.h"
#include "mail/mailcfg.h"
#include "base/banned.h"

/* A reply is a few kilobytes (a token with a certificate chain); anything
 * much larger is not one, and is not read into memory. */
#define TSA_REPLY_MAX (1024 * 1024)

void tsa_info_free(struct tsa_info *i)
{
	if (i) {
		free(i->tsa_name);
		i->tsa_name = NULL;
	}
}

/* Text from elsewhere (an authority's status text, a name) goes into
 * messages: control characters become '?'. */
static void scrub(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* What OpenSSL's error queue says, its entries joined by "; ", and the
 * queue emptied (it is per thread and would otherwise leak into the next
 * call's reason). */
static void ssl_reason(char *buf, size_t n)
{
	size_t used = 0;
	unsigned long e;
	const char *data;
	int flags;
	buf[0] = '\0';
	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags))) {
		const char *r = ERR_reason_error_string(e);
		int w = snprintf(buf + used, n - used, "%s%s%s%s%s", used ? "; " : "",
				 r ? r : "unknown error", (flags & ERR_TXT_STRING) && *data ? " (" : "",
				 (flags & ERR_TXT_STRING) ? data : "",
				 (flags & ERR_TXT_STRING) && *data ? ")" : "");
		if (w > 0)
			used += (size_t)w < n - used ? (size_t)w : n - used - 1;
	}
	if (!used)
		snprintf(buf, n, "no reason given");
	scrub(buf);
}

static char *bio_text(BIO *b)
{
	char *p;
	long n = BIO_get_mem_data(b, &p);
	char *s = xstrndup(n > 0 ? p : "", n > 0 ? (size_t)n : 0);
	scrub(s);
	return s;
}

static char *name_text(const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	if (!b)
		ct_oom(0);
	/* RFC 2253 with everything outside printable ASCII escaped. */
	X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253);
	char *s = bio_text(b);
	BIO_free(b);
	return s;
}

/* ---- The URL ---- */

int tsa_url_check(const char *url, struct ct_err *err)
{
	int https = !strncmp(url, "https://", 8), http = !strncmp(url, "http://", 7);
	if (has_control(url) || strchr(url, ' '))
		return ct_fail(err, CT_EINPUT, "the time-stamp authority's URL has a space or control "
			       "character");
	if (!https && !http)
		return ct_fail(err, CT_EINPUT, "time-stamp authority URL %s must start with https:// "
			       "(or http:// to this machine)", url);
	const char *rest = url + (https ? 8 : 7);
	if (memchr(rest, '@', strcspn(rest, "/?#")))
		return ct_fail(err, CT_EINPUT, "time-stamp authority URL must not hold a user name "
			       "or password (the URL is recorded in the event log)");
	char *host = mail_url_host(url);
	if (!host || !*host) {
		free(host);
		return ct_fail(err, CT_EINPUT, "time-stamp authority URL %s has no host", url);
	}
	/* The rule of [mail]: plain text only on this machine, so that nobody
	 * between here and the authority can answer in its place without a
	 * certificate for its name. */
	int rc = CT_OK;
	if (http && !mail_host_is_loopback(host))
		rc = ct_fail(err, CT_EINPUT, "time-stamp authority URL %s: plain http:// is allowed "
			     "only to a loopback address (127.0.0.1, ::1, localhost), not to %s; use "
			     "https://", url, host);
	free(host);
	return rc;
}

/* ---- Requests ---- */

int tsa_request(const void *data, size_t len, unsigned char **der, size_t *der_len,
		struct ct_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE], rnd[8];
	unsigned mdlen = 0;
	*der = NULL;
	*der_len = 0;
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	BIGNUM *bn = NULL;
	ASN1_INTEGER *nonce = NULL;
	unsigned char *out = NULL;
	int n = -1, rc = CT_OK;
	/* Each call copies what it is given: the objects below are freed here. */
	if (req && mi && alg && EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) &&
	    RAND_bytes(rnd, sizeof(rnd)) == 1 && (bn = BN_bin2bn(rnd, sizeof(rnd), NULL)) &&
	    (nonce = BN_to_ASN1_INTEGER(bn, NULL)) && TS_REQ_set_version(req, 1) &&
	    X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) &&
	    TS_MSG_IMPRINT_set_algo(mi, alg) && TS_MSG_IMPRINT_set_msg(mi, md, (int)mdlen) &&
	    TS_REQ_set_msg_imprint(req, mi) && TS_REQ_set_nonce(req, nonce) &&
	    TS_REQ_set_cert_req(req, 1))
		n = i2d_TS_REQ(req, &out);
	if (n <= 0) {
		char why[512];
		ssl_reason(why, sizeof(why));
		rc = ct_fail(err, CT_EENV, "cannot make a time-stamp request: %s", why);
	} else {
		*der = xmalloc((size_t)n);
		memcpy(*der, out, (size_t)n);
		*der_len = (size_t)n;
	}
	OPENSSL_free(out);
	ASN1_INTEGER_free(nonce);
	BN_free(bn);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
	return rc;
}

/* ---- Tokens ---- */

/* gen_time (GeneralizedTime, "YYYYMMDDHHMMSS[.f]Z") as ISO 8601 in buf,
 * and as a time_t. 0 when it is not one. */
static int gen_time(const ASN1_GENERALIZEDTIME *g, char *buf, size_t n, time_t *t)
{
	const char *s = (const char *)ASN1_STRING_get0_data(g);
	int len = ASN1_STRING_length(g);
	struct tm tm;
	if (!s || len < 15 || s[len - 1] != 'Z' || strspn(s, "0123456789") < 14 ||
	    !ASN1_TIME_to_tm(g, &tm))
		return 0;
	int frac = len - 15; /* ".fff" before the Z, or nothing */
	if (frac && (s[14] != '.' || (int)strspn(s + 15, "0123456789") != frac - 1))
		return 0;
	snprintf(buf, n, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s%.*sZ", s, s + 4, s + 6, s + 8, s + 10,
		 s + 12, frac, s + 14);
	*t = timegm(&tm);
	return 1;
}

/* What the token says about itself: time, serial, policy, the TSA's name. */
static void read_info(TS_TST_INFO *tst, struct tsa_info *info, time_t *at)
{
	*at = 0;
	if (!gen_time(TS_TST_INFO_get_time(tst), info->gen_time, sizeof(info->gen_time), at))
		snprintf(info->gen_time, sizeof(info->gen_time), "?");
	BIGNUM *bn = ASN1_INTEGER_to_BN(TS_TST_INFO_get_serial(tst), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	snprintf(info->serial, sizeof(info->serial), "%s", hex ? hex : "?");
	OPENSSL_free(hex);
	BN_free(bn);
	ASN1_OBJECT *pol = TS_TST_INFO_get_policy_id(tst);
	if (!pol || OBJ_obj2txt(info->policy, (int)sizeof(info->policy), pol, 1) <= 0)
		snprintf(info->policy, sizeof(info->policy), "?");
	GENERAL_NAME *gn = TS_TST_INFO_get_tsa(tst);
	free(info->tsa_name);
	info->tsa_name = NULL;
	if (gn && gn->type == GEN_DIRNAME) {
		info->tsa_name = name_text(gn->d.directoryName);
	} else if (gn) {
		BIO *b = BIO_new(BIO_s_mem());
		if (!b)
			ct_oom(0);
		GENERAL_NAME_print(b, gn);
		info->tsa_name = bio_text(b);
		BIO_free(b);
	}
}

/* The CA file's certificates: into store (trusted) and certs (where the
 * signer is looked for too, for a token that does not carry its own).
 * CT_EINPUT naming the file when it cannot be read or holds none. */
static int load_ca(const char *ca_file, X509_STORE *store, STACK_OF(X509) **certs,
		   struct ct_err *err)
{
	char *pem;
	size_t len;
	int rc = file_read(ca_file, &pem, &len, err);
	if (rc)
		return rc;
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	STACK_OF(X509_INFO) *infos = b ? PEM_X509_INFO_read_bio(b, NULL, NULL, NULL) : NULL;
	*certs = sk_X509_new_null();
	if (!*certs)
		ct_oom(0);
	for (int i = 0; infos && i < sk_X509_INFO_num(infos); i++) {
		X509 *x = sk_X509_INFO_value(infos, i)->x509;
		if (x && X509_STORE_add_cert(store, x) == 1 && X509_up_ref(x) == 1)
			sk_X509_push(*certs, x);
	}
	if (sk_X509_num(*certs) == 0)
		rc = ct_fail(err, CT_EINPUT, "%s holds no PEM certificate (the time-stamp authority's "
			     "CA certificates are expected)", ca_file);
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(b);
	free(pem);
	ERR_clear_error();
	return rc;
}

/* The signer's certificate chains to the CA file's certificates, or (no
 * CA file) to the token's own certificate for its signer: the store to
 * check against, and the certificates to find the signer among. */
static int signature_store(PKCS7 *token, const char *ca_file, X509_STORE **store,
			   STACK_OF(X509) **certs, char **problem, struct ct_err *err)
{
	char why[512];
	*store = X509_STORE_new();
	*certs = NULL;
	if (!*store)
		ct_oom(0);
	if (ca_file)
		return load_ca(ca_file, *store, certs, err);
	STACK_OF(X509) *signers = PKCS7_get0_signers(token, NULL, 0);
	if (!signers || sk_X509_num(signers) < 1) {
		ssl_reason(why, sizeof(why));
		sk_X509_free(signers);
		*problem = xasprintf("it carries no certificate of its signer (%s)", why);
		return CT_OK;
	}
	X509_STORE_add_cert(*store, sk_X509_value(signers, 0));
	sk_X509_free(signers);
	/* The signer's own certificate as the anchor: the signature and the
	 * certificate's use (time-stamping) are checked, not who issued it. */
	X509_STORE_set_flags(*store, X509_V_FLAG_PARTIAL_CHAIN);
	return CT_OK;
}

/* Everything a token must hold for data (imprint, signature), with info
 * filled. A failure is *problem (caller frees); CT_EINPUT for a CA file
 * that cannot be read. */
static int check_token(PKCS7 *token, TS_TST_INFO *tst, const void *data, size_t len,
		       const char *ca_file, struct tsa_info *info, char **problem,
		       struct ct_err *err)
{
	time_t at;
	read_info(tst, info, &at);
	TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(tst);
	const ASN1_OBJECT *obj = NULL;
	X509_ALGOR_get0(&obj, NULL, NULL, TS_MSG_IMPRINT_get_algo(mi));
	ASN1_OCTET_STRING *msg = TS_MSG_IMPRINT_get_msg(mi);
	const EVP_MD *md = obj ? EVP_get_digestbyobj(obj) : NULL;
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned dl = 0;
	if (!md || !EVP_Digest(data, len, d, &dl, md, NULL)) {
		char oid[80] = "?";
		if (obj)
			OBJ_obj2txt(oid, (int)sizeof(oid), obj, 1);
		ERR_clear_error();
		*problem = xasprintf("its imprint uses a digest OpenSSL does not know (%s)", oid);
		return CT_OK;
	}
	/* MD5 and SHA-1 admit collisions: a token over such an imprint could
	 * vouch for a second file made to match. SHA-256 or stronger only. */
	int nid = EVP_MD_get_type(md);
	if (nid != NID_sha256 && nid != NID_sha384 && nid != NID_sha512 && nid != NID_sha3_256 &&
	    nid != NID_sha3_384 && nid != NID_sha3_512) {
		*problem = xasprintf("its imprint uses %s, a digest too weak to vouch for the data "
				     "(SHA-256 or stronger is required)",
				     EVP_MD_get0_name(md));
		return CT_OK;
	}
	if (!msg || ASN1_STRING_length(msg) != (int)dl ||
	    memcmp(ASN1_STRING_get0_data(msg), d, dl)) {
		char want[2 * EVP_MAX_MD_SIZE + 1] = "", got[2 * EVP_MAX_MD_SIZE + 1] = "";
		for (unsigned i = 0; i < dl; i++)
			snprintf(want + 2 * i, 3, "%02x", d[i]);
		int ml = msg ? ASN1_STRING_length(msg) : 0;
		for (int i = 0; i < ml && i < EVP_MAX_MD_SIZE; i++)
			snprintf(got + 2 * i, 3, "%02x", ASN1_STRING_get0_data(msg)[i]);
		*problem = xasprintf("it time-stamps other data: its %s imprint is %.16s..., the "
				     "file's is %.16s...",
				     EVP_MD_get0_name(md), got, want);
		return CT_OK;
	}
	X509_STORE *store;
	STACK_OF(X509) *certs;
	int rc = signature_store(token, ca_file, &store, &certs, problem, err);
	if (!rc && !*problem) {
		/* The signer's certificate must have been valid when it signed
		 * (not now: a time-stamp outlives its authority's certificate). */
		if (at)
			X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), at);
		X509 *signer = NULL;
		if (TS_RESP_verify_signature(token, certs, store, &signer) != 1) {
			char why[512];
			ssl_reason(why, sizeof(why));
			*problem = ca_file ? xasprintf("its signature does not verify with a signer "
						       "certified by %s: %s",
						       ca_file, why)
					   : xasprintf("its signature does not verify: %s", why);
		} else if (!info->tsa_name && signer) {
			info->tsa_name = name_text(X509_get_subject_name(signer));
		}
		X509_free(signer);
	}
	X509_STORE_free(store);
	sk_X509_pop_free(certs, X509_free);
	return rc;
}

/* NULL when the reply's status grants the time-stamp; else why not. */
static char *status_problem(TS_RESP *resp)
{
	static const char *const names[] = { "granted", "grantedWithMods", "rejection", "waiting",
					     "revocationWarning", "revocationNotification" };
	static const struct {
		int bit;
		const char *name;
	} fails[] = { { 0, "badAlg" },		  { 2, "badRequest" },
		      { 5, "badDataFormat" },	  { 14, "timeNotAvailable" },
		      { 15, "unacceptedPolicy" }, { 16, "unacceptedExtension" },
		      { 17, "addInfoNotAvailable" }, { 25, "systemFailure" } };
	TS_STATUS_INFO *si = TS_RESP_get_status_info(resp);
	long st = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si));
	if ((st == 0 || st == 1) && TS_RESP_get_token(resp) && TS_RESP_get_tst_info(resp))
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	if (st >= 0 && st < (long)ARRAY_SIZE(names))
		sb_addf(&sb, "status %s", names[st]);
	else
		sb_addf(&sb, "status %ld", st);
	if (st == 0 || st == 1)
		sb_adds(&sb, " without a token");
	const ASN1_BIT_STRING *fi = TS_STATUS_INFO_get0_failure_info(si);
	for (size_t i = 0; fi && i < ARRAY_SIZE(fails); i++)
		if (ASN1_BIT_STRING_get_bit(fi, fails[i].bit))
			sb_addf(&sb, ", %s", fails[i].name);
	const STACK_OF(ASN1_UTF8STRING) *text = TS_STATUS_INFO_get0_text(si);
	for (int i = 0; text && i < sk_ASN1_UTF8STRING_num(text); i++) {
		const ASN1_UTF8STRING *t = sk_ASN1_UTF8STRING_value(text, i);
		sb_adds(&sb, i ? "; " : ": ");
		sb_add(&sb, (const char *)ASN1_STRING_get0_data(t),
		       (size_t)ASN1_STRING_length(t) < 200 ? (size_t)ASN1_STRING_length(t) : 200);
	}
	char *s = sb_detach(&sb);
	scrub(s);
	return s;
}

/* The reply, parsed whole: trailing bytes are not a reply. */
static TS_RESP *parse_resp(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	TS_RESP *r = len < (size_t)TSA_REPLY_MAX ? d2i_TS_RESP(NULL, &p, (long)len) : NULL;
	if (r && p != der + len) {
		TS_RESP_free(r);
		r = NULL;
	}
	ERR_clear_error();
	return r;
}

int tsa_reply_check(const unsigned char *req, size_t req_len, const unsigned char *reply,
		    size_t reply_len, const void *data, size_t len, const char *ca_file,
		    struct tsa_info *info, struct ct_err *err)
{
	const unsigned char *p = req;
	TS_REQ *rq = d2i_TS_REQ(NULL, &p, (long)req_len);
	TS_RESP *resp = parse_resp(reply, reply_len);
	char *problem = NULL;
	int rc = CT_OK;
	if (!rq) {
		rc = ct_fail(err, CT_EENV, "the time-stamp request cannot be read back");
	} else if (!resp) {
		rc = ct_fail(err, CT_EENV, "its answer is not a time-stamp reply (%zu bytes that are "
			     "not a DER TimeStampResp)", reply_len);
	} else if ((problem = status_problem(resp))) {
		rc = ct_fail(err, CT_EENV, "it did not grant the time-stamp: %s", problem);
	} else {
		const ASN1_INTEGER *want = TS_REQ_get_nonce(rq);
		const ASN1_INTEGER *got = TS_TST_INFO_get_nonce(TS_RESP_get_tst_info(resp));
		/* A reply to another request (an old one played back) has
		 * another nonce. */
		if (!want || !got || ASN1_INTEGER_cmp(want, got))
			rc = ct_fail(err, CT_EENV, "its time-stamp answers another request (its nonce "
				     "is not the request's)");
		else if (!(rc = check_token(TS_RESP_get_token(resp), TS_RESP_get_tst_info(resp),
					    data, len, ca_file, info, &problem, err)) && problem)
			rc = ct_fail(err, CT_EENV, "its time-stamp does not hold: %s", problem);
	}
	free(problem);
	TS_RESP_free(resp);
	TS_REQ_free(rq);
	ERR_clear_error();
	if (rc)
		tsa_info_free(info);
	return rc;
}

int tsa_verify(const unsigned char *tsr, size_t tsr_len, const void *data, size_t len,
	       const char *ca_file, struct tsa_info *info, char **problem, struct ct_err *err)
{
	*problem = NULL;
	TS_RESP *resp = parse_resp(tsr, tsr_len);
	PKCS7 *own = NULL, *token = NULL;
	TS_TST_INFO *own_tst = NULL, *tst = NULL;
	int rc = CT_OK;
	if (resp) {
		if ((*problem = status_problem(resp))) {
			char *p = xasprintf("the authority did not grant it: %s", *problem);
			free(*problem);
			*problem = p;
		} else {
			token = TS_RESP_get_token(resp);
			tst = TS_RESP_get_tst_info(resp);
		}
	} else {
		/* A bare token (a signed ContentInfo holding a TSTInfo). */
		const unsigned char *p = tsr;
		own = tsr_len < (size_t)TSA_REPLY_MAX ? d2i_PKCS7(NULL, &p, (long)tsr_len) : NULL;
		if (own && p == tsr + tsr_len)
			own_tst = PKCS7_to_TS_TST_INFO(own);
		if (own_tst) {
			token = own;
			tst = own_tst;
		} else {
			*problem = xasprintf("it is not a time-stamp (%zu bytes that are neither a DER "
					     "TimeStampResp nor a time-stamp token)",
					     tsr_len);
		}
	}
	if (tst)
		rc = check_token(token, tst, data, len, ca_file, info, problem, err);
	TS_TST_INFO_free(own_tst);
	PKCS7_free(own);
	TS_RESP_free(resp);
	ERR_clear_error();
	if (rc) {
		free(*problem);
		*problem = NULL;
	}
	return rc;
}

/* ---- HTTP ---- */

struct body {
	struct strbuf sb;
	int too_big;
};

static size_t body_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;
	if (b->sb.len + n > TSA_REPLY_MAX) {
		b->too_big = 1;
		return 0; /* libcurl stops with CURLE_WRITE_ERROR */
	}
	sb_add(&b->sb, p, n);
	return n;
}

/* POSTs the request; the answer's body in *out. */
static int post(const char *url, const unsigned char *req, size_t req_len, long timeout,
		struct body *out, struct ct_err *err)
{
	CURL *c = mailcfg_curl_new(err);
	if (!c)
		return CT_EENV;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/timestamp-query");
	h = curl_slist_append(h, "Accept: application/timestamp-reply");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	/* Only the authority named: no proxy from the environment, and no
	 * redirect (which could lead to plain text elsewhere). */
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)req_len);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)req);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "corrtest/" CORRTEST_VERSION);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout < 20 ? timeout : 20L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	CURLcode cc = curl_easy_perform(c);
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	int rc = CT_OK;
	if (out->too_big)
		rc = ct_fail(err, CT_EENV, "its answer is larger than %d bytes: not a time-stamp reply",
			     TSA_REPLY_MAX);
	else if (cc != CURLE_OK)
		rc = ct_fail(err, CT_EENV, "cannot reach it: %s",
			     errbuf[0] ? errbuf : curl_easy_strerror(cc));
	else if (code != 200)
		rc = ct_fail(err, CT_EENV, "it answered HTTP %ld, not 200", code);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return rc;
}

int tsa_stamp(const char *url, const char *ca_file, long timeout_seconds, const void *data,
	      size_t len, unsigned char **reply, size_t *reply_len, struct tsa_info *info,
	      struct ct_err *err)
{
	*reply = NULL;
	*reply_len = 0;
	int rc = tsa_url_check(url, err);
	if (rc)
		return rc;
	if (ca_file) {
		/* A CA file that cannot be read is found before anything is sent. */
		X509_STORE *store = X509_STORE_new();
		STACK_OF(X509) *certs = NULL;
		if (!store)
			ct_oom(0);
		rc = load_ca(ca_file, store, &certs, err);
		X509_STORE_free(store);
		sk_X509_pop_free(certs, X509_free);
		if (rc)
			return rc;
	}
	unsigned char *req;
	size_t req_len;
	if ((rc = tsa_request(data, len, &req, &req_len, err)))
		return rc;
	struct body b = { STRBUF_INIT, 0 };
	rc = post(url, req, req_len, timeout_seconds > 0 ? timeout_seconds : 30, &b, err);
	if (!rc)
		rc = tsa_reply_check(req, req_len, (const unsigned char *)sb_str(&b.sb), b.sb.len,
				     data, len, ca_file, info, err);
	free(req);
	if (rc) {
		sb_free(&b.sb);
		/* Every reason names the authority; a CA file that cannot be
		 * read names itself. */
		if (rc == CT_EENV) {
			char msg[sizeof(err->msg)];
			snprintf(msg, sizeof(msg), "%s", err->msg);
			ct_fail(err, rc, "time-stamp authority %s: %s", url, msg);
		}
		return rc;
	}
	*reply_len = b.sb.len;
	*reply = (unsigned char *)sb_detach(&b.sb);
	return CT_OK;
}
