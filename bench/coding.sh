#!/bin/sh
# bench/coding.sh [N]: decoding plus coding, replies per second, for
# 'corrtest code --classify' and for a Python email + re version of the
# same rules (same rule files, same negation-by-overlap and conflict
# logic, quotes cut at the first quote marker), side by side in one run.
# N copies (default 4000) of the hand-written fixtures in
# tests/fixtures/coding/. One core: both run single-threaded.
set -eu
N=${1:-4000}
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/bin/corrtest
[ -x "$BIN" ] || { echo "build first: make" >&2; exit 3; }
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
i=0; set -- "$TOP"/tests/fixtures/coding/*.eml
while [ $i -lt "$N" ]; do for f in "$@"; do cp "$f" "$W/m$i.eml"; i=$((i + 1)); done; done
ls "$W"/*.eml >"$W/list"
t0=$(date +%s.%N)
xargs "$BIN" code --classify --json <"$W/list" >"$W/c.json"
t1=$(date +%s.%N)
python3 - "$TOP/templates/coding" "$W/list" >"$W/p.txt" <<'PY'
import email, email.policy, re, sys
rules = []
for lang in ("nl", "fr", "en"):
    for no, line in enumerate(open(f"{sys.argv[1]}/rules-{lang}.txt", encoding="utf-8"), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        prio, code, rest = s.split(None, 2)
        m = re.match(r"/((?:\\.|[^/\\])*)/", rest)
        rules.append((int(prio), code.lstrip("!"), code.startswith("!"),
                      re.compile(m.group(1), re.I), f"{lang}:{no}"))
quote = re.compile(r"^(>|Op .*schreef|Le .*a écrit|On .*wrote|-----Original|Van:|De :|From:)", re.M)
def classify(text):
    spans = [(r, [m.span() for m in r[3].finditer(text)]) for r in rules]
    cancels = [(r, s) for r, s in spans if r[2] and s]
    best = {}
    for r, s in spans:
        if r[2] or not s:
            continue
        ok = any(not any(c[1] == r[1] or r[1].startswith(c[1] + ".")
                         for c, cs in cancels for (a, b) in cs if a < e and st < b)
                 for st, e in s)
        if ok:
            o = r[1].split(".")[0]
            if o not in best or r[0] < best[o][0]:
                best[o] = r
    return None if len(best) != 1 else next(iter(best.values()))[1]
n = 0
for path in open(sys.argv[2]).read().split():
    msg = email.message_from_binary_file(open(path, "rb"), policy=email.policy.default)
    part = msg.get_body(("plain", "html"))
    text = part.get_content() if part else ""
    m = quote.search(text)
    classify(text[:m.start()] if m else text)
    n += 1
print(n)
PY
t2=$(date +%s.%N)
awk -v n="$(wc -l <"$W/list")" -v c="$(echo "$t1 - $t0" | bc)" -v p="$(echo "$t2 - $t1" | bc)" 'BEGIN {
	printf "replies                 %d\n", n
	printf "corrtest code --classify %8.0f replies/s (%.2f s)\n", n / c, c
	printf "python email + re        %8.0f replies/s (%.2f s)\n", n / p, p
	printf "ratio                    %8.1f x\n", p / c }'
