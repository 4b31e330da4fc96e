/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_process.c - the libpam figures of scripts/bench.sh.  Prints
 * figures; asserts nothing about speed.
 *
 *   bench_process txn CONFDIR USER CRED_FILE N ROUNDS SERVICE BASE
 *	One long-lived process (an Apache worker, a Python service): N
 *	transactions pam_start_confdir, pam_authenticate, pam_acct_mgmt,
 *	pam_end through SERVICE, then N through BASE, ROUNDS times
 *	interleaved; real libpam, services read from CONFDIR.  Prints
 *	"row txn NS BASE_NS RATIO" from the round with the median ratio.
 *
 *   bench_process spawn CRED_FILE N ROUNDS BUDGET USER BASE SERVICE...
 *	A whole process per authentication, as sshd or sudo pay it: fork
 *	and exec `pamtester SERVICE USER authenticate acct_mgmt` with
 *	CRED_FILE as its stdin, N times per round, every service in turn
 *	each round.  libpam finds the services where the caller put them
 *	(a private /etc/pam.d, or pam_wrapper's directory).  One line per
 *	service: "spawn SERVICE NS BASE_NS RATIO RUNS" (the mean run of
 *	the round with the median ratio to BASE), or "spawn SERVICE
 *	refused EXIT" when its first run fails, or "spawn SERVICE slow
 *	SECONDS" when one run takes longer than BUDGET seconds.  A service
 *	whose first run took t runs at most BUDGET / (ROUNDS t) times a
 *	round, at least once.
 *
 * Times are CPU time (user + system: of this process for txn, of each
 * pamtester for spawn), or wall time with AT_BENCH_CLOCK=wall
 * (bench_clock.h).  A transaction or a run that fails after the first
 * aborts the figure: a fast refusal measures nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "bench.h"
#include "bench_clock.h"

#define MAX_ROUNDS   15
#define MAX_SERVICES 16

static char *answer; /* the credential the conversation gives */

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
     void *ctx)
{
	struct pam_response *r;
	int i;

	(void)msg;
	(void)ctx;
	if (n <= 0 || (r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++)
		if ((r[i].resp = strdup(answer)) == NULL)
			abort();
	*resp = r; /* transferred: libpam frees each resp and r */
	return PAM_SUCCESS;
}


/* The first line of path, without its newline.  Owned: free(). */
static char *
read_line(const char *path)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL)
		return NULL;
	n = getline(&line, &cap, f);
	fclose(f);
	if (n <= 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\n")] = '\0';
	return line;
}

/* ---- txn ---- */

static bool
transaction(const char *confdir, const char *service, const char *user)
{
	struct pam_conv c = {conv, NULL};
	pam_handle_t *h = NULL;
	int ret;

	if ((ret = pam_start_confdir(service, user, &c, confdir, &h)) !=
	    PAM_SUCCESS) {
		fprintf(stderr, "bench_process: %s: pam_start: %d\n", service,
			ret);
		return false;
	}
	if ((ret = pam_authenticate(h, 0)) != PAM_SUCCESS ||
	    (ret = pam_acct_mgmt(h, 0)) != PAM_SUCCESS) {
		fprintf(stderr, "bench_process: %s: %s\n", service,
			pam_strerror(h, ret));
		pam_end(h, ret);
		return false;
	}
	return pam_end(h, PAM_SUCCESS) == PAM_SUCCESS;
}

/* Seconds per transaction over n, or -1 on a failure. */
static double
txn_loop(const char *confdir, const char *service, const char *user, long n)
{
	double t0 = bench_clock_s();
	long i;

	for (i = 0; i < n; i++)
		if (!transaction(confdir, service, user))
			return -1;
	return (bench_clock_s() - t0) / (double)n;
}

static int
txn(int argc, char **argv)
{
	const char *confdir = argv[2], *user = argv[3], *svc = argv[7],
		   *base = argv[8];
	double a[MAX_ROUNDS], b[MAX_ROUNDS], r[MAX_ROUNDS];
	long n = atol(argv[5]);
	int rounds = atoi(argv[6]), k;

	if (argc != 9 || n < 1 || rounds < 1 || rounds > MAX_ROUNDS)
		return 2;
	if ((answer = read_line(argv[4])) == NULL) {
		fprintf(stderr, "bench_process: cannot read %s\n", argv[4]);
		return 1;
	}
	/* Warm up: the page cache, lazy binding, the module's first load. */
	if (txn_loop(confdir, svc, user, n / 10 + 1) < 0 ||
	    txn_loop(confdir, base, user, n / 10 + 1) < 0)
		return 1;
	for (k = 0; k < rounds; k++) {
		a[k] = txn_loop(confdir, svc, user, n);
		b[k] = txn_loop(confdir, base, user, n);
		if (a[k] < 0 || b[k] < 0)
			return 1;
		r[k] = a[k] / b[k];
	}
	k = bench_median_round(r, rounds);
	printf("row txn %.1f %.1f %.3f\n", a[k] * 1e9, b[k] * 1e9, r[k]);
	free(answer);
	return 0;
}

