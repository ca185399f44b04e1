/* rng.c: xoshiro256** (Blackman & Vigna 2018) with SplitMix64 seeding. */

#include "base/rng.h"
#include "base/banned.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void rng_init(struct rng *r, uint64_t seed, const char *stream)
{
	/* FNV-1a of the stream name mixes the stream into the seed. */
	uint64_t h = 0xCBF29CE484222325ULL;
	for (const unsigned char *p = (const unsigned char *)(stream ? stream : ""); *p; p++)
		h = (h ^ *p) * 0x100000001B3ULL;
	uint64_t x = seed ^ h;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double rng_uniform(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	/* Rejection sampling: discard the top partial range. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;
	do
		x = rng_next(r);
	while (x >= limit);
	return x % n;
}

void rng_shuffle(struct rng *r, void *base, size_t n, size_t sz)
{
	unsigned char *b = base;
	if (n < 2)
		return;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = (size_t)rng_below(r, i + 1);
		/* Swapped byte by byte: elements of any size (a fixed buffer
		 * silently left larger ones unshuffled). */
		for (size_t k = 0; j != i && k < sz; k++) {
			unsigned char t = b[i * sz + k];
			b[i * sz + k] = b[j * sz + k];
			b[j * sz + k] = t;
		}
	}
}
