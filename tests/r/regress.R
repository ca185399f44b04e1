# regress.R: reference results for stats/regress.c (linear probability model
# with listing fixed effects and listing-clustered standard errors, and the
# conditional logit), computed with R's own lm(), sandwich::vcovCL() and
# survival::clogit(), on deterministic simulated correspondence tests.
#
# Usage: Rscript tests/r/regress.R [OUTDIR]   (default tests/fixtures)
# Writes OUTDIR/stats-regress-data.tsv (one row per application) and
# OUTDIR/stats-regress-results.tsv (one row per model and term).
# tests/unit/test_regress.c reads both; tests/e2e/0055-r-drift-regress.sh
# reruns this script and compares its output with the committed files.
#
# Conventions, shared with stats/regress.h:
# - regressors: one indicator per test group (reference: group 0, the
#   control), one per send position > 1 (reference: position 1), one per
#   message variant > 1 (reference: variant 1), named "group:L",
#   "position:L", "variant:L";
# - model "lpm": lm(y ~ regressors + factor(listing)) with
#   vcovCL(fit, cluster = ~listing, type = "HC1"): the small-sample factor
#   G/(G-1) * (N-1)/(N-K) counts the G fixed-effect columns in K (the
#   LSDV convention, as Stata's areg);
# - model "lpm_nested": the same fit with the factor G/(G-1) * (N-1)/(N-k),
#   k counting the slope regressors only (fixed effects nested in the
#   clusters are not counted: Stata's xtreg, fe convention); obtained as
#   vcovCL(type = "HC0"), which applies G/(G-1) alone, times (N-1)/(N-k);
# - both LPM variants: t = estimate/se, p = 2 * pt(-|t|, G - 1);
# - model "clogit": survival::clogit(y ~ regressors + strata(listing)),
#   method "exact" (the exact conditional likelihood), z = estimate/se,
#   p = 2 * pnorm(-|z|); rows "_loglik_null" and "_loglik" carry the
#   log-likelihood at beta = 0 and at the estimate in the estimate column.
suppressPackageStartupMessages({
	library(survival)
	library(sandwich)
})

args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args) >= 1) args[1] else "tests/fixtures"

RNGkind("Mersenne-Twister", "Inversion", "Rejection")

# One simulated study: n_listings listings; n_triple of them hold three
# candidates (groups 0, 1, 2), n_single one candidate (the other side was
# excluded), the rest a pair (control and a test group drawn from
# test_groups). Send positions are a random permutation within the listing;
# variants are drawn without replacement from 1..3. The outcome follows a
# logistic model with a listing effect, a group penalty, a first-mover
# advantage and variant effects.
simulate <- function(name, seed, n_listings, n_triple, n_single, test_groups) {
	set.seed(seed)
	rows <- list()
	for (l in seq_len(n_listings)) {
		if (l <= n_triple) {
			groups <- c(0, 1, 2)
		} else if (l <= n_triple + n_single) {
			groups <- sample(c(0, test_groups), 1)
		} else {
			groups <- c(0, if (length(test_groups) == 1) test_groups else sample(test_groups, 1))
		}
		m <- length(groups)
		position <- sample(m)
		variant <- sample(3, m)
		alpha <- rnorm(1, -0.3, 1.3)
		eta <- alpha - 0.8 * (groups == 1) - 0.4 * (groups == 2) +
			0.5 * (position == 1) + c(0, 0.3, -0.2)[variant]
		y <- as.integer(runif(m) < plogis(eta))
		rows[[l]] <- data.frame(dataset = name, listing = 1000 + 7 * l, y = y,
					group = groups, position = position, variant = variant)
	}
	do.call(rbind, rows)
}

data <- rbind(
	simulate("pairs", 20261201, 200, 0, 0, 1),
	simulate("mixed", 20261202, 220, 60, 12, c(1, 2))
)

