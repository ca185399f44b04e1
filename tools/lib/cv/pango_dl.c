/* pango_dl.c: Pango and cairo loaded on first use (see pango_dl.h). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define PANGO_DL_LOADER
#include "cv/pango_dl.h"

#include "base/banned.h"

struct pango_dl pango_dl;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;
static char why[320];

static void *lib_open(const char *lib)
{
	/* RTLD_LOCAL: nothing else in corrtest is to bind to these. What they
	 * need themselves (fontconfig, HarfBuzz, FreeType...) comes with
	 * them; GLib and GObject are the ones already loaded. */
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		snprintf(why, sizeof(why), "%s", e ? e : lib);
	}
	return h;
}

/* A function pointer from dlsym: POSIX guarantees the conversion from
 * void *, ISO C does not, so it is copied bytewise into field. */
static int sym(void *h, const char *lib, const char *name, void *field)
{
	void *p = dlsym(h, name);
	if (!p) {
		snprintf(why, sizeof(why), "%s: no %s", lib, name);
		return 0;
	}
	memcpy(field, &p, sizeof(p));
	return 1;
}

#define SYM(name)                                \
	if (!sym(h, lib, #name, &pango_dl.name)) \
		return;

static void load(void)
{
	/* The names of the run-time packages' libraries (libcairo2,
	 * libpango-1.0-0, libpangocairo-1.0-0, on which the build's
	 * libcairo2-dev and libpango1.0-dev depend). Each handle is looked
	 * in for its own functions only. Never unloaded: fontconfig, cairo
	 * and Pango keep caches and GObject types until exit. */
	const char *lib = "libcairo.so.2";
	void *h = lib_open(lib);
	if (!h)
		return;
	PANGO_DL_CAIRO(SYM)
	lib = "libpango-1.0.so.0";
	if (!(h = lib_open(lib)))
		return;
	PANGO_DL_PANGO(SYM)
	lib = "libpangocairo-1.0.so.0";
	if (!(h = lib_open(lib)))
		return;
	PANGO_DL_PANGOCAIRO(SYM)
	loaded = 1;
}

int pango_dl_load(struct ct_err *err)
{
	pthread_once(&once, load);
	if (!loaded)
		return ct_fail(err, CT_EENV,
			       "cannot load Pango and cairo (%s; Debian packages libcairo2, "
			       "libpango-1.0-0, libpangocairo-1.0-0)",
			       why);
	return CT_OK;
}
