#!/bin/sh
# bench/latency.sh [BINARY] [REPS]: how long every corrtest command that does
# not touch the network takes on a 3,000-listing study. Builds the study
# (generated listings, personas, import, assign, compose --outbox, simulate),
# then runs each command REPS times (default 5) and prints the median, the
# fastest and the slowest wall-clock time in milliseconds, flagging every
# command whose median is over its target: 1 s for compose --outbox (and
# send to the outbox, which does the same work), 0.5 s for compose --check,
# 100 ms for everything else (issue 8).
#
# Next to compose --outbox and send, the disk's floor: the same files
# written by a Python loop with one sync (no process start, no study), so
# that a slow disk shows as such. Nothing a run creates is deleted before
# the end (see the note in the loop).
#
# Commands that change the study run on a fresh copy of it each time (made
# before the clock starts), so every repetition does the same work. Nothing
# is contacted over the network: send runs without --live, decline with
# --dry-run. Not timed: send --live and fetch (network), link (needs fetched
# mail). LISTINGS=N changes the study's size. BASELINE=/path/to/corrtest
# runs another build alternately with this one on the same states and adds
# its median and the ratio.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$here")
BIN=${1:-$TOP/bin/corrtest}
REPS=${2:-5}
N=${LISTINGS:-3000}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
[ -x "$BIN" ] || { echo "latency.sh: no binary $BIN (run make)" >&2; exit 2; }
W=$(mktemp -d "${TMPDIR:-/tmp}/ct-latency.XXXXXX")
trap 'rm -rf "$W"' EXIT
trap 'exit 1' INT TERM
cd "$W"
# A fixed "now" before the study's start, so that the schedule and every
# command see the same calendar on any day the benchmark runs.
export CORRTEST_NOW=2027-02-15T10:00:00Z
ct() { "$BIN" "$@"; }

# The listings: N rows, a third from 60 agencies (about 17 listings each,
# so that stats --agents has agents tested many times), the rest from
# private landlords. Addresses under example.org and .invalid only. A
# linear congruential generator keeps the file the same with any awk.
awk -v n="$N" 'BEGIN {
	x = 12345
	split("Gent-Centrum Gentbrugge Ledeberg Sint-Amandsberg Mariakerke Drongen Wondelgem Oostakker Zwijnaarde Muide Rabot Dampoort", area, " ")
	print "ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title"
	for (i = 1; i <= n; i++) {
		x = (x * 1103515245 + 12345) % 2147483648; r = x / 2147483648
		x = (x * 1103515245 + 12345) % 2147483648; a = area[1 + int(x / 2147483648 * 12)]
		x = (x * 1103515245 + 12345) % 2147483648; price = 500 + 5 * int(x / 2147483648 * 200)
		x = (x * 1103515245 + 12345) % 2147483648; day = 1 + int(x / 2147483648 * 28)
		if (r < 0.34) {
			x = (x * 1103515245 + 12345) % 2147483648; g = 1 + int(x / 2147483648 * 60)
			printf "BENCH-%05d,https://listings.example.org/bench/%05d,verhuur@agency-%02d.invalid,Agency %02d,agency,Agency %02d,%s,%d,1,2027-02-%02d,Appartement\n", i, i, g, g, g, a, price, day
		} else {
			printf "BENCH-%05d,https://listings.example.org/bench/%05d,owner.%05d@example.org,Owner %05d,private,,%s,%d,1,2027-02-%02d,\n", i, i, i, i, a, price, day
		}
	}
}' >listings.csv

# The states every command starts from, built by the binary that is timed
# on them (with BASELINE, a second set built by the baseline, prefixed b-:
# an older corrtest cannot open a study a newer one has migrated).
build_states() {
	b=$1 p=$2
	"$b" init ${p}s --market housing --lang nl --city Gent --seed 20270301 --start 2027-03-01 >/dev/null
	sed -i 's/^daily_quota = .*/daily_quota = 400/' ${p}s/study.ini
	"$b" -S ${p}s personas >/dev/null
	cp -r ${p}s ${p}s-personas
	"$b" -S ${p}s listings import listings.csv >/dev/null
	cp -r ${p}s ${p}s-imported
	"$b" -S ${p}s assign >/dev/null
	cp -r ${p}s ${p}s-assigned
	"$b" -S ${p}s compose --outbox ${p}outbox >/dev/null
	cp -r ${p}s ${p}s-composed
	"$b" -S ${p}s simulate --assume-sent --p-control 0.55 --net 0.25 >/dev/null
	"$b" -S ${p}s export assignments --csv -o ${p}assignments.csv
	# A response log for 'import': the simulated outcomes again, as a
	# team would keep them in a spreadsheet (listing, group, gender,
	# outcome), the columns found by their names.
	"$b" -S ${p}s export responses --csv -o ${p}responses-export.csv
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i
			   print "listing,group,gender,outcome,channel"; next }
		{ print $c["listing_ref"] "," $c["group"] "," $c["gender"] "," $c["outcome"] ",manual" }' \
		${p}responses-export.csv >${p}responses.csv
}
echo "Building a study of $N listings ..." >&2
build_states "$BIN" ""
if [ -n "${BASELINE:-}" ]; then
	echo "... and the same with the baseline $BASELINE" >&2
	build_states "$BASELINE" b-
