#!/usr/bin/env Rscript
# power.R: expected values for stats/power.c, written to
# tests/fixtures/stats-power.tsv (or to the file named as the first
# argument). Independent of the C code: the sample sizes come straight from
# the published formulas, the exact power by summing over every possible
# table with dbinom, and the p-value of each table from the two-sided
# binomial test whose definition is checked against binom.test() below.
#
# Sources:
#   Connor RJ (1987). Sample size for testing differences in proportions for
#     the paired-sample design. Biometrics 43:207-211, eq. (3).
#   Miettinen OS (1968). The matched pairs design in the case of all-or-none
#     responses. Biometrics 24:339-352; the formula as quoted by Connor (1987)
#     and Lachin JM (1992), Stat Med 11:1239-1251.
#   mid-p: Fagerland, Lydersen & Laake (2013), BMC Med Res Methodol 13:91.
#
# Columns: pb pc alpha power n, then
#   n_connor, n_miettinen   unrounded sample sizes for the target power
#   power_connor, power_miettinen   the formulas solved for the power at n
#   power_exact, power_midp   exact power of the exact / mid-p McNemar test
#   n_exact, n_midp   smallest n from which the exact power stays >= target
#                     for 20 more sample sizes (NA where not computed)
#   detectable_delta   smallest |pb - pc| Connor's formula detects at n
#                      with psi = pb + pc held fixed
#   detectable_delta_exact   the same for the exact McNemar test: the |pb - pc|
#                      at which its exact power at n (summed over every table)
#                      equals the target, psi fixed (NA where not computed)
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "tests/fixtures/stats-power.tsv"

n_connor <- function(pb, pc, alpha, power) {
  psi <- pb + pc; delta <- pb - pc
  (qnorm(1 - alpha / 2) * sqrt(psi) + qnorm(power) * sqrt(psi - delta^2))^2 / delta^2
}
n_miettinen <- function(pb, pc, alpha, power) {
  psi <- pb + pc; delta <- pb - pc
  (qnorm(1 - alpha / 2) * psi + qnorm(power) * sqrt(psi^2 - delta^2 * (3 + psi) / 4))^2 /
    (psi * delta^2)
}
power_connor <- function(pb, pc, alpha, n) {
  psi <- pb + pc; delta <- abs(pb - pc)
  pnorm((delta * sqrt(n) - qnorm(1 - alpha / 2) * sqrt(psi)) / sqrt(psi - delta^2))
}
power_miettinen <- function(pb, pc, alpha, n) {
  psi <- pb + pc; delta <- abs(pb - pc)
  pnorm((delta * sqrt(n * psi) - qnorm(1 - alpha / 2) * psi) /
          sqrt(psi^2 - delta^2 * (3 + psi) / 4))
}

# Two-sided p-values of every x = 0..m at 1/2: the exact test's is
# min(1, 2 P(B <= min(x, m-x))); the mid-p subtracts P(B = min(x, m-x)).
pvalues <- function(m, midp) {
  x <- 0:m
  lo <- pmin(x, m - x)
  p <- 2 * pbinom(lo, m, 0.5)
  if (midp) p <- p - dbinom(lo, m, 0.5)
  pmin(1, p)
}
# The exact p-values are binom.test's.
for (m in c(1, 2, 5, 10, 17, 40, 101)) {
  bt <- sapply(0:m, function(x) binom.test(x, m, 0.5)$p.value)
  stopifnot(isTRUE(all.equal(bt, pvalues(m, FALSE), tolerance = 1e-12)))
}

