# agent.R: expected values for stats/agent.c, written to
# tests/fixtures/stats-agent.tsv.
# Run from the repository root:  Rscript tests/r/agent.R [OUT]
# Per agent: binom.test(b, b+c) (two-sided exact McNemar) and
# binom.test(b, b+c, alternative = "greater"); over the agents with
# b+c >= 1: p.adjust(., "holm") and p.adjust(., "BH"); flagged = Holm- (or
# BH-) adjusted p < alpha and b > c, the rule documented in stats/agent.h.
# One line per agent; "set" groups the agents analysed together.
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "tests/fixtures/stats-agent.tsv"
fmt <- function(v) ifelse(is.na(v), "NA", sprintf("%.15g", v))

sets <- list(
  list(b = c(9, 1, 0, 5, 12, 3), c = c(0, 1, 0, 5, 1, 9), l = c(12, 4, 3, 15, 20, 14)),
  list(b = c(3, 3, 3), c = c(3, 3, 3), l = c(6, 6, 6)),          # all p equal (1)
  list(b = c(0, 0), c = c(0, 0), l = c(2, 0)),                     # nobody tested
  list(b = c(1), c = c(0), l = c(1)),                              # b+c = 1
  list(b = c(6000000, 40, 2), c = c(4000000, 10, 2), l = c(10000000, 60, 9))
)
set.seed(20261122)
for (i in 1:4) {
  m <- 5 * i
  l <- 2 + rpois(m, 6)
  b <- rbinom(m, l, runif(m, 0.05, 0.6))
  c <- rbinom(m, l - b, runif(m, 0, 0.2))
  sets[[length(sets) + 1]] <- list(b = b, c = c, l = l)
}
alpha <- 0.05
lines <- paste(c("set", "b", "c", "listings", "tested", "p_exact", "p_greater", "p_holm",
                 "p_bh", "flag_holm", "flag_bh"), collapse = "\t")
for (s in seq_along(sets)) {
  b <- sets[[s]]$b; c <- sets[[s]]$c; l <- sets[[s]]$l
  m <- length(b); tested <- b + c > 0
  pe <- pg <- ph <- pb <- rep(NA_real_, m)
  for (i in which(tested)) {
    pe[i] <- binom.test(b[i], b[i] + c[i])$p.value
    pg[i] <- binom.test(b[i], b[i] + c[i], alternative = "greater")$p.value
  }
  if (any(tested)) {
    ph[tested] <- p.adjust(pe[tested], "holm")
    pb[tested] <- p.adjust(pe[tested], "BH")
  }
  fh <- tested & !is.na(ph) & ph < alpha & b > c
  fb <- tested & !is.na(pb) & pb < alpha & b > c
  for (i in seq_len(m))
    lines <- c(lines, paste(s, sprintf("%.0f", b[i]), sprintf("%.0f", c[i]), sprintf("%.0f", l[i]), as.integer(tested[i]), fmt(pe[i]), fmt(pg[i]),
                            fmt(ph[i]), fmt(pb[i]), as.integer(fh[i]), as.integer(fb[i]), sep = "\t"))
}
writeLines(lines, out)