fi
ref=$(sed -n 2p listings.csv | cut -d, -f1)
grp=$(awk -F, -v r="$ref" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	$c["listing_ref"] == r { print $c["group"] ":" $c["gender"]; exit }' assignments.csv)

python3 - "$BIN" "$REPS" "$W" "$ref:$grp" "$N" <<'PY'
import os, shutil, statistics, subprocess, sys, time

bin_, reps, w, app, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
os.chdir(w)
FROM = {"final": "s", "personas": "s-personas", "imported": "s-imported",
        "assigned": "s-assigned", "composed": "s-composed"}

# (label, arguments after the binary, the study state it needs, whether it
# changes that state (then it runs on a fresh copy), target in ms)
C = []
def add(label, args, state="final", writes=False, target=100, env=None, group=None):
    C.append((label, args, state, writes, target, env, group))

add("help", ["help"], state=None)
add("names", ["names"], state=None)
add("names --check", ["names", "--check"], state=None)
add("init", ["init", "{new}", "--seed", "1", "--start", "2027-03-01"], state=None, writes=True)
add("personas (shows the drawn ones)", ["-S", "{s}", "personas"])
add("listings list", ["-S", "{s}", "listings", "list"])
add("listings list --json", ["-S", "{s}", "listings", "list", "--json"])
add("listings import (%d rows)" % n, ["-S", "{s}", "listings", "import", "listings.csv"], "personas", True)
add("assign (%d listings)" % n, ["-S", "{s}", "assign"], "imported", True)
add("assign --check", ["-S", "{s}", "assign", "--check"])
add("compose --check (planned)", ["-S", "{s}", "compose", "--check"], "assigned", target=500)
add("compose --preview 1 (planned)", ["-S", "{s}", "compose", "--preview", "1"], "assigned")
add("compose --preview 1 (stored)", ["-S", "{s}", "compose", "--preview", "1"])
add("compose --outbox (%d messages)" % (2 * n), ["-S", "{s}", "compose", "--outbox", "{new}"],
    "assigned", True, target=1000, group="outbox")
# send without --live writes what is due to the outbox, as compose --outbox
# --due does; with "now" after the last scheduled time, every message.
add("send (to the outbox, %d due)" % (2 * n), ["-S", "{s}", "send", "--outbox", "{new}"],
    "assigned", True, target=1000, env={"CORRTEST_NOW": "2027-06-01T12:00:00Z"}, group="outbox")
# The disk's floor for the two rows above: the same 6,000 files (the outbox
# compose wrote while the study was built), written by this Python process
# into a Maildir layout (open, write, close, rename from tmp/ into new/),
# one sync at the end, timed here without a process start. On a busy disk
# file creation alone takes seconds, and compose and send wait for it too.
def disk_floor(new):
    t0 = time.perf_counter()
    for d in ("", "/tmp", "/new", "/cur"):
        os.makedirs(new + d)
    for i, b in enumerate(FLOOR):
        fd = os.open("%s/tmp/%d.bench" % (new, i), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, b)
        os.close(fd)
        os.rename("%s/tmp/%d.bench" % (new, i), "%s/new/%d.bench" % (new, i))
    os.sync()
    return time.perf_counter() - t0
FLOOR = [open("outbox/new/" + f, "rb").read() for f in sorted(os.listdir("outbox/new"))]
add("disk floor: the same %d files, Python" % len(FLOOR), disk_floor, state=None, target=None,
    group="outbox")
add("simulate --assume-sent", ["-S", "{s}", "simulate", "--assume-sent", "--p-control", "0.55",
                               "--net", "0.25"], "composed", True)
add("export assignments --csv", ["-S", "{s}", "export", "assignments", "--csv"])
add("export responses --csv", ["-S", "{s}", "export", "responses", "--csv"])
add("log (one outcome)", ["-S", "{s}", "log", app, "--outcome", "invitation", "--channel", "phone"],
    writes=True)
add("import (%d-row response log)" % (2 * n), ["-S", "{s}", "import", "{p}responses.csv"],
    writes=True)
add("fetch --unlinked (none)", ["-S", "{s}", "fetch", "--unlinked"])
add("decline --dry-run (every invitation)", ["-S", "{s}", "decline", "--dry-run"])
add("stats", ["-S", "{s}", "stats"])
add("stats --json", ["-S", "{s}", "stats", "--json"])
add("stats --csv", ["-S", "{s}", "stats", "--csv"])
add("stats --outcome broad", ["-S", "{s}", "stats", "--outcome", "broad"])
add("stats --by agent_type,gender", ["-S", "{s}", "stats", "--by", "agent_type,gender"])
add("stats --by area", ["-S", "{s}", "stats", "--by", "area"])
add("stats --agents", ["-S", "{s}", "stats", "--agents"])
add("stats --model lpm", ["-S", "{s}", "stats", "--model", "lpm"])
add("stats --model clogit", ["-S", "{s}", "stats", "--model", "clogit"])
add("stats --table 40 60 12 88", ["stats", "--table", "40", "60", "12", "88"], state=None)
add("stats --unpaired 60 100 45 100", ["stats", "--unpaired", "60", "100", "45", "100"], state=None)
add("power (rates, concordance)", ["power", "--p-control", "0.6", "--p-test", "0.5",
                                   "--concordance", "0.7"], state=None)
add("power --n 800 --groups 3", ["power", "--pb", "0.2", "--pc", "0.1", "--n", "800",
                                 "--groups", "3"], state=None)
add("power --previous 120 80 30 270", ["power", "--previous", "120", "80", "30", "270"], state=None)

# With BASELINE, every repetition runs this build and then the baseline on
# fresh copies of the same state, so that both meet the machine in the
# same moment.
base = os.environ.get("BASELINE") or None
bins = [bin_] + ([base] if base else [])
rows, over, failed, kept = [], 0, 0, []
k = 0

def run_once(args, state, writes, env, b, times, fails):
    global k
    k += 1
    # The baseline runs on the states it built itself (prefix b-).
    pre = "b-" if base and b is base else ""
    s = pre + FROM[state] if state else None
    new = "new-%d" % k
    if s and writes:
        shutil.copytree(s, "run-%d" % k, symlinks=True)
        s = "run-%d" % k
    # Written data waits for the disk before the clock starts: compose
    # and send flush their file system once (syncfs), which would
    # otherwise also write out the copy just made.
    os.sync()
    if callable(args):
        times.append(args(new) * 1000)
    else:
        argv = [b] + [a.replace("{s}", s or "").replace("{new}", new).replace("{p}", pre)
                      for a in args]
        t0 = time.perf_counter()
        p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           env=dict(os.environ, **env) if env else None)
        times.append((time.perf_counter() - t0) * 1000)
        if p.returncode != 0:
            fails.append((b, p.returncode, p.stderr))
    # What a command created (a study, an outbox of 6,000 files) stays
    # until the end: ext4 searches longer for a free inode right after
    # many files were deleted, which would slow down whatever creates
    # files next (the next run of compose --outbox, send or the floor).
    kept.extend(("run-%d" % k, new))

