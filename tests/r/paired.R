# paired.R: expected values of every paired measure of `corrtest stats
# --table` (stats/paired.c), written from the published formulas and base R,
# independently of the C code. Writes tests/fixtures/stats-paired.tsv:
#   Rscript tests/r/paired.R [OUTPUT]     (run from the repository root)
# One row per table (a, b, c, d, alpha); NA where a measure is undefined.
# Cells: a both positive, b control only, c test only, d neither.
#
# Sources:
#  - Wilson (1927) score interval: base R prop.test(correct = FALSE).
#  - Newcombe RG (1998) Improved confidence intervals for the difference
#    between binomial proportions based on paired data. Stat Med 17:2635-50,
#    method 10 (square-and-add of Wilson intervals, corrected phi).
#  - Tango T (1998) Equivalence test and confidence interval for the
#    difference in proportions for the paired-sample design. Stat Med
#    17:891-908, eq. (3)-(5).
#  - Bonett DG, Price RM (2006) Confidence intervals for a ratio of binomial
#    proportions based on paired data. Stat Med 25:3039-47 (hybrid Wilson).
#  - Conditional odds ratio b/c: exact interval from binom.test's
#    Clopper-Pearson interval for b/(b+c) (Breslow & Day 1980, 7.3).
#  - McNemar exact: binom.test; mid-p: Fagerland MW, Lydersen S, Laake P
#    (2013) The McNemar test for binary matched-pairs data: mid-p and
#    asymptotic are better than exact conditional. BMC Med Res Methodol
#    13:91; asymptotic tests: base R mcnemar.test.
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "tests/fixtures/stats-paired.tsv"

wilson <- function(x, n, alpha) {
  # prop.test warns that the chi-square approximation may be poor for
  # small counts; the interval is still Wilson's.
  suppressWarnings(as.numeric(prop.test(x, n, conf.level = 1 - alpha,
                                        correct = FALSE)$conf.int))
}

# Newcombe (1998) method 10 for the paired table (e, f, g, h) in his
# notation = (a, b, c, d) here; theta = (f - g)/n.
newcombe10 <- function(e, f, g, h, alpha) {
  n <- e + f + g + h
  if (n == 0) return(c(NA, NA))
  A <- (e + f) / n; B <- (e + g) / n
  w2 <- wilson(e + f, n, alpha); w3 <- wilson(e + g, n, alpha)
  l2 <- w2[1]; u2 <- w2[2]; l3 <- w3[1]; u3 <- w3[2]
  den <- (e + f) * (g + h) * (e + g) * (f + h)
  num <- e * h - f * g
  if (den == 0) {
    phi <- 0
  } else if (num > 0) {
    phi <- max(num - n / 2, 0) / sqrt(den)
  } else {
    phi <- num / sqrt(den)
  }
  theta <- A - B
  delta <- sqrt((A - l2)^2 - 2 * phi * (A - l2) * (u3 - B) + (u3 - B)^2)
  eps <- sqrt((u2 - A)^2 - 2 * phi * (u2 - A) * (B - l3) + (B - l3)^2)
  c(theta - delta, theta + eps)
}

# Tango (1998): the score statistic for H0: Delta = d0, with p21 the
# restricted MLE of the (control negative, test positive) cell.
tango_z <- function(d0, x12, x21, n) {
  num <- x12 - x21 - n * d0
  if (num == 0) return(0)
  W <- -x12 - x21 + (2 * n - x12 + x21) * d0
  p21 <- (sqrt(max(W^2 + 8 * n * x21 * d0 * (1 - d0), 0)) - W) / (4 * n)
  v <- n * (2 * p21 + d0 * (1 - d0))
  if (!(v > 0)) return(sign(num) * 1e300)
  num / sqrt(v)
}
tango <- function(a, b, c, d, alpha) {
  n <- a + b + c + d
  if (n == 0) return(c(NA, NA))
  z <- qnorm(1 - alpha / 2)
  est <- (b - c) / n
  lo <- if (c == n) -1 else
    uniroot(function(x) tango_z(x, b, c, n) - z, c(-1, est), tol = 1e-15,
            maxiter = 10000)$root
  hi <- if (b == n) 1 else
    uniroot(function(x) tango_z(x, b, c, n) + z, c(est, 1), tol = 1e-15,
            maxiter = 10000)$root
  c(lo, hi)
}

