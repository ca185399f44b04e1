#!/bin/sh
# bench/cv.sh [BINARY] [N] [ROUNDS]: what the CVs cost a job study's
# `compose --outbox`: N vacancies (default 500, so 2N messages) composed with
# their CVs (study.ini [cv] attach = yes: each message renders and attaches
# a PDF) and without (attach = no, the same study), next to the disk's floor
# for the same files (written by a Python loop, one sync). Also `corrtest
# cv APP --out F` for one CV, start-up included. All in one run, one
# temporary folder; the median of ROUNDS (default 3) rounds.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$here")
BIN=$(realpath "${1:-$TOP/bin/corrtest}")
N=${2:-500}
ROUNDS=${3:-3}
W=$(mktemp -d "${TMPDIR:-/tmp}/ct-bench-cv.XXXXXX")
trap 'rm -rf "$W"' EXIT
trap 'exit 1' INT TERM
cd "$W"
export CORRTEST_NOW=2026-11-22T12:00:00Z

"$BIN" init s --market job --lang nl --city Gent --seed 7 --start 2026-12-07 >/dev/null
sed -i -e 's/^daily_quota = .*/daily_quota = 100000/' -e 's/^agent_gap_days = .*/agent_gap_days = 0/' s/study.ini
"$BIN" -S s personas >/dev/null
python3 - "$N" <<'PY'
import sys
n = int(sys.argv[1])
isco = ["2411", "4110", "2221", "2512", "5223", "4321", "5131", "7411"]
with open("listings.csv", "w", encoding="utf-8") as f:
    f.write("ref,contact_email,agent_type,agent,area,title,isco,level\n")
    for i in range(1, n + 1):
        f.write(f"V{i:05d},jobs{i % 40}@employer{i % 40}.example,private,Employer {i % 40},"
                f"Gent,Vacature {i},{isco[i % len(isco)]},bachelor\n")
PY
"$BIN" -S s listings import listings.csv >/dev/null
"$BIN" -S s assign >/dev/null
python3 - "$BIN" "$ROUNDS" <<'PY'
import os, shutil, statistics, subprocess, sys, time
bin_, rounds = sys.argv[1], int(sys.argv[2])

def timed(*args):
    t = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t

def floor(src, dst):
    data = [open(os.path.join(src, n), "rb").read() for n in sorted(os.listdir(src))]
    t = time.perf_counter()
    os.makedirs(dst)
    for i, b in enumerate(data):
        with open(f"{dst}/{i}.eml", "wb") as f:
            f.write(b)
    os.sync()
    return time.perf_counter() - t

cols = {"cv": [], "nocv": [], "floor": [], "one": []}
for r in range(rounds):
    for mode in ("cv", "nocv") if r % 2 == 0 else ("nocv", "cv"):
        d = f"{mode}{r}"
        shutil.copytree("s", d)
        if mode == "nocv":
            ini = open(f"{d}/study.ini").read().replace("attach = yes", "attach = no")
            open(f"{d}/study.ini", "w").write(ini)
        cols[mode].append(timed(bin_, "-S", d, "compose", "--outbox", f"{d}/outbox"))
    cols["floor"].append(floor(f"cv{r}/outbox/new", f"floor{r}"))
    cols["one"].append(timed(bin_, "-S", f"cv{r}", "cv", "1", "--out", f"one{r}.pdf"))
n = len(os.listdir("cv0/outbox/new"))
size = sum(os.path.getsize(f"cv0/outbox/new/{x}") for x in os.listdir("cv0/outbox/new"))
med = {k: statistics.median(v) for k, v in cols.items()}
print(f"compose --outbox of {n} job applications ({size / 1024 / 1024:.1f} MiB with CVs), "
      f"{rounds} rounds, seconds: median, fastest, [every round]")
for label, k in (("with CVs (render + attach)", "cv"), ("without CVs (attach = no)", "nocv"),
                 ("disk floor: the same files, Python", "floor"),
                 ("corrtest cv APP --out F (one CV)", "one")):
    print(f"  {label:38s} {med[k]:7.3f} {min(cols[k]):7.3f}   [{' '.join(f'{x:.3f}' for x in cols[k])}]")
print(f"  per CV: {(med['cv'] - med['nocv']) / n * 1000:.1f} ms; with CVs / without: "
      f"{med['cv'] / med['nocv']:.1f}x; with CVs / disk floor: {med['cv'] / med['floor']:.1f}x")
PY
