/* test_mime.c: messages built by mime_build must read back, through GMime's
 * parser and through Python's email package (an independent
 * implementation), as exactly the names, addresses, subject, Message-ID and
 * body that went in; control characters in any header are refused. */
#include <check.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mail/mime.h"
#include "mail/reply.h"
#include "base/banned.h"

/* 2026-12-07T08:00:00Z, a Monday: 09:00 in Brussels (CET, +01:00). */
#define MONDAY_0800Z 1796630400

/* Python prints each field as hex of its UTF-8 bytes, one per line, so that
 * no quoting can blur a comparison. */
static const char py_src[] =
	"import sys, email, email.policy\n"
	"m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)\n"
	"f = m['From'].addresses\n"
	"t = m['To'].addresses\n"
	"p = m.get_body(preferencelist=('plain',))\n"
	"out = [str(len(f)), f[0].display_name, f[0].addr_spec, t[0].addr_spec, str(m['Subject']),\n"
	"       str(m['Message-ID']), m['Date'].datetime.isoformat(), p.get_content_type(),\n"
	"       p.get_content_charset(), p.get_content(), str(len(m.defects))]\n"
	"for x in out: print(x.encode('utf-8').hex())\n";

static char *unhex(const char *s)
{
	size_t n = strlen(s) / 2;
	char *o = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(s + 2 * i, "%2x", &v);
		o[i] = (char)v;
	}
	o[n] = '\0';
	return o;
}

/* Runs the Python program src over raw (written to a file); returns the
 * number of hex-encoded lines it printed, decoded into f[0..max) (caller
 * frees each). Fails the test when python3 does. */
static int python_run(const char *src, const char *raw, size_t len, char **f, int max)
{
	char dir[] = "/tmp/test_mime.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *py = xasprintf("%s/p.py", dir), *eml = xasprintf("%s/m.eml", dir);
	FILE *o = fopen(py, "w");
	fputs(src, o);
	fclose(o);
	o = fopen(eml, "wb");
	fwrite(raw, 1, len, o);
	fclose(o);
	char *cmd = xasprintf("python3 %s %s", py, eml);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	char line[16384];
	int n = 0;
	while (n < max && fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		f[n++] = unhex(line);
	}
	int st = pclose(p);
	unlink(py);
	unlink(eml);
	rmdir(dir);
	free(py);
	free(eml);
	free(cmd);
	ck_assert_msg(st == 0, "python3 could not parse the message");
	return n;
}

/* Runs the Python parser over raw; returns the fields (caller frees each). */
static int python_fields(const char *raw, size_t len, char *f[11])
{
	int n = python_run(py_src, raw, len, f, 11);
	ck_assert_msg(n == 11, "python3 could not parse the message");
	return n;
}

