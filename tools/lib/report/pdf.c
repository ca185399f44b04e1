/* pdf.c: the HTML report printed to PDF by headless Chromium (report
 * --pdf). Chromium runs as a child in a process group of its own, without a
 * shell, with a throw-away profile and no way out to the network, and is
 * killed with its whole group when it is done or too slow. */
/* nftw (the profile is a tree) and memmem. */
#define _GNU_SOURCE
#include "report/pdf.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/banned.h"

extern char **environ;

static int is_executable_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

char *report_chromium_find(void)
{
	/* The variable names the one Chromium to use: a wrong value is not
	 * quietly replaced by another browser from $PATH. */
	const char *env = getenv("CORRTEST_CHROMIUM");
	if (env && *env)
		return is_executable_file(env) ? xstrdup(env) : NULL;
	static const char *const names[] = { "chromium", "chromium-browser", "google-chrome" };
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const char *p = path;
		for (;;) {
			const char *colon = strchr(p, ':');
			size_t n = colon ? (size_t)(colon - p) : strlen(p);
			/* An empty entry is the current folder, as for execvp. */
			char *cand = n ? xasprintf("%.*s/%s", (int)n, p, names[i])
				       : xasprintf("./%s", names[i]);
			if (is_executable_file(cand))
				return cand;
			free(cand);
			if (!colon)
				break;
			p = colon + 1;
		}
	}
	return NULL;
}

/* file:// URL of an absolute path: every byte but unreserved ones and '/'
 * percent-encoded, so that '#', '?', '%' and spaces in a name stay a path. */
static char *file_url(const char *abs)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "file://");
	for (const unsigned char *s = (const unsigned char *)abs; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("/-._~", *s))
			sb_addc(&sb, (char)*s);
		else
			sb_addf(&sb, "%%%02X", *s);
	}
	return sb_detach(&sb);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* Removes the work folder; Chromium's last children may still be dying
 * (they were sent SIGKILL), so a folder that comes back non-empty is tried
 * again for a moment. */
