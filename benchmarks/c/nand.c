/* One sigmoid neuron learning NAND, trained two ways, in plain C.
 *
 *     cc -O2 -o nand nand.c -lm
 *     ./nand fd|gd EPOCHS LR W1 W2 B
 *
 * a_i = sigma(x_i w1 + y_i w2 + b),  C = (1/n) sum_i (a_i - z_i)^2,  n = 4.
 *
 * fd: the seed's method ("ml in c"): forward finite differences with
 *     eps = 1e-1, g_p = (C(theta + eps e_p) - C(theta)) / eps.
 * gd: the analytic gradient, full batch,
 *     dC/dw1 = (1/n) sum_i 2 (a_i - z_i) a_i (1 - a_i) x_i   (and y_i, 1).
 * Both update theta -= lr * g once per epoch.
 *
 * Prints the final w1 w2 b and cost (%.17g) on one line and, on a second
 * line, the seconds spent in the training loop only (CLOCK_MONOTONIC).
 */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* x, y, z */
double train[][3] = {
    {0, 0, 1},
    {0, 1, 1},
    {1, 0, 1},
    {1, 1, 0},
};
#define train_count (sizeof(train) / sizeof(train[0]))

double sigmoid(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

double cost(double w1, double w2, double b)
{
    double result = 0.0;
    for (size_t i = 0; i < train_count; ++i) {
        double x = train[i][0];
        double y = train[i][1];
        double a = sigmoid(x * w1 + y * w2 + b);
        double d = a - train[i][2];
        result += d * d;
    }
    return result / train_count;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 7 || (strcmp(argv[1], "fd") != 0 && strcmp(argv[1], "gd") != 0)) {
        fprintf(stderr, "usage: %s fd|gd EPOCHS LR W1 W2 B\n", argv[0]);
        return 2;
    }
    int fd = strcmp(argv[1], "fd") == 0;
    long epochs = strtol(argv[2], NULL, 10);
    double rate = strtod(argv[3], NULL);
    double w1 = strtod(argv[4], NULL);
    double w2 = strtod(argv[5], NULL);
    double b = strtod(argv[6], NULL);
    double eps = 1e-1;

    double start = now();
    if (fd) {
        for (long e = 0; e < epochs; ++e) {
            double c = cost(w1, w2, b);
            double dw1 = (cost(w1 + eps, w2, b) - c) / eps;
            double dw2 = (cost(w1, w2 + eps, b) - c) / eps;
            double db = (cost(w1, w2, b + eps) - c) / eps;
            w1 -= rate * dw1;
            w2 -= rate * dw2;
            b -= rate * db;
        }
    } else {
        size_t n = train_count;
        for (long e = 0; e < epochs; ++e) {
            double dw1 = 0.0, dw2 = 0.0, db = 0.0;
            for (size_t i = 0; i < n; ++i) {
                double x = train[i][0];
                double y = train[i][1];
                double z = train[i][2];
                double a = sigmoid(x * w1 + y * w2 + b);
                double di = 2 * (a - z) * a * (1 - a);
                dw1 += di * x;
                dw2 += di * y;
                db += di;
            }
            dw1 /= n;
            dw2 /= n;
            db /= n;
            w1 -= rate * dw1;
            w2 -= rate * dw2;
            b -= rate * db;
        }
    }
    double elapsed = now() - start;

    printf("%.17g %.17g %.17g %.17g\n", w1, w2, b, cost(w1, w2, b));
    printf("%.9f\n", elapsed);
    return 0;
}
