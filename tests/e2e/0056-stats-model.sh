# stats --model lpm|clogit agrees with R (lm + sandwich::vcovCL, and
# survival::clogit) fitted independently on the study's exported responses.
. "$E2E_DIR/lib.sh"
command -v Rscript >/dev/null || { echo "Rscript not installed: skipped (make deps installs it)"; exit 0; }
ct demo --dir d --listings 400 --net 0.2 --p-control 0.5 >/dev/null
ct -S d export responses --csv -o responses.csv
ct -S d stats --model lpm --json > lpm.json
ct -S d stats --model clogit --json > clogit.json
cat > ref.R <<'R'
suppressMessages({ library(sandwich); library(survival) })
d <- read.csv("responses.csv", stringsAsFactors = FALSE)
d$y <- as.integer(d$outcome == "invitation")
d$grp <- factor(d$group, levels = c("belgian", "maghrebi", "turkish", "african"))
d$pos <- factor(d$position)
d$var <- factor(d$variant)
fit <- lm(y ~ grp + pos + var + factor(listing_ref), data = d)
N <- nrow(d); G <- length(unique(d$listing_ref)); K <- 6
# CR1 with the fixed effects nested in the clusters: HC0 (with the G/(G-1)
# cluster adjustment) times (N-1)/(N-K), K counting the slopes only.
V <- vcovCL(fit, cluster = ~listing_ref, type = "HC0") * (N - 1) / (N - K)
terms <- c("grpmaghrebi", "grpturkish", "grpafrican", "pos2", "varv2", "varv3")
names <- c("grpmaghrebi", "grpturkish", "grpafrican", "pos2", "var2", "var3")
for (i in seq_along(names))
  cat("lpm", names[i], sprintf("%.12g", coef(fit)[names[i]]), sprintf("%.12g", sqrt(V[names[i], names[i]])), "\n")
cl <- clogit(y ~ grp + pos + var + strata(listing_ref), data = d, method = "exact")
s <- summary(cl)$coefficients
for (n in rownames(s))
  cat("clogit", n, sprintf("%.12g", s[n, "coef"]), sprintf("%.12g", s[n, "se(coef)"]), "\n")
R
Rscript ref.R > ref.txt
python3 - <<'PY'
import json
ref = {}
for line in open("ref.txt"):
    m, term, est, se = line.split()
    ref[(m, term)] = (float(est), float(se))
names = {"group:1": "grpmaghrebi", "group:2": "grpturkish", "group:3": "grpafrican",
         "position:2": "pos2", "variant:2": "var2", "variant:3": "var3"}
for model in ("lpm", "clogit"):
    out = json.load(open(model + ".json"))
    assert out["ok"] and out["covariates"], out
    assert len(out["coefficients"]) == 6, out["coefficients"]
    for c in out["coefficients"]:
        est, se = ref[(model, names[c["term"]])]
        for got, want in ((c["estimate"], est), (c["se"], se)):
            assert abs(got - want) <= 1e-6 * max(abs(want), 1e-3), (model, c["term"], got, want)
print("agrees with R")
PY
# Without valid pairs the model is undefined, with a reason, not a crash.
new_study e
expect_exit 0 ct -S e stats --model lpm --json
python3 -c "import json; o = json.load(open('out.txt')); assert o['ok'] is False and o['note'], o"
expect_exit 2 ct -S d stats --model probit
expect_err "--model must be lpm or clogit"