static void remove_tree(const char *dir)
{
	for (int i = 0; i < 50; i++) {
		nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		if (access(dir, F_OK) != 0)
			return;
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

/* The last few lines of Chromium's error output, for a message: the D-Bus
 * complaints every headless start on a machine without a session bus
 * prints are left out, control characters become '?' (the text goes to a
 * terminal). Empty when there is nothing. */
static char *log_tail(const char *path)
{
	char *text = NULL;
	size_t len = 0;
	struct ct_err ignored;
	struct strbuf sb = STRBUF_INIT;
	if (file_read(path, &text, &len, &ignored) != CT_OK)
		return xstrdup("");
	const char *keep[3] = { NULL, NULL, NULL };
	size_t keep_len[3] = { 0, 0, 0 };
	int nkeep = 0;
	for (char *line = text; line < text + len;) {
		char *nl = memchr(line, '\n', (size_t)(text + len - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(text + len - line);
		int noise = n == 0 || memmem(line, n, ":ERROR:dbus/", 12) != NULL;
		if (!noise) {
			if (nkeep == 3) {
				memmove(keep, keep + 1, 2 * sizeof(keep[0]));
				memmove(keep_len, keep_len + 1, 2 * sizeof(keep_len[0]));
				nkeep = 2;
			}
			keep[nkeep] = line;
			keep_len[nkeep++] = n > 240 ? 240 : n;
		}
		line += n + 1;
	}
	for (int i = 0; i < nkeep; i++) {
		if (i)
			sb_adds(&sb, " | ");
		for (size_t j = 0; j < keep_len[i]; j++) {
			unsigned char c = (unsigned char)keep[i][j];
			sb_addc(&sb, c < 0x20 || c == 0x7f ? '?' : (char)c);
		}
	}
	free(text);
	return sb_detach(&sb);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs argv[0] with envp, stdin from /dev/null and stdout and stderr into
 * log, in a process group of its own, until it exits or timeout_s pass
 * (then the group is killed: *timed_out = 1). Every process left in the
 * group after the first exits is killed too. Returns the wait status, or -1
 * with errno set when it could not be started. */
static int run_child(char *const argv[], char *const envp[], const char *log, double timeout_s,
		     int *timed_out)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	pid_t pid;
	int status = -1, e;
	*timed_out = 0;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGHUP);
	sigaddset(&dfl, SIGQUIT);
	sigaddset(&dfl, SIGCHLD);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
					       POSIX_SPAWN_SETSIGDEF);
	e = posix_spawn(&pid, argv[0], &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (e != 0) {
		errno = e;
		return -1;
	}
	double deadline = now_s() + timeout_s;
	for (;;) {
		/* WNOWAIT: the child stays unreaped, so its process group id
		 * cannot be taken by another process before the group is
		 * killed below. */
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0 && errno != EINTR)
			break;
		if (si.si_pid == pid)
			break;
		if (now_s() >= deadline) {
			*timed_out = 1;
			kill(-pid, SIGKILL);
			break;
		}
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/* The environment Chromium runs in: ours, but with TMPDIR, HOME and the
 * XDG folders inside the work folder, because Chromium also writes beside
 * its profile (org.chromium.Chromium.* in TMPDIR, crash reports under
 * ~/.config, scoped folders under ~/.cache, GTK's dconf) and leaves them
 * behind when it is killed. own[] holds the strings made here; the rest
 * are borrowed from environ. */
#define CHILD_ENV_OWN 5
static char **child_env(const char *work, char *own[CHILD_ENV_OWN])
{
	static const char *const vars[CHILD_ENV_OWN] = { "TMPDIR", "HOME", "XDG_CONFIG_HOME",
							  "XDG_CACHE_HOME", "XDG_DATA_HOME" };
	static const char *const dirs[CHILD_ENV_OWN] = { "/tmp", "/home", "/home/.config",
							  "/home/.cache", "/home/.local/share" };
	size_t n = 0;
	while (environ[n])
		n++;
	char **envp = xcalloc(n + CHILD_ENV_OWN + 1, sizeof(*envp));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		int replaced = 0;
		for (size_t v = 0; v < CHILD_ENV_OWN; v++) {
			size_t len = strlen(vars[v]);
			if (strncmp(environ[i], vars[v], len) == 0 && environ[i][len] == '=')
				replaced = 1;
		}
		if (!replaced)
			envp[k++] = environ[i];
	}
	for (size_t v = 0; v < CHILD_ENV_OWN; v++)
		envp[k++] = own[v] = xasprintf("%s=%s%s", vars[v], work, dirs[v]);
	envp[k] = NULL;
	return envp;
}

/* 1 if the file at path starts as a PDF does. */
static int looks_like_pdf(const char *path)
{
	char head[5];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, head, sizeof(head));
	close(fd);
	return n == (ssize_t)sizeof(head) && memcmp(head, "%PDF-", 5) == 0;
}

int report_pdf(const char *html_path, const char *pdf_path, struct ct_err *err)
{
	int rc = CT_OK, fd = -1, timed_out = 0;
	char *exe = NULL, *abs = NULL, *url = NULL, *work = NULL, *profile = NULL;
	char *log = NULL, *tmp = NULL, *tail = NULL;
	char *a_profile = NULL, *a_print = NULL;

	exe = report_chromium_find();
	if (!exe) {
		const char *env = getenv("CORRTEST_CHROMIUM");
		if (env && *env)
			rc = ct_fail(err, CT_EENV,
				     "report --pdf needs Chromium: CORRTEST_CHROMIUM=%s is not an executable "
				     "file (unset it to use chromium from PATH; make deps installs the "
				     "chromium package)",
				     env);
		else
			rc = ct_fail(err, CT_EENV,
				     "report --pdf needs Chromium: install the chromium package (make deps "
				     "does)");
		goto out;
	}
	abs = realpath(html_path, NULL);
	if (!abs) {
		rc = ct_fail(err, errno == ENOENT ? CT_EINPUT : CT_EENV, "%s: %s", html_path,
			     strerror(errno));
		goto out;
	}
	url = file_url(abs);
	const char *tmpdir = getenv("TMPDIR");
	work = xasprintf("%s/corrtest-chromium-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(work)) {
		rc = ct_fail(err, CT_EENV, "%s: %s", work, strerror(errno));
		free(work);
		work = NULL;
		goto out;
	}
	profile = xasprintf("%s/profile", work);
	/* Chromium's TMPDIR (child_env): it does not create it. */
	char *ctmp = xasprintf("%s/tmp", work);
	int mk = mkdir(ctmp, 0700);
	free(ctmp);
	if (mk != 0) {
		rc = ct_fail(err, CT_EENV, "%s/tmp: %s", work, strerror(errno));
		goto out;
	}
	log = xasprintf("%s/chromium.log", work);
	/* Chromium writes to a name only this call knows; pdf_path changes
	 * in one rename once the PDF is whole. */
	fd = file_create_temp(pdf_path, 0644, &tmp, err);
	if (fd < 0) {
		rc = CT_EENV;
		goto out;
	}
	close(fd);
	a_profile = xasprintf("--user-data-dir=%s", profile);
	a_print = xasprintf("--print-to-pdf=%s", tmp);
	char *argv[24];
	int argc = 0;
	argv[argc++] = exe;
	argv[argc++] = "--headless";
	/* Software rendering: no GL driver needed (Debian's chromium only
	 * recommends Mesa's, and make deps installs no recommendations). */
	argv[argc++] = "--disable-gpu";
	/* Chromium's sandbox refuses to start as root; elsewhere it stays. */
	if (geteuid() == 0)
		argv[argc++] = "--no-sandbox";
	argv[argc++] = a_profile;
	argv[argc++] = "--no-first-run";
	argv[argc++] = "--no-default-browser-check";
	argv[argc++] = "--disable-extensions";
	argv[argc++] = "--disable-background-networking";
	argv[argc++] = "--disable-component-update";
	argv[argc++] = "--disable-sync";
	argv[argc++] = "--disable-default-apps";
	argv[argc++] = "--disable-breakpad";
	/* No host name resolves and every request goes to a proxy nobody
	 * serves: the report is self-contained, and a bug that made it
	 * otherwise must not reach the network. */
	argv[argc++] = "--host-resolver-rules=MAP * ~NOTFOUND";
	argv[argc++] = "--proxy-server=127.0.0.1:9";
	argv[argc++] = "--no-pdf-header-footer";
	argv[argc++] = a_print;
	argv[argc++] = url;
	argv[argc] = NULL;

	/* CORRTEST_PDF_TIMEOUT_MS shortens the limit for the tests. */
	double limit = REPORT_PDF_TIMEOUT_S;
	const char *e = getenv("CORRTEST_PDF_TIMEOUT_MS");
	long ms;
	if (e && parse_long(e, &ms) && ms > 0 && ms <= REPORT_PDF_TIMEOUT_S * 1000L)
		limit = (double)ms / 1000.0;
	char *own_env[CHILD_ENV_OWN] = { NULL };
	char **envp = child_env(work, own_env);
	int status = run_child(argv, envp, log, limit, &timed_out);
	int spawn_errno = errno;
	for (size_t v = 0; v < CHILD_ENV_OWN; v++)
		free(own_env[v]);
	free(envp);
	if (status == -1 && !timed_out) {
		rc = ct_fail(err, CT_EENV, "report --pdf: cannot run %s: %s", exe, strerror(spawn_errno));
		goto out;
	}
	tail = log_tail(log);
	if (timed_out) {
		rc = ct_fail(err, CT_EENV, "report --pdf: %s did not print %s within %g s and was killed%s%s",
			     exe, html_path, limit, *tail ? ": " : "", tail);
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char how[48];
		if (WIFEXITED(status))
			snprintf(how, sizeof(how), "exit status %d", WEXITSTATUS(status));
		else
			snprintf(how, sizeof(how), "killed by signal %d", WTERMSIG(status));
		rc = ct_fail(err, CT_EENV, "report --pdf: %s failed printing %s (%s)%s%s", exe,
			     html_path, how, *tail ? ": " : "", tail);
		goto out;
	}
	if (!looks_like_pdf(tmp)) {
		rc = ct_fail(err, CT_EENV, "report --pdf: %s wrote no PDF for %s%s%s", exe, html_path,
			     *tail ? ": " : "", tail);
		goto out;
	}
	if ((rc = file_commit_temp(tmp, pdf_path, err)))
		goto out;
	free(tmp);
	tmp = NULL;
out:
	if (tmp)
		unlink(tmp);
	if (work)
		remove_tree(work);
	free(exe);
	free(abs);
	free(url);
	free(work);
	free(profile);
	free(log);
	free(tmp);
	free(tail);
	free(a_profile);
	free(a_print);
	return rc;
}
