# strata.R: expected values for stats/strata.c, written to
# tests/fixtures/stats-strata.tsv.
# Run from the repository root:  Rscript tests/r/strata.R [OUT]
# The test that b/(b+c) is equal across strata is Pearson's chi-square
# test of homogeneity of the S x 2 table (b_i, c_i):
#   chisq.test(cbind(b, c), correct = FALSE)
# after leaving out the strata with b_i + c_i = 0 (R cannot use them: their
# expected counts are 0). The pooled Mantel-Haenszel conditional odds ratio
# of a pair-matched design is sum(b) / sum(c).
# Columns: b and c as comma-separated lists, then chi2, df, p, or_mh,
# informative strata, dropped strata.
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "tests/fixtures/stats-strata.tsv"
fmt <- function(v) ifelse(is.na(v), "NA", sprintf("%.15g", v))

one <- function(b, c) {
  keep <- b + c > 0
  chi <- df <- p <- NA
  if (sum(keep) >= 2 && sum(b) > 0 && sum(c) > 0) {
    t <- suppressWarnings(chisq.test(cbind(b[keep], c[keep]), correct = FALSE))
    chi <- unname(t$statistic); df <- unname(t$parameter); p <- t$p.value
  }
  or <- if (sum(c) > 0) sum(b) / sum(c) else NA
  c(chi, df, p, or, sum(keep), sum(!keep))
}

cases <- list(
  list(c(20, 10), c(5, 10)),              # two strata
  list(c(12, 30, 7), c(4, 9, 8)),
  list(c(5, 0, 8), c(3, 0, 2)),           # one empty stratum dropped
  list(c(5), c(3)),                       # one stratum: undefined
  list(c(0, 0), c(0, 0)),                 # nothing discordant
  list(integer(0), integer(0)),           # no strata
  list(c(4, 6, 2), c(0, 0, 0)),           # all one way
  list(c(0, 0, 0), c(1, 5, 2)),
  list(c(3, 3, 3), c(3, 3, 3)),           # identical shares: chi2 = 0
  list(c(1, 0), c(0, 1)),
  list(c(6000000, 4000000), c(4000000, 5000000))  # counts of 10^7
)
set.seed(20261122)
for (i in 1:12) {
  s <- 2 + (i %% 6)
  n <- rpois(s, 15 + 5 * i)
  cases[[length(cases) + 1]] <- (function(n) { b <- rbinom(length(n), n, runif(1, 0.3, 0.8)); list(b, n - b) })(n)
}
lines <- paste(c("b", "c", "chi2", "df", "p", "or_mh", "informative", "dropped"), collapse = "\t")
for (k in cases) {
  r <- one(k[[1]], k[[2]])
  lines <- c(lines, paste(paste(sprintf("%.0f", k[[1]]), collapse = ","),
                          paste(sprintf("%.0f", k[[2]]), collapse = ","),
                          paste(fmt(r), collapse = "\t"), sep = "\t"))
}
writeLines(lines, out)
