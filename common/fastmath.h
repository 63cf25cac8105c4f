/* fastmath.h: the exp and log that Poisson sampling over allocated bytes
 * needs, for code that does not link libm.
 *
 * Both allocation samplers draw the gap to the next sample as
 * -ln(u) x mean and weight a sampled allocation of x means by
 * 1 / (1 - e^-x): the analysis side (analysis/alloc.c, page-fault and
 * uprobe events) and the preload shim (sampler/preload/alloc_shim.c), which
 * runs inside the target and links libc alone.  Header-only and static
 * inline, so the shim, built with its own flags, takes it by an include.
 *
 * Accuracy, for finite normal arguments in the stated domains: relative
 * error under 1e-15 for fm_log, absolute error under 1e-15 for
 * fm_one_minus_exp_neg (and relative under 1e-15 for x < 0.5, where the
 * direct series avoids the cancellation of 1 - e^-x) — far below sampling
 * noise.  No checks for NaN, infinities or denormals: the callers never
 * pass them.
 */
#ifndef KPROF_COMMON_FASTMATH_H
#define KPROF_COMMON_FASTMATH_H

#include <stdint.h>
#include <string.h>

#define FM_LN2 0.69314718055994530942

/* ln x for x > 0: x = m 2^e with m in [sqrt(1/2), sqrt(2)), then
 * ln m = 2 atanh(s), s = (m - 1)/(m + 1), |s| < 0.172, whose odd series to
 * s^23 leaves under 1e-17. */
static inline double fm_log(double x)
{
	uint64_t bits;
	double m, s, s2;
	int e;

	memcpy(&bits, &x, sizeof bits);
	e = (int)(bits >> 52 & 0x7ff) - 1023;
	bits = (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
	memcpy(&m, &bits, sizeof m);
	if (m > 1.41421356237309504880) {
		m *= 0.5;
		e++;
	}
	s = (m - 1) / (m + 1);
	s2 = s * s;
	return e * FM_LN2 + 2 * s * (1 + s2 * (1. / 3 + s2 * (1. / 5 + s2 * (1. / 7 +
		s2 * (1. / 9 + s2 * (1. / 11 + s2 * (1. / 13 + s2 * (1. / 15 +
		s2 * (1. / 17 + s2 * (1. / 19 + s2 * (1. / 21 + s2 / 23)))))))))));
}

/* 1 - e^-x for x >= 0 (the chance that Poisson sampling with a mean of one
 * unit takes something x units long). */
static inline double fm_one_minus_exp_neg(double x)
{
	double sum, term, e;
	int k;

	if (x > 40)
		return 1;   /* e^-40 < 2^-57: 1 - e^-x rounds to 1 */
	if (x < 0.5) {
		/* The series of 1 - e^-x itself keeps precision for tiny x. */
		for (sum = term = x, k = 2; k <= 16; k++)
			sum += (term *= -x / k);
		return sum;
	}
	/* e^-x = 2^-k e^-r with r in [0, ln 2): the series converges fast and
	 * the halvings are exact. */
	k = (int)(x / FM_LN2);
	x -= k * FM_LN2;
	e = term = 1;
	for (int i = 1; i <= 18; i++)
		e += (term *= -x / i);
	while (k-- > 0)
		e *= 0.5;
	return 1 - e;
}

#endif