static void check_roundtrip(const char *name, const char *subject, const char *body)
{
	struct mime_out m = { name, "candidate@corrtest.invalid", "verhuur@immo-voorbeeld.be",
			      subject, body, MONDAY_0800Z, "Europe/Brussels",
			      "<4f2a9c0e1b7d@corrtest.invalid>", NULL, 0 };
	char *raw;
	size_t len;
	struct ct_err err = { 0 };
	ck_assert_msg(mime_build(&m, &raw, &len, &err) == CT_OK, "%s", err.msg);
	ck_assert_uint_eq(strlen(raw), len);
	/* LF line endings, 7-bit clean (every non-ASCII byte is encoded), and no
	 * header that says what the message is. */
	ck_assert_ptr_null(strchr(raw, '\r'));
	for (size_t i = 0; i < len; i++)
		ck_assert_msg((unsigned char)raw[i] < 0x80, "8-bit byte at %zu", i);
	ck_assert_ptr_null(strstr(raw, "\nX-"));
	ck_assert_ptr_null(strstr(raw, "orrtest:"));
	ck_assert_ptr_nonnull(strstr(raw, "\nMIME-Version: 1.0\n"));
	ck_assert_ptr_nonnull(strstr(raw, "Content-Transfer-Encoding: quoted-printable\n"));
	ck_assert_ptr_nonnull(strstr(raw, "Date: Mon, 07 Dec 2026 09:00:00 +0100\n"));

	/* (a) GMime's own parser. */
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(raw, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(st);
	GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
	ck_assert_ptr_nonnull(msg);
	InternetAddressList *from = g_mime_message_get_from(msg);
	ck_assert_int_eq(internet_address_list_length(from), 1);
	InternetAddress *ia = internet_address_list_get_address(from, 0);
	ck_assert_str_eq(internet_address_get_name(ia), name);
	ck_assert_str_eq(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)),
			 "candidate@corrtest.invalid");
	ck_assert_str_eq(g_mime_message_get_subject(msg), subject);
	ck_assert_str_eq(g_mime_message_get_message_id(msg), "4f2a9c0e1b7d@corrtest.invalid");
	GMimeObject *part = g_mime_message_get_mime_part(msg);
	ck_assert(GMIME_IS_TEXT_PART(part));
	char *text = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
	ck_assert_str_eq(text, body);
	g_free(text);
	g_object_unref(msg);
	g_object_unref(parser);
	g_object_unref(st);

	/* (b) Python's email package, policy default. */
	char *f[11];
	python_fields(raw, len, f);
	ck_assert_str_eq(f[0], "1");
	ck_assert_str_eq(f[1], name);
	ck_assert_str_eq(f[2], "candidate@corrtest.invalid");
	ck_assert_str_eq(f[3], "verhuur@immo-voorbeeld.be");
	ck_assert_str_eq(f[4], subject);
	ck_assert_str_eq(f[5], "<4f2a9c0e1b7d@corrtest.invalid>");
	ck_assert_str_eq(f[6], "2026-12-07T09:00:00+01:00");
	ck_assert_str_eq(f[7], "text/plain");
	ck_assert_str_eq(f[8], "utf-8");
	ck_assert_str_eq(f[9], body);
	ck_assert_str_eq(f[10], "0"); /* no parsing defects */
	for (int i = 0; i < 11; i++)
		free(f[i]);
	free(raw);
}

START_TEST(tricky_names)
{
	static const char body[] =
		"Goedendag,\n\nIs de woning in Sint-Genesius-Rode nog te huur? Ik ben 31 jaar en werk als "
		"verpleegkundige (vast contract), netto 2.450 euro per maand. Dit is een lange regel "
		"die quoted-printable moet afbreken.\n\n=Gelijk= aan 100% — “prima” café\n"
		"Met vriendelijke groeten\nGülşen Öztürk\n";
	check_roundtrip("Gülşen Öztürk", "Interesse in uw huurwoning in Gent (ref. 12/B)", body);
	check_roundtrip("Zoë Dubois-Lefèvre", "Demande de visite : appartement à Liège", body);
	check_roundtrip("Ngalula Kabongo", "Huurwoning in Elsene", body);
	check_roundtrip("O\"Brien, Jr", "Re: \"quoted\" subject, with comma; and (brackets) <angle> \\ backslash", body);
	check_roundtrip("Łukasz Wiśniewski-Żak",
			"Aanvraag tot bezichtiging: appartement met 2 slaapkamers te Sint-Joost-ten-Node "
			"(ref. IMMO-2026-000123), een heel lange onderwerpregel met ü",
			body);
	check_roundtrip("Nguyễn Thị Minh Khai", "短い件名 and ASCII", "Bonjour,\n\nMerci.\n");
}
END_TEST

/* Names whose From header GMime would write so that readers disagree (a
 * word split into two encoded words; a fold inside the name) are refused;
 * a long name that folds only before the address is fine. Python's email
 * package read the first as "...Charlott e ..." and the second with a space
 * where GMime keeps the line break. */
START_TEST(names_readers_would_disagree_on)
{
	struct mime_out m = { "Marie-Françoise-Geneviève-Anne-Charlotte Van den Heuvel", "m.v@corrtest.invalid",
			      "a@b.be", "Subject", "Body\n", MONDAY_0800Z, NULL, "<ab@corrtest.invalid>", NULL, 0 };
	char *raw = NULL;
	size_t len;
	struct ct_err err = { 0 };
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "too long to encode in one piece"));
	ck_assert_ptr_null(raw);
	m.from_name = "Marie-Françoise Geneviève Van den Heuvel-De Smedt-Vanderstraeten-Van Oostende";
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "too long for one header line"));
	m.from_name = "A" "\xE2\x80\xA8" "B";
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "U+2028"));
	m.from_name = "محمد العمراني";
	m.from_addr = "mohamed.el-amrani-ben-abdelkader@corrtest.invalid";
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_OK);
	free(raw);
}
END_TEST

