/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench.h - what the benchmarks share: a monotonic clock in seconds and
 * the fixed clock a verifier is given, so that a run measures the
 * verification and not time(2).
 */
#ifndef BENCH_H
#define BENCH_H

#include <time.h>

static inline double
bench_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* An at_clock_fn: ctx points at the time_t to return. */
static inline time_t
bench_fixed_clock(void *ctx)
{
	return *(time_t *)ctx;
}

#endif /* BENCH_H */
