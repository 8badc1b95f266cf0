/* matmul: 256x256 double matrix product, repeated 5 times; prints a
 * checksum so every engine's result can be compared with native. */
#include <stdio.h>

#define N 256
#define REPS 5

static double a[N][N], b[N][N], c[N][N];

int main(void)
{
	double sum = 0;
	int i, j, k, r;

	for (i = 0; i < N; i++)
		for (j = 0; j < N; j++) {
			a[i][j] = (double)((i * 31 + j * 17) % 101) / 101.0;
			b[i][j] = (double)((i * 7 + j * 13) % 97) / 97.0 - 0.5;
		}
	for (r = 0; r < REPS; r++) {
		for (i = 0; i < N; i++)
			for (j = 0; j < N; j++)
				c[i][j] = 0;
		for (i = 0; i < N; i++)
			for (k = 0; k < N; k++) {
				double aik = a[i][k];
				for (j = 0; j < N; j++)
					c[i][j] += aik * b[k][j];
			}
		for (i = 0; i < N; i++)
			sum += c[i][(i * 5 + r) % N];
		a[r][r] += 1.0; /* keep the repetitions from being folded */
	}
	printf("matmul %dx%d x%d checksum %.10f\n", N, N, REPS, sum);
	return 0;
}
