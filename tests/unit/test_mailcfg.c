/* test_mailcfg.c: the [mail] settings (the TLS rule, refused before any
 * connection), the secrets file (mode check, parsing, passwords with ';'
 * and '#', errors that never quote a password), the backoff and CRLF. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "design/config.h"
#include "mail/mailcfg.h"
#include "mail/smtp.h"

static int load(const char *mail_lines, struct mailcfg **m, struct ct_err *err)
{
	char *text = xasprintf("[mail]\n%s", mail_lines);
	struct config *c = NULL;
	int rc = config_parse("study.ini", text, &c, err);
	free(text);
	ck_assert_int_eq(rc, CT_OK);
	rc = mailcfg_load(c, m, err);
	config_free(c);
	return rc;
}

START_TEST(loopback_hosts)
{
	ck_assert(mail_host_is_loopback("127.0.0.1"));
	ck_assert(mail_host_is_loopback("127.1.2.3"));
	ck_assert(mail_host_is_loopback("::1"));
	ck_assert(mail_host_is_loopback("localhost"));
	ck_assert(mail_host_is_loopback("LOCALHOST"));
	ck_assert(!mail_host_is_loopback("127.evil.org"));
	ck_assert(!mail_host_is_loopback("127.0.0.1.nip.io"));
	ck_assert(!mail_host_is_loopback("127.0.0.256"));
	ck_assert(!mail_host_is_loopback("128.0.0.1"));
	ck_assert(!mail_host_is_loopback("localhost.example.org"));
	ck_assert(!mail_host_is_loopback("mail.example.org"));
	ck_assert(!mail_host_is_loopback(""));
	char *h = mail_url_host("imaps://[::1]:993/");
	ck_assert_str_eq(h, "::1");
	free(h);
	h = mail_url_host("smtp://127.0.0.1:25");
	ck_assert_str_eq(h, "127.0.0.1");
	free(h);
}
END_TEST

START_TEST(tls_rule)
{
	struct mailcfg *m = NULL;
	struct ct_err err = { 0 };
	ck_assert_int_eq(load("smtp_url = smtps://mail.example.org:465\n"
			      "imap_url = imaps://mail.example.org\nmin_interval_seconds = 0\n",
			      &m, &err), CT_OK);
	ck_assert(m->smtp_implicit_tls && m->imap_implicit_tls);
	ck_assert(!m->smtp_loopback);
	ck_assert_str_eq(m->sent_folder, "Sent");
	ck_assert_int_eq(m->min_interval_seconds, 0);
	ck_assert_int_eq(m->retries, 5);
	mailcfg_free(m);
	ck_assert_int_eq(load("smtp_url = smtp://127.0.0.1:2525\nimap_url = imap://[::1]:143\n",
			      &m, &err), CT_OK);
	ck_assert(m->smtp_loopback && m->imap_loopback && !m->smtp_implicit_tls);
	mailcfg_free(m);
	ck_assert_int_eq(load("smtp_url = smtp://mail.example.org\n", &m, &err), CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "smtp_url"));
	ck_assert_ptr_nonnull(strstr(err.msg, "loopback"));
	ck_assert_int_eq(load("imap_url = imap://127.evil.org\n", &m, &err), CT_EINPUT);
	/* An '@' after '?' or '#' is not userinfo: the host is evil.org (RFC
	 * 3986 section 3.2), which must not pass as loopback. */
	ck_assert_int_eq(load("smtp_url = smtp://evil.org?@127.0.0.1\n", &m, &err), CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "evil.org"));
	ck_assert_int_eq(load("imap_url = imap://evil.org#@localhost\n", &m, &err), CT_EINPUT);
	ck_assert_int_eq(load("smtp_url = http://127.0.0.1\n", &m, &err), CT_EINPUT);
	ck_assert_int_eq(load("smtp_url = smtps://u:pw1x9z@mail.example.org\n", &m, &err), CT_EINPUT);
	ck_assert_ptr_null(strstr(err.msg, "pw1x9z"));
	ck_assert_int_eq(load("retries = -1\n", &m, &err), CT_EINPUT);
	ck_assert_int_eq(load("sent_folder = \"x\n", &m, &err), CT_EINPUT);
	/* Empty URLs are "not set up yet". */
	ck_assert_int_eq(load("smtp_url =\n", &m, &err), CT_OK);
	ck_assert_int_eq(mailcfg_require(m, "smtp_url", &err), CT_EINPUT);
	mailcfg_free(m);
}
END_TEST

