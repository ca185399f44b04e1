/* test_tsa.c: evidence/tsa against a real time-stamp authority made at test
 * time with openssl (tests/tsa/make.sh), which answers the requests
 * tsa_request makes (`openssl ts -reply -queryfile`). The request is read
 * back by openssl (`ts -query -text`, `ts -verify -queryfile`); the
 * reply's serial as openssl prints it. A reply to another request, of
 * other data, a refusal, junk, a signature outside the CA given, a
 * corrupted or cut token: each refused with its reason. The URL rule,
 * and an authority that does not listen. The e2e test 0401 does the same
 * through seal and verify, over HTTP. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evidence/tsa.h"
#include "tmpdir.h"

static const char DATA[] = "corrtest checkpoint 1\nevents: 3\n";

struct tsa {
	char *dir;
};

static void run(const char *cmd)
{
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

static struct tsa tsa_make(void)
{
	struct tsa t = { tmpdir_new("ct-tsa") };
	char *cmd = xasprintf("sh tests/tsa/make.sh '%s' >/dev/null", t.dir);
	run(cmd);
	free(cmd);
	return t;
}

static char *path(const struct tsa *t, const char *name)
{
	return xasprintf("%s/%s", t->dir, name);
}

static void write_file(const char *p, const void *data, size_t len)
{
	struct ct_err err = { 0 };
	ck_assert_msg(file_write_atomic(p, data, len, 0644, &err) == CT_OK, "%s", err.msg);
}

static char *read_file(const char *p, size_t *len)
{
	char *s;
	struct ct_err err = { 0 };
	ck_assert_msg(file_read(p, &s, len, &err) == CT_OK, "%s", err.msg);
	return s;
}

/* A request for data written to NAME.tsq, and the authority's reply to it
 * (section: the config section, NULL for the default) in NAME.tsr. */
static void request_reply(const struct tsa *t, const char *name, const char *data,
			  const char *section, unsigned char **req, size_t *req_len,
			  char **reply, size_t *reply_len)
{
	struct ct_err err = { 0 };
	ck_assert_msg(tsa_request(data, strlen(data), req, req_len, &err) == CT_OK, "%s", err.msg);
	char *q = xasprintf("%s/%s.tsq", t->dir, name), *r = xasprintf("%s/%s.tsr", t->dir, name);
	write_file(q, *req, *req_len);
	char *cmd = xasprintf("openssl ts -reply -config '%s/tsa.cnf' %s%s -queryfile '%s' -out '%s' "
			      "2>/dev/null",
			      t->dir, section ? "-section " : "", section ? section : "", q, r);
	run(cmd);
	*reply = read_file(r, reply_len);
	free(cmd);
	free(q);
	free(r);
}

/* The output of a shell command (caller frees). */
static char *output(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_add(&sb, buf, n);
	ck_assert_int_eq(pclose(f), 0);
	return sb_detach(&sb);
}

START_TEST(request_as_openssl_reads_it)
{
	struct tsa t = tsa_make();
	unsigned char *req, *req2;
	size_t req_len, req2_len, reply_len;
	char *reply;
	request_reply(&t, "a", DATA, NULL, &req, &req_len, &reply, &reply_len);
	char *cmd = xasprintf("openssl ts -query -in '%s/a.tsq' -text 2>/dev/null", t.dir);
	char *text = output(cmd);
	ck_assert_msg(strstr(text, "Hash Algorithm: sha256") && strstr(text, "Nonce: 0x") &&
			      strstr(text, "Certificate required: yes"),
		      "%s", text);
	free(text);
	free(cmd);
	/* openssl checks that the reply answers the request (imprint, nonce)
	 * and that the imprint is the SHA-256 of the data. */
	char *d = path(&t, "data");
	write_file(d, DATA, strlen(DATA));
	cmd = xasprintf("openssl ts -verify -queryfile '%s/a.tsq' -in '%s/a.tsr' -CAfile '%s/ca.pem' "
			">/dev/null 2>&1 && openssl ts -verify -data '%s' -in '%s/a.tsr' -CAfile "
			"'%s/ca.pem' >/dev/null 2>&1",
			t.dir, t.dir, t.dir, d, t.dir, t.dir);
	run(cmd);
	free(cmd);
	/* Two requests for the same data differ: the nonce is drawn anew. */
	struct ct_err err = { 0 };
	ck_assert_int_eq(tsa_request(DATA, strlen(DATA), &req2, &req2_len, &err), CT_OK);
	ck_assert(req2_len != req_len || memcmp(req, req2, req_len));
	free(req2);
	free(req);
	free(reply);
	free(d);
	free(t.dir);
}
END_TEST

