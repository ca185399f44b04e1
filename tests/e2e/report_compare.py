#!/usr/bin/env python3
"""report_compare.py: the comparisons of tests/e2e/0210-report.sh. Each
subcommand prints one "FAIL ..." line per failed check and exits 1 if any
failed, 0 otherwise.

  extract DIR STEM OUT.json   the JSON block of DIR/STEM.html
      (<script type="application/json" id="corrtest-data">) and the ```json
      fence that ends DIR/STEM.md: both must parse and be equal; writes it
  samelang A.json B.json      equal except "lang" and "generated_at"
  values EXPECTED.tsv BLOCK.json
      every line of report_check.R's output (path, value, relative
      tolerance; NA: the report must have null) against the block
  text LANG DIR TEMPLATES EXPECTED.tsv BLOCK.json
      the headline figures as the report writes them in LANG, formatted
      here from R's values with the fmt.* keys of TEMPLATES/LANG.txt, found
      in the tables of DIR/report.html and DIR/report.md
  absent DIR WORD...          none of the words occurs in any file of DIR
  present FILE WORD...        every word occurs in FILE
"""
import html
import json
import math
import os
import re
import sys

fails = []


def fail(msg):
    fails.append(msg)
    print("FAIL " + msg)


def done():
    sys.exit(1 if fails else 0)


# ---- The JSON block ----

def block_html(path):
    s = open(path, encoding="utf-8").read()
    m = re.findall(r'<script type="application/json" id="corrtest-data">(.*?)</script>', s, re.S)
    if len(m) != 1:
        fail("%s: %d JSON blocks, wanted 1" % (path, len(m)))
        return None
    return json.loads(m[0])


def block_md(path):
    s = open(path, encoding="utf-8").read()
    m = re.search(r"```json\n(.*)```\n?\Z", s, re.S)
    if not m:
        fail("%s: does not end with a ```json fence" % path)
        return None
    return json.loads(m.group(1))


def cmd_extract(d, stem, out):
    h, m = block_html(os.path.join(d, stem + ".html")), block_md(os.path.join(d, stem + ".md"))
    if h is not None and m is not None and h != m:
        fail("%s: the JSON block of the HTML and of the Markdown differ" % d)
    if h is not None:
        json.dump(h, open(out, "w"), indent=1, sort_keys=True)


def cmd_samelang(a, b):
    x, y = json.load(open(a)), json.load(open(b))
    for k in ("lang", "generated_at"):
        x.pop(k, None)
        y.pop(k, None)
    if x != y:
        diff = [k for k in set(x) | set(y) if x.get(k) != y.get(k)]
        fail("%s and %s differ beyond lang and generated_at: %s" % (a, b, sorted(diff)))


# ---- Paths ----

def resolve(j, path):
    """analysis/groups/group=maghrebi/net_ilo_ci/0: a map key, a list
    element chosen by its fields (k=v, several joined by &) or by index."""
    cur = j
    for seg in path.split("/"):
        if isinstance(cur, list):
            if "=" in seg:
                conds = [c.split("=", 1) for c in seg.split("&")]
                hit = [e for e in cur if isinstance(e, dict) and
                       all(str(e.get(k)) == v for k, v in conds)]
                if len(hit) != 1:
                    raise KeyError("%s: %d elements match %s" % (path, len(hit), seg))
                cur = hit[0]
            else:
                cur = cur[int(seg)]
        elif isinstance(cur, dict):
            if seg not in cur:
                raise KeyError("%s: no key %s" % (path, seg))
            cur = cur[seg]
        elif cur is None and seg in ("0", "1"):
            return None  # an interval written as null
        else:
            raise KeyError("%s: cannot go into %r at %s" % (path, cur, seg))
    return cur


def expected(tsv):
    rows = []
    for line in open(tsv):
        p, v, t = line.rstrip("\n").split("\t")
        rows.append((p, None if v == "NA" else float(v), float(t)))
    return rows


def cmd_values(tsv, blk):
    j = json.load(open(blk))
    n = 0
    for p, v, tol in expected(tsv):
        n += 1
        try:
            got = resolve(j, p)
        except (KeyError, IndexError) as e:
            fail("values: %s" % e)
            continue
        if v is None:
            if got is not None:
                fail("values: %s = %r, wanted null" % (p, got))
            continue
        if not isinstance(got, (int, float)) or isinstance(got, bool):
            fail("values: %s = %r, wanted %.12g" % (p, got, v))
            continue
        if tol == 0:
            ok = got == v
        else:
            ok = abs(got - v) <= tol * max(abs(v), 1e-300) or abs(got - v) <= 1e-15
        if not ok:
            fail("values: %s = %.15g, R gives %.15g (relative tolerance %g)" % (p, got, v, tol))
    print("values: %d checked, %d failed" % (n, len(fails)))


# ---- Text ----

