/* rmath.h: R's standalone mathematics library (Debian r-mathlib), so that
 * every distribution function agrees with R digit for digit. Include this,
 * never Rmath.h directly: the standalone define must come first. */
#ifndef CT_RMATH_H
#define CT_RMATH_H

#ifndef MATHLIB_STANDALONE
#define MATHLIB_STANDALONE 1
#endif
#include <Rmath.h>

#endif
