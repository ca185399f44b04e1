# report_check.R: the expected figures of `corrtest report`
# (tests/e2e/0210-report.sh), computed from the input CSV files alone,
# never from corrtest's output.
#
#   Rscript report_check.R CUR_DIR PREV_DIR OUT.tsv [alpha]
#
# CUR_DIR and PREV_DIR hold listings.csv and responses.csv (written by
# tests/e2e/report_data.py) of the study reported and of its earlier
# wave. OUT.tsv gets one line per expected value:
#   path <TAB> value <TAB> tolerance
# path names a value of the report's JSON block (see report_compare.py),
# value is a number, or NA where the report must have null; tolerance is
# relative (0: must be equal).
#
# Formulas and sources:
# - Wilson score interval for a proportion: Wilson (1927), JASA 22:209;
#   Newcombe (1998a), Stat Med 17:857, method 3.
# - Difference of paired proportions: Newcombe (1998b), Stat Med 17:2635,
#   method 10 (square-and-add of the Wilson limits with the correlation
#   phi, its numerator moved towards 0 by N/2 when positive); Fagerland,
#   Lydersen & Laake (2017), Statistical Analysis of Contingency Tables,
#   section 8.6.5 (the "Newcombe square-and-add" interval). The net ILO
#   rate (b-c)/(a+b+c) is that difference on the table (a, b, c, 0).
# - McNemar exact p: the conditional binomial test, binom.test(b, b+c);
#   mid-p = 2 P(X <= min(b,c)) - P(X = min(b,c)), capped at 1 (Fagerland,
#   Lydersen & Laake 2013, BMC Med Res Methodol 13:91).
# - Net rates compared (METHOD.md, "More measures the reports need"):
#   d = (b-c)/n, Var = ((b+c)/n - d^2)/n; two strata: z = (d1-d2)/sqrt(V1+V2);
#   several: Cochran's Q = sum (d_k - dbar)^2/Var_k, dbar the
#   inverse-variance weighted mean, over the strata with n > 0 and Var > 0,
#   K-1 df.
# - Clustered SE: sandwich::vcovCL(..., type = "HC1") (Zeileis, Koell &
#   Graham 2020, J Stat Softw 95(1)).
suppressPackageStartupMessages(library(sandwich))
args <- commandArgs(TRUE)
cur_dir <- args[1]; prev_dir <- args[2]; out_file <- args[3]
alpha <- if (length(args) >= 4) as.numeric(args[4]) else 0.05
z <- qnorm(1 - alpha / 2)

rd <- function(d, f) read.csv(file.path(d, f), colClasses = "character", na.strings = character(0))

# ---- Pairs from the CSV files ----
norm_name <- function(x) tolower(gsub("[[:space:]]+", " ", trimws(x)))
agent_of <- function(l) ifelse(l$agent != "", norm_name(l$agent),
                        ifelse(l$contact_email != "", norm_name(l$contact_email), NA))
pairs_of <- function(dir) {
  l <- rd(dir, "listings.csv"); r <- rd(dir, "responses.csv")
  ctl <- r[r$group == "belgian", ]; tst <- r[r$group != "belgian", ]
  p <- merge(ctl, tst, by = "listing", suffixes = c(".c", ".t"))
  p <- merge(p, l, by.x = "listing", by.y = "ref")
  p$agent_norm <- agent_of(p)
  hours <- function(at, sent) ifelse(at == "", Inf,
    as.numeric(difftime(as.POSIXct(at, "UTC", format = "%Y-%m-%dT%H:%M:%SZ"),
                        as.POSIXct(sent, "UTC", format = "%Y-%m-%dT%H:%M:%SZ"), units = "secs")) / 3600)
  p$hc <- hours(p$at.c, p$sent_at.c); p$ht <- hours(p$at.t, p$sent_at.t)
  p$tgroup <- p$group.t; p$gender <- p$gender.t
  p[order(p$listing), ]
}
cur <- pairs_of(cur_dir); prev <- pairs_of(prev_dir)
positive <- function(o, stage) switch(stage,
  any_reply = o != "no_reply", positive_reply = o %in% c("invitation", "info"),
  invitation = o == "invitation")

out <- new.env(); out$lines <- character(0)
put <- function(path, v, tol = 1e-9) {
  s <- if (is.null(v) || length(v) == 0 || is.na(v) || !is.finite(v)) "NA" else sprintf("%.17g", v)
  out$lines <- c(out$lines, paste(path, s, tol, sep = "\t"))
}

