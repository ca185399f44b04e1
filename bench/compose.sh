#!/bin/sh
# bench/compose.sh [BINARY] [N] [ROUNDS]: how long `corrtest compose --check` and
# `corrtest compose --outbox` take on a study of N listings (default 3000,
# so 2N messages), next to the floor the disk sets: the same number of
# files of the same sizes written by a Python loop with one sync at the
# end. Everything runs in one temporary folder, side by side, in one run.
# With BASELINE=/path/to/another/corrtest, that binary's compose --check
# and --outbox are timed in the same rounds (e.g. the build before a change).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$here")
BIN=$(realpath "${1:-$TOP/bin/corrtest}")
N=${2:-3000}
ROUNDS=${3:-5}
W=$(mktemp -d "${TMPDIR:-/tmp}/ct-bench-compose.XXXXXX")
trap 'rm -rf "$W"' EXIT
trap 'exit 1' INT TERM
cd "$W"
export CORRTEST_NOW=2026-11-22T12:00:00Z

# The study: N listings generated here, 20 agencies, assigned.
"$BIN" init s --seed 7 --start 2026-12-07 >/dev/null
sed -i -e 's/^daily_quota = .*/daily_quota = 100000/' s/study.ini
"$BIN" -S s personas >/dev/null
python3 - "$N" <<'PY'
import sys
n = int(sys.argv[1])
areas = ["Gent-Centrum", "Ledeberg", "Sint-Amandsberg", "Gentbrugge", "Mariakerke", "Wondelgem"]
with open("listings.csv", "w", encoding="utf-8") as f:
    f.write("ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title\n")
    for i in range(1, n + 1):
        agency = i % 20
        f.write(f"G{i:05d},https://immo.example/gent/{i},verhuur{agency}@immo{agency}.example,"
                f"Verhuur {agency},{'agency' if agency else 'private'},Immo {agency},"
                f"{areas[i % len(areas)]},{700 + i % 600},1,2026-11-{1 + i % 20:02d},"
                f"Appartement {i}\n")
PY
"$BIN" -S s listings import listings.csv >/dev/null
"$BIN" -S s assign >/dev/null
napps=$(sqlite3 s/study.db "SELECT count(*) FROM application WHERE status = 'planned'")

# One round: a fresh copy of the assigned study, then side by side
# compose --check, compose --outbox (composes, stores, writes every file),
# compose --outbox again into another folder (the stored messages, written
# again) and the disk's floor: the same files (same sizes) into a Maildir
# layout by a Python loop, each written, closed and renamed into new/, one
# sync at the end. Rounds are repeated because other processes' disk work
# makes single timings of file creation vary several-fold on a shared
# machine; the median of each column and of the per-round ratios is
# reported.
base=${BASELINE:+$(realpath "$BASELINE")}
python3 - "$BIN" "$ROUNDS" "$napps" "$base" <<'PY'
import os, shutil, statistics, subprocess, sys, time
bin_, rounds, napps, base = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

def timed(*args):
    t = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t

def floor(src, dst):
    data = [open(os.path.join(src, n), "rb").read() for n in sorted(os.listdir(src))]
    t = time.perf_counter()
    for d in ("", "/tmp", "/new", "/cur"):
        os.makedirs(dst + d, exist_ok=True)
    for i, b in enumerate(data):
        fd = os.open(f"{dst}/tmp/{i}.bench", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, b)
        os.close(fd)
        os.rename(f"{dst}/tmp/{i}.bench", f"{dst}/new/{i}.bench")
    os.sync()
    return time.perf_counter() - t

cols = {"check": [], "outbox": [], "again": [], "floor": [], "bcheck": [], "boutbox": []}
# Nothing is deleted before the end: ext4 searches longer for a free inode
# right after many files were deleted, which would slow down whatever
# creates files next. The floor goes first in every other round, so that
# neither side always meets the file system in the same state.
ref = None
for r in range(rounds):
    s, ob = f"r{r}", f"ob{r}"
    shutil.copytree("s", s)
    cols["check"].append(timed(bin_, "-S", s, "compose", "--check"))
    if r % 2 and ref:
        cols["floor"].append(floor(ref, f"floor{r}"))
    cols["outbox"].append(timed(bin_, "-S", s, "compose", "--outbox", ob))
    n = len(os.listdir(f"{ob}/new"))
    if n != napps:
        sys.exit(f"compose wrote {n} files for {napps} applications")
    ref = f"{ob}/new"
    if not (r % 2):
        cols["floor"].append(floor(ref, f"floor{r}"))
    cols["again"].append(timed(bin_, "-S", s, "compose", "--outbox", ob + "b"))
    size = sum(os.path.getsize(f"{ob}/new/{x}") for x in os.listdir(f"{ob}/new"))
    if base:
        shutil.copytree("s", "b" + s)
        cols["bcheck"].append(timed(base, "-S", "b" + s, "compose", "--check"))
        cols["boutbox"].append(timed(base, "-S", "b" + s, "compose", "--outbox", "b" + ob))

med = {k: statistics.median(v) for k, v in cols.items() if v}
print(f"compose on {napps // 2} listings: {napps} messages, {size / 1024:.0f} KiB; "
      f"{rounds} rounds, seconds: median, fastest, [every round]")
rows = [("compose --check", "check"),
        ("compose --outbox (compose, store, write)", "outbox"),
        ("compose --outbox again (stored messages)", "again"),
        ("disk floor: same files, Python, one sync", "floor")]
if base:
    rows += [("baseline: compose --check", "bcheck"),
             ("baseline: compose --outbox", "boutbox")]
for label, k in rows:
    print(f"  {label:44s} {med[k]:7.3f} {min(cols[k]):7.3f}   [{' '.join(f'{x:.3f}' for x in cols[k])}]")
ratios = [o / f for o, f in zip(cols["outbox"], cols["floor"]) if f > 0]
if ratios:
    print(f"  compose --outbox / disk floor, per round: median {statistics.median(ratios):.2f}x, "
          f"lowest {min(ratios):.2f}x [{' '.join(f'{x:.2f}' for x in ratios)}]")
if base:
    print(f"  baseline / this build, medians: compose --check {med['bcheck'] / med['check']:.1f}x, "
          f"compose --outbox {med['boutbox'] / med['outbox']:.1f}x")
PY