START_TEST(reply_checked)
{
	struct tsa t = tsa_make();
	unsigned char *req, *req_b;
	size_t req_len, req_b_len, reply_len, reply_b_len;
	char *reply, *reply_b;
	request_reply(&t, "a", DATA, NULL, &req, &req_len, &reply, &reply_len);
	request_reply(&t, "b", DATA, NULL, &req_b, &req_b_len, &reply_b, &reply_b_len);
	struct tsa_info info = { 0 };
	struct ct_err err = { 0 };
	char *ca = path(&t, "ca.pem"), *other = path(&t, "other-ca.pem");
	const unsigned char *r = (const unsigned char *)reply;
	/* Good, with the CA and with the token's own certificate. */
	ck_assert_msg(tsa_reply_check(req, req_len, r, reply_len, DATA, strlen(DATA), ca, &info,
				      &err) == CT_OK,
		      "%s", err.msg);
	/* What openssl says of the reply: serial and authority. */
	char *cmd = xasprintf("openssl ts -reply -in '%s/a.tsr' -text 2>/dev/null | sed -n "
			      "'s/^Serial number: 0x//p'",
			      t.dir);
	char *serial = output(cmd);
	str_trim(serial);
	ck_assert_str_eq(info.serial, serial);
	ck_assert_str_eq(info.tsa_name, "CN=corrtest test TSA,O=corrtest tests");
	/* The time as openssl reads it ("Time stamp: Dec  3 20:44:29 2026 GMT"),
	 * turned into ISO 8601 by date(1). */
	char *tc = xasprintf("date -u -d \"$(openssl ts -reply -in '%s/a.tsr' -text 2>/dev/null | "
			     "sed -n 's/^Time stamp: \\(.*\\) GMT$/\\1/p')\" "
			     "+%%Y-%%m-%%dT%%H:%%M:%%SZ",
			     t.dir);
	char *gt = output(tc);
	str_trim(gt);
	ck_assert_str_eq(info.gen_time, gt);
	free(gt);
	free(tc);
	ck_assert_str_eq(info.policy, "1.2.3.4.1");
	free(serial);
	free(cmd);
	tsa_info_free(&info);
	ck_assert_int_eq(tsa_reply_check(req, req_len, r, reply_len, DATA, strlen(DATA), NULL, &info,
					 &err),
			 CT_OK);
	tsa_info_free(&info);
	/* The reply to request b, given as the reply to a: another nonce. */
	ck_assert_int_eq(tsa_reply_check(req, req_len, (const unsigned char *)reply_b, reply_b_len,
					 DATA, strlen(DATA), ca, &info, &err),
			 CT_EENV);
	ck_assert_msg(strstr(err.msg, "answers another request"), "%s", err.msg);
	/* Other data. */
	ck_assert_int_eq(tsa_reply_check(req, req_len, r, reply_len, "other", 5, ca, &info, &err),
			 CT_EENV);
	ck_assert_msg(strstr(err.msg, "time-stamps other data"), "%s", err.msg);
	/* Signed, but not under the CA given. */
	ck_assert_int_eq(tsa_reply_check(req, req_len, r, reply_len, DATA, strlen(DATA), other, &info,
					 &err),
			 CT_EENV);
	ck_assert_msg(strstr(err.msg, "does not verify with a signer certified by"), "%s", err.msg);
	/* Junk, and a reply with a byte too many. */
	ck_assert_int_eq(tsa_reply_check(req, req_len, (const unsigned char *)"junk", 4, DATA,
					 strlen(DATA), ca, &info, &err),
			 CT_EENV);
	ck_assert_msg(strstr(err.msg, "not a time-stamp reply (4 bytes"), "%s", err.msg);
	char *longer = xmalloc(reply_len + 1);
	memcpy(longer, reply, reply_len);
	longer[reply_len] = 0;
	ck_assert_int_eq(tsa_reply_check(req, req_len, (const unsigned char *)longer, reply_len + 1,
					 DATA, strlen(DATA), ca, &info, &err),
			 CT_EENV);
	ck_assert_msg(strstr(err.msg, "not a time-stamp reply"), "%s", err.msg);
	free(longer);
	/* A CA file that is none: an input error. */
	ck_assert_int_eq(tsa_reply_check(req, req_len, r, reply_len, DATA, strlen(DATA),
					 "tests/tsa/make.sh", &info, &err),
			 CT_EINPUT);
	ck_assert_msg(strstr(err.msg, "holds no PEM certificate"), "%s", err.msg);
	free(req);
	free(req_b);
	free(reply);
	free(reply_b);
	/* A refusal: this section takes SHA-512 imprints only. */
	request_reply(&t, "c", DATA, "tsa_reject", &req, &req_len, &reply, &reply_len);
	ck_assert_int_eq(tsa_reply_check(req, req_len, (const unsigned char *)reply, reply_len, DATA,
					 strlen(DATA), ca, &info, &err),
			 CT_EENV);
	ck_assert_msg(strstr(err.msg, "did not grant the time-stamp: status rejection, badAlg"), "%s",
		      err.msg);
	free(req);
	free(reply);
	free(ca);
	free(other);
	free(t.dir);
}
END_TEST

