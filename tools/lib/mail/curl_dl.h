/* curl_dl.h: libcurl, loaded when a command first talks to a server.
 *
 * Why: libcurl and what it links (two TLS stacks, Kerberos, LDAP, SSH,
 * RTMP, HTTP/2, IDN: about forty libraries) took 6 ms to load and
 * relocate at the start of every run of every command, though most never
 * open a connection (a program linked with corrtest's libraries starts in
 * 9.5 ms, in 3.1 ms without libcurl's). The files that use libcurl include
 * this header after <curl/curl.h>: their curl_* calls then go to the
 * functions curl_dl_load found in libcurl.so.4, and nothing is linked
 * against libcurl. Call curl_dl_load (mailcfg_curl_new does) before any
 * other curl_* function; cleaning up or freeing NULL is safe before it. */
#ifndef CT_MAIL_CURL_DL_H
#define CT_MAIL_CURL_DL_H

#include <curl/curl.h>

#include "base/util.h"

struct curl_dl {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURL *(*easy_duphandle)(CURL *c);
	CURLcode (*easy_setopt)(CURL *c, CURLoption option, ...);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
	CURLcode (*easy_perform)(CURL *c);
	void (*easy_cleanup)(CURL *c);
	CURLcode (*easy_send)(CURL *c, const void *buf, size_t len, size_t *n);
	CURLcode (*easy_recv)(CURL *c, void *buf, size_t len, size_t *n);
	const char *(*easy_strerror)(CURLcode code);
	char *(*easy_escape)(CURL *c, const char *s, int len);
	void (*free)(void *p);
	struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
	void (*slist_free_all)(struct curl_slist *list);
};
extern struct curl_dl curl_dl;

/* Loads libcurl once (thread-safe); CT_EENV naming the library and the
 * loader's reason when it cannot be loaded. */
int curl_dl_load(struct ct_err *err);
/* curl_easy_cleanup, curl_free and curl_slist_free_all that do nothing on
 * NULL, also before libcurl is loaded (a session that failed to start). */
void curl_dl_cleanup(CURL *c);
void curl_dl_free(void *p);
void curl_dl_slist_free_all(struct curl_slist *list);

/* The typecheck macros of <curl/typecheck-gcc.h> name the functions. */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init curl_dl.global_init
#define curl_easy_init curl_dl.easy_init
#define curl_easy_duphandle curl_dl.easy_duphandle
#define curl_easy_setopt curl_dl.easy_setopt
#define curl_easy_getinfo curl_dl.easy_getinfo
#define curl_easy_perform curl_dl.easy_perform
#define curl_easy_cleanup curl_dl_cleanup
#define curl_easy_send curl_dl.easy_send
#define curl_easy_recv curl_dl.easy_recv
#define curl_easy_strerror curl_dl.easy_strerror
#define curl_easy_escape curl_dl.easy_escape
#define curl_free curl_dl_free
#define curl_slist_append curl_dl.slist_append
#define curl_slist_free_all curl_dl_slist_free_all

#endif
