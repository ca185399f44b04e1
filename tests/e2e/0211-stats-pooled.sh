# stats: all test groups pooled when listings have two test candidates
# sharing one control (triads). Pairs of one listing are not independent:
# the pooled net rates carry standard errors clustered by listing, held to
# R's sandwich::vcovCL (HC1) on the same pairs; treating the pairs as
# independent gives a smaller standard error. The funnel and the response
# times of the same study are held to R too (binom.test, wilcox.test).
. "$E2E_DIR/lib.sh"
if ! command -v Rscript >/dev/null 2>&1; then
	echo "skip: Rscript not installed"
	exit 0
fi
new_study s --lang en
db=s/study.db

# 60 listings, each written by the Belgian, the Maghrebi and the Turkish
# woman; outcomes drawn with a fixed seed, so that a listing's answers go
# together (a landlord who answers nobody answers nobody), as they do in
# the field: that is what makes clustering matter.
python3 - <<'EOF'
import random
rnd = random.Random(20261203)
out = open("rows.sql", "w")
pairs = open("pairs.tsv", "w")
pairs.write("listing\tgroup\tcontrol\ttest\tcontrol_outcome\ttest_outcome\tcontrol_hours\ttest_hours\n")
for g in ("belgian", "maghrebi", "turkish"):
    out.write(f"""INSERT INTO persona (grp, gender, first_name, last_name, email, phone, profile, drawn_at)
      VALUES ((SELECT id FROM grp WHERE name = '{g}'), 'female', 'F', 'L', '{g}@corrtest.invalid',
              '+32 460 00 00 00', '{{}}', '2026-12-01T00:00:00Z');\n""")
app = 0
outcomes = ["invitation", "info", "refusal", "no_reply"]
for l in range(1, 61):
    out.write(f"INSERT INTO listing (id, ref, agent_type, added_at) VALUES ({l}, 'L{l}', 'agency', '2026-12-01T00:00:00Z');\n")
    keen = rnd.random()  # how readily this landlord answers anyone
    row = {}
    for pos, g in enumerate(("belgian", "maghrebi", "turkish"), 1):
        app += 1
        sent = "2026-12-07T09:00:00Z"
        out.write(f"""INSERT INTO application (id, listing, persona, variant, position, scheduled_at, status, sent_at)
          VALUES ({app}, {l}, (SELECT p.id FROM persona p JOIN grp g ON g.id = p.grp WHERE g.name = '{g}'),
                  1, NULL, '{sent}', 'sent', '{sent}');\n""")
        handicap = {"belgian": 0.0, "maghrebi": 0.25, "turkish": 0.1}[g]
        u = rnd.random()
        o = "invitation" if u < keen - handicap else ("info" if u < keen else rnd.choice(["refusal", "no_reply"]))
        minutes = rnd.randint(10, 6000)
        hours = None
        if o != "no_reply":
            out.write(f"""INSERT INTO response (application, channel, outcome, coder, coded_at, at)
              VALUES ({app}, 'email', '{o}', 'test', '2026-12-20T00:00:00Z',
                      strftime('%Y-%m-%dT%H:%M:%SZ', '{sent}', '+{minutes} minutes'));\n""")
            hours = minutes / 60
        row[g] = (o, hours)
    for g in ("maghrebi", "turkish"):
        co, ch = row["belgian"]; to, th = row[g]
        pairs.write(f"{l}\t{g}\t{1}\t{1}\t{co}\t{to}\t{'NA' if ch is None else ch}\t{'NA' if th is None else th}\n")
EOF
sqlite3 "$db" < rows.sql
expect_exit 0 ct -S s stats --json --outcome strict
cp out.txt strict.json

cat > check.R <<'EOF'
suppressMessages(library(sandwich))
p <- read.delim("pairs.tsv", stringsAsFactors = FALSE)
pos <- function(o) as.integer(o == "invitation")      # strict
pc <- pos(p$control_outcome); pt <- pos(p$test_outcome)
d <- pc - pt; e <- as.integer(pc | pt)
listing <- p$listing; one <- seq_along(d)
fit_all <- lm(d ~ 1)
fit_ilo <- lm(d ~ 0 + e)
se <- function(fit, cl) sqrt(diag(vcovCL(fit, cluster = cl, type = "HC1")))[1]
out <- c(net_all = unname(coef(fit_all)[1]),
         se_all = unname(se(fit_all, listing)),
         se_all_naive = unname(se(fit_all, one)),
         net_ilo = unname(coef(fit_ilo)[1]),
         se_ilo = unname(se(fit_ilo, listing)),
         se_ilo_naive = unname(se(fit_ilo, one)))
