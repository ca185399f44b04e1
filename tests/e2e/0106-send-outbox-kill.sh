# send without --live (the outbox) killed with SIGKILL in the middle, on
# fresh copies of a study of 400 listings (800 due messages): after every
# kill, each file in the outbox's new/ is the message the study stores for
# its application (bytes, Message-ID, persona, template; parse_mail.py check),
# so that a mail client reading the outbox never sends a message the study
# does not know. Half the runs are killed the moment the first file shows up
# in new/ (the writer is then moving files in), half at a random moment.
# A rerun on each killed copy completes the outbox: one file per application,
# every one the stored message, the Message-IDs those of the study.
. "$E2E_DIR/lib.sh"
PM="$E2E_DIR/parse_mail.py"
export CORRTEST_NOW=2026-11-22T12:00:00Z
new_study s
sed -i 's/^daily_quota = .*/daily_quota = 100000/' s/study.ini
ct -S s personas >/dev/null
python3 - <<'PY'
with open("l.csv", "w", encoding="utf-8") as f:
    f.write("ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title\n")
    for i in range(1, 401):
        f.write(f"K{i:04d},https://example.org/{i},owner{i}@example.org,Owner {i},private,,"
                f"Gentbrugge,{700 + i},1,2026-11-20,Appartement {i}\n")
PY
ct -S s listings import l.csv >/dev/null
ct -S s assign >/dev/null
# Every application is due by then.
export CORRTEST_NOW=2027-06-01T12:00:00Z

python3 - "$CORRTEST" "$PM" <<'PY' || fail "the outbox and the study disagree (see above)"
import os, random, shutil, signal, subprocess, sys, time
ct, pm = sys.argv[1], sys.argv[2]
rng = random.Random()

def check(study, what):
    if not os.path.isdir(study + "/ob/new"):
        return 0  # killed before the folders were made
    p = subprocess.run([sys.executable, pm, "check", study, study + "/ob"],
                       capture_output=True, text=True)
    if p.returncode != 0 or not p.stdout.startswith("ok"):
        sys.exit("%s: %s%s" % (what, p.stdout, p.stderr))
    return int(p.stdout.split()[1])

# How long one whole run takes here, to spread the random kills over it.
shutil.copytree("s", "t0")
t = time.perf_counter()
subprocess.run([ct, "-S", "t0", "send", "--outbox", "t0/ob"], check=True, stdout=subprocess.DEVNULL)
whole = time.perf_counter() - t
if check("t0", "a whole run") != 800:
    sys.exit("a whole run did not write 800 messages")

caught = 0
for k in range(1, 13):
    d = "k%d" % k
    shutil.copytree("s", d)
    p = subprocess.Popen([ct, "-S", d, "send", "--outbox", d + "/ob"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if k % 2:
        # The moment the first message file appears in new/.
        new = d + "/ob/new"
        while p.poll() is None:
            try:
                if any(True for _ in os.scandir(new)):
                    break
            except FileNotFoundError:
                pass
    else:
        time.sleep(rng.uniform(0, whole))
    killed = p.poll() is None
    if killed:
        p.send_signal(signal.SIGKILL)
    p.wait()
    n = check(d, "after kill %d" % k)
    if killed and 0 < n < 800:
        caught += 1
    print("run %d: %s, %d files in new/ that the study stores" %
          (k, "killed" if killed else "finished first", n))
    # The rerun completes the outbox with the stored messages.
    subprocess.run([ct, "-S", d, "send", "--outbox", d + "/ob"], check=True,
                   stdout=subprocess.DEVNULL)
    if check(d, "rerun after kill %d" % k) != 800:
        sys.exit("the rerun after kill %d did not complete the outbox" % k)
    shutil.rmtree(d)
print("%d runs killed while files were in new/" % caught)
# Otherwise no kill fell while the files were moving, and the test showed nothing.
if not caught:
    sys.exit("no run was killed while files were moving into new/")
PY
