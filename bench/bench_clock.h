/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_clock.h - the clock of scripts/bench.sh's figures.  By default
 * the CPU time (user + system) of this process: the machines these runs
 * share are often busy, and time spent waiting for a core is not what
 * the code costs; CPU time keeps a ratio steady where wall time swings.
 * AT_BENCH_CLOCK=wall (bench.sh --wall) selects CLOCK_MONOTONIC, what a
 * user waits on an idle machine.
 */
#ifndef BENCH_CLOCK_H
#define BENCH_CLOCK_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline bool
bench_clock_wall(void)
{
	static int wall = -1;
	const char *e;

	if (wall < 0)
		wall = (e = getenv("AT_BENCH_CLOCK")) != NULL &&
		       strcmp(e, "wall") == 0;
	return wall == 1;
}

/* Seconds on the benchmark's clock; only differences mean anything. */
static inline double
bench_clock_s(void)
{
	struct timespec ts;

	clock_gettime(bench_clock_wall() ? CLOCK_MONOTONIC :
					   CLOCK_PROCESS_CPUTIME_ID,
		      &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The round whose value is the median of v (the lower one for an even
 * n).  Reporting that round's pair keeps a row's two times and its ratio
 * consistent, while the ratio stays the median of per-round ratios.
 */
static inline int
bench_median_round(const double *v, int n)
{
	int k, j, less, same;

	for (k = 0; k < n; k++) {
		less = same = 0;
		for (j = 0; j < n; j++) {
			less += v[j] < v[k];
			same += v[j] == v[k];
		}
		if (less <= (n - 1) / 2 && (n - 1) / 2 < less + same)
			return k;
	}
	return 0;
}

#endif /* BENCH_CLOCK_H */