# The funnel of the Maghrebi group: McNemar exact p at each stage.
m <- p[p$group == "maghrebi", ]
stage <- function(f) { b <- sum(f(m$control_outcome) & !f(m$test_outcome)); c <- sum(!f(m$control_outcome) & f(m$test_outcome)); binom.test(b, b + c)$p.value }
out["funnel_any"] <- stage(function(o) o != "no_reply")
out["funnel_positive"] <- stage(function(o) o %in% c("invitation", "info"))
out["funnel_invitation"] <- stage(function(o) o == "invitation")
# Response times of the Maghrebi group: pairs where both replied.
both <- !is.na(m$control_hours) & !is.na(m$test_hours)
w <- suppressWarnings(wilcox.test(m$test_hours[both] - m$control_hours[both], conf.int = TRUE))
# The Hodges-Lehmann estimate: the median of the Walsh averages (exact);
# wilcox.test's normal-approximation "(pseudo)median" is a uniroot root
# that may lie anywhere in an interval of roots around it.
x <- m$test_hours[both] - m$control_hours[both]; wa <- outer(x, x, "+") / 2
out["hl"] <- median(wa[upper.tri(wa, diag = TRUE)]); out["hl_lo"] <- w$conf.int[1]; out["hl_hi"] <- w$conf.int[2]
out["signrank_p"] <- w$p.value; out["both"] <- sum(both)
# The report's headline row of all groups: the clustered Wald interval.
out["ilo_lo"] <- out["net_ilo"] - qnorm(0.975) * out["se_ilo"]
out["ilo_hi"] <- out["net_ilo"] + qnorm(0.975) * out["se_ilo"]
out["ilo_p"] <- 2 * pnorm(-abs(out["net_ilo"] / out["se_ilo"]))
write.table(data.frame(k = names(out), v = sprintf("%.15g", out)), "r.tsv", sep = "\t",
            quote = FALSE, row.names = FALSE, col.names = FALSE)
EOF
Rscript check.R >r.out 2>&1 || { cat r.out >&2; fail "check.R failed"; }

python3 - <<'EOF'
import json
r = {k: float(v) for k, v in (l.split("\t") for l in open("r.tsv").read().split("\n") if l)}
j = json.load(open("strict.json"))
c = j["all_clustered"]
def near(got, want, tol, what):
    assert got is not None and abs(got - want) <= tol * max(1.0, abs(want)), (what, got, want)
assert c["listings"] == 60 and c["pairs"] == 120, c
near(c["net_all"]["estimate"], r["net_all"], 1e-12, "net_all")
near(c["net_all"]["se"], r["se_all"], 1e-9, "se_all clustered")
near(c["net_all"]["se_naive"], r["se_all_naive"], 1e-9, "se_all naive")
near(c["net_ilo"]["estimate"], r["net_ilo"], 1e-12, "net_ilo")
near(c["net_ilo"]["se"], r["se_ilo"], 1e-9, "se_ilo clustered")
near(c["net_ilo"]["se_naive"], r["se_ilo_naive"], 1e-9, "se_ilo naive")
# Shared controls make the pairs of a listing move together: the
# clustered standard error is the larger.
assert c["net_all"]["se"] > c["net_all"]["se_naive"], c
funnel = {(f["group"], f["stage"]): f for f in j["funnel"]}
for k in ("any", "positive", "invitation"):
    key = {"any": "any_reply", "positive": "positive_reply", "invitation": "invitation"}[k]
    near(funnel[("maghrebi", key)]["mcnemar_exact_p"], r["funnel_" + k], 1e-9, "funnel " + k)
t = [x for x in j["response_times"] if x["group"] == "maghrebi"][0]
assert t["both_replied"] == int(r["both"]), t
# wilcox.test finds the interval with uniroot (tolerance about 1e-4) when
# it uses the normal approximation (50 pairs or more, or ties): held to
# 1e-3.
near(t["hodges_lehmann_hours"], r["hl"], 1e-9, "HL")
near(t["hodges_lehmann_ci"][0], r["hl_lo"], 1e-3, "HL lo")
near(t["hodges_lehmann_ci"][1], r["hl_hi"], 1e-3, "HL hi")
near(t["signed_rank_p"], r["signrank_p"], 1e-9, "signed-rank p")
print("ok")
EOF

# The report's summary gives all groups together the clustered interval
# and z-test (its pairs share their controls), not Newcombe's and the exact
# test, which assume independent pairs.
expect_exit 0 ct -S s report --lang en --out rep --outcome strict
python3 - <<'EOF'
import re
r = {k: float(v) for k, v in (l.split("\t") for l in open("r.tsv").read().split("\n") if l)}
html = open("rep/report.html").read()
want = ('<tr><th scope="row">All groups</th><td class="n">120</td><td class="n">%.1f%%</td>'
        '<td class="n">[%.1f, %.1f]</td><td class="n">%.3f (z)</td></tr>') % (
    100 * r["net_ilo"], 100 * r["ilo_lo"], 100 * r["ilo_hi"], r["ilo_p"])
assert want in html, (want, re.findall(r'<tr><th scope="row">All groups</th>.*?</tr>', html)[:1])
print("ok")
EOF

# A reason a fielder typed when skipping an application is free text that
# may name a landlord: the public report and its data block count the
# skipped pair but never show the text; the confidential report does.
sqlite3 "$db" "INSERT INTO listing (id, ref, agent_type, added_at) VALUES (61, 'L61', 'agency', '2026-12-01T00:00:00Z');
  INSERT INTO application (listing, persona, variant, scheduled_at, status, cancel_reason)
  SELECT 61, p.id, 1, '2026-12-07T09:00:00Z', 'cancelled', 'no contact: landlord Jan Peeters, jan@peeters.example'
  FROM persona p JOIN grp g ON g.id = p.grp WHERE g.name IN ('belgian', 'maghrebi')"
expect_exit 0 ct -S s report --lang en --out pub
expect_exit 0 ct -S s report --lang en --out conf --confidential
for f in pub/report.html pub/report.md; do
	grep -q 'Peeters' "$f" && fail "$f shows a fielder's free-text reason"
	grep -q '>excluded: an application cancelled' "$f" || grep -q 'excluded: an application cancelled' "$f" || fail "$f lacks the cancelled row"
done
grep -q 'Jan Peeters' conf/report-confidential.html || fail "the confidential report lacks the skip reasons"