static char *write_secrets(const char *text, int mode)
{
	char *path = xstrdup("/tmp/test_mailcfg.XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(path, (mode_t)mode);
	return path;
}

START_TEST(secrets)
{
	struct mail_secrets *s = NULL;
	struct ct_err err = { 0 };
	char *p = write_secrets("; comment\n[Anna.Peeters@corrtest.test]\npassword = a;b#c d\n"
				"[bob@corrtest.test]\npassword=x\n", 0600);
	ck_assert_int_eq(mailcfg_secrets_load_path(p, &s, &err), CT_OK);
	ck_assert_str_eq(mailcfg_password(s, "anna.peeters@corrtest.test"), "a;b#c d");
	ck_assert_str_eq(mailcfg_password(s, "BOB@corrtest.test"), "x");
	ck_assert_ptr_null(mailcfg_password(s, "carl@corrtest.test"));
	mailcfg_secrets_free(s);
	/* Group or others may read: refused, with the fix. */
	chmod(p, 0644);
	ck_assert_int_eq(mailcfg_secrets_load_path(p, &s, &err), CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "chmod 600"));
	ck_assert_ptr_null(strstr(err.msg, "a;b#c"));
	chmod(p, 0620);
	ck_assert_int_eq(mailcfg_secrets_load_path(p, &s, &err), CT_EINPUT);
	unlink(p);
	free(p);
	/* Errors name keys, never values. */
	p = write_secrets("[a@b.test]\npasswd = hunter2\n", 0600);
	ck_assert_int_eq(mailcfg_secrets_load_path(p, &s, &err), CT_EINPUT);
	ck_assert_ptr_null(strstr(err.msg, "hunter2"));
	unlink(p);
	free(p);
	p = write_secrets("[a@b.test]\npassword = one\n[A@b.test]\npassword = two\n", 0600);
	ck_assert_int_eq(mailcfg_secrets_load_path(p, &s, &err), CT_EINPUT);
	ck_assert_ptr_null(strstr(err.msg, "one"));
	unlink(p);
	free(p);
	ck_assert_int_eq(mailcfg_secrets_load_path("/nonexistent/secrets.ini", &s, &err), CT_EINPUT);
	/* CORRTEST_SECRETS wins over the study folder's file. */
	p = write_secrets("[a@b.test]\npassword = env\n", 0600);
	setenv("CORRTEST_SECRETS", p, 1);
	ck_assert_int_eq(mailcfg_secrets_load("/nonexistent", &s, &err), CT_OK);
	ck_assert_str_eq(mailcfg_password(s, "a@b.test"), "env");
	mailcfg_secrets_free(s);
	unsetenv("CORRTEST_SECRETS");
	unlink(p);
	free(p);
	mailcfg_secrets_free(NULL);
}
END_TEST

