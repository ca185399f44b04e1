# cluster.R: reference results for stats/cluster.c, the net rate of pairs
# pooled over test groups that share a control, with standard errors
# clustered by listing, computed with R's lm() and sandwich::vcovCL() on
# simulated pairs.
#
# Usage: Rscript tests/r/cluster.R [OUTDIR]   (default tests/fixtures)
# Writes OUTDIR/stats-cluster-data.tsv (one row per pair: data set,
# listing, control positive, test positive) and OUTDIR/stats-cluster.tsv
# (one row per data set, rate and alpha). tests/unit/test_cluster.c reads
# both; tests/e2e/0059-r-drift-cluster.sh reruns this script and compares.
#
# With d = pc - pt per pair:
# - the all-pairs rate (b - c)/N is the intercept of lm(d ~ 1);
# - the ILO rate (b - c)/(a + b + c) is the slope of lm(d ~ 0 + e) with
#   e = (pc | pt): through the origin with e binary the estimate is
#   sum(d e)/sum(e^2) = sum(d)/sum(e), as a pair with e = 0 has d = 0;
# - se: sqrt of vcovCL(fit, cluster = ~listing, type = "HC1"). Its factor
#   is G/(G-1) * (N-1)/(N-K) with K = 1 regressor, i.e. G/(G-1): the script
#   checks that the result equals the CR1 formula of stats/cluster.h,
#   sqrt(G/(G-1) * sum_g (sum_{i in g} u_i)^2) / sum(e),
#   u_i = d_i - est * e_i (Cameron & Miller 2015, eq. 11 with c = G/(G-1));
# - se_naive: the same with every pair its own cluster,
#   vcovCL(fit, cluster = ~pair, type = "HC1"), factor N/(N-1);
# - interval est -/+ qnorm(1 - alpha/2) se, z = est/se, p = 2 pnorm(-|z|).
# NA where undefined: the estimate when sum(e) = 0; se and what follows
# when there are fewer than 2 listings (G/(G-1) is infinite) or se = 0.
suppressPackageStartupMessages(library(sandwich))
args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args) >= 1) args[1] else "tests/fixtures"
RNGkind("Mersenne-Twister", "Inversion", "Rejection")
fmt <- function(v) ifelse(is.na(v), "NA", sprintf("%.15g", v))

# A listing-level propensity to answer makes the outcomes of one listing
# correlated, as in the field.
shared <- function(g, tests, pc_p, pt_p, spread) {
  u <- rnorm(g, 0, spread)
  rows <- NULL
  for (l in seq_len(g)) {
    pc <- rbinom(1, 1, plogis(qlogis(pc_p) + u[l]))
    for (t in seq_len(tests[l]))
      rows <- rbind(rows, c(1000 + 7 * l, pc, rbinom(1, 1, plogis(qlogis(pt_p) + u[l]))))
  }
  data.frame(listing = rows[, 1], pc = rows[, 2], pt = rows[, 3])
}

set.seed(20261203)
sets <- list(
  # Two test groups per listing share one control (the issue's design).
  shared2 = shared(300, rep(2, 300), 0.55, 0.35, 1.5),
  # One test group: every listing its own pair, se = se_naive.
  single = shared(120, rep(1, 120), 0.5, 0.4, 1),
  # One to three test groups per listing.
  mixed = shared(80, sample(1:3, 80, replace = TRUE), 0.4, 0.3, 1),
  small = data.frame(listing = c(5, 5, 9, 9, 12, 12), pc = c(1, 1, 0, 0, 1, 1),
                     pt = c(0, 1, 1, 0, 0, 0)),
  # One listing: the clustered se is undefined.
  onecluster = data.frame(listing = c(3, 3, 3), pc = c(1, 1, 0), pt = c(0, 1, 1)),
  # Nobody positive: the ILO rate is undefined, the all-pairs rate is 0
  # with se 0.
  nopositive = data.frame(listing = c(1, 1, 2, 3, 3), pc = 0, pt = 0),
  # Every positive pair favours the control: ILO rate 1 with se 0.
  oneway = data.frame(listing = c(1, 2, 2, 3), pc = c(1, 1, 1, 0), pt = c(0, 0, 0, 0))
)

one <- function(d, ilo, alpha) {
  d$d <- d$pc - d$pt
  d$e <- if (ilo) as.numeric(d$pc | d$pt) else 1
  d$pair <- seq_len(nrow(d))
  G <- length(unique(d$listing))
  r <- rep(NA, 7)
  if (sum(d$e) == 0) return(c(r, nrow(d), G))
  fit <- if (ilo) lm(d ~ 0 + e, data = d) else lm(d ~ 1, data = d)
  # The estimate is written as sum(d)/sum(e), which lm's QR solution
  # equals up to rounding (checked), so that an estimate of 0 is written
  # as 0 and not as lm's -6e-17.
  est <- sum(d$d) / sum(d$e)
  stopifnot(isTRUE(all.equal(unname(coef(fit)[1]), est, tolerance = 1e-14)))
  r[1] <- est
  if (G >= 2) {
    # A perfect fit (every residual 0) makes summary.lm warn inside vcovCL;
    # the variance is then 0, which is the answer.
    se <- sqrt(suppressWarnings(vcovCL(fit, cluster = ~listing, type = "HC1"))[1, 1])
    naive <- sqrt(suppressWarnings(vcovCL(fit, cluster = ~pair, type = "HC1"))[1, 1])
    u <- d$d - est * d$e
    cr1 <- sqrt(G / (G - 1) * sum(tapply(u, d$listing, sum)^2)) / sum(d$e)
    stopifnot(isTRUE(all.equal(se, cr1, tolerance = 1e-12)))
    if (se > 0) {
      q <- qnorm(1 - alpha / 2)
      r[2:7] <- c(se, naive, est - q * se, est + q * se, est / se, 2 * pnorm(-abs(est / se)))
    }
  }
  c(r, nrow(d), G)
}

data_lines <- "dataset\tlisting\tpc\tpt"
res_lines <- paste(c("dataset", "ilo", "alpha", "est", "se", "se_naive", "lo", "hi", "z", "p",
                     "pairs", "clusters"), collapse = "\t")
for (name in names(sets)) {
  d <- sets[[name]]
  data_lines <- c(data_lines, sprintf("%s\t%.0f\t%.0f\t%.0f", name, d$listing, d$pc, d$pt))
  for (ilo in c(1, 0)) for (alpha in c(0.05, 0.1)) {
    r <- one(d, ilo, alpha)
    res_lines <- c(res_lines, paste(c(name, ilo, fmt(alpha), fmt(r[1:7]), r[8], r[9]), collapse = "\t"))
  }
}
writeLines(data_lines, file.path(outdir, "stats-cluster-data.tsv"))
writeLines(res_lines, file.path(outdir, "stats-cluster.tsv"))
