# unpaired.R: expected values for stats/unpaired.c (two independent
# proportions), written to tests/fixtures/stats-unpaired.tsv.
# Run from the repository root:  Rscript tests/r/unpaired.R [OUT]
# Independent of the C code: Wilson limits, chi-square and Fisher come from
# base R (prop.test, fisher.test); Newcombe's method 10 and the log-scale
# risk ratio interval are written here from the published formulas:
#   Newcombe RG (1998) Interval estimation for the difference between
#   independent proportions: comparison of eleven methods. Stat Med
#   17:873-890, method 10: L = d - sqrt((p1-l1)^2 + (u2-p2)^2),
#   U = d + sqrt((u1-p1)^2 + (p2-l2)^2), (li, ui) Wilson limits.
#   Katz D et al. (1978) Biometrics 34:469: SE(log RR) =
#   sqrt(1/x1 - 1/n1 + 1/x2 - 1/n2).
# Undefined values are written as NA; the C code must flag them undefined.
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "tests/fixtures/stats-unpaired.tsv"

wilson <- function(x, n, alpha) {
  if (n == 0) return(c(NA, NA))
  ci <- suppressWarnings(prop.test(x, n, conf.level = 1 - alpha, correct = FALSE)$conf.int)
  as.numeric(ci)
}

row <- function(x1, n1, x2, n2, alpha) {
  na <- NA_real_
  p1 <- if (n1 > 0) x1 / n1 else na
  p2 <- if (n2 > 0) x2 / n2 else na
  w1 <- wilson(x1, n1, alpha)
  w2 <- wilson(x2, n2, alpha)
  d <- dl <- du <- chi <- chip <- chicc <- chiccp <- fp <- rr <- rrl <- rru <- na
  if (n1 > 0 && n2 > 0) {
    d <- p1 - p2
    dl <- d - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2)
    du <- d + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2)
    if (x1 + x2 > 0 && x1 + x2 < n1 + n2) {
      t0 <- suppressWarnings(prop.test(c(x1, x2), c(n1, n2), correct = FALSE))
      t1 <- suppressWarnings(prop.test(c(x1, x2), c(n1, n2), correct = TRUE))
      chi <- unname(t0$statistic); chip <- t0$p.value
      chicc <- unname(t1$statistic); chiccp <- t1$p.value
    }
    fp <- fisher.test(matrix(c(x1, n1 - x1, x2, n2 - x2), 2), conf.int = FALSE)$p.value
    if (x2 > 0) {
      rr <- p1 / p2
      if (x1 > 0) {
        se <- sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2)
        z <- qnorm(1 - alpha / 2)
        rrl <- exp(log(rr) - z * se)
        rru <- exp(log(rr) + z * se)
      }
    }
  }
  c(x1, n1, x2, n2, alpha, p1, w1, p2, w2, d, dl, du, chi, chip, chicc, chiccp,
    fp, rr, rrl, rru)
}

cases <- list(
  # Newcombe (1998) Table II examples (a)-(h).
  c(56, 70, 48, 80), c(9, 10, 3, 10), c(6, 7, 2, 7), c(5, 56, 0, 29),
  c(0, 10, 0, 20), c(0, 10, 0, 10), c(10, 10, 0, 20), c(10, 10, 0, 10),
  # Edges: an empty group, x = 0, x = n, equal rates, one application,
  # small Yates cap (|d| tiny), large counts.
  c(0, 0, 0, 0), c(3, 10, 0, 0), c(0, 0, 4, 9), c(0, 12, 5, 15),
  c(12, 12, 15, 15), c(12, 12, 7, 15), c(5, 10, 5, 10), c(1, 1, 0, 1),
  c(50, 100, 51, 100), c(10, 20, 11, 21),
  c(4000000, 10000000, 3990000, 10000000), c(123456, 1000000, 120000, 1000000),
  c(300, 1000, 200, 1000)
)
set.seed(20261122)
for (i in 1:40) {
  n1 <- sample.int(200, 1); n2 <- sample.int(200, 1)
  cases[[length(cases) + 1]] <- c(rbinom(1, n1, runif(1)), n1, rbinom(1, n2, runif(1)), n2)
}
alphas <- c(0.05, 0.01, 0.1)
fmt <- function(v) ifelse(is.na(v), "NA", sprintf("%.15g", v))
hdr <- c("x1", "n1", "x2", "n2", "alpha", "rate1", "rate1_lo", "rate1_hi", "rate2",
         "rate2_lo", "rate2_hi", "diff", "diff_lo", "diff_hi", "chi2", "chi2_p",
         "chi2_cc", "chi2_cc_p", "fisher_p", "rr", "rr_lo", "rr_hi")
lines <- paste(hdr, collapse = "\t")
for (i in seq_along(cases)) {
  k <- cases[[i]]
  a <- if (i <= 8) 0.05 else alphas[(i %% 3) + 1]
  lines <- c(lines, paste(fmt(row(k[1], k[2], k[3], k[4], a)), collapse = "\t"))
}
writeLines(lines, out)
