# agreement_ac1.R: expected values of Gwet's AC1, its standard error and
# its interval (stats/agreement.c), from a transcription of irrCAC's
# gwet.ac1.table, independently of the C code. Writes
# tests/fixtures/stats-ac1.tsv:
#   Rscript tests/r/agreement_ac1.R [OUTPUT]    (run from the repository root)
# One row per table (k, alpha, the k x k counts row by row, first rater in
# rows); NA where a figure is undefined.
#
# Source: the R package irrCAC by Kilem L. Gwet, version 1.4 (DESCRIPTION
# dated 2026-04-26; github.com/kgwet/irrCAC, commit 7fb7509236672b86),
# file R/agree.coeff2.r, function gwet.ac1.table, which follows Gwet KL
# (2008) Computing inter-rater reliability and its variance in the presence
# of high agreement. Br J Math Stat Psychol 61:29-48. irrCAC is not packaged
# for Debian, so the function is copied below line for line, with its
# defaults (identity weights, N = Inf so f = 0), only the returned values
# kept as numbers instead of a data frame with a rounded interval text.
# Its choices, kept as they are: q is the number of categories of the table
# given (used or not); the interval is ac1 -/+ qt(1 - (1 - conflev)/2, n - 1)
# * se, a Student t and not a normal quantile, and only for n >= 2; the
# upper bound is min(1, .), the lower one is not cut; the variance is
# floored at 1e-100 (so a perfect table has se 1e-50, not 0).
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "tests/fixtures/stats-ac1.tsv"

identity.weights <- function(categ) {
  weights <- diag(length(categ))
  return(weights)
}

# irrCAC 1.4, R/agree.coeff2.r, gwet.ac1.table (the return value aside).
gwet.ac1.table <- function(ratings, weights = identity.weights(1:ncol(ratings)), conflev = 0.95, N = Inf) {
  ratings <- as.matrix(ratings)
  if (dim(ratings)[1] != dim(ratings)[2]) {
    stop('The contingency table should have the same number of rows and columns!')
  }
  if (ncol(ratings) != ncol(weights)) {
    stop('The weight matrix has fewer columns than the contingency table. Please revise your input weights!')
  }
  n <- sum(ratings) # number of subjects
  f <- n / N # finite population correction
  q <- ncol(ratings) # number of categories
  pa <- sum(weights * ratings / n) # percent agreement

  pk. <- (ratings %*% rep(1, q)) / n
  p.l <- t((t(rep(1, q)) %*% ratings) / n)
  pi.k <- (pk. + p.l) / 2
  tw <- sum(weights)
  pe <- tw * sum(pi.k * (1 - pi.k)) / (q * (q - 1))
  gwet.ac1 <- (pa - pe) / (1 - pe) # gwet's ac1/ac2 coefficint

  # calculation of variance - standard error - confidence interval - p-value

  pkl <- ratings / n #p_{kl}
  sum1 <- 0
  for (k in 1:q) {
    for (l in 1:q) {
      sum1 <- sum1 + pkl[k, l] * (weights[k, l] - 2 * (1 - gwet.ac1) * tw * (1 - (pi.k[k] + pi.k[l]) / 2) / (q * (q - 1)))^2
    }
  }
  var.gwet <- ((1 - f) / (n * (1 - pe)^2)) * (sum1 - (pa - 2 * (1 - gwet.ac1) * pe)^2)
  var.gwet <- max(var.gwet, 1e-100)
  stderr <- sqrt(var.gwet) # ac1's standard error
  p.value <- NA; lcb <- NA; ucb <- NA
  if (n >= 2) {
    p.value <- 1 - pt(gwet.ac1 / stderr, n - 1)
    lcb <- gwet.ac1 - stderr * qt(1 - (1 - conflev) / 2, n - 1) # lower confidence bound
    ucb <- min(1, gwet.ac1 + stderr * qt(1 - (1 - conflev) / 2, n - 1)) # upper confidence bound
  }
  list(n = n, pa = pa, pe = pe, ac1 = gwet.ac1, se = stderr, lo = lcb, hi = ucb)
}

# Tables as (k, counts row by row).
tables <- list(
  # irrCAC's own data sets cont3x3abstractors and cont4x4diagnosis (Gwet's
  # README prints AC1 0.8493305, SE 0.04321747, 95% CI (0.764,0.935) for
  # the first).
  list(3, c(13, 0, 0, 0, 20, 7, 0, 4, 56)),
  list(4, c(40, 6, 4, 15, 4, 25, 1, 5, 4, 2, 21, 9, 17, 13, 12, 45)),
  # Cohen (1960), Table 1, as counts of 200; the 2 x 2 tables of
  # tests/unit/test_agreement.c (the second is kappa's paradox).
  list(3, c(88, 14, 18, 10, 40, 10, 2, 6, 12)),
  list(2, c(40, 9, 6, 45)), list(2, c(90, 5, 5, 0)),
  # Edges: perfect agreement on two of five categories; one category only;
  # one item (no interval); two items; no items; an upper bound cut at 1;
  # complete disagreement (AC1 = -1, SE 0); a near-perfect 5 x 5 table
  # whose upper bound is cut at 1.
  list(5, c(10, 0, 0, 0, 0, 0, 10, rep(0, 18))),
  list(5, c(10, rep(0, 24))),
  list(2, c(1, 0, 0, 0)), list(2, c(1, 0, 0, 1)), list(2, c(0, 0, 0, 0)),
  list(2, c(8, 1, 0, 1)), list(2, c(0, 10, 10, 0)),
  list(5, c(30, 1, 0, 0, 0, 0, 12, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4)),
  # Tables like a study's double coding (five outcomes, some unused).
  list(5, c(21, 2, 0, 1, 0, 1, 9, 0, 0, 0, 0, 1, 6, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 6)),
  list(5, c(120, 4, 1, 2, 3, 5, 40, 2, 0, 1, 0, 3, 60, 1, 0, 2, 0, 1, 8, 0, 1, 0, 0, 0, 150)),
  # Large counts.
  list(2, c(1e7, 12345678, 9876543, 1e7)))
set.seed(20261203)
for (i in 1:16) {
  k <- sample(2:6, 1)
  n <- sample(c(3, 12, 50, 300, 4000), 1)
  p <- runif(k * k) * (1 + 6 * as.numeric(diag(k)))
  tables[[length(tables) + 1]] <- list(k, as.numeric(rmultinom(1, n, prob = p)))
}
alphas <- rep(0.05, length(tables))
# Other levels: 90% and 99% intervals on some of the tables.
tables <- c(tables, tables[c(1, 2, 4, 14)])
alphas <- c(alphas, 0.10, 0.01, 0.10, 0.01)

fmt <- function(x) ifelse(is.na(x) | !is.finite(x), "NA", sprintf("%.15g", x))
lines <- paste(c("k", "alpha", "table", "n", "pa", "pe", "ac1", "ac1_se", "ac1_lo", "ac1_hi"),
               collapse = "\t")
for (i in seq_along(tables)) {
  k <- tables[[i]][[1]]
  cells <- tables[[i]][[2]]
  m <- matrix(cells, k, k, byrow = TRUE)
  r <- gwet.ac1.table(m, conflev = 1 - alphas[i])
  lines <- c(lines, paste(c(k, fmt(alphas[i]), paste(sprintf("%.0f", cells), collapse = ","),
                            sprintf("%.0f", r$n),
                            fmt(c(r$pa, r$pe, r$ac1, r$se, r$lo, r$hi))), collapse = "\t"))
}
writeLines(lines, out)