# ---- The paired measures of one 2x2 table ----
wilson <- function(x, n) {
  if (n == 0) return(c(NA, NA))
  p <- x / n; c0 <- p + z^2 / (2 * n); s <- z * sqrt(p * (1 - p) / n + z^2 / (4 * n^2))
  c((c0 - s) / (1 + z^2 / n), (c0 + s) / (1 + z^2 / n))
}
newcombe10 <- function(a, b, c, d) {
  n <- a + b + c + d
  if (n == 0) return(c(NA, NA))
  p1 <- (a + b) / n; p2 <- (a + c) / n
  w1 <- wilson(a + b, n); w2 <- wilson(a + c, n)
  den <- (a + b) * (c + d) * (a + c) * (b + d)
  num <- a * d - b * c
  if (num > 0) num <- max(num - n / 2, 0)
  phi <- if (den > 0) num / sqrt(den) else 0
  dl <- (p1 - w1[1])^2 - 2 * phi * (p1 - w1[1]) * (w2[2] - p2) + (w2[2] - p2)^2
  du <- (w1[2] - p1)^2 - 2 * phi * (w1[2] - p1) * (p2 - w2[1]) + (p2 - w2[1])^2
  c(p1 - p2 - sqrt(max(dl, 0)), p1 - p2 + sqrt(max(du, 0)))
}
measures <- function(path, pc, pt, full = TRUE) {
  a <- sum(pc & pt); b <- sum(pc & !pt); c <- sum(!pc & pt); d <- sum(!pc & !pt); n <- a + b + c + d
  for (k in c("n", "a", "b", "c", "d")) put(paste0(path, "/", k), get(k), 0)
  m <- a + b + c
  put(paste0(path, "/net_ilo"), if (m > 0) (b - c) / m else NA)
  ci <- if (m > 0) newcombe10(a, b, c, 0) else c(NA, NA)
  put(paste0(path, "/net_ilo_ci/0"), ci[1]); put(paste0(path, "/net_ilo_ci/1"), ci[2])
  put(paste0(path, "/net_all"), if (n > 0) (b - c) / n else NA)
  put(paste0(path, "/mcnemar_exact_p"), if (b + c > 0) binom.test(b, b + c)$p.value else NA)
  if (!full) return(invisible(NULL))
  put(paste0(path, "/rate_control"), if (n > 0) (a + b) / n else NA)
  put(paste0(path, "/rate_test"), if (n > 0) (a + c) / n else NA)
  w <- wilson(a + b, n); put(paste0(path, "/rate_control_ci/0"), w[1]); put(paste0(path, "/rate_control_ci/1"), w[2])
  w <- wilson(a + c, n); put(paste0(path, "/rate_test_ci/0"), w[1]); put(paste0(path, "/rate_test_ci/1"), w[2])
  put(paste0(path, "/diff"), if (n > 0) (b - c) / n else NA)
  ci <- newcombe10(a, b, c, d)
  put(paste0(path, "/diff_ci_newcombe/0"), ci[1]); put(paste0(path, "/diff_ci_newcombe/1"), ci[2])
  put(paste0(path, "/gross_control"), if (m > 0) b / m else NA)
  put(paste0(path, "/gross_test"), if (m > 0) c / m else NA)
  k <- min(b, c)
  put(paste0(path, "/mcnemar_midp"),
      if (b + c > 0) min(1, 2 * pbinom(k, b + c, 0.5) - dbinom(k, b + c, 0.5)) else NA)
  if (b + c > 0) {
    mc <- mcnemar.test(matrix(c(a, c, b, d), 2), correct = FALSE)
    put(paste0(path, "/mcnemar_chi2"), unname(mc$statistic)); put(paste0(path, "/mcnemar_chi2_p"), mc$p.value)
  }
}

groups <- c("maghrebi", "turkish")
sel <- function(p, g) if (g == "all") p else p[p$tgroup == g, ]
strict <- function(p) list(pc = positive(p$outcome.c, "invitation"), pt = positive(p$outcome.t, "invitation"))

# ---- Groups, overall ----
for (g in c(groups, "all")) {
  p <- sel(cur, g); s <- strict(p)
  measures(if (g == "all") "analysis/all" else paste0("analysis/groups/group=", g), s$pc, s$pt)
}
# African: in the design, no pair.
put("analysis/groups/group=african/n", 0, 0)
put("analysis/groups/group=african/net_ilo", NA)

