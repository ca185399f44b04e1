# 0513-cv-fielding.sh: a job study's CVs on their way out. The pre-flight
# check renders a CV of each layout and names a missing font; compose
# --preview names the attachment; a study assigned before [cv] attach = yes
# is refused by compose --check until `cv --draw` draws its CVs; switching
# the CVs off and on again re-renders the unsent messages without and with
# their PDF; field list names the file to upload for a portal application
# and --files writes exactly the PDF `cv APP --out` writes.
. "$(dirname "$0")/lib.sh"
new_study s --market job --lang en --city Brussels
# A real domain and one number per persona: the pre-flight check's other
# findings out of the way.
sed -i 's/^mail_domain = .*/mail_domain = jobs-test.be/' s/study.ini
for g in belgian maghrebi turkish african; do
	for x in female male; do
		n=$((n = ${n:-10} + 1))
		sed -i "/^\[phones\]/a $g.$x = +32 470 00 11 $n" s/study.ini
	done
done
# Drawn with the CVs off: the pairs have none.
sed -i 's/^attach = yes$/attach = no/' s/study.ini
ct -S s personas >/dev/null
{
	echo "ref,agent_type,contact_email,area,title,isco,occupation,level,channel,url"
	i=1
	while [ $i -le 8 ]; do
		ch=smtp
		[ $i -gt 4 ] && ch=portal
		echo "V$i,private,hr$i@employer$i.test,Ixelles,Accountant,2411,Accountant,bachelor,$ch,https://jobs.test/v$i"
		i=$((i + 1))
	done
} >v.csv
ct -S s listings import v.csv >/dev/null
expect_exit 0 ct -S s assign
[ "$(sqlite3 s/study.db 'SELECT count(*) FROM cv')" = 0 ] || fail "CVs drawn with attach = no"
# Composed without CVs, then switched on: the stored messages are not
# reused without the CV they now need (compose refuses until cv --draw).
cp -r s s2
expect_exit 0 ct -S s2 compose --outbox o1
sed -i 's/^attach = no$/attach = yes/' s2/study.ini
expect_exit 2 ct -S s2 compose --outbox o2
expect_err 'no CV.*cv --draw'
[ ! -d o2/new ] || [ -z "$(ls o2/new)" ] || fail "messages written without their CV"

# V2's first message has left (without a CV).
sqlite3 s/study.db "UPDATE application SET status = 'sent', sent_at = scheduled_at WHERE position = 1
	AND listing = (SELECT id FROM listing WHERE ref = 'V2')"
v2=$(sqlite3 s/study.db "SELECT a.id FROM application a JOIN listing l ON l.id = a.listing WHERE l.ref = 'V2' AND a.position = 2")
# Switched on: every planned message lacks its CV until cv --draw, which
# draws none for V2's pair: its second message goes without, like its first.
sed -i 's/^attach = no$/attach = yes/' s/study.ini
expect_exit 2 ct -S s compose --check
expect_err 'application 1 .*no CV.*cv --draw'
# Written out for the first time, nothing goes without its CV either.
expect_exit 2 ct -S s compose --outbox early
expect_err 'no CV.*cv --draw'
[ ! -d early/new ] || [ -z "$(ls early/new)" ] || fail "compose wrote messages without their CV"
[ "$(sqlite3 s/study.db "SELECT count(*) FROM message")" = 0 ] || fail "messages stored without their CV"
expect_exit 0 ct -S s cv --draw
[ "$(sqlite3 s/study.db 'SELECT count(*) FROM cv')" = 14 ] || fail "cv --draw did not draw 14 CVs"
[ "$(sqlite3 s/study.db "SELECT count(*) FROM cv c JOIN application a ON a.id = c.application JOIN listing l ON l.id = a.listing WHERE l.ref = 'V2'")" = 0 ] ||
	fail "a CV drawn for a pair whose first message left without one"
expect_exit 0 ct -S s compose --check

# The pre-flight check renders a CV of each layout; without the fonts it
# names them, and fielding is refused.
# (The mail server is not set up: check finds that, and nothing about CVs.)
expect_exit 1 ct -S s check
expect_out 'no-mail-server'
! grep -q 'cv-' out.txt err.txt || fail "check finds a CV problem with the fonts installed"
printf '<?xml version="1.0"?><fontconfig></fontconfig>\n' >nofonts.conf
set +e; FONTCONFIG_FILE=$PWD/nofonts.conf ct -S s check >out.txt 2>err.txt; rc=$?; set -e
[ $rc -ne 0 ] || fail "check passed without fonts"
grep -q 'cv-render: application [0-9]*: the font DejaVu Serif is not installed (Debian package fonts-dejavu-core)' out.txt err.txt ||
	{ cat out.txt err.txt; fail "check does not name the missing serif font"; }