START_TEST(secrets_exact)
{
	struct mail_secrets *s = NULL;
	struct ct_err err = { 0 };
	/* Trailing spaces and tabs are part of the password; the blanks after
	 * '=' are not; a CRLF file's CR is not; '=' inside is. */
	char *p = write_secrets("[a@b.test]\npassword = ends in two  \n"
				"[c@b.test]\r\npassword=\t x=y; #z \t\r\n"
				"  [d@b.test]  \n  password   =   lead\n", 0600);
	ck_assert_int_eq(mailcfg_secrets_load_path(p, &s, &err), CT_OK);
	ck_assert_str_eq(mailcfg_password(s, "a@b.test"), "ends in two  ");
	ck_assert_str_eq(mailcfg_password(s, "c@b.test"), "x=y; #z \t");
	ck_assert_str_eq(mailcfg_password(s, "d@b.test"), "lead");
	mailcfg_secrets_free(s);
	unlink(p);
	free(p);
	/* An empty password (nothing, or only blanks, after '='): refused,
	 * naming the file, the line and the mailbox. */
	const char *empty[] = { "[a@b.test]\npassword = x\n; c\n[e@b.test]\npassword =\n",
				"[a@b.test]\npassword = x\n; c\n[e@b.test]\npassword =   \t \r\n" };
	for (size_t i = 0; i < 2; i++) {
		p = write_secrets(empty[i], 0600);
		ck_assert_int_eq(mailcfg_secrets_load_path(p, &s, &err), CT_EINPUT);
		char *want = xasprintf("%s:5: the password of [e@b.test] is empty", p);
		ck_assert_msg(strstr(err.msg, want), "%s", err.msg);
		free(want);
		unlink(p);
		free(p);
	}
	/* Malformed lines name their line, never a value. */
	p = write_secrets("[a@b.test]\npassword = x\nhunter2\n", 0600);
	ck_assert_int_eq(mailcfg_secrets_load_path(p, &s, &err), CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, ":3: not a"));
	ck_assert_ptr_null(strstr(err.msg, "hunter2"));
	unlink(p);
	free(p);
	p = write_secrets("password = early\n", 0600);
	ck_assert_int_eq(mailcfg_secrets_load_path(p, &s, &err), CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, ":1: 'password' before any"));
	ck_assert_ptr_null(strstr(err.msg, "early"));
	unlink(p);
	free(p);
	p = write_secrets("[a@b.test\npassword = x\n", 0600);
	ck_assert_int_eq(mailcfg_secrets_load_path(p, &s, &err), CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, ":1: a section line"));
	unlink(p);
	free(p);
}
END_TEST

/* Server replies as Postfix, Exim and Exchange word them (their
 * documentation's examples), with the recipient inside. */
START_TEST(replies_lose_addresses)
{
	static const char *in[][2] = {
		{ "550 5.1.1 <jan.peeters@telenet.be>: Recipient address rejected: User unknown",
		  "550 5.1.1 <address>: Recipient address rejected: User unknown" },
		{ "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found jan@immo-x.example",
		  "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found address" },
		{ "451 4.7.1 <l.o'brien+rent@sub.example.org>... try later",
		  "451 4.7.1 <address>... try later" },
		{ "250 2.0.0 Ok: queued as 4F2A91C0B3", "250 2.0.0 Ok: queued as 4F2A91C0B3" },
		{ "554 5.7.1 a@ b", "554 5.7.1 a@ b" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(in); i++) {
		char buf[256];
		snprintf(buf, sizeof(buf), "%s", in[i][0]);
		mail_redact_addresses(buf);
		ck_assert_str_eq(buf, in[i][1]);
	}
}
END_TEST

START_TEST(backoff_and_crlf)
{
	unsetenv("CORRTEST_BACKOFF_MS");
	ck_assert_int_eq(mail_backoff_ms(1), 1000);
	ck_assert_int_eq(mail_backoff_ms(2), 2000);
	ck_assert_int_eq(mail_backoff_ms(3), 4000);
	ck_assert_int_eq(mail_backoff_ms(30), 60000);
	setenv("CORRTEST_BACKOFF_MS", "10", 1);
	ck_assert_int_eq(mail_backoff_ms(3), 40);
	unsetenv("CORRTEST_BACKOFF_MS");
	size_t n;
	char *c = mail_crlf("a\nb\r\nc\n", 7, &n);
	ck_assert_uint_eq(n, 9);
	ck_assert_str_eq(c, "a\r\nb\r\nc\r\n");
	free(c);
	c = mail_crlf("", 0, &n);
	ck_assert_uint_eq(n, 0);
	free(c);
	ck_assert_str_eq(smtp_result_name(SMTP_REJECT_RCPT), "recipient rejected");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mailcfg");
	TCase *tc = tcase_create("mailcfg");
	tcase_add_test(tc, loopback_hosts);
	tcase_add_test(tc, tls_rule);
	tcase_add_test(tc, secrets);
	tcase_add_test(tc, secrets_exact);
	tcase_add_test(tc, backoff_and_crlf);
	tcase_add_test(tc, replies_lose_addresses);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
