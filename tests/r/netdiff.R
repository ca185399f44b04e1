# netdiff.R: expected values for strata_net_diff and
# strata_net_heterogeneity (stats/strata.c), written from METHOD.md "More
# measures the reports need" in base R, independently of the C code, to
# tests/fixtures/stats-netdiff.tsv.
# Run from the repository root:  Rscript tests/r/netdiff.R [OUT]
# A stratum's net rate is d = (b - c)/n with Var(d) = ((b + c)/n - d^2)/n,
# the variance of the mean of the paired differences (+1, -1, 0) with
# divisor n (the delta of Newcombe 1998b's Wald interval).
#  - Two strata ("diff" rows): z = (d1 - d2)/sqrt(Var1 + Var2), interval
#    d1 - d2 -/+ qnorm(1 - alpha/2) * se, two-sided normal p.
#  - K strata ("het" rows): Cochran's Q, sum (d_k - dbar)^2 / Var_k with
#    dbar the inverse-variance weighted mean, over the strata with n > 0 and
#    Var > 0, K - 1 df. For K = 2 it is the square of the z above.
# Columns: kind, then b, c and n (comma-separated lists: two strata for
# "diff", K for "het"), alpha, then d1 d2 var1 var2 diff se lo hi z p for
# "diff" rows and mean chi2 df p informative for "het" rows; NA where a
# measure is undefined or does not apply to the kind.
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "tests/fixtures/stats-netdiff.tsv"
fmt <- function(v) ifelse(is.na(v), "NA", sprintf("%.15g", v))
lst <- function(v) paste(sprintf("%.0f", v), collapse = ",")

netvar <- function(b, c, n) { d <- (b - c) / n; ((b + c) / n - d^2) / n }

diff_row <- function(b, c, n, alpha) {
  d <- ifelse(n > 0, (b - c) / n, NA)
  v <- ifelse(n > 0, netvar(b, c, n), NA)
  r <- rep(NA, 10)
  r[1:4] <- c(d[1], d[2], v[1], v[2])
  if (all(n > 0) && sum(v) > 0) {
    se <- sqrt(sum(v)); z <- (d[1] - d[2]) / se; q <- qnorm(1 - alpha / 2)
    r[5:10] <- c(d[1] - d[2], se, d[1] - d[2] - q * se, d[1] - d[2] + q * se,
                 z, 2 * pnorm(-abs(z)))
  }
  c("diff", lst(b), lst(c), lst(n), fmt(alpha), fmt(r), rep("NA", 5))
}

het_row <- function(b, c, n) {
  keep <- n > 0
  keep[keep] <- netvar(b[keep], c[keep], n[keep]) > 0
  r <- c(NA, NA, NA, NA)
  if (sum(keep) >= 2) {
    d <- (b[keep] - c[keep]) / n[keep]; v <- netvar(b[keep], c[keep], n[keep])
    w <- 1 / v; m <- sum(w * d) / sum(w); q <- sum((d - m)^2 / v)
    r <- c(m, q, sum(keep) - 1, pchisq(q, sum(keep) - 1, lower.tail = FALSE))
  }
  c("het", lst(b), lst(c), lst(n), "NA", rep("NA", 10), fmt(r), sum(keep))
}

rows <- list(
  # The issue's case: b/(b+c) = 11/15 in both strata (the homogeneity test
  # gives chi2 = 0, p = 1), net rates 22% and 10.5%, z = 2.754.
  diff_row(c(121, 66), c(44, 24), c(350, 400), 0.05),
  diff_row(c(121, 66), c(44, 24), c(350, 400), 0.1),
  diff_row(c(55, 30), c(11, 12), c(200, 180), 0.05),
  diff_row(c(55, 30), c(11, 12), c(66, 42), 0.01),       # ILO denominators
  diff_row(c(10, 20), c(10, 5), c(40, 40), 0.05),        # d1 = 0
  diff_row(c(0, 7), c(0, 2), c(30, 25), 0.05),           # Var1 = 0, Var2 > 0
  diff_row(c(0, 0), c(0, 0), c(30, 25), 0.05),           # both Var = 0
  diff_row(c(12, 9), c(0, 0), c(12, 9), 0.05),           # all pairs one way
  diff_row(c(0, 4), c(0, 1), c(0, 10), 0.05),            # n1 = 0
  diff_row(c(3000000, 2000000), c(1000000, 1500000), c(9000000, 8000000), 0.05),
  het_row(c(121, 66), c(44, 24), c(350, 400)),           # = z^2 above
  het_row(c(55, 30, 41), c(11, 12, 9), c(200, 180, 150)),
  het_row(c(55, 0, 30, 7), c(11, 0, 12, 0), c(200, 50, 180, 7)),  # two left out
  het_row(c(5, 0), c(1, 0), c(20, 0)),                   # one weighted: undefined
  het_row(numeric(0), numeric(0), numeric(0)),
  het_row(c(10, 20, 30), c(10, 20, 30), c(50, 60, 70))   # all d = 0: chi2 = 0
)
set.seed(20261203)
for (i in 1:8) {
  k <- 2 + i %% 5
  n <- rpois(k, 40 + 20 * i)
  b <- rbinom(k, n, runif(1, 0.15, 0.4))
  c <- rbinom(k, n - b, runif(1, 0.05, 0.2))
  rows[[length(rows) + 1]] <- het_row(b, c, n)
  rows[[length(rows) + 1]] <- diff_row(b[1:2], c[1:2], n[1:2], c(0.05, 0.1, 0.2)[1 + i %% 3])
}
hdr <- c("kind", "b", "c", "n", "alpha", "d1", "d2", "var1", "var2", "diff", "se", "lo", "hi",
         "z", "p", "mean", "chi2", "df", "het_p", "informative")
writeLines(c(paste(hdr, collapse = "\t"), vapply(rows, paste, "", collapse = "\t")), out)
