# decline in an English study when the landlord's subject arrives as long
# base64 RFC 2047 encoded words of which one, not the last, ends in '='
# padding (Python's email package writes them so): the withdrawal's subject
# is the whole subject, not one cut short after the first encoded word. It
# depends on the decoding of such words in mail/reply.c (GMime drops the
# word after a padded one).
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send-lib.sh"
mail_start
MS_INIT="--lang en" MS_AREA="Ixelles (Flagey)" MS_TITLE="Renovated flat near Café Belga"
mail_study s 1
expect_exit 0 ct -S s send --live --json
expect_out '"sent":2,'
set -- $(q s "SELECT a.id || ' ' || a.message_id || ' ' || p.email FROM application a JOIN persona p ON p.id = a.persona WHERE a.position = 1")
a1=$1 mid1=$2 p1=$3
subj1=$(subject_of s "$a1")
# A subject whose base64 encoding, as Python folds it, has a padded word
# before the last one: found by trying suffixes, checked on what was sent.
long=$(/usr/bin/python3 - "$subj1" <<'PY'
import re, sys
from email import charset
from email.header import Header
cs = charset.Charset("utf-8")
cs.header_encoding = charset.BASE64
for k in range(80):
    s = f"Re: {sys.argv[1]} — {'a' * k}viewing on Saturday, café crème, thé glacé, « clé » déjà prêtée à l'été"
    words = re.findall(r"=\?utf-8\?b\?([^?]*)\?=", Header(s, cs, header_name="Subject").encode())
    if len(words) >= 2 and any(w.endswith("=") for w in words[:-1]):
        print(s)
        break
else:
    sys.exit("no subject with a padded encoded word found")
PY
)
r1=$(landlord_reply landlord1@example.test "$p1" "$long" "$mid1" "Hello, come on Saturday at 10." b)
/usr/bin/python3 - reply-subject.txt <<'PY' || { cat reply-subject.txt; fail "the subject sent has no padded encoded word before the last"; }
import re, sys
words = re.findall(r"=\?utf-8\?b\?([^?]*)\?=", open(sys.argv[1]).read())
assert len(words) >= 2 and any(w.endswith("=") for w in words[:-1]), words
PY
expect_exit 0 ct -S s fetch --json
expect_out '"replies":1,'
expect_exit 0 ct -S s log "$a1" --outcome invitation --channel email
before=$(wc -l <"$MD/smtp-log/index.tsv")
expect_exit 0 ct -S s decline
expect_out "Declined 1 invitation\."
[ "$(wc -l <"$MD/smtp-log/index.tsv")" = $((before + 1)) ] || fail "not exactly one withdrawal sent"
withdrawal_ok "$(withdrawal_of s "$a1")" "$r1" "$mid1 $r1" "$p1" landlord1@example.test \
	"Re: ${long#Re: }" "In the meantime I have found something else"
echo "ok: decline, padded encoded words"
