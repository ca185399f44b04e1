/* rng.h: the study's reproducible random numbers. xoshiro256** seeded
 * through SplitMix64 from (seed, stream name), so that personas, assignment
 * and simulation draw from independent streams of one seed and adding a
 * draw to one never shifts another. Platform-independent by construction. */
#ifndef CT_RNG_H
#define CT_RNG_H

#include <stddef.h>
#include <stdint.h>

struct rng {
	uint64_t s[4];
};

void rng_init(struct rng *r, uint64_t seed, const char *stream);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double rng_uniform(struct rng *r);
/* Uniform integer in [0, n), without modulo bias; n > 0. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* Fisher–Yates shuffle of n elements of size sz. */
void rng_shuffle(struct rng *r, void *base, size_t n, size_t sz);

#endif
