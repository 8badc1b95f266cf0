/* floats: SSE2 double and x87 long double arithmetic, qsort of doubles,
 * printf/strtod of floating point.  Only IEEE-exact operations (+ - * /
 * sqrt, conversions) are used, so the output is the same bit for bit on
 * every correct x86-64 implementation. */
#include "gt.h"
#include <float.h>
#include <math.h>

#define N 2000

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(void)
{
	static double v[N];
	volatile double zero = 0.0, three = 3.0, big = 1e308;
	double sum = 0, prod = 1;
	long double ld;
	float f;
	char buf[64];
	int i;

	for (i = 0; i < N; i++)
		v[i] = (double)(int64_t)gt_mix((uint64_t)i) / 9007199254740992.0 / 1024.0;
	qsort(v, N, sizeof v[0], cmp);
	for (i = 1; i < N; i++)
		CHECK(1, v[i - 1] <= v[i]);
	printf("min %.17g\nmax %.17g\nmedian %.6f\n", v[0], v[N - 1], v[N / 2]);
	for (i = 0; i < N; i++) {
		sum += v[i];
		prod *= 1.0 + v[i] / 1e12;
	}
	printf("sum %.17g\nprod %.17g\n", sum, prod);

	/* Formatting. */
	printf("%f %e %g %.3f %10.4f|%-10.2e|\n", 3.14159265358979, 6.02214076e23,
	       1e-5, -0.0005, 2.5, 1234.5);
	printf("%.0f %.0f %.0f %.0f\n", 0.5, 1.5, 2.5, -2.5); /* round-half-even */
	printf("%g %g %g %g\n", 100000.0, 1000000.0, 1e-4, 1e-5);
	printf("%.17g %.17g\n", 0.1, 1.0 / three);
	printf("%a %a\n", 1.0, -0.75);
	printf("dbl max %.17g min %.17g eps %.17g\n", DBL_MAX, DBL_MIN, DBL_EPSILON);
	printf("denormal %.17g\n", DBL_MIN / 4096.0);
	printf("inf %f -inf %f nan %f\n", big * 10, -big * 10, zero / zero);
	printf("sqrt2 %.17g sqrt(1e300) %.17g\n", sqrt(2.0), sqrt(1e300));
	printf("-0 is %g, signbit %d\n", -zero, signbit(-zero) != 0);

	/* Conversions. */
	f = (float)(1.0 / three);
	printf("float %.9g double->int %d int->double %.1f\n", (double)f, (int)-7.9, (double)(1 << 30));
	printf("i64 %lld u64 %.1f\n", (long long)1e18, (double)UINT64_MAX);
	CHECK(2, strtod("2.5e-3", NULL) == 0.0025);
	snprintf(buf, sizeof buf, "%.17g", v[123]);
	CHECK(3, strtod(buf, NULL) == v[123]); /* round trip */
	CHECK(4, isnan(zero / zero) && isinf(big * 10));
	CHECK(5, 0.1 + 0.2 != 0.3 && 0.1 + 0.2 == 0.30000000000000004);

	/* x87 extended precision. */
	ld = 1.0L / 3.0L;
	printf("ld %.21Lg %Lg\n", ld, (long double)LDBL_EPSILON);
	ld = 2.0L;
	for (i = 0; i < 10; i++)
		ld = ld * ld / 3.0L + 1.0L;
	printf("ld iter %.21Lg\n", ld);
	CHECK(6, (double)(1.0L / 3.0L) == 1.0 / three);

	printf("floats ok\n");
	return 0;
}