/* Defect: GMime left '=' unescaped in a Q-encoded display name, so
 * "Anne=DEvreux" read back with a byte 0xDE in it (Python's email package
 * and GMime both). Each name must read back as written through both. */
START_TEST(equals_in_names)
{
	static const char body[] = "Goedendag,\n\nIs de woning nog vrij?\n";
	check_roundtrip("Anne=DEvreux-Lef\xc3\xa8vre", "Huurwoning", body);
	check_roundtrip("Lef\xc3\xa8vre-Dubois =3D x", "Huurwoning", body);
	check_roundtrip("Jean=20Lef\xc3\xa8vre-Vandenbroucke", "Huurwoning", body);
	check_roundtrip("Zo\xc3\xab =", "Huurwoning", body);
	check_roundtrip("a=b", "Huurwoning", body);
	/* Too long for one encoded word: refused, as other names readers
	 * would disagree on. */
	struct mime_out m = { "Marie-Fran\xc3\xa7oise=Genevi\xc3\xa8ve Van den Heuvel-De Smedt-Vanderstraeten",
			      "m.v@corrtest.invalid", "a@b.be", "Subject", "Body\n", MONDAY_0800Z, NULL,
			      "<ab@corrtest.invalid>", NULL, 0 };
	char *raw = NULL;
	size_t len;
	struct ct_err err = { 0 };
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_EINPUT);
	ck_assert_ptr_null(raw);
}
END_TEST

START_TEST(control_characters_refused)
{
	struct mime_out ok = { "Ngalula Kabongo", "n.k@corrtest.invalid", "a@b.be", "Subject",
			       "Body\n", MONDAY_0800Z, NULL, "<ab@corrtest.invalid>", NULL, 0 };
	char *raw;
	size_t len;
	struct ct_err err;
	ck_assert_int_eq(mime_build(&ok, &raw, &len, &err), CT_OK);
	ck_assert_ptr_nonnull(strstr(raw, "Date: Mon, 07 Dec 2026 08:00:00 +0000\n"));
	free(raw);

	struct mime_out m = ok;
	m.from_name = "Ngalula\r\nBcc: victim@example.org";
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_EINPUT);
	ck_assert_ptr_null(raw);
	ck_assert_ptr_nonnull(strstr(err.msg, "sender name"));
	ck_assert_ptr_nonnull(strstr(err.msg, "control character"));
	m = ok;
	m.subject = "Hello\nBcc: victim@example.org";
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "subject"));
	m = ok;
	m.subject = "tab\there";
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_EINPUT);
	m = ok;
	m.subject = "C1 \xC2\x85 next line";
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_EINPUT);
	m = ok;
	m.to_addr = "a@b.be\r\nBcc: x@y.z";
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_EINPUT);
	m = ok;
	m.to_addr = "a@b.be, c@d.be";
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "recipient address"));
	m = ok;
	m.to_addr = "";
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_EINPUT);
	m = ok;
	m.message_id = "<ab@x>\r\nBcc: x@y.z";
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_EINPUT);
	m = ok;
	m.message_id = "ab@corrtest.invalid";
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_EINPUT);
	m = ok;
	m.body = "Body\r\nwith CR\n";
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_EINPUT);
	m = ok;
	m.from_name = "Bad \xC3 UTF-8";
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_EINPUT);
	/* Text that mail readers would decode as an encoded word is refused. */
	m = ok;
	m.subject = "look =?utf-8?q?x?= here";
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "encoded word"));
	m = ok;
	m.timezone = "Mars/Olympus";
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_EINPUT);
}
END_TEST

/* Attachments. Python lists the message's MIME tree, one line per part:
 * content type, the file name of Content-Disposition and the name
 * parameter of Content-Type (both decoded), the SHA-256 of the decoded
 * bytes, then the plain body and the number of defects; then the file name
 * and the name parameter as the older compat32 parser reads them; all
 * hex-encoded like py_src's fields. */