# Rows of one group (compose --outbox, send and the floor) run in turn
# within each repetition, so that they meet the disk in the same moments.
blocks = []
for c in C:
    if blocks and c[6] and blocks[-1][0][6] == c[6]:
        blocks[-1].append(c)
    else:
        blocks.append([c])
for block in blocks:
    res = [({b: [] for b in (bins if not callable(c[1]) else [bin_])}, []) for c in block]
    for r in range(reps):
        # Each repetition starts with another row of the group: whatever
        # ran just before (and what it left for the disk to do) falls on
        # each row in turn.
        turn = list(zip(block, res))
        for (label, args, state, writes, target, env, group), (times, fails) in \
                turn[r % len(turn):] + turn[:r % len(turn)]:
            for b in times:
                run_once(args, state, writes, env, b, times[b], fails)
    for (label, args, state, writes, target, env, group), (times, fails) in zip(block, res):
        med = statistics.median(times[bin_])
        flag = ""
        if fails:
            who, rc, err = fails[-1]
            flag = "FAILED%s (exit %d: %s)" % (" (baseline)" if who is not bin_ else "", rc,
                                               err.decode(errors="replace").strip().splitlines()[-1][:60])
            failed += 1
        elif target is None:
            flag = "(no target: what the disk allows the two rows above)"
        elif med > target:
            flag = "OVER %d ms" % target
            over += 1
        bmed = statistics.median(times[base]) if base in times else None
        rows.append((label, med, min(times[bin_]), max(times[bin_]), bmed, flag))

print("corrtest latency, %d listings, %d runs each, wall clock in ms" % (n, reps))
print("binary %s; %d CPUs (%s)" % (bin_, os.cpu_count(), os.uname().release))
if base:
    print("baseline %s, run alternately with it" % base)
print()
wl = max(len(r[0]) for r in rows)
if base:
    print("%-*s  %8s  %8s  %8s  %9s  %6s  %s" % (wl, "command", "median", "min", "max",
                                              "baseline", "ratio", ""))
else:
    print("%-*s  %8s  %8s  %8s  %s" % (wl, "command", "median", "min", "max", ""))
for label, med, lo, hi, bmed, flag in rows:
    if base:
        b = ("%9.1f  %5.2fx" % (bmed, bmed / med)) if bmed is not None else "%9s  %6s" % ("", "")
        print("%-*s  %8.1f  %8.1f  %8.1f  %s  %s" % (wl, label, med, lo, hi, b, flag))
    else:
        print("%-*s  %8.1f  %8.1f  %8.1f  %s" % (wl, label, med, lo, hi, flag))
print()
print("%d commands; %d over target (100 ms; compose --check 500 ms; compose --outbox and send 1 s); %d failed"
      % (sum(1 for c in C if c[4] is not None), over, failed))
if base:
    print("ratio: the baseline's median / this build's median (above 1: this build is faster)")
PY
