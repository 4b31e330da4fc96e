/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tests/real/pam_threads.c - many PAM transactions at once through the
 * real libpam (issue 9, item 3).
 *
 *   pam_threads [-p MODULE] SERVICE CREDFILE THREADS TRANSACTIONS
 *
 * Starts THREADS threads; each runs TRANSACTIONS full transactions
 * (pam_start, pam_authenticate, pam_acct_mgmt when authentication
 * succeeded, pam_end) for its own PAM user with its own conversation
 * function, cycling through that user's credentials in CREDFILE.  Every
 * result is compared with the one CREDFILE expects.
 *
 * CREDFILE: one line per credential, five tab-separated fields
 *
 *   USER KIND AUTH ACCOUNT CREDENTIAL
 *
 * USER is the PAM user, KIND a label (valid_jwt, forged_jwt, ...), AUTH
 * the PAM code pam_authenticate() must return and ACCOUNT the code of
 * pam_acct_mgmt() after a PAM_SUCCESS (PAM_SUCCESS, PAM_AUTH_ERR,
 * PAM_PERM_DENIED, PAM_IGNORE, ..., or "-" when AUTH is not PAM_SUCCESS),
 * CREDENTIAL the rest of the line (may be empty).  Thread t takes the
 * (t mod number of users)-th user in order of first appearance.
 *
 * -p MODULE: dlopen() MODULE (RTLD_NOW | RTLD_NODELETE) before any thread
 * starts, so that it stays loaded and its constructor has run in the main
 * thread.  For ThreadSanitizer only: without it libpam loads and unloads
 * the module with each handle, and glibc's ld.so runs the constructor and
 * maps the module again under its own loader lock, which TSan does not
 * see (its dlopen interceptor adds no happens-before edge), so the
 * constructor's writes and a reload at the same address are reported as
 * races with the threads that use the module.  The plain run keeps the
 * load/unload churn a real service sees.
 *
 * Prints one line per kind (transactions, right, wrong), the wall time
 * and the rate; never a credential.  Exit 0 when every answer was right,
 * 1 otherwise, 2 for a usage or setup error.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <security/pam_appl.h>

#define MAX_CREDS   256
#define MAX_KINDS   32
#define MAX_THREADS 256
#define MAX_REPORTS 10 /* wrong answers described, per run */

struct cred {
	char *user;
	const char *kind;
	int auth;    /* expected pam_authenticate() result */
	int account; /* expected pam_acct_mgmt() result, if auth succeeds */
	char *text;  /* the credential: never printed */
	size_t kind_ix;
};

struct worker {
	pthread_t tid;
	unsigned int index;
	const char *user;
	size_t creds[MAX_CREDS]; /* indexes into creds[] */
	size_t ncreds;
	const struct cred *cur; /* what the conversation answers */
	unsigned int prompts;	/* prompts seen in this transaction */
	unsigned long done[MAX_KINDS];
	unsigned long wrong[MAX_KINDS];
	int setup_error;
};

static const char *service;
static unsigned long transactions;
static struct cred creds[MAX_CREDS];
static size_t ncreds;
static char *kinds[MAX_KINDS];
static size_t nkinds;
static pthread_barrier_t start_line;
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int reports;

static const struct {
	const char *name;
	int code;
} pam_codes[] = {
	{"PAM_SUCCESS", PAM_SUCCESS},
	{"PAM_AUTH_ERR", PAM_AUTH_ERR},
	{"PAM_PERM_DENIED", PAM_PERM_DENIED},
	{"PAM_IGNORE", PAM_IGNORE},
	{"PAM_USER_UNKNOWN", PAM_USER_UNKNOWN},
	{"PAM_AUTHINFO_UNAVAIL", PAM_AUTHINFO_UNAVAIL},
	{"PAM_SERVICE_ERR", PAM_SERVICE_ERR},
	{"PAM_ACCT_EXPIRED", PAM_ACCT_EXPIRED},
	{"PAM_NEW_AUTHTOK_REQD", PAM_NEW_AUTHTOK_REQD},
	{"-", -1},
};

static int
code_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(pam_codes) / sizeof(pam_codes[0]); i++)
		if (strcmp(pam_codes[i].name, name) == 0)
			return pam_codes[i].code;
	return -2;
}

static const char *
name_of(int code)
{
	size_t i;

	for (i = 0; i < sizeof(pam_codes) / sizeof(pam_codes[0]); i++)
		if (pam_codes[i].code == code)
			return pam_codes[i].name;
	return "another code";
}

/*
 * The conversation: answers the one echo-off prompt with the current
 * credential, takes note of info and error messages, and fails anything
 * else (an echo-on prompt would mean a module asking for something
 * unexpected).
 */