static const char py_att_src[] =
	"import sys, email, email.policy, hashlib\n"
	"m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)\n"
	"out = []\n"
	"defects = len(m.defects)\n"
	"for p in m.walk():\n"
	"    defects += len(p.defects)\n"
	"    if p.is_multipart():\n"
	"        out.append(p.get_content_type())\n"
	"        continue\n"
	"    b = p.get_payload(decode=True)\n"
	"    out.append(' '.join([p.get_content_type(), str(p.get_content_disposition()),\n"
	"               p.get_filename() or '-', p['Content-Type'].params.get('name', '-'),\n"
	"               hashlib.sha256(b).hexdigest()]))\n"
	"out.append(m.get_body(preferencelist=('plain',)).get_content())\n"
	"out.append(str(defects))\n"
	"# The older parser (policy compat32), as most mail tools of the last\n"
	"# decades read parameters: RFC 2231 through get_filename, RFC 2047 in a\n"
	"# quoted name through email.header.\n"
	"import email.header, email.utils\n"
	"o = email.message_from_bytes(open(sys.argv[1], 'rb').read())\n"
	"a = [p for p in o.walk() if p.get_content_disposition() == 'attachment'][0]\n"
	"n = a.get_param('name')\n"
	"n = email.utils.collapse_rfc2231_value(n) if isinstance(n, tuple) else\\\n"
	"    str(email.header.make_header(email.header.decode_header(n)))\n"
	"out += [a.get_filename(), n]\n"
	"for x in out: print(x.encode('utf-8').hex())\n";

/* Runs py_att_src over raw; returns the number of lines in f (caller frees). */
static int python_tree(const char *raw, size_t len, char *f[8])
{
	return python_run(py_att_src, raw, len, f, 8);
}

/* A stand-in PDF: a header, then every byte value (so base64 must carry
 * NULs, CR, LF and 8-bit bytes untouched), a few KB in all. */
static unsigned char *fake_pdf(size_t *len)
{
	static const char head[] = "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n";
	size_t hl = sizeof(head) - 1, n = hl + 16 * 256 + 6;
	unsigned char *b = xmalloc(n);
	memcpy(b, head, hl);
	for (size_t i = 0; i < 16 * 256; i++)
		b[hl + i] = (unsigned char)((i * 7 + i / 256) & 0xFF);
	memcpy(b + hl + 16 * 256, "%%EOF\n", 6);
	*len = n;
	return b;
}

/* A leaf part's content as GMime decodes it. */
static GByteArray *gmime_leaf_bytes(GMimeObject *o)
{
	GMimeStream *out = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(o)), out);
	GByteArray *ba = g_byte_array_new();
	g_byte_array_append(ba, g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out))->data,
			    g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out))->len);
	g_object_unref(out);
	return ba;
}