/* tsa_verify on a kept time-stamp; returns the problem ("" when none). */
static char *verify(const void *tsr, size_t len, const char *data, const char *ca,
		    struct tsa_info *info)
{
	char *problem;
	struct ct_err err = { 0 };
	ck_assert_msg(tsa_verify(tsr, len, data, strlen(data), ca, info, &problem, &err) == CT_OK,
		      "%s", err.msg);
	return problem ? problem : xstrdup("");
}

START_TEST(kept_time_stamp_verified)
{
	struct tsa t = tsa_make();
	unsigned char *req;
	size_t req_len, reply_len, token_len;
	char *reply;
	request_reply(&t, "a", DATA, NULL, &req, &req_len, &reply, &reply_len);
	char *ca = path(&t, "ca.pem"), *other = path(&t, "other-ca.pem");
	struct tsa_info info = { 0 };
	char *p = verify(reply, reply_len, DATA, ca, &info);
	ck_assert_str_eq(p, "");
	free(p);
	ck_assert_str_eq(info.tsa_name, "CN=corrtest test TSA,O=corrtest tests");
	tsa_info_free(&info);
	p = verify(reply, reply_len, DATA, NULL, &info);
	ck_assert_str_eq(p, "");
	free(p);
	tsa_info_free(&info);
	/* The bare token, as openssl ts -token_out writes it. */
	char *cmd = xasprintf("openssl ts -reply -in '%s/a.tsr' -token_out -out '%s/a.tok' "
			      "2>/dev/null",
			      t.dir, t.dir);
	run(cmd);
	free(cmd);
	char *tp = path(&t, "a.tok");
	char *token = read_file(tp, &token_len);
	p = verify(token, token_len, DATA, ca, &info);
	ck_assert_str_eq(p, "");
	free(p);
	tsa_info_free(&info);
	/* Problems: other data, another CA, a byte of the signature
	 * changed, cut short, nothing at all. */
	p = verify(reply, reply_len, "corrtest checkpoint 1\nevents: 4\n", ca, &info);
	ck_assert_msg(strstr(p, "time-stamps other data: its SHA256 imprint is"), "%s", p);
	free(p);
	tsa_info_free(&info);
	p = verify(reply, reply_len, DATA, other, &info);
	ck_assert_msg(strstr(p, "does not verify with a signer certified by"), "%s", p);
	free(p);
	tsa_info_free(&info);
	reply[reply_len - 10] ^= 0x55;
	p = verify(reply, reply_len, DATA, NULL, &info);
	ck_assert_msg(strstr(p, "signature does not verify"), "%s", p);
	free(p);
	tsa_info_free(&info);
	/* A valid token, signed by the authority the CA certified, over the
	 * right data's SHA-1 or MD5 (openssl ts -query -sha1/-md5): refused
	 * for its digest. */
	static const char *const weak[][2] = { { "sha1", "SHA1" }, { "md5", "MD5" } };
	for (size_t i = 0; i < ARRAY_SIZE(weak); i++) {
		char *dp = path(&t, "data.txt");
		write_file(dp, DATA, strlen(DATA));
		cmd = xasprintf("openssl ts -query -%s -cert -data '%s' -out '%s/w.tsq' 2>/dev/null && "
				"openssl ts -reply -config '%s/tsa.cnf' -section tsa_weak -queryfile "
				"'%s/w.tsq' -out '%s/w.tsr' 2>/dev/null && "
				"openssl ts -verify -data '%s' -in '%s/w.tsr' -CAfile '%s' >/dev/null "
				"2>&1",
				weak[i][0], dp, t.dir, t.dir, t.dir, t.dir, dp, t.dir, ca);
		run(cmd); /* openssl itself accepts it */
		free(cmd);
		char *wp = path(&t, "w.tsr");
		size_t wl;
		char *w = read_file(wp, &wl);
		p = verify(w, wl, DATA, ca, &info);
		char *want = xasprintf("its imprint uses %s, a digest too weak", weak[i][1]);
		ck_assert_msg(strstr(p, want), "%s: %s", weak[i][0], p);
		free(want);
		free(p);
		tsa_info_free(&info);
		free(w);
		free(wp);
		free(dp);
	}
	p = verify(reply, 100, DATA, NULL, &info);
	ck_assert_msg(strstr(p, "not a time-stamp (100 bytes"), "%s", p);
	free(p);
	p = verify("", 0, DATA, NULL, &info);
	ck_assert_msg(strstr(p, "not a time-stamp (0 bytes"), "%s", p);
	free(p);
	tsa_info_free(&info);
	free(token);
	free(tp);
	free(req);
	free(reply);
	free(ca);
	free(other);
	free(t.dir);
}
END_TEST

