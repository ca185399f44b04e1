#!/bin/sh
# mkpage.sh BIN CMD: a man page for one subcommand, made from its --help
# text, so that the page and the program cannot disagree.
# mkpage.sh --commands BIN: the subcommands that have a page (every command
# of 'corrtest help' but help itself, which corrtest(1) documents).
# mkpage.sh --all BIN DIR: writes DIR/corrtest-CMD.1 for every subcommand and
# removes the pages of commands that no longer exist ('make man' runs this
# on man/, and tests/e2e/0092-man.sh compares the result with man/).
set -eu
commands() {
	# The lines of the "Commands:" block of 'corrtest help': two spaces,
	# the name, then the summary.
	"$1" help | awk '/^Commands:/ { on = 1; next } on && /^$/ { on = 0 }
		on && /^  [a-z]/ && $1 != "help" { print $1 }'
}
case ${1:-} in
--commands)
	commands "$2"
	exit 0 ;;
--all)
	bin=$2 dir=$3
	list=$(commands "$bin")
	[ -n "$list" ] || { echo "mkpage.sh: '$bin help' lists no commands" >&2; exit 1; }
	rm -f "$dir"/corrtest-*.1
	for c in $list; do
		"$0" "$bin" "$c" >"$dir/corrtest-$c.1.tmp"
		mv "$dir/corrtest-$c.1.tmp" "$dir/corrtest-$c.1"
	done
	exit 0 ;;
esac
bin=$1 cmd=$2
summary=$("$bin" help | awk -v c="$cmd" '$1 == c { $1 = ""; sub(/^ +/, ""); print }')
[ -n "$summary" ] || { echo "mkpage.sh: '$bin help' does not list '$cmd'" >&2; exit 1; }
printf '.TH CORRTEST-%s 1 "2026" "corrtest" "User Commands"\n' "$(echo "$cmd" | tr a-z A-Z)"
printf '.SH NAME\ncorrtest\\-%s \\- %s\n.SH DESCRIPTION\n.nf\n' "$cmd" "$summary"
# Backslashes first, then hyphens (as \-, so that options copied from the
# rendered page are ASCII hyphens), then lines that roff would read as
# requests ('.' or "'" first).
"$bin" help "$cmd" | sed -e 's/\\/\\\\/g' -e 's/-/\\-/g' -e 's/^\./\\\&./' -e "s/^'/\\\\\&'/"
printf '.fi\n.SH SEE ALSO\ncorrtest(1)\n'