static void check_attachment(const char *fname)
{
	static const char body[] =
		"Geachte mevrouw, geachte heer,\n\nIn bijlage vindt u mijn cv. Ik solliciteer graag "
		"naar de functie van boekhouder (m/v/x) die u op uw website aanbiedt; een lange regel "
		"die quoted-printable afbreekt.\n\nMet vriendelijke groeten\nGülşen Öztürk\n";
	size_t plen;
	unsigned char *pdf = fake_pdf(&plen);
	struct mime_attachment att = { fname, "application/pdf", pdf, plen };
	struct mime_out m = { "Gülşen Öztürk", "g.ozturk@corrtest.invalid", "jobs@werkgever.invalid",
			      "Sollicitatie boekhouder", body, MONDAY_0800Z, "Europe/Brussels",
			      "<9c1e@corrtest.invalid>", &att, 1 };
	char *raw, *raw2;
	size_t len, len2;
	struct ct_err err = { 0 };
	ck_assert_msg(mime_build(&m, &raw, &len, &err) == CT_OK, "%s", err.msg);
	/* The same message builds to the same bytes (the boundary comes from
	 * the Message-ID, not from chance). */
	ck_assert_int_eq(mime_build(&m, &raw2, &len2, &err), CT_OK);
	ck_assert_uint_eq(len, len2);
	ck_assert_mem_eq(raw, raw2, len);
	free(raw2);

	/* 7-bit, LF line ends, lines of at most 78 characters (RFC 5322 2.1.1,
	 * RFC 2045 6.8 for base64 lines of 76). */
	ck_assert_ptr_null(strchr(raw, '\r'));
	size_t col = 0;
	for (size_t i = 0; i < len; i++) {
		ck_assert_msg((unsigned char)raw[i] < 0x80, "8-bit byte at %zu", i);
		col = raw[i] == '\n' ? 0 : col + 1;
		ck_assert_msg(col <= 78, "%s: line over 78 characters at byte %zu: %.*s", fname, i,
			      (int)col, raw + i + 1 - col);
	}
	ck_assert_ptr_null(strstr(raw, "\nX-"));
	ck_assert_ptr_nonnull(strstr(raw, "\nContent-Type: multipart/mixed; boundary=\""));
	ck_assert_ptr_nonnull(strstr(raw, "Content-Transfer-Encoding: base64\n"));
	/* The boundary: 1 to 70 characters of RFC 2046's bchars, opened by
	 * "--boundary" lines and closed by exactly one "--boundary--". */
	const char *b = strstr(raw, "boundary=\"") + strlen("boundary=\"");
	size_t bl = strcspn(b, "\"");
	ck_assert(bl >= 1 && bl <= 70);
	for (size_t i = 0; i < bl; i++)
		ck_assert(g_ascii_isalnum(b[i]) || strchr("'()+_,-./:=?", b[i]));
	char *bnd = xstrndup(b, bl);
	char *open_l = xasprintf("\n--%s\n", bnd), *close_l = xasprintf("\n--%s--\n", bnd);
	int nopen = 0;
	for (const char *p = raw; (p = strstr(p, open_l)); p++)
		nopen++;
	ck_assert_int_eq(nopen, 2);
	ck_assert_ptr_nonnull(strstr(raw, close_l));
	ck_assert_ptr_null(strstr(strstr(raw, close_l) + 1, close_l));
	/* The boundary must not occur in the parts. */
	const char *first = strstr(raw, open_l);
	const char *second = strstr(first + 1, open_l);
	ck_assert_ptr_nonnull(second);
	ck_assert_ptr_eq(strstr(first + strlen(open_l), bnd), second + 3);
	ck_assert_ptr_eq(strstr(second + strlen(open_l), bnd), strstr(raw, close_l) + 3);
	free(open_l), free(close_l);

	/* (a) GMime: text/plain, then application/pdf with the name and the
	 * bytes that went in. */
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(raw, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(st);
	GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
	ck_assert_ptr_nonnull(msg);
	GMimeObject *top = g_mime_message_get_mime_part(msg);
	ck_assert(GMIME_IS_MULTIPART(top));
	ck_assert_str_eq(g_mime_multipart_get_boundary(GMIME_MULTIPART(top)), bnd);
	ck_assert_int_eq(g_mime_multipart_get_count(GMIME_MULTIPART(top)), 2);
	GMimeObject *t = g_mime_multipart_get_part(GMIME_MULTIPART(top), 0);
	GMimeObject *a = g_mime_multipart_get_part(GMIME_MULTIPART(top), 1);
	ck_assert(GMIME_IS_TEXT_PART(t));
	char *text = g_mime_text_part_get_text(GMIME_TEXT_PART(t));
	ck_assert_str_eq(text, body);
	g_free(text);
	ck_assert(GMIME_IS_PART(a) && !GMIME_IS_TEXT_PART(a));
	GMimeContentType *ct = g_mime_object_get_content_type(a);
	ck_assert_str_eq(g_mime_content_type_get_media_type(ct), "application");
	ck_assert_str_eq(g_mime_content_type_get_media_subtype(ct), "pdf");
	ck_assert_str_eq(g_mime_part_get_filename(GMIME_PART(a)), fname);
	ck_assert_str_eq(g_mime_content_type_get_parameter(ct, "name"), fname);
	ck_assert_str_eq(g_mime_content_disposition_get_disposition(
				 g_mime_object_get_content_disposition(a)),
			 "attachment");
	ck_assert(g_mime_part_get_content_encoding(GMIME_PART(a)) == GMIME_CONTENT_ENCODING_BASE64);
	GByteArray *ba = gmime_leaf_bytes(a);
	ck_assert_uint_eq(ba->len, plen);
	ck_assert_mem_eq(ba->data, pdf, plen);
	g_byte_array_free(ba, TRUE);
	g_object_unref(msg);
	g_object_unref(parser);
	g_object_unref(st);

	/* (b) Python's email package. */
	char *f[8] = { 0 };
	int n = python_tree(raw, len, f);
	ck_assert_int_eq(n, 7);
	ck_assert_str_eq(f[0], "multipart/mixed");
	ck_assert_ptr_nonnull(strstr(f[1], "text/plain None - - "));
	char hex[65];
	sha256_hex(pdf, plen, hex);
	char *want = xasprintf("application/pdf attachment %s %s %s", fname, fname, hex);
	ck_assert_str_eq(f[2], want);
	free(want);
	ck_assert_str_eq(f[3], body);
	ck_assert_str_eq(f[4], "0");
	ck_assert_str_eq(f[5], fname);
	ck_assert_str_eq(f[6], fname);
	for (int i = 0; i < n; i++)
		free(f[i]);

	/* (c) What corrtest itself reads from a reply quoting nothing but this
	 * message, and compose --show-stored decodes: the body, not base64. */
	struct reply *r = NULL;
	ck_assert_int_eq(reply_parse(raw, len, &r, &err), CT_OK);
	ck_assert_str_eq(r->text, body);
	ck_assert_str_eq(r->from_name, "Gülşen Öztürk");
	reply_free(r);

	free(bnd);
	free(raw);
	free(pdf);
}

START_TEST(attachments)
{
	check_attachment("CV_Jan_Peeters.pdf");
	check_attachment("CV_Gülşen_Öztürk.pdf");
	/* Q-encoded by GMime to one character over 78 on the Content-Type
	 * line (the reviewed case); and one as short as still fits. */
	check_attachment("CV_Sevgi_Çetin.pdf");
	check_attachment("CV_Zoë_d'Hondt.pdf");
	check_attachment("CV_Ali_Şen.pdf");
	check_attachment("CV_Zoë_Dubois-Lefèvre.pdf");
	/* Too long for one RFC 2047 word: RFC 2231 in both headers. */
	check_attachment("CV_Marie-Françoise-Geneviève_Van_den_Heuvel-De_Smedt-Vanderstraeten.pdf");
	check_attachment("CV_Nguyễn_Thị_Minh_Khai.pdf");
}
END_TEST

/* A message without attachments is what it always was: one text/plain part. */
START_TEST(no_attachment_single_part)
{
	struct mime_out m = { "Jan Peeters", "j.p@corrtest.invalid", "a@b.be", "Subject", "Body\n",
			      MONDAY_0800Z, NULL, "<ab@corrtest.invalid>", NULL, 0 };
	char *raw;
	size_t len;
	struct ct_err err;
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_OK);
	/* Written by hand, in the order of fields GMime 3.2 uses. */
	static const char want[] = "Date: Mon, 07 Dec 2026 08:00:00 +0000\n"
				   "From: Jan Peeters <j.p@corrtest.invalid>\n"
				   "Subject: Subject\n"
				   "To: a@b.be\n"
				   "Message-Id: <ab@corrtest.invalid>\n"
				   "MIME-Version: 1.0\n"
				   "Content-Type: text/plain; charset=utf-8\n"
				   "Content-Transfer-Encoding: quoted-printable\n"
				   "\n"
				   "Body\n";
	ck_assert_str_eq(raw, want);
	free(raw);
}
END_TEST