# ---- Flow ----
nl <- nrow(rd(cur_dir, "listings.csv"))
put("study/flow/listings", nl, 0)
put("analysis/excluded_total", 0, 0)
put("study/flow/applications", nrow(rd(cur_dir, "responses.csv")), 0)

# ---- Funnel ----
for (g in c(groups, "all")) for (st in c("any_reply", "positive_reply", "invitation")) {
  p <- sel(cur, g)
  measures(sprintf("analysis/funnel/group=%s&stage=%s", g, st), positive(p$outcome.c, st), positive(p$outcome.t, st))
}

# ---- Response times ----
for (g in c(groups, "all")) {
  p <- sel(cur, g); path <- sprintf("analysis/response_times/group=%s", g)
  put(paste0(path, "/timed_pairs"), nrow(p), 0)
  both <- is.finite(p$hc) & is.finite(p$ht)
  put(paste0(path, "/both_replied"), sum(both), 0)
  put(paste0(path, "/median_hours_control"), median(p$hc[both]))
  put(paste0(path, "/median_hours_test"), median(p$ht[both]))
  x <- p$ht[both] - p$hc[both]
  wt <- wilcox.test(x, conf.int = TRUE, conf.level = 1 - alpha)
  # Exact (< 50 differences, no ties or zeros: report_data.py makes none):
  # the estimate and bounds are order statistics of the Walsh averages,
  # exact quantities. Otherwise R finds them with uniroot (tol 1e-4 on the
  # hours scale): 1e-3 relative covers that.
  tol <- if (length(x) < 50) 1e-9 else 1e-3
  # The Hodges-Lehmann estimate itself: the median of the Walsh averages
  # (x_i + x_j)/2, i <= j (Hodges & Lehmann 1963), exact. With the normal
  # approximation wilcox.test's "(pseudo)median" is instead a root of the
  # corrected statistic found by uniroot, which may be any point of an
  # interval of roots around it: only the interval is held to that.
  w <- outer(x, x, "+") / 2
  put(paste0(path, "/hodges_lehmann_hours"), median(w[upper.tri(w, diag = TRUE)]))
  put(paste0(path, "/hodges_lehmann_ci/0"), wt$conf.int[1], tol)
  put(paste0(path, "/hodges_lehmann_ci/1"), wt$conf.int[2], tol)
  put(paste0(path, "/signed_rank_v"), unname(wt$statistic), 0)
  put(paste0(path, "/signed_rank_p"), wt$p.value)
  for (h in c(24, 72))
    measures(sprintf("analysis/within/group=%s&hours=%d", g, h), p$hc <= h, p$ht <= h)
}

# ---- Net rates compared ----
netdiff <- function(path, b1, c1, n1, b2, c2, n2) {
  d1 <- (b1 - c1) / n1; d2 <- (b2 - c2) / n2
  v1 <- ((b1 + c1) / n1 - d1^2) / n1; v2 <- ((b2 + c2) / n2 - d2^2) / n2
  se <- sqrt(v1 + v2); zz <- (d1 - d2) / se
  put(paste0(path, "/d1"), d1); put(paste0(path, "/d2"), d2); put(paste0(path, "/diff"), d1 - d2)
  put(paste0(path, "/se"), se); put(paste0(path, "/z"), zz); put(paste0(path, "/p"), 2 * pnorm(-abs(zz)))
  put(paste0(path, "/diff_ci/0"), d1 - d2 - z * se); put(paste0(path, "/diff_ci/1"), d1 - d2 + z * se)
}
het <- function(path, b, c, n) {
  ok <- n > 0
  d <- ifelse(ok, (b - c) / n, NA); v <- ifelse(ok, ((b + c) / n - d^2) / n, NA)
  use <- ok & !is.na(v) & v > 0
  put(paste0(path, "/informative"), sum(use), 0)
  if (sum(use) < 2) { put(paste0(path, "/chi2"), NA); return(invisible(NULL)) }
  w <- 1 / v[use]; dbar <- sum(w * d[use]) / sum(w)
  q <- sum((d[use] - dbar)^2 / v[use])
  put(paste0(path, "/mean"), dbar); put(paste0(path, "/chi2"), q)
  put(paste0(path, "/df"), sum(use) - 1, 0); put(paste0(path, "/p"), pchisq(q, sum(use) - 1, lower.tail = FALSE))
}

