# signrank.R: reference results for stats/signrank.c, the Wilcoxon
# signed-rank test of paired differences with the Hodges-Lehmann estimate
# and its interval, from R's own
#   wilcox.test(x, conf.int = TRUE, conf.level = 1 - alpha)
# with its defaults (mu = 0, exact = NULL, correct = TRUE, tol.root = 1e-4,
# digits.rank = Inf), to tests/fixtures/stats-signrank.tsv.
# Run from the repository root:  Rscript tests/r/signrank.R [OUT]
#
# With the normal approximation R finds the estimate and the bounds with
# uniroot(tol = 1e-4) on the corrected statistic W(d) of x - d, a step
# function of d that jumps at the Walsh averages (x_i + x_j)/2, i <= j. So
# R's values are within about 1e-4 of the exact solutions, which this
# script also writes, found by evaluating R's own W (copied from
# stats:::wilcox.test.default, R 4.2) between every two consecutive Walsh
# averages:
#  - lo_exact, hi_exact: the Walsh average at which W(d) crosses
#    qnorm(1 - a/2) and qnorm(a/2), a being R's alpha after its doubling
#    when the requested level cannot be reached;
#  - est_exact: the median of the Walsh averages (the Hodges-Lehmann
#    estimate), and zlo, zhi: the set where W(d) = 0 (or the point where it
#    changes sign). W is 0 on a whole interval when the statistic is within
#    the continuity correction of its mean, and any point of it is R's root;
#    the median of the Walsh averages always lies in it (checked below, to
#    within rounding, as is that R's uniroot result lies in it to within
#    2e-4).
# In the exact case (fewer than 50 non-zero differences, no ties, no zeros)
# R takes the estimate and bounds from the Walsh averages themselves, so the
# exact columns repeat R's values.
# The case "gen20000" is not listed but generated, by the same formula as
# tests/unit/test_signrank.c: x_i = ((i * 7919) mod 1000 - 400)/10,
# i = 1..20000; only R's values are written for it (its exact solutions
# would need 2 * 10^8 Walsh averages here).
# Columns: case, x (comma-separated), alpha, nonzero, exact (1/0), v, p,
# estimate, lo, hi, conf_level (R's attribute: below 1 - alpha when R could
# not reach it), est_exact, lo_exact, hi_exact, zlo, zhi. NA: undefined.
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "tests/fixtures/stats-signrank.tsv"
fmt <- function(v) ifelse(is.na(v), "NA", sprintf("%.15g", v))

# R's W(d) from wilcox.test.default (two-sided, correct = TRUE).
W <- function(x, d) {
  xd <- x - d
  xd <- xd[xd != 0]
  nx <- length(xd)
  dr <- rank(abs(xd))
  zd <- sum(dr[xd > 0]) - nx * (nx + 1) / 4
  nt <- table(dr)
  sigma <- sqrt(nx * (nx + 1) * (2 * nx + 1) / 24 - sum(nt^3 - nt) / 48)
  (zd - sign(zd) * 0.5) / sigma
}

# The Walsh average at which W(d) - zq changes sign, and the closure of the
# set where it is 0 (for zq = 0).
crossing <- function(x, zq) {
  w <- outer(x, x, "+")
  u <- sort(unique(w[!lower.tri(w)] / 2))
  L <- length(u)
  mids <- c(u[1] - 1, (u[-1] + u[-L]) / 2, u[L] + 1)
  f <- vapply(mids, function(d) W(x, d), 0) - zq
  z <- which(f == 0)
  if (length(z) > 0) return(c(u[min(z) - 1], u[max(z)]))
  j <- which(f < 0)[1]
  stopifnot(j >= 2, all(f[1:(j - 1)] > 0), all(f[j:(L + 1)] < 0))
  c(u[j - 1], u[j - 1])
}