grep -q 'DejaVu Sans is not installed' out.txt err.txt || fail "check does not name the missing sans font"

# The preview names the attachment.
first=$(sqlite3 s/study.db "SELECT first_name || '_' || last_name FROM persona p JOIN application a ON a.persona = p.id WHERE a.id = 1")
expect_exit 0 ct -S s compose --preview 1
expect_out "^\[attached: CV_${first}\.pdf; corrtest cv 1 --pdf writes it\]$"

# Written with the CVs; off, the unsent messages are written again without
# them; on again, with them (the same bytes: the draw is recorded).
expect_exit 0 ct -S s compose --outbox outbox
pdfs() { sqlite3 s/study.db "SELECT count(*) FROM application a JOIN message m ON m.id = (SELECT max(id) FROM message WHERE application = a.id AND direction = 'out') WHERE CAST(m.raw AS TEXT) LIKE '%Content-Type: application/pdf%'"; }
[ "$(pdfs)" = 6 ] || fail "not 6 messages with a PDF (the smtp listings' but V2's), but $(pdfs)"
sqlite3 s/study.db "SELECT count(*) FROM message WHERE application = $v2 AND direction = 'out'" | grep -qx 1 ||
	fail "V2's second message was not composed"
sqlite3 s/study.db "SELECT writefile('one.eml', raw) FROM message WHERE application = 1 AND direction = 'out' ORDER BY id DESC LIMIT 1" >/dev/null
sed -i 's/^attach = yes$/attach = no/' s/study.ini
expect_exit 0 ct -S s compose --outbox outbox
[ "$(pdfs)" = 0 ] || fail "messages still carry a PDF with attach = no"
sed -i 's/^attach = no$/attach = yes/' s/study.ini
expect_exit 0 ct -S s compose --outbox outbox
[ "$(pdfs)" = 6 ] || fail "the PDFs did not come back"
python3 - <<'PY'
import email, email.policy, sqlite3
db = sqlite3.connect("s/study.db")
raw = db.execute("SELECT raw FROM message WHERE application = 1 AND direction = 'out' ORDER BY id DESC LIMIT 1").fetchone()[0]
def pdf(b):
    m = email.message_from_bytes(b, policy=email.policy.default)
    return [p for p in m.iter_attachments()][0].get_content()
assert pdf(raw) == pdf(open("one.eml", "rb").read()), "the CV rendered again differs"
PY

# Portal applications: the file to upload, and --files writes it.
app=$(sqlite3 s/study.db "SELECT min(a.id) FROM application a JOIN listing l ON l.id = a.listing WHERE l.channel = 'portal'")
name=$(sqlite3 s/study.db "SELECT 'CV_' || first_name || '_' || last_name || '.pdf' FROM persona p JOIN application a ON a.persona = p.id WHERE a.id = $app")
expect_exit 0 ct -S s field list --all --files up
expect_out "^attach: +$name \(field list --files DIR writes it to DIR/$app/\)$"
expect_err '^corrtest field: 8 files to upload written to up/<application>/$'
[ "$(find up -type f | wc -l)" = 8 ] || fail "not 8 files under up/"
expect_exit 0 ct -S s cv "$app" --out mine.pdf
cmp -s mine.pdf "up/$app/$name" || fail "the uploaded file differs from cv --out's"
expect_exit 0 ct -S s field list --all --csv
python3 - "$app" "$name" <<'PY' || fail "the worklist CSV does not name $name in $app's attachment column"
import csv, sys
rows = {r["application"]: r for r in csv.DictReader(open("out.txt", encoding="utf-8"))}
assert rows[sys.argv[1]]["attachment"] == sys.argv[2], rows[sys.argv[1]]["attachment"]
assert all(r["attachment"] == "" for r in rows.values() if r["channel"] not in ("portal", "webmail"))
PY
# An smtp application is not in the worklist; a phone one would get no file.
[ ! -e up/1 ] || fail "a file for an smtp application"

# A vacancy of another occupation (a nurse's, 2221), and a letter that
# names [profile]'s occupation for every vacancy: the pre-flight check
# flags it, naming the template's line.
echo 'I work as {{profile.occupation}}.' >>s/templates/v1.txt
printf 'ref,agent_type,contact_email,isco\nN1,private,hr@hospital.test,2221\n' >n.csv
ct -S s listings import n.csv >/dev/null
expect_exit 0 ct -S s assign
set +e; ct -S s check >out.txt 2>err.txt; set -e
line=$(grep -n '{{profile.occupation}}' s/templates/v1.txt | head -1 | cut -d: -f1)
grep -q "warning cv-letter-profile: templates/v1.txt:$line: {{profile\.[a-z]*}} is the same for every vacancy, while the CVs are drawn for 2 occupations (accounting,nursing)" out.txt ||
	{ cat out.txt; fail "check does not flag the letters' profile occupation"; }