# Bonett & Price (2006), section 3: Wilson intervals for (n11+n12)/n* and
# (n11+n21)/n*, n* = n11+n12+n21, with z scaled by A/(B+C).
bonett_price <- function(a, b, c, d, alpha) {
  ns <- a + b + c
  if (ns == 0) return(c(NA, NA))
  n1 <- a + b; n2 <- a + c
  z <- qnorm(1 - alpha / 2)
  A <- sqrt((b + c + 2) / ((n1 + 1) * (n2 + 1)))
  B <- sqrt((1 - (n1 + 1) / (ns + 2)) / (n1 + 1))
  C <- sqrt((1 - (n2 + 1) / (ns + 2)) / (n2 + 1))
  z0 <- z * A / (B + C)
  wil <- function(x) {
    h <- z0 * sqrt(z0^2 + 4 * x * (1 - x / ns))
    c((2 * x + z0^2 - h), (2 * x + z0^2 + h)) / (2 * (ns + z0^2))
  }
  w1 <- wil(n1); w2 <- wil(n2)
  c(w1[1] / w2[2], if (w2[1] > 0) w1[2] / w2[1] else NA)
}

wald_log <- function(a, b, c, d, alpha) {
  if (a + b == 0 || a + c == 0) return(c(NA, NA))
  se <- sqrt((b + c) / ((a + b) * (a + c)))
  exp(log((a + b) / (a + c)) + c(-1, 1) * qnorm(1 - alpha / 2) * se)
}

num_or_na <- function(x) ifelse(is.finite(x), x, NA)

measures <- function(a, b, c, d, alpha) {
  n <- a + b + c + d
  r <- list(a = a, b = b, c = c, d = d, alpha = alpha, n = n)
  pos <- a + b + c
  r$rate_control <- if (n > 0) (a + b) / n else NA
  r$rate_control_ci <- if (n > 0) wilson(a + b, n, alpha) else c(NA, NA)
  r$rate_test <- if (n > 0) (a + c) / n else NA
  r$rate_test_ci <- if (n > 0) wilson(a + c, n, alpha) else c(NA, NA)
  r$diff <- if (n > 0) (b - c) / n else NA
  r$diff_ci_newcombe <- newcombe10(a, b, c, d, alpha)
  r$diff_ci_tango <- tango(a, b, c, d, alpha)
  r$net_ilo <- if (pos > 0) (b - c) / pos else NA
  # The ILO net rate's interval: method 10 on the table without d.
  r$net_ilo_ci <- if (pos > 0) newcombe10(a, b, c, 0, alpha) else c(NA, NA)
  r$gross_control <- if (pos > 0) b / pos else NA
  r$gross_test <- if (pos > 0) c / pos else NA
  r$net_all <- r$diff
  r$ratio <- if (a + c > 0) (a + b) / (a + c) else NA
  r$ratio_ci_bonett_price <- bonett_price(a, b, c, d, alpha)
  r$ratio_ci_wald_log <- wald_log(a, b, c, d, alpha)
  r$odds_ratio <- if (c > 0) b / c else NA
  if (b + c > 0) {
    ci <- as.numeric(binom.test(b, b + c, conf.level = 1 - alpha)$conf.int)
    r$odds_ratio_ci <- num_or_na(ci / (1 - ci))
    bt <- binom.test(b, b + c, 0.5)
    r$mcnemar_exact_p <- bt$p.value
    r$mcnemar_midp <- min(1, 2 * pbinom(min(b, c), b + c, 0.5) - dbinom(b, b + c, 0.5))
    m <- matrix(c(a, c, b, d), 2) # rows: control +/-, columns: test +/-
    t0 <- mcnemar.test(m, correct = FALSE)
    t1 <- mcnemar.test(m, correct = TRUE)
    r$mcnemar_chi2 <- unname(t0$statistic)
    r$mcnemar_chi2_p <- t0$p.value
    r$mcnemar_chi2_cc <- unname(t1$statistic)
    r$mcnemar_chi2_cc_p <- t1$p.value
  } else {
    r$odds_ratio_ci <- c(NA, NA)
    r$mcnemar_exact_p <- r$mcnemar_midp <- NA
    r$mcnemar_chi2 <- r$mcnemar_chi2_p <- r$mcnemar_chi2_cc <- r$mcnemar_chi2_cc_p <- NA
  }
  r
}