# The regressors of stats/regress.c's design builder: indicators of the
# levels present, except the reference level.
design <- function(d, covariates) {
	x <- list()
	for (g in sort(unique(d$group[d$group != 0])))
		x[[paste0("group:", g)]] <- as.numeric(d$group == g)
	if (grepl("position", covariates))
		for (p in sort(unique(d$position))[-1])
			x[[paste0("position:", p)]] <- as.numeric(d$position == p)
	if (grepl("variant", covariates))
		for (v in sort(unique(d$variant))[-1])
			x[[paste0("variant:", v)]] <- as.numeric(d$variant == v)
	as.data.frame(x, check.names = FALSE)
}

fmt <- function(v) ifelse(is.na(v), "NA", sprintf("%.10g", v))
out <- data.frame()
emit <- function(dataset, model, covariates, term, est, se = NA, stat = NA, p = NA) {
	out <<- rbind(out, data.frame(dataset = dataset, model = model, covariates = covariates,
				      term = term, estimate = fmt(est), se = fmt(se),
				      stat = fmt(stat), p = fmt(p)))
}

for (ds in unique(data$dataset)) {
	d <- data[data$dataset == ds, ]
	for (covariates in c("none", "position", "position+variant")) {
		x <- design(d, covariates)
		terms <- names(x)
		# Backquoted names: "group:1" is not a syntactic name.
		rhs <- paste(sprintf("`%s`", terms), collapse = " + ")
		df <- cbind(d[, c("listing", "y")], x)
		df$listing <- factor(df$listing)

		fit <- lm(as.formula(paste("y ~", rhs, "+ listing")), data = df)
		n <- nrow(df)
		G <- nlevels(df$listing)
		k <- length(terms)
		beta <- coef(fit)[sprintf("`%s`", terms)]
		if (any(is.na(beta))) stop("aliased regressor in ", ds, " ", covariates)
		v1 <- vcovCL(fit, cluster = ~listing, type = "HC1")
		v0 <- vcovCL(fit, cluster = ~listing, type = "HC0")
		idx <- sprintf("`%s`", terms)
		K <- fit$rank
		emit(ds, "lpm", covariates, "_n", n)
		emit(ds, "lpm", covariates, "_g", G)
		emit(ds, "lpm", covariates, "_factor", G / (G - 1) * (n - 1) / (n - K))
		emit(ds, "lpm_nested", covariates, "_factor", G / (G - 1) * (n - 1) / (n - k))
		for (model in c("lpm", "lpm_nested")) {
			v <- if (model == "lpm") v1[idx, idx, drop = FALSE] else
				v0[idx, idx, drop = FALSE] * (n - 1) / (n - k)
			se <- sqrt(diag(v))
			t <- beta / se
			for (j in seq_along(terms))
				emit(ds, model, covariates, terms[j], beta[j], se[j], t[j],
				     2 * pt(-abs(t[j]), G - 1))
		}
		# The covariance of the first two coefficients, to check the
		# off-diagonal of the sandwich too.
		if (k >= 2) {
			emit(ds, "lpm", covariates, "_cov12", v1[idx[1], idx[2]])
			emit(ds, "lpm_nested", covariates, "_cov12",
			     v0[idx[1], idx[2]] * (n - 1) / (n - k))
		}

		cf <- clogit(as.formula(paste("y ~", rhs, "+ strata(listing)")), data = df,
			     method = "exact", control = coxph.control(eps = 1e-12, toler.chol = 1e-14, iter.max = 100))
		b <- coef(cf)
		se <- sqrt(diag(vcov(cf)))
		z <- b / se
		emit(ds, "clogit", covariates, "_loglik_null", cf$loglik[1])
		emit(ds, "clogit", covariates, "_loglik", cf$loglik[2])
		for (j in seq_along(terms))
			emit(ds, "clogit", covariates, terms[j], b[j], se[j], z[j], 2 * pnorm(-abs(z[j])))
	}
}

write.table(data, file.path(outdir, "stats-regress-data.tsv"), sep = "\t", quote = FALSE,
	    row.names = FALSE)
write.table(out, file.path(outdir, "stats-regress-results.tsv"), sep = "\t", quote = FALSE,
	    row.names = FALSE)
