# The man pages match the program: every command that 'corrtest help' lists
# has a committed page man/corrtest-CMD.1, each page equals the one
# man/mkpage.sh makes from the binary's --help text now, no page is left of
# a command that is gone, corrtest(1) names every command, and every page
# renders without a roff warning. After changing a usage text: 'make man'.
. "$E2E_DIR/lib.sh"
MAN=$TOP/man
# The commands, read here from the help text itself (the block after
# "Commands:", up to the empty line), not with mkpage.sh's own reader.
ct help >help.txt
sed -n '/^Commands:$/,/^$/p' help.txt | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' | grep -vx help >cmds.txt || :
[ "$(wc -l <cmds.txt)" -ge 10 ] || { cat help.txt; fail "'corrtest help' lists too few commands"; }
mkdir gen
"$MAN/mkpage.sh" --all "$CORRTEST" gen
bad=""
while read -r c; do
	[ -f "$MAN/corrtest-$c.1" ] || { bad="$bad\n  $c has no page man/corrtest-$c.1"; continue; }
	[ -s "gen/corrtest-$c.1" ] || { bad="$bad\n  mkpage.sh made no page for $c"; continue; }
	if ! cmp -s "$MAN/corrtest-$c.1" "gen/corrtest-$c.1"; then
		bad="$bad\n  man/corrtest-$c.1 differs from 'corrtest $c --help':"
		bad="$bad\n$(diff "$MAN/corrtest-$c.1" "gen/corrtest-$c.1" | head -20 | sed 's/^/    /')"
	fi
	grep -q "^\.B $c\$" "$MAN/corrtest.1" || bad="$bad\n  corrtest.1 does not list $c under COMMANDS"
	grep -q "^\\\\fBcorrtest\\\\-$c\\\\fR(1)" "$MAN/corrtest.1" || bad="$bad\n  corrtest.1 SEE ALSO lacks corrtest-$c(1)"
done <cmds.txt
for p in "$MAN"/corrtest-*.1; do
	c=$(basename "$p" .1); c=${c#corrtest-}
	grep -qx "$c" cmds.txt || bad="$bad\n  man/corrtest-$c.1 is the page of a command 'corrtest help' does not list"
done
# Each page rendered back to text (groff, as man does) shows exactly the
# --help text: mkpage.sh's escaping loses nothing. And nothing warns.
if command -v groff >/dev/null; then
	for c in $(cat cmds.txt) ""; do
		p=$MAN/corrtest${c:+-$c}.1
		warn=$(groff -Kutf-8 -man -Tutf8 -ww -z "$p" 2>&1) || :
		[ -z "$warn" ] || bad="$bad\n  $(basename "$p"): groff: $warn"
		[ -n "$c" ] || continue
		ct help "$c" >want.txt
		# The DESCRIPTION section, without its 7-space indent and the
		# empty lines before SEE ALSO.
		groff -Kutf-8 -man -Tutf8 -P-cbou -rLL=300n "$p" 2>/dev/null |
			sed -n '/^DESCRIPTION$/,/^SEE ALSO$/p' | sed -e '1d' -e '$d' -e 's/^       //' |
			sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >got.txt
		cmp -s want.txt got.txt ||
			bad="$bad\n  corrtest-$c.1 renders differently from 'corrtest help $c':\n$(diff want.txt got.txt | head -10)"
	done
else
	echo "note: groff is not installed; pages not rendered" >&2
fi
[ -z "$bad" ] || { printf "%b\n" "$bad" >&2; fail "man pages out of date; run 'make man' and commit"; }