def load_lang(templates, lang):
    t = {}
    path = os.path.join(templates, lang + ".txt")
    if not os.path.exists(path):
        fail("text %s: %s does not exist (no %s texts yet)" % (lang, path, lang))
        return None
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        k, v = line.split("=", 1)
        t[k.strip()] = v.strip()
    return t


class Fmt:
    def __init__(self, t, en):
        self.t = dict(en)
        self.t.update(t)
        self.dec = "," if self.t.get("fmt.decimal") == "," else "."
        th = self.t.get("fmt.thousands", ",")
        self.th = "\u202f" if th == "space" else th

    def sub(self, key, *a):
        s = self.t[key]
        for i, x in enumerate(a):
            s = s.replace("{%d}" % (i + 1), x)
        return s

    def num(self, v, d):
        s = "%.*f" % (d, v)
        if s.startswith("-") and set(s[1:]) <= set("0."):
            s = s[1:]
        return s.replace(".", self.dec)

    def int(self, v):
        s = str(abs(int(v)))
        if len(s) > 4:
            s = "{:,}".format(int(s)).replace(",", self.th)
        return ("-" if v < 0 else "") + s

    def pct(self, v):
        return self.t["fmt.na"] if v is None else self.sub("fmt.percent", self.num(100 * v, 1))

    def ci(self, lo, hi):
        if lo is None or hi is None:
            return self.t["fmt.na"]
        return self.sub("fmt.interval", self.num(100 * lo, 1), self.num(100 * hi, 1))

    def p(self, v):
        if v is None:
            return self.t["fmt.na"]
        return self.sub("fmt.p_below", self.num(0.001, 3)) if v < 0.001 else self.num(v, 3)

    def est_ci(self, a, b):
        return self.sub("fmt.est_ci", a, b)


