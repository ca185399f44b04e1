# The documentation points only inside the repository: every relative link
# in the README, docs/, studies/, templates/, tests/ and bench/ Markdown
# files names a file or folder of the source tree, no link or path leaves
# it (../shared, /work, /home), and the documents the code's comments cite
# by name (METHOD.md, STYLE.md, ARCHITECTURE.md) are in docs/.
. "$E2E_DIR/lib.sh"
python3 - "$TOP" <<'PY'
import os, re, sys
top = os.path.realpath(sys.argv[1])
files = [os.path.join(top, "README.md")]
for d in ("docs", "studies", "templates", "tests", "bench", "man"):
    for root, _, names in os.walk(os.path.join(top, d)):
        files += [os.path.join(root, n) for n in names if n.endswith((".md", ".1"))]
bad = []
link = re.compile(r"\]\(([^)\s]+)\)")
outside = re.compile(r"\.\./shared|shared/design|/work/|/home/")
for f in sorted(files):
    rel = os.path.relpath(f, top)
    for no, line in enumerate(open(f, encoding="utf-8"), 1):
        if outside.search(line):
            bad.append("%s:%d: points outside the repository: %s" % (rel, no, line.strip()))
        for target in link.findall(line):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            path = os.path.realpath(os.path.join(os.path.dirname(f), target.split("#")[0]))
            if not (path == top or path.startswith(top + os.sep)):
                bad.append("%s:%d: link %s leaves the repository" % (rel, no, target))
            elif not os.path.exists(path):
                bad.append("%s:%d: link %s names nothing" % (rel, no, target))
for doc in ("METHOD.md", "STYLE.md", "ARCHITECTURE.md"):
    if not os.path.isfile(os.path.join(top, "docs", doc)):
        bad.append("docs/%s is missing" % doc)
if bad:
    print("\n".join(bad))
    sys.exit(1)
print("%d files checked" % len(files))
PY
