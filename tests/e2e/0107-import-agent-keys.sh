# listings import keeps the agent keys it has computed (an agency's name
# comes back on many rows) and starts over after 4,096 of them: across a file
# of 6,000 listings, 4,800 with a contact of their own and 1,200 from 40
# agencies whose names come back typed in other ways (case, spaces) before
# and after the 4,096th key, every listing's key is the one computed here in
# Python (HMAC-SHA-256 with the study's secret over the NFKC of the
# case-folded NFKC name, spaces folded), and each agency has one key.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-12-01T09:00:00Z
new_study s
python3 - <<'PY'
with open("l.csv", "w", encoding="utf-8") as f:
    f.write("ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title\n")
    for i in range(1, 6001):
        if i % 5 == 0:
            g = (i // 5) % 40
            name = ["Immo Agentschap %d" % g, "IMMO AGENTSCHAP %d" % g,
                    " Immo\u00a0Agentschap %d " % g][i % 3]
            f.write(f"A{i},https://example.org/{i},info{g}@agency.example,,agency,{name},Gent,900,1,2026-11-02,\n")
        else:
            f.write(f"P{i},https://example.org/{i},Owner.{i}@Example.org,Owner {i},private,,Gent,800,1,2026-11-02,\n")
PY
expect_exit 0 ct -S s listings import l.csv
python3 - s/study.db <<'PY' || fail "agent keys differ from the independent computation"
import hashlib, hmac, sqlite3, sys, unicodedata
db = sqlite3.connect(sys.argv[1])
secret = db.execute("SELECT value FROM study_secret WHERE name = 'agent_key'").fetchone()[0]
def key(name):
    n = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    n = " ".join(n.split())
    return "ag-" + hmac.new(secret, n.encode(), hashlib.sha256).hexdigest()[:12]
rows = db.execute("SELECT l.ref, l.agent_key, c.agent_name, c.contact_email FROM listing l"
                  " JOIN listing_contact c ON c.listing = l.id").fetchall()
assert len(rows) == 6000, len(rows)
agencies = {}
for ref, k, agent, email in rows:
    want = key(agent if agent else email)
    if k != want:
        sys.exit("%s: key %s, wanted %s" % (ref, k, want))
    if agent:
        agencies.setdefault(" ".join(agent.split()).lower(), set()).add(k)
assert len(agencies) == 40 and all(len(v) == 1 for v in agencies.values()), agencies
print("ok: 6000 keys, 40 agencies with one key each")
PY