START_TEST(attachments_refused)
{
	static const unsigned char data[] = "%PDF-1.4\n";
	struct mime_attachment att = { "CV_Jan_Peeters.pdf", "application/pdf", data, sizeof(data) - 1 };
	struct mime_out ok = { "Jan Peeters", "j.p@corrtest.invalid", "a@b.be", "Subject", "Body\n",
			       MONDAY_0800Z, NULL, "<ab@corrtest.invalid>", &att, 1 };
	char *raw = NULL;
	size_t len;
	struct ct_err err;
	ck_assert_int_eq(mime_build(&ok, &raw, &len, &err), CT_OK);
	free(raw);
	raw = NULL;
	static const struct {
		const char *name, *type, *msg;
	} bad[] = {
		{ "", "application/pdf", "no file name" },
		{ "../CV_Jan.pdf", "application/pdf", "path separator" },
		{ "cv/CV_Jan.pdf", "application/pdf", "path separator" },
		{ "C:\\CV_Jan.pdf", "application/pdf", "path separator" },
		{ "CV_Jan\n.pdf", "application/pdf", "line break" },
		{ "CV_Jan\t.pdf", "application/pdf", "U+0009" },
		{ "CV_\xE2\x80\xAE" "fdp.exe", "application/pdf", "bidi" },
		{ "CV_Jan\xC3.pdf", "application/pdf", "UTF-8" },
		{ "CV_Jan_Peeters.exe", "application/pdf", "does not end in .pdf" },
		{ "CV_Jan_Peeters.pdf ", "application/pdf", "does not end in .pdf" },
		{ "CV_Jan_Peeters", "application/pdf", "does not end in .pdf" },
		{ "CV_Jan_Peeters.pdf", "application", "type/subtype" },
		{ "CV_Jan_Peeters.pdf", "application/pdf; name=x", "type/subtype" },
		{ "CV_Jan_Peeters.pdf", "application/pdf\r\nBcc: x@y.z", "type/subtype" },
		{ "CV_Jan_Peeters.pdf", NULL, "type/subtype" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mime_attachment a = att;
		a.name = bad[i].name;
		a.type = bad[i].type;
		struct mime_out m = ok;
		m.att = &a;
		err.msg[0] = '\0';
		ck_assert_msg(mime_build(&m, &raw, &len, &err) == CT_EINPUT, "accepted %zu", i);
		ck_assert_ptr_null(raw);
		ck_assert_msg(strstr(err.msg, bad[i].msg), "%zu: %s", i, err.msg);
	}
	/* ".PDF" is a PDF's name too; other types need no ".pdf". */
	struct mime_attachment a = att;
	a.name = "CV_JAN.PDF";
	struct mime_out m = ok;
	m.att = &a;
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_OK);
	free(raw);
	a.name = "letter.txt";
	a.type = "text/plain";
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_OK);
	free(raw);
	raw = NULL;
	a = att;
	a.len = 0;
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "empty"));
	a.data = NULL;
	a.len = 5;
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_EINPUT);
	m.att = NULL;
	ck_assert_int_eq(mime_build(&m, &raw, &len, &err), CT_EINPUT);
	ck_assert_ptr_null(raw);
}
END_TEST