/* ---- spawn ---- */

static volatile sig_atomic_t timed_out;

static void
on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

/*
 * One pamtester run: its cost in seconds (wall time with
 * AT_BENCH_CLOCK=wall, else the child's user + system CPU time from
 * wait4), or -1 with *rc set to its exit status (or 128 + signal; 255 if
 * it could not start).  A run past limit seconds of wall time is killed:
 * *rc = -2.
 */
static double
spawn_one(const char *cred_file, const char *service, const char *user,
	  double limit, int *rc)
{
	struct itimerval it = {{0, 0}, {(time_t)limit, 0}};
	struct sigaction sa;
	struct rusage ru;
	double t0 = bench_now_s(), t;
	int status, fd, null;
	pid_t pid, w;

	*rc = 0;
	if (it.it_value.tv_sec < 1)
		it.it_value.tv_sec = 1;
	/* No SA_RESTART: the alarm interrupts wait4(). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	timed_out = 0;
	if (sigaction(SIGALRM, &sa, NULL) != 0 || (pid = fork()) < 0) {
		*rc = 255;
		return -1;
	}
	if (pid == 0) {
		if ((fd = open(cred_file, O_RDONLY | O_CLOEXEC)) < 0 ||
		    (null = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0 ||
		    dup2(fd, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
			_exit(255);
		execlp("pamtester", "pamtester", service, user, "authenticate",
		       "acct_mgmt", (char *)NULL);
		_exit(255);
	}
	(void)setitimer(ITIMER_REAL, &it, NULL);
	while ((w = wait4(pid, &status, 0, &ru)) < 0 && errno == EINTR &&
	       !timed_out)
		;
	t = bench_now_s() - t0;
	it.it_value.tv_sec = 0;
	(void)setitimer(ITIMER_REAL, &it, NULL);
	if (w != pid) {
		kill(pid, SIGKILL);
		(void)waitpid(pid, &status, 0);
		*rc = timed_out ? -2 : 255;
		return -1;
	}
	if (!bench_clock_wall())
		t = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return t;
	*rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return -1;
}

static int
spawn(int argc, char **argv)
{
	const char *cred_file = argv[2], *user = argv[6];
	double t[MAX_SERVICES][MAX_ROUNDS], r[MAX_ROUNDS], first, s, budget;
	long n = atol(argv[3]), runs[MAX_SERVICES];
	int rounds = atoi(argv[4]), nsvc = argc - 7, i, k, rc;
	bool ok[MAX_SERVICES];
	char **svc = argv + 7;
	long j;

	budget = atof(argv[5]);
	if (argc < 8 || nsvc > MAX_SERVICES || n < 1 || rounds < 1 ||
	    rounds > MAX_ROUNDS || !(budget > 0))
		return 2;
	for (i = 0; i < nsvc; i++) {
		/* The first run warms the page cache; its time sets how
		 * many runs the budget allows. */
		first = spawn_one(cred_file, svc[i], user, budget, &rc);
		ok[i] = first >= 0;
		runs[i] = 0;
		if (!ok[i]) {
			if (rc == -2)
				printf("spawn %s slow %.0f\n", svc[i], budget);
			else
				printf("spawn %s refused %d\n", svc[i], rc);
			continue;
		}
		runs[i] = (long)(budget / ((double)rounds * first));
		runs[i] = runs[i] < 1 ? 1 : runs[i] > n ? n : runs[i];
	}
	if (!ok[0])
		return 1;
	for (k = 0; k < rounds; k++)
		for (i = 0; i < nsvc; i++) {
			if (!ok[i])
				continue;
			s = 0;
			for (j = 0; j < runs[i]; j++) {
				first = spawn_one(cred_file, svc[i], user,
						  budget, &rc);
				if (first < 0) {
					fprintf(stderr,
						"bench_process: %s: "
						"pamtester failed (%d) after "
						"succeeding\n",
						svc[i], rc);
					return 1;
				}
				s += first;
			}
			t[i][k] = s / (double)runs[i];
		}
	for (i = 0; i < nsvc; i++) {
		if (!ok[i])
			continue;
		for (k = 0; k < rounds; k++)
			r[k] = t[i][k] / t[0][k];
		k = bench_median_round(i == 0 ? t[0] : r, rounds);
		printf("spawn %s %.1f %.1f %.3f %ld\n", svc[i], t[i][k] * 1e9,
		       t[0][k] * 1e9, r[k], runs[i] * rounds);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 9 && strcmp(argv[1], "txn") == 0)
		return txn(argc, argv);
	if (argc >= 8 && strcmp(argv[1], "spawn") == 0)
		return spawn(argc, argv);
	fprintf(stderr,
		"usage: bench_process txn CONFDIR USER CRED_FILE N ROUNDS "
		"SERVICE BASE\n"
		"       bench_process spawn CRED_FILE N ROUNDS BUDGET USER "
		"BASE SERVICE...\n");
	return 2;
}