START_TEST(url_rule)
{
	static const struct {
		const char *url;
		int want;
	} cases[] = {
		{ "https://freetsa.example/tsr", CT_OK },
		{ "http://127.0.0.1:8080/", CT_OK },
		{ "http://[::1]:8080/tsa", CT_OK },
		{ "http://localhost/", CT_OK },
		{ "http://192.0.2.1/", CT_EINPUT },
		{ "http://127.evil.example/", CT_EINPUT },
		{ "http://evil.example?@127.0.0.1/", CT_EINPUT },
		{ "http://user:pw@127.0.0.1/", CT_EINPUT },
		{ "ftp://127.0.0.1/", CT_EINPUT },
		{ "https://", CT_EINPUT },
		{ "http://127.0.0.1/ x", CT_EINPUT },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ct_err err = { 0 };
		ck_assert_msg(tsa_url_check(cases[i].url, &err) == cases[i].want, "%s: %s", cases[i].url,
			      err.msg);
	}
}
END_TEST

START_TEST(stamp_refused_or_unreachable)
{
	unsigned char *reply;
	size_t len;
	struct tsa_info info = { 0 };
	struct ct_err err = { 0 };
	/* Refused before anything is sent. */
	ck_assert_int_eq(tsa_stamp("http://192.0.2.1/", NULL, 5, DATA, strlen(DATA), &reply, &len,
				   &info, &err),
			 CT_EINPUT);
	ck_assert_ptr_null(reply);
	/* A loopback port that nobody listens on: bound, then closed. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	close(fd);
	char *url = xasprintf("http://127.0.0.1:%d/", ntohs(a.sin_port));
	ck_assert_int_eq(tsa_stamp(url, NULL, 5, DATA, strlen(DATA), &reply, &len, &info, &err),
			 CT_EENV);
	ck_assert_ptr_null(reply);
	char *want = xasprintf("time-stamp authority %s: cannot reach it", url);
	ck_assert_msg(strstr(err.msg, want), "%s", err.msg);
	free(want);
	free(url);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tsa");
	TCase *tc = tcase_create("tsa");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, request_as_openssl_reads_it);
	tcase_add_test(tc, reply_checked);
	tcase_add_test(tc, kept_time_stamp_verified);
	tcase_add_test(tc, url_rule);
	tcase_add_test(tc, stamp_refused_or_unreachable);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