START_TEST(message_ids_unique)
{
	char *a, *b;
	struct ct_err err;
	ck_assert_int_eq(mime_new_message_id("corrtest.invalid", &a, &err), CT_OK);
	ck_assert_int_eq(mime_new_message_id("corrtest.invalid", &b, &err), CT_OK);
	ck_assert_str_ne(a, b);
	ck_assert_uint_eq(strlen(a), 1 + 32 + 1 + strlen("corrtest.invalid") + 1);
	ck_assert(a[0] == '<' && a[33] == '@' && a[strlen(a) - 1] == '>');
	free(a);
	free(b);
	ck_assert_int_eq(mime_new_message_id("bad domain", &a, &err), CT_EINPUT);
	ck_assert_int_eq(mime_new_message_id("", &a, &err), CT_EINPUT);
	ck_assert(mime_addr_ok("first.last@corrtest.invalid"));
	ck_assert(!mime_addr_ok("first last@corrtest.invalid"));
	ck_assert(!mime_addr_ok("@corrtest.invalid"));
	ck_assert(!mime_addr_ok("a@b"));
	ck_assert(!mime_addr_ok("a@@b.be"));
}
END_TEST

int main(void)
{
	g_mime_init();
	Suite *s = suite_create("mime");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, tricky_names);
	tcase_add_test(tc, control_characters_refused);
	tcase_add_test(tc, names_readers_would_disagree_on);
	tcase_add_test(tc, message_ids_unique);
	tcase_add_test(tc, equals_in_names);
	tcase_add_test(tc, attachments);
	tcase_add_test(tc, no_attachment_single_part);
	tcase_add_test(tc, attachments_refused);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
