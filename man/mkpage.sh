#!/bin/sh
# mkpage.sh BIN CMD: a man page for one subcommand, made from its --help
# text, so that the page and the program cannot disagree.
set -eu
bin=$1 cmd=$2
summary=$("$bin" help | awk -v c="$cmd" '$1 == c { $1 = ""; sub(/^ +/, ""); print }')
printf '.TH CORRTEST-%s 1 "2026" "corrtest" "User Commands"\n' "$(echo "$cmd" | tr a-z A-Z)"
printf '.SH NAME\ncorrtest\\-%s \\- %s\n.SH DESCRIPTION\n.nf\n' "$cmd" "$summary"
"$bin" help "$cmd" | sed -e 's/\\/\\\\/g' -e 's/^\./\\\&./' -e "s/^'/\\\\\&'/"
printf '.fi\n.SH SEE ALSO\ncorrtest(1)\n'