static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
     void *appdata)
{
	struct worker *w = appdata;
	struct pam_response *r;
	int i;

	*resp = NULL;
	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	if ((r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
			w->prompts++;
			if ((r[i].resp = strdup(w->cur->text)) == NULL)
				goto fail;
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			break;
		default:
			goto fail;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (i = 0; i < n; i++) {
		if (r[i].resp != NULL) {
			explicit_bzero(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	}
	free(r);
	return PAM_CONV_ERR;
}

static void
report(const struct worker *w, unsigned long n, const char *what, int got,
       int want)
{
	pthread_mutex_lock(&report_lock);
	if (reports++ < MAX_REPORTS)
		printf("# wrong: thread %u transaction %lu user %s kind %s: "
		       "%s returned %s (%d), want %s (%d)\n",
		       w->index, n, w->user, w->cur->kind, what, name_of(got),
		       got, name_of(want), want);
	pthread_mutex_unlock(&report_lock);
}

/* One transaction; true when every answer was the expected one. */
static bool
transaction(struct worker *w, unsigned long n)
{
	struct pam_conv pc = {conv, w};
	pam_handle_t *pamh = NULL;
	const struct cred *c = w->cur;
	bool right = true;
	int ret;

	w->prompts = 0;
	if ((ret = pam_start(service, w->user, &pc, &pamh)) != PAM_SUCCESS) {
		report(w, n, "pam_start", ret, PAM_SUCCESS);
		return false;
	}
	ret = pam_authenticate(pamh, PAM_SILENT);
	if (ret != c->auth) {
		report(w, n, "pam_authenticate", ret, c->auth);
		right = false;
	}
	if (w->prompts != 1) {
		pthread_mutex_lock(&report_lock);
		if (reports++ < MAX_REPORTS)
			printf("# wrong: thread %u transaction %lu user %s "
			       "kind %s: %u prompts, want 1\n",
			       w->index, n, w->user, c->kind, w->prompts);
		pthread_mutex_unlock(&report_lock);
		right = false;
	}
	if (ret == PAM_SUCCESS) {
		ret = pam_acct_mgmt(pamh, PAM_SILENT);
		if (ret != c->account) {
			report(w, n, "pam_acct_mgmt", ret, c->account);
			right = false;
		}
	}
	pam_end(pamh, ret);
	return right;
}

static void *
run(void *arg)
{
	struct worker *w = arg;
	unsigned long n;
	int r;

	r = pthread_barrier_wait(&start_line);
	if (r != 0 && r != PTHREAD_BARRIER_SERIAL_THREAD) {
		w->setup_error = r;
		return NULL;
	}
	for (n = 0; n < transactions; n++) {
		w->cur = &creds[w->creds[n % w->ncreds]];
		w->done[w->cur->kind_ix]++;
		if (!transaction(w, n))
			w->wrong[w->cur->kind_ix]++;
	}
	return NULL;
}

/* Split off the next tab-separated field of *s (NULL when none). */
static char *
field(char **s)
{
	char *f = *s, *tab;

	if (f == NULL)
		return NULL;
	if ((tab = strchr(f, '\t')) != NULL) {
		*tab = '\0';
		*s = tab + 1;
	} else {
		*s = NULL;
	}
	return f;
}

static int
read_creds(const char *path)
{
	FILE *f;
	char *line = NULL, *s, *user, *kind, *auth, *acct, *text;
	size_t cap = 0, k;
	ssize_t len;
	unsigned long lineno = 0;
	int ret = -1;

	if ((f = fopen(path, "re")) == NULL) {
		fprintf(stderr, "pam_threads: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		s = line;
		user = field(&s);
		kind = field(&s);
		auth = field(&s);
		acct = field(&s);
		text = s; /* the rest, tabs and all */
		if (text == NULL || user[0] == '\0' || kind[0] == '\0' ||
		    code_of(auth) < -1 || code_of(acct) < -1) {
			fprintf(stderr,
				"pam_threads: %s:%lu: want USER KIND "
				"AUTH ACCOUNT CREDENTIAL\n",
				path, lineno);
			goto out;
		}
		if (ncreds == MAX_CREDS) {
			fprintf(stderr, "pam_threads: %s: over %d lines\n",
				path, MAX_CREDS);
			goto out;
		}
		for (k = 0; k < nkinds && strcmp(kinds[k], kind) != 0; k++)
			;
		if (k == nkinds) {
			if (nkinds == MAX_KINDS) {
				fprintf(stderr, "pam_threads: over %d kinds\n",
					MAX_KINDS);
				goto out;
			}
			if ((kinds[nkinds++] = strdup(kind)) == NULL)
				goto out;
		}
		creds[ncreds].kind_ix = k;
		creds[ncreds].kind = kinds[k];
		creds[ncreds].auth = code_of(auth);
		creds[ncreds].account = code_of(acct);
		creds[ncreds].user = strdup(user);
		creds[ncreds].text = strdup(text);
		if (creds[ncreds].user == NULL || creds[ncreds].text == NULL)
			goto out;
		ncreds++;
	}
	if (ferror(f) || ncreds == 0) {
		fprintf(stderr, "pam_threads: %s: no credentials read\n", path);
		goto out;
	}
	ret = 0;
out:
	if (line != NULL)
		explicit_bzero(line, cap);
	free(line);
	fclose(f);
	return ret;
}

static unsigned long
number(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0 || v > max)
		return 0;
	return v;
}

int
main(int argc, char **argv)
{
	static struct worker workers[MAX_THREADS];
	const char *users[MAX_CREDS];
	size_t nusers = 0, i, u;
	unsigned long nthreads, t, done, wrong, total = 0, total_wrong = 0;
	struct timespec t0, t1;
	double secs;
	int ret = 2, r;

	if (argc == 7 && strcmp(argv[1], "-p") == 0) {
		if (dlopen(argv[2], RTLD_NOW | RTLD_NODELETE) == NULL) {
			fprintf(stderr, "pam_threads: %s\n", dlerror());
			return 2;
		}
		argc -= 2;
		argv += 2;
	}
	if (argc != 5) {
		fprintf(stderr, "usage: pam_threads [-p MODULE] SERVICE "
				"CREDFILE THREADS TRANSACTIONS\n");
		return 2;
	}
	service = argv[1];
	nthreads = number(argv[3], MAX_THREADS);
	transactions = number(argv[4], 100000000UL);
	if (nthreads == 0 || transactions == 0) {
		fprintf(stderr,
			"pam_threads: THREADS 1..%d, TRANSACTIONS "
			"1..100000000\n",
			MAX_THREADS);
		return 2;
	}
	if (read_creds(argv[2]) != 0)
		goto out;
	for (i = 0; i < ncreds; i++) {
		for (u = 0; u < nusers && strcmp(users[u], creds[i].user); u++)
			;
		if (u == nusers)
			users[nusers++] = creds[i].user;
	}
	for (t = 0; t < nthreads; t++) {
		workers[t].index = (unsigned int)t;
		workers[t].user = users[t % nusers];
		for (i = 0; i < ncreds; i++)
			if (strcmp(creds[i].user, workers[t].user) == 0)
				workers[t].creds[workers[t].ncreds++] = i;
	}
	if ((r = pthread_barrier_init(&start_line, NULL,
				      (unsigned int)nthreads + 1)) != 0) {
		fprintf(stderr, "pam_threads: barrier: %s\n", strerror(r));
		goto out;
	}
	for (t = 0; t < nthreads; t++) {
		if ((r = pthread_create(&workers[t].tid, NULL, run,
					&workers[t])) != 0) {
			/* The others wait at the barrier forever: exit. */
			fprintf(stderr, "pam_threads: thread %lu: %s\n", t,
				strerror(r));
			exit(2);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_barrier_wait(&start_line);
	for (t = 0; t < nthreads; t++)
		pthread_join(workers[t].tid, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	printf("threads %lu, transactions per thread %lu, users %zu, "
	       "credentials %zu\n",
	       nthreads, transactions, nusers, ncreds);
	for (i = 0; i < nkinds; i++) {
		done = wrong = 0;
		for (t = 0; t < nthreads; t++) {
			done += workers[t].done[i];
			wrong += workers[t].wrong[i];
		}
		printf("kind %s: %lu transactions, %lu right, %lu wrong\n",
		       kinds[i], done, done - wrong, wrong);
		total += done;
		total_wrong += wrong;
	}
	for (t = 0; t < nthreads; t++)
		if (workers[t].setup_error != 0)
			total_wrong++;
	printf("total: %lu transactions, %lu wrong, %.3f s, %.0f "
	       "transactions/s\n",
	       total, total_wrong, secs, secs > 0 ? (double)total / secs : 0.0);
	ret = total == nthreads * transactions && total_wrong == 0 ? 0 : 1;
out:
	for (i = 0; i < ncreds; i++) {
		explicit_bzero(creds[i].text, strlen(creds[i].text));
		free(creds[i].text);
		free(creds[i].user);
	}
	for (i = 0; i < nkinds; i++)
		free(kinds[i]);
	return ret;
}
