/* curl_dl.c: libcurl loaded on first use (see curl_dl.h). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "mail/curl_dl.h"
#include "base/banned.h"

struct curl_dl curl_dl;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;
static char why[256];

/* A function pointer from dlsym: POSIX guarantees the conversion from
 * void *, ISO C does not, so it is copied bytewise. */
#define SYM(field, name)                                                    \
	do {                                                                \
		void *p = dlsym(h, name);                                   \
		if (!p) {                                                   \
			snprintf(why, sizeof(why), "%s: no %s", lib, name); \
			return;                                             \
		}                                                           \
		memcpy(&curl_dl.field, &p, sizeof(p));                      \
	} while (0)

static void load(void)
{
	/* The name of the run-time package's library (libcurl4, which the
	 * build's libcurl4-openssl-dev depends on): ABI 4. */
	static const char lib[] = "libcurl.so.4";
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		snprintf(why, sizeof(why), "%s", e ? e : lib);
		return;
	}
	SYM(global_init, "curl_global_init");
	SYM(easy_init, "curl_easy_init");
	SYM(easy_duphandle, "curl_easy_duphandle");
	SYM(easy_setopt, "curl_easy_setopt");
	SYM(easy_getinfo, "curl_easy_getinfo");
	SYM(easy_perform, "curl_easy_perform");
	SYM(easy_cleanup, "curl_easy_cleanup");
	SYM(easy_send, "curl_easy_send");
	SYM(easy_recv, "curl_easy_recv");
	SYM(easy_strerror, "curl_easy_strerror");
	SYM(easy_escape, "curl_easy_escape");
	SYM(free, "curl_free");
	SYM(slist_append, "curl_slist_append");
	SYM(slist_free_all, "curl_slist_free_all");
	/* Never unloaded: libcurl keeps global state until exit. */
	loaded = 1;
}

int curl_dl_load(struct ct_err *err)
{
	pthread_once(&once, load);
	if (!loaded)
		return ct_fail(err, CT_EENV, "cannot load libcurl (%s)", why);
	return CT_OK;
}

void curl_dl_cleanup(CURL *c)
{
	if (c && loaded)
		curl_dl.easy_cleanup(c);
}

void curl_dl_free(void *p)
{
	if (p && loaded)
		curl_dl.free(p);
}

void curl_dl_slist_free_all(struct curl_slist *list)
{
	if (list && loaded)
		curl_dl.slist_free_all(list);
}