def rows_html(path):
    s = open(path, encoding="utf-8").read()
    out = []
    for tr in re.findall(r"<tr>(.*?)</tr>", s, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        out.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return out


def rows_md(path):
    out = []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("| ") and line.endswith(" |"):
            cells = [re.sub(r"\\(.)", r"\1", c.strip()) for c in re.split(r"(?<!\\)\|", line[1:-1])]
            out.append(cells)
    return out


def cmd_text(lang, d, templates, tsv, blk):
    t = load_lang(templates, lang)
    if t is None:
        return
    en = load_lang(templates, "en") or {}
    f = Fmt(t, en)
    E = {p: v for p, v, _ in expected(tsv)}
    j = json.load(open(blk))
    label = {g["group"]: g["label"] for g in j["analysis"]["groups"]}
    label["all"] = f.t["group.all"]
    want = []  # (what, cells)

    def g_(path):
        return E.get(path)

    for g in ("maghrebi", "turkish", "all"):
        b = "analysis/all" if g == "all" else "analysis/groups/group=" + g
        # The headline table: group, pairs, net rate, interval, exact p.
        want.append(("headline " + g, [label[g], f.int(g_(b + "/n")), f.pct(g_(b + "/net_ilo")),
                                       f.ci(g_(b + "/net_ilo_ci/0"), g_(b + "/net_ilo_ci/1")),
                                       f.p(g_(b + "/mcnemar_exact_p"))]))
        for st in ("any_reply", "positive_reply", "invitation"):
            b = "analysis/funnel/group=%s&stage=%s" % (g, st)
            key = {"any_reply": "stage.any", "positive_reply": "stage.positive",
                   "invitation": "stage.invitation"}[st]
            want.append(("funnel %s %s" % (g, st),
                         [f.t[key], label[g], f.pct(g_(b + "/rate_control")), f.pct(g_(b + "/rate_test")),
                          f.est_ci(f.pct(g_(b + "/net_ilo")), f.ci(g_(b + "/net_ilo_ci/0"), g_(b + "/net_ilo_ci/1"))),
                          f.p(g_(b + "/mcnemar_exact_p"))]))
        for h in (24, 72):
            b = "analysis/within/group=%s&hours=%d" % (g, h)
            want.append(("within %s %d" % (g, h),
                         [f.sub("within.hours", str(h)), label[g], f.int(g_(b + "/n")),
                          f.pct(g_(b + "/rate_control")), f.pct(g_(b + "/rate_test")),
                          f.est_ci(f.pct(g_(b + "/diff")), f.ci(g_(b + "/diff_ci_newcombe/0"), g_(b + "/diff_ci_newcombe/1"))),
                          f.p(g_(b + "/mcnemar_exact_p"))]))
        b = "analysis/response_times/group=" + g
        hl, lo, hi, p = (g_(b + x) for x in ("/hodges_lehmann_hours", "/hodges_lehmann_ci/0",
                                             "/hodges_lehmann_ci/1", "/signed_rank_p"))
        want.append(("times " + g, [label[g], f.int(g_(b + "/both_replied")),
                                    f.num(g_(b + "/median_hours_control"), 1), f.num(g_(b + "/median_hours_test"), 1),
                                    f.est_ci(f.num(hl, 1), f.sub("fmt.interval", f.num(lo, 1), f.num(hi, 1))),
                                    f.p(p)]))
    # Flow.
    n = g_("analysis/all/n")
    want.append(("flow listings", [f.t["flow.listings"], f.int(g_("study/flow/listings"))]))
    want.append(("flow pairs formed", [f.t["flow.pairs"], f.int(n)]))
    want.append(("flow pairs analysed", [f.t["flow.analysed"], f.int(n)]))
    for x in ("withdrawn_listing", "bounced", "failed", "cancelled", "not_sent", "incomplete",
              "several_controls"):
        want.append(("flow excluded " + x, [f.sub("flow.excluded", f.t["excl." + x]), "0"]))
    # Splits of all groups together.
    own = {"female": "value.female", "male": "value.male", "agency": "value.agency",
           "private": "value.private", "new": "value.new", "tested before": "value.tested_before",
           "(unknown)": "value.unknown"}
    for p in E:
        m = re.match(r"analysis/splits/dimension=([^&]+)&stratum=([^&]+)&group=all/n$", p)
        if not m:
            continue
        b = p[:-2]
        st = m.group(2)
        want.append(("split %s %s" % (m.group(1), st),
                     [f.t[own[st]] if st in own else st, f.int(g_(b + "/n")), f.int(g_(b + "/b")), f.int(g_(b + "/c")),
                      f.est_ci(f.pct(g_(b + "/net_ilo")), f.ci(g_(b + "/net_ilo_ci/0"), g_(b + "/net_ilo_ci/1"))),
                      f.pct(g_(b + "/net_all")), f.p(g_(b + "/mcnemar_exact_p"))]))
    # Agents.
    ag = g_("analysis/agent_distribution/agents")
    for k in ("never", "sometimes", "always"):
        v = g_("analysis/agent_distribution/" + k)
        want.append(("agents " + k, [f.t["agents." + k], f.int(v), f.pct(v / ag if ag else None)]))
    # The earlier wave.
    b = "analysis/waves/0"
    w0 = j["analysis"]["waves"][0]
    want.append(("wave", [f.sub("waves.label", w0["name"], w0["created_at"][:10]), f.int(g_(b + "/pairs")),
                          f.est_ci(f.pct(g_(b + "/all/net_ilo")), f.ci(g_(b + "/all/net_ilo_ci/0"), g_(b + "/all/net_ilo_ci/1"))),
                          f.sub("cmp.diff", f.pct(g_(b + "/difference_ilo/diff")),
                                f.ci(g_(b + "/difference_ilo/diff_ci/0"), g_(b + "/difference_ilo/diff_ci/1")),
                                f.num(g_(b + "/difference_ilo/z"), 2),
                                f.sub("fmt.p_eq", f.num(g_(b + "/difference_ilo/p"), 3))),
                          f.sub("cmp.diff", f.pct(g_(b + "/difference_all/diff")),
                                f.ci(g_(b + "/difference_all/diff_ci/0"), g_(b + "/difference_all/diff_ci/1")),
                                f.num(g_(b + "/difference_all/z"), 2),
                                f.sub("fmt.p_eq", f.num(g_(b + "/difference_all/p"), 3)))]))
    for kind, rows in (("html", rows_html(os.path.join(d, "report.html"))),
                       ("md", rows_md(os.path.join(d, "report.md")))):
        for what, cells in want:
            if cells not in rows:
                near = [r for r in rows if r and r[0] == cells[0] and (len(r) < 2 or r[1] == cells[1])]
                fail("text %s %s: %s: no table row %r%s" % (lang, kind, what, cells,
                                                             (" (nearest %r)" % near[0]) if near else ""))
    print("text %s: %d rows checked in HTML and Markdown" % (lang, len(want)))


def cmd_absent(d, words):
    for name in sorted(os.listdir(d)):
        s = open(os.path.join(d, name), encoding="utf-8", errors="replace").read()
        for w in words:
            if w and w in s:
                fail("absent: %s contains %r" % (os.path.join(d, name), w))


def cmd_present(path, words):
    s = open(path, encoding="utf-8").read()
    for w in words:
        if w not in s:
            fail("present: %s lacks %r" % (path, w))


def main():
    a = sys.argv[1:]
    if a[0] == "extract":
        cmd_extract(*a[1:4])
    elif a[0] == "samelang":
        cmd_samelang(*a[1:3])
    elif a[0] == "values":
        cmd_values(*a[1:3])
    elif a[0] == "text":
        cmd_text(*a[1:6])
    elif a[0] == "absent":
        cmd_absent(a[1], [w.strip() for w in open(a[2]) if w.strip()])
    elif a[0] == "present":
        cmd_present(a[1], [w.strip() for w in open(a[2]) if w.strip()])
    done()


if __name__ == "__main__":
    main()
