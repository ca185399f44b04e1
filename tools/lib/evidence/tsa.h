/* tsa.h: RFC 3161 time-stamps of a checkpoint (`corrtest seal --tsa URL`,
 * `corrtest verify --checkpoint F`). A checkpoint alone proves nothing
 * about when it was written: whoever holds the study could write one
 * later. A time-stamp authority signs the checkpoint's SHA-256 with the
 * time, so that the checkpoint, and the event log up to it, existed then.
 *
 * What is kept: the authority's whole reply (a DER TimeStampResp, as
 * `openssl ts -reply` writes it and `openssl ts -verify -in` reads it),
 * in FILE.tsr beside the checkpoint FILE. tsa_verify also takes a bare
 * token (the signed ContentInfo, `openssl ts -token_in`).
 *
 * OpenSSL's libcrypto does the ASN.1 and the signatures; libcurl (loaded
 * by mail/curl_dl.h) the HTTP. Nothing here prints or exits. */
#ifndef CT_EVIDENCE_TSA_H
#define CT_EVIDENCE_TSA_H

#include <stddef.h>

#include "base/util.h"

/* What a time-stamp says. */
struct tsa_info {
	char gen_time[40]; /* the authority's time, "2027-01-20T12:00:00Z" (a fraction kept) */
	char serial[80];   /* its serial number, hex */
	char policy[80];   /* its policy, a dotted OID */
	char *tsa_name;    /* the token's TSA name, else its signer's subject (RFC 2253) */
};
void tsa_info_free(struct tsa_info *i); /* frees tsa_name; the struct stays */

/* The URL rule, checked before anything connects: http:// or https:// (no
 * other scheme, no user name or password in it, since the URL is recorded
 * in the event log); plain http:// only to a loopback host (127.0.0.0/8,
 * ::1, localhost; mail_host_is_loopback, the rule of [mail]). CT_EINPUT
 * otherwise, naming the URL. */
int tsa_url_check(const char *url, struct ct_err *err);

/* A time-stamp request (DER TimeStampReq) for data: its SHA-256, a random
 * 64-bit nonce, and certReq set so that the reply carries the authority's
 * certificate. *der: caller frees. */
int tsa_request(const void *data, size_t len, unsigned char **der, size_t *der_len,
		struct ct_err *err);

/* Checks the authority's reply to a request before it is kept: a DER
 * TimeStampResp whose status is granted, whose token's imprint is the
 * SHA-256 of data, whose nonce is the request's, and whose signature
 * verifies, against ca_file (PEM, the authority's CA certificates) when
 * it is not NULL, else against the certificate the token carries.
 * CT_EENV with the reason (the authority misbehaved), CT_EINPUT when
 * ca_file cannot be read. info filled on CT_OK (free with tsa_info_free). */
int tsa_reply_check(const unsigned char *req, size_t req_len, const unsigned char *reply,
		    size_t reply_len, const void *data, size_t len, const char *ca_file,
		    struct tsa_info *info, struct ct_err *err);

/* The whole exchange: checks the URL (tsa_url_check), makes a request for
 * data, POSTs it (Content-Type application/timestamp-query, no proxy, no
 * redirect, timeout_seconds in all) and checks the reply
 * (tsa_reply_check). *reply: the DER TimeStampResp, caller frees.
 * CT_EINPUT for a bad URL (nothing was sent) or an unreadable ca_file,
 * CT_EENV naming the URL and the reason for everything else: the
 * authority cannot be reached, answers an HTTP error, refuses, or answers
 * something that is not a good time-stamp for data. */
int tsa_stamp(const char *url, const char *ca_file, long timeout_seconds, const void *data,
	      size_t len, unsigned char **reply, size_t *reply_len, struct tsa_info *info,
	      struct ct_err *err);

/* Checks a kept time-stamp (a DER TimeStampResp or a bare token) of data:
 * the token's imprint is the digest of data (by the token's algorithm),
 * and its signature verifies: with ca_file (PEM) the signer's certificate
 * must chain to it (at the token's time, for time-stamping, as RFC 3161
 * says); without it only against the certificate the token carries, which
 * shows that the token is intact but not who signed it. CT_OK with
 * *problem NULL when it holds, or *problem (caller frees) saying why not:
 * not a time-stamp, a refusal, another file's imprint, a signature or a
 * signer that fails. CT_EINPUT when ca_file cannot be read. info is
 * filled as far as the token could be read (free with tsa_info_free). */
int tsa_verify(const unsigned char *tsr, size_t tsr_len, const void *data, size_t len,
	       const char *ca_file, struct tsa_info *info, char **problem, struct ct_err *err);

#endif