# ---- Splits, and "tested before" ----
prev_names <- unique(na.omit(agent_of(rd(prev_dir, "listings.csv"))))
cur$history <- ifelse(is.na(cur$agent_norm), "(unknown)",
                      ifelse(cur$agent_norm %in% prev_names, "tested before", "new"))
dims <- list(gender = "gender", agent_type = "agent_type", area = "area", round = "round",
             agent_history = "history")
for (dim in names(dims)) for (g in c(groups, "all")) {
  p <- sel(cur, g); s <- strict(p); v <- p[[dims[[dim]]]]
  strata <- sort(unique(cur[[dims[[dim]]]]), method = "radix")  # C strcmp order
  B <- C <- NI <- NA_ <- numeric(0)
  for (k in strata) {
    i <- v == k
    measures(sprintf("analysis/splits/dimension=%s&stratum=%s&group=%s", dim, k, g), s$pc[i], s$pt[i], FALSE)
    B <- c(B, sum(s$pc[i] & !s$pt[i])); C <- c(C, sum(!s$pc[i] & s$pt[i]))
    NI <- c(NI, sum(s$pc[i] | s$pt[i])); NA_ <- c(NA_, sum(i))
  }
  base <- sprintf("analysis/split_tests/dimension=%s&group=%s/net_rate_comparison", dim, g)
  het(paste0(base, "/heterogeneity_ilo"), B, C, NI)
  het(paste0(base, "/heterogeneity_all"), B, C, NA_)
  if (length(strata) == 2) {
    netdiff(paste0(base, "/difference_ilo"), B[1], C[1], NI[1], B[2], C[2], NI[2])
    netdiff(paste0(base, "/difference_all"), B[1], C[1], NA_[1], B[2], C[2], NA_[2])
  }
}

# ---- Agents ----
s <- strict(cur); k <- cur$agent_norm[!is.na(cur$agent_norm)]
fav <- tapply((s$pc & !s$pt)[!is.na(cur$agent_norm)], k, sum); tests <- table(k)[names(fav)]
many <- tests >= 2
put("analysis/agent_distribution/agents_keyed", length(fav), 0)
put("analysis/agent_distribution/agents", sum(many), 0)
put("analysis/agent_distribution/never", sum(many & fav == 0), 0)
put("analysis/agent_distribution/always", sum(many & fav == tests), 0)
put("analysis/agent_distribution/sometimes", sum(many & fav > 0 & fav < tests), 0)

# ---- The earlier wave ----
sp <- strict(prev)
put("analysis/waves/0/pairs", nrow(prev), 0)
measures("analysis/waves/0/all", sp$pc, sp$pt)
cnt <- function(pc, pt) c(a = sum(pc & pt), b = sum(pc & !pt), c = sum(!pc & pt), n = length(pc))
x <- cnt(s$pc, s$pt); y <- cnt(sp$pc, sp$pt)
netdiff("analysis/waves/0/difference_ilo", x["b"], x["c"], x["a"] + x["b"] + x["c"], y["b"], y["c"], y["a"] + y["b"] + y["c"])
netdiff("analysis/waves/0/difference_all", x["b"], x["c"], x["n"], y["b"], y["c"], y["n"])

# ---- The pooled row, clustered by listing ----
dd <- data.frame(d = as.numeric(s$pc) - as.numeric(s$pt), e = as.numeric(s$pc | s$pt),
                 listing = cur$listing, id = seq_len(nrow(cur)))
put("analysis/all_clustered/pairs", nrow(dd), 0)
put("analysis/all_clustered/listings", length(unique(dd$listing)), 0)
for (kind in c("net_all", "net_ilo")) {
  fit <- if (kind == "net_all") lm(d ~ 1, dd) else lm(d ~ 0 + e, dd)
  est <- unname(coef(fit)[1])
  se <- sqrt(vcovCL(fit, cluster = ~listing, type = "HC1")[1, 1])
  # Every pair its own cluster: what treating the pairs as independent gives.
  se0 <- sqrt(vcovCL(fit, cluster = ~id, type = "HC1")[1, 1])
  path <- paste0("analysis/all_clustered/", kind)
  put(paste0(path, "/estimate"), est); put(paste0(path, "/se"), se); put(paste0(path, "/se_naive"), se0)
  put(paste0(path, "/ci/0"), est - z * se); put(paste0(path, "/ci/1"), est + z * se)
  put(paste0(path, "/z"), est / se); put(paste0(path, "/p"), 2 * pnorm(-abs(est / se)))
}
writeLines(out$lines, out_file)