# Sum over the number of discordant pairs m and over b = 0..m of
# P(m) P(b | m) [p-value(b) <= alpha]: every table, no truncation.
power_exact <- function(pb, pc, alpha, n, midp) {
  psi <- pb + pc; p1 <- pb / psi
  wm <- dbinom(0:n, n, psi)
  total <- 0
  for (m in 1:n) {
    rej <- pvalues(m, midp) <= alpha
    if (any(rej)) total <- total + wm[m + 1] * sum(dbinom(0:m, m, p1)[rej])
  }
  total
}
# The same scan from n = 1, with the conditional power of each number of
# discordant pairs m (the sum over its tables) worked out once and reused
# for every n; the power at n is still the sum over every table.
n_exact <- function(pb, pc, alpha, power, midp, window = 20) {
  psi <- pb + pc; p1 <- pb / psi
  cond <- numeric(0)
  run <- 0; n <- 0
  repeat {
    n <- n + 1
    rej <- pvalues(n, midp) <= alpha
    cond[n] <- if (any(rej)) sum(dbinom(0:n, n, p1)[rej]) else 0
    if (sum(dbinom(1:n, n, psi) * cond) >= power) {
      if (run == 0) run <- n
      if (n - run >= window) return(run)
    } else run <- 0
  }
}
# The exact power at n as a function of delta with psi fixed: the rejection
# set of each m is worked out once, then every table is summed for each delta.
detectable_exact <- function(psi, alpha, power, n, midp) {
  wm <- dbinom(0:n, n, psi)
  rej <- lapply(1:n, function(m) which(pvalues(m, midp) <= alpha) - 1)
  pw <- function(d) {
    p1 <- (psi + d) / 2 / psi
    total <- 0
    for (m in 1:n) if (length(rej[[m]])) total <- total + wm[m + 1] * sum(dbinom(rej[[m]], m, p1))
    total
  }
  if (pw(psi) < power) return(0)
  uniroot(function(d) pw(d) - power, c(1e-9, psi), tol = 1e-14)$root
}
detectable <- function(psi, alpha, power, n) {
  f <- function(d) d * sqrt(n) - qnorm(1 - alpha / 2) * sqrt(psi) -
    qnorm(power) * sqrt(psi - d^2)
  if (f(psi) < 0) return(0)
  uniroot(f, c(0, psi), tol = 1e-15)$root
}

# pb pc alpha power n with_n_exact
cases <- list(
  c(0.15, 0.05, 0.05, 0.80, 150, 1),
  c(0.05, 0.45, 0.05, 0.80, 23, 1),   # the powerandsamplesize.com example
  c(0.25, 0.10, 0.05, 0.90, 120, 1),
  c(0.10, 0.20, 0.01, 0.80, 300, 0),
  c(0.30, 0.05, 0.05, 0.80, 40, 1),
  c(0.20, 0.10, 0.05, 0.80, 800, 1),  # p_C 0.6, p_T 0.5, concordance 0.7
  c(0.20, 0.10, 0.05, 0.90, 250, 1),  # the same at power 0.9
  c(0.70, 0.30, 0.05, 0.80, 60, 1),   # every pair discordant
  c(0.90, 0.00, 0.05, 0.80, 10, 1),   # only one kind of discordant pair
  c(0.12, 0.04, 0.10, 0.95, 500, 1),
  c(0.02, 0.002, 0.05, 0.80, 600, 0), # rare discordance
  c(0.155, 0.145, 0.05, 0.80, 5000, 0),
  c(0.08, 0.16, 0.025, 0.85, 250, 0)
)
fmt <- function(v) if (is.na(v)) "NA" else sprintf("%.15g", v)
lines <- paste("pb", "pc", "alpha", "power", "n", "n_connor", "n_miettinen", "power_connor",
               "power_miettinen", "power_exact", "power_midp", "n_exact", "n_midp",
               "detectable_delta", "detectable_delta_exact", sep = "\t")
for (k in cases) {
  pb <- k[1]; pc <- k[2]; alpha <- k[3]; pw <- k[4]; n <- k[5]
  ne <- if (k[6] == 1) n_exact(pb, pc, alpha, pw, FALSE) else NA
  nm <- if (k[6] == 1) n_exact(pb, pc, alpha, pw, TRUE) else NA
  row <- c(fmt(pb), fmt(pc), fmt(alpha), fmt(pw), fmt(n),
           fmt(n_connor(pb, pc, alpha, pw)), fmt(n_miettinen(pb, pc, alpha, pw)),
           fmt(power_connor(pb, pc, alpha, n)), fmt(power_miettinen(pb, pc, alpha, n)),
           fmt(power_exact(pb, pc, alpha, n, FALSE)), fmt(power_exact(pb, pc, alpha, n, TRUE)),
           fmt(ne), fmt(nm), fmt(detectable(pb + pc, alpha, pw, n)),
           fmt(if (n <= 1000) detectable_exact(pb + pc, alpha, pw, n, FALSE) else NA))
  lines <- c(lines, paste(row, collapse = "\t"))
}
writeLines(lines, out)