one <- function(name, x, alpha, gen = FALSE) {
  t <- tryCatch(suppressWarnings(wilcox.test(x, conf.int = TRUE, conf.level = 1 - alpha)),
                error = function(e) NULL)
  nz <- x[x != 0]
  # nonzero exact v p estimate lo hi conf_level est_exact lo_exact hi_exact
  # zlo zhi
  r <- rep(NA, 13)
  r[1] <- length(nz)
  if (!is.null(t) && length(nz) > 0) {
    exact <- grepl("exact", t$method)
    cl <- attr(t$conf.int, "conf.level")
    ci <- is.finite(t$conf.int[1])
    r[2:5] <- c(exact, t$statistic, t$p.value, t$estimate)
    if (ci) r[6:8] <- c(t$conf.int, cl)
    if (exact) {
      r[9:13] <- c(t$estimate, t$conf.int, t$estimate, t$estimate)
    } else if (!ci) {
      # Every difference equal: R gives no interval and the midrange as
      # the estimate, which is then every Walsh average.
      stopifnot(all(nz == nz[1]))
      r[c(9, 12, 13)] <- t$estimate
    } else if (!gen) {
      w <- outer(nz, nz, "+")
      hl <- median(w[!lower.tri(w)] / 2)
      z0 <- crossing(nz, 0)
      # Walsh averages that are equal in decimals can differ in their last
      # bit (0.65 may be 0.6499999999999999 or 0.6500000000000001), so the
      # median is checked to within that.
      eps <- 1e-9 * max(1, abs(z0))
      stopifnot(hl >= z0[1] - eps, hl <= z0[2] + eps,
                t$estimate >= z0[1] - 2e-4, t$estimate <= z0[2] + 2e-4)
      r[9] <- hl
      r[12:13] <- z0
      # R's alpha after doubling: the achieved level is 1 - a.
      a <- 1 - cl
      if (a < 1) {
        r[10] <- crossing(nz, qnorm(a / 2, lower.tail = FALSE))[1]
        r[11] <- crossing(nz, qnorm(a / 2))[1]
        stopifnot(abs(r[10] - t$conf.int[1]) <= 2e-4, abs(r[11] - t$conf.int[2]) <= 2e-4)
      } else {
        r[10:11] <- t$conf.int
      }
    }
  }
  xs <- if (gen) "gen20000" else paste(sprintf("%.15g", x), collapse = ",")
  paste(c(name, xs, fmt(alpha), sprintf("%d", r[1]), fmt(r[2:13])), collapse = "\t")
}

set.seed(20261203)
rows <- c(
  one("exact_small", c(1.5, -0.3, 2.8, 4.1, -1.2, 0.7, 3.3, 2.2, -0.9, 5.6), 0.05),
  one("exact_small_a10", c(1.5, -0.3, 2.8, 4.1, -1.2, 0.7, 3.3, 2.2, -0.9, 5.6), 0.1),
  one("ties", c(2, -1, 3, 2, 5, -2, 4, 1, 3, 6, -1, 2), 0.05),
  one("zeros", c(0, 1.25, -0.5, 3.75, 0, 2, 4.5, -1.75, 2.25, 0, 6), 0.05),
  one("zeros_a10", c(0, 1.25, -0.5, 3.75, 0, 2, 4.5, -1.75, 2.25, 0, 6), 0.1),
  one("all_positive", c(3.1, 0.4, 7.7, 2.6, 1.9, 5.2, 0.8), 0.05),
  one("all_positive_ties", c(3, 1, 4, 1, 5, 9, 2, 6, 5, 3), 0.05),
  one("n1", c(2.5), 0.05),
  one("n1_zero", c(0, 2.5), 0.05),
  one("n2", c(-1.5, 4), 0.05),
  one("n3_exact", c(0.5, 2, 3.5), 0.1),
  one("n3_ties", c(1, 1, 3), 0.05),
  one("equal", c(2, 2, 2, 2), 0.05),
  one("all_zero", c(0, 0, 0), 0.05),
  one("negative", c(-4.2, -1.1, -6.3, 0.9, -2.8, -3.6, -0.4, -5.1, -7.0, -2.2, 1.3), 0.05),
  # 49 distinct absolute values, none zero: the largest exact case.
  one("n49", sample(1:1000, 49) * sample(c(-1, 1), 49, replace = TRUE) / 100, 0.05),
  one("n50", round(rnorm(50, 1, 3), 2), 0.05),
  # 50 distinct absolute values, none zero: normal only because n = 50.
  one("n50_distinct", sample(1:1000, 50) * sample(c(-1, 1), 50, replace = TRUE) / 100, 0.05),
  one("n60", round(rnorm(60, -0.5, 2), 3), 0.05),
  one("n60_a10", round(rnorm(60, 2, 5), 3), 0.1),
  one("hours_ties", round(rnorm(120, 4, 12)), 0.05),
  one("hours_ties_a10", round(rnorm(90, -3, 20)), 0.1),
  one("gen20000", ((1:20000 * 7919) %% 1000 - 400) / 10, 0.05, gen = TRUE)
)
# Random cases: sizes around the exact/normal boundary and beyond, decimal
# data (ties, and Walsh averages that differ only in their last bit),
# integers (many ties and zeros), levels from 99% to 50%.
for (k in 1:16) {
  n <- sample(c(2:12, 20, 35, 49, 50, 51, 80, 150), 1)
  x <- switch(1 + k %% 4, round(rnorm(n, runif(1, -2, 2), 3), 1), rnorm(n, 0.5),
              sample(-5:8, n, replace = TRUE), round(rexp(n) * sample(c(-1, 1), n, TRUE), 2))
  rows <- c(rows, one(sprintf("random%d", k), x, sample(c(0.01, 0.05, 0.1, 0.2, 0.5), 1)))
}
hdr <- c("case", "x", "alpha", "nonzero", "exact", "v", "p", "estimate", "lo", "hi",
         "conf_level", "est_exact", "lo_exact", "hi_exact", "zlo", "zhi")
writeLines(c(paste(hdr, collapse = "\t"), rows), out)