tables <- list(
  # Fagerland, Lydersen & Laake (2017) chapter 8 examples: Cavo et al. (2012)
  # and Bentur et al. (2009).
  c(59, 6, 16, 80), c(1, 1, 7, 12),
  # Edge cases: N = 0; b = c = 0; b + c = 1 (both ways); a = N; d = N;
  # a + c = 0; a + b = 0; c = 0; b = 0; every pair b; every pair c; b = c.
  c(0, 0, 0, 0), c(5, 0, 0, 5), c(0, 1, 0, 3), c(2, 0, 1, 3), c(10, 0, 0, 0),
  c(0, 0, 0, 10), c(0, 5, 0, 5), c(0, 0, 5, 5), c(3, 4, 0, 2), c(3, 0, 4, 2),
  c(0, 10, 0, 0), c(0, 0, 10, 0), c(5, 5, 5, 5), c(1, 0, 0, 0), c(0, 1, 0, 0),
  # Typical correspondence-test tables (Belgian rounds, a few hundred pairs).
  c(120, 45, 12, 223), c(60, 30, 30, 80), c(200, 3, 1, 96), c(31, 22, 5, 142),
  # Large counts (10^7).
  c(1e7, 1e7, 1e7, 1e7), c(1e7, 12345678, 9876543, 1e7), c(0, 1e7, 1e7 - 1, 0),
  c(3e7, 20, 10, 1e7))
set.seed(20261122)
for (i in 1:18) {
  n <- sample(c(8, 30, 120, 800, 5000), 1)
  p <- as.numeric(rmultinom(1, n, prob = runif(4)))
  tables[[length(tables) + 1]] <- p
}
alphas <- rep(0.05, length(tables))
# Other levels: 90% and 99% intervals on some of the tables.
tables <- c(tables, list(c(59, 6, 16, 80), c(31, 22, 5, 142), c(0, 1, 0, 3), c(3, 4, 0, 2)))
alphas <- c(alphas, 0.10, 0.01, 0.01, 0.10)

cols <- c("a", "b", "c", "d", "alpha", "n", "rate_control", "rate_control_ci",
          "rate_test", "rate_test_ci", "diff", "diff_ci_newcombe", "diff_ci_tango",
          "net_ilo", "net_ilo_ci", "gross_control", "gross_test", "net_all", "ratio",
          "ratio_ci_bonett_price", "ratio_ci_wald_log", "odds_ratio", "odds_ratio_ci",
          "mcnemar_exact_p", "mcnemar_midp", "mcnemar_chi2", "mcnemar_chi2_p",
          "mcnemar_chi2_cc", "mcnemar_chi2_cc_p")
ci_cols <- grep("_ci", cols, value = TRUE)
head <- unlist(lapply(cols, function(k) if (k %in% ci_cols) paste0(k, c("_lo", "_hi")) else k))
fmt <- function(x) ifelse(is.na(x) | !is.finite(x), "NA", sprintf("%.15g", x))
lines <- paste(head, collapse = "\t")
for (i in seq_along(tables)) {
  t <- tables[[i]]
  r <- measures(t[1], t[2], t[3], t[4], alphas[i])
  vals <- unlist(lapply(cols, function(k) fmt(num_or_na(r[[k]]))))
  lines <- c(lines, paste(vals, collapse = "\t"))
}
writeLines(lines, out)
