# Distinct persona contacts: the presets' placeholder phone gives each
# persona its own fictitious number; personas warns of placeholders, of a
# shared phone and of a reserved mail domain, and is quiet once study.ini
# gives real-looking, distinct values.
. "$E2E_DIR/lib.sh"
new_study s
expect_exit 0 ct -S s personas
# Design order of the preset: belgian, maghrebi, turkish, african; female, male.
[ "$(sqlite3 s/study.db "SELECT group_concat(phone, '|') FROM (SELECT phone FROM persona ORDER BY id)")" = \
  "+32 460 00 00 01|+32 460 00 00 02|+32 460 00 00 03|+32 460 00 00 04|+32 460 00 00 05|+32 460 00 00 06|+32 460 00 00 07|+32 460 00 00 08" ] ||
	fail "phones are not one per persona"
expect_out "warning: the phones of 8 personas are fictitious placeholders .*replace them .*before going live"
expect_out "warning: the mail domain corrtest.invalid is reserved"
if grep -q "share the phone" out.txt; then fail "a shared phone reported among distinct ones"; fi
# JSON stays one array; the warnings go to stderr.
expect_exit 0 ct -S s personas --json
python3 -c 'import json; d = json.load(open("out.txt")); assert isinstance(d, list) and len(d) == 8'
expect_err "warning: the mail domain corrtest.invalid is reserved"

# One number for all (what the presets wrote before): named as shared.
sed -i 's/^phone = .*/phone = +32 470 12 34 56/; s/^mail_domain = .*/mail_domain = test.example.org/' s/study.ini
expect_exit 0 ct -S s personas
expect_out "warning: 8 personas share the phone \+32 470 12 34 56"
expect_out "warning: the mail domain test.example.org is reserved"
for dom in team.test x.example localhost; do
	sed -i "s/^mail_domain = .*/mail_domain = $dom/" s/study.ini
	expect_exit 0 ct -S s personas
	expect_out "warning: the mail domain $dom is reserved"
done

# Real domain, one number each: no warnings.
sed -i 's/^mail_domain = .*/mail_domain = mail.ourteam.be/' s/study.ini
i=0
for cell in belgian.female belgian.male maghrebi.female maghrebi.male turkish.female turkish.male african.female african.male; do
	i=$((i + 1))
	sed -i "/^\[phones\]\$/a $cell = +32 470 55 66 1$i" s/study.ini
done
expect_exit 0 ct -S s personas
if grep -q "warning" out.txt; then cat out.txt; fail "warnings with distinct, real-looking values"; fi
[ "$(sqlite3 s/study.db "SELECT count(DISTINCT phone) FROM persona")" = 8 ] || fail "[phones] not applied"
