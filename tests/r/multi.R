# multi.R: expected values for stats/multi.c, written to
#   tests/fixtures/stats-padjust.tsv  (Holm and BH: R's p.adjust)
#   tests/fixtures/stats-cochran.tsv  (Cochran's Q)
# Run from the repository root:  Rscript tests/r/multi.R [PADJUST_OUT COCHRAN_OUT]
# Cochran's Q has no base-R function; it is computed here from Cochran
# (1950) Biometrika 37:256 in the form of Conover (1999) Practical
# Nonparametric Statistics, 3rd ed., 5.7:
#   Q = (k-1) (k sum C_j^2 - T^2) / (k T - sum R_i^2),  p from chi-square k-1 df,
# and checked here, for k = 2, against mcnemar.test(correct = FALSE).
args <- commandArgs(trailingOnly = TRUE)
out_p <- if (length(args) >= 1) args[1] else "tests/fixtures/stats-padjust.tsv"
out_q <- if (length(args) >= 2) args[2] else "tests/fixtures/stats-cochran.tsv"
fmt <- function(v) ifelse(is.na(v), "NA", sprintf("%.15g", v))

# p.adjust: one set per line; p-values, Holm and BH as comma-separated lists.
sets <- list(
  c(0.01, 0.02, 0.03, 0.04, 0.05),
  c(0.04, 0.01, 0.03, 0.02),                 # unsorted
  c(0.5),                                    # one test: unchanged
  c(0.03, 0.03, 0.03, 0.03),                 # all equal
  c(0, 1, 0.5, 0, 1),                        # the bounds
  c(0.001, 0.2, 0.2, 0.0101, 0.9, 0.0102, 0.049, 1e-12),
  c(1, 1, 1)
)
set.seed(20261122)
for (m in c(2, 7, 20, 100)) sets[[length(sets) + 1]] <- runif(m)^3
sets[[length(sets) + 1]] <- signif(runif(30), 2)  # many ties
lines <- paste(c("m", "p", "holm", "bh"), collapse = "\t")
for (p in sets) {
  lines <- c(lines, paste(length(p), paste(fmt(p), collapse = ","),
    paste(fmt(p.adjust(p, "holm")), collapse = ","),
    paste(fmt(p.adjust(p, "BH")), collapse = ","), sep = "\t"))
}
writeLines(lines, out_p)

cochran <- function(x) {
  k <- ncol(x); R <- rowSums(x); C <- colSums(x); T <- sum(x)
  den <- k * T - sum(R^2)
  if (k < 2 || den == 0) return(c(NA, NA))
  q <- (k - 1) * (k * sum(C^2) - T^2) / den
  c(q, pchisq(q, k - 1, lower.tail = FALSE))
}
mats <- list(
  # Small tables whose Q is easy to verify by hand, then edge cases:
  matrix(c(1,0, 1,0, 0,1, 1,1, 0,0), ncol = 2, byrow = TRUE),   # b=2, c=1: Q = 1/3
  matrix(c(1,1,0, 1,0,0, 1,1,1, 0,0,0, 1,0,1), ncol = 3, byrow = TRUE),
  matrix(c(0,0, 1,1, 0,0), ncol = 2, byrow = TRUE),             # no discordant: NA
  matrix(c(1,0,0,0), ncol = 4, byrow = TRUE)                    # one listing
)
for (i in 1:12) {
  k <- 2 + (i %% 4); n <- 5 + 7 * i
  pr <- runif(k, 0.1, 0.9)
  mats[[length(mats) + 1]] <- matrix(rbinom(n * k, 1, rep(pr, each = n)), ncol = k)
}
lines <- paste(c("n", "k", "x", "q", "p"), collapse = "\t")
for (x in mats) {
  r <- cochran(x)
  if (ncol(x) == 2 && !is.na(r[1])) {
    b <- sum(x[, 1] == 1 & x[, 2] == 0); cc <- sum(x[, 1] == 0 & x[, 2] == 1)
    t <- mcnemar.test(table(factor(x[, 1], 0:1), factor(x[, 2], 0:1)), correct = FALSE)
    stopifnot(abs(unname(t$statistic) - r[1]) < 1e-12 * max(1, r[1]),
              abs(t$p.value - r[2]) < 1e-12)
  }
  bits <- paste(apply(x, 1, paste, collapse = ""), collapse = ",")
  lines <- c(lines, paste(nrow(x), ncol(x), bits, fmt(r[1]), fmt(r[2]), sep = "\t"))
}
writeLines(lines, out_q)
