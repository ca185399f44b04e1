# The browser harness the report tests trust (tests/e2e/browser.py): a good
# page with two charts passes and prints to a PDF whose first page is A4;
# it fails, naming the reason, on an external request, a blank chart (empty
# or white on white), a chart with display:none, a chart without <title>, a
# script that throws, a console error and a page without a chart. It
# needs Chromium: when it is missing it fails (make deps installs it), it
# does not skip.
. "$E2E_DIR/lib.sh"
PY=/usr/bin/python3
B="$E2E_DIR/browser.py"
CHROMIUM=${CHROMIUM:-$(command -v chromium || :)}
[ -n "$CHROMIUM" ] && [ -x "$CHROMIUM" ] || fail "chromium is not installed: run 'make deps' as root"
export CHROMIUM
# Chromium's temporary folders go here, and HOME is an empty folder that
# must stay empty: browser.py gives Chromium a home of its own.
mkdir tmp home
export TMPDIR=$PWD/tmp HOME=$PWD/home

# page FILE EXTRA-HEAD CHART1 CHART2 [EXTRA-BODY]: a page in the report's
# shape (inline CSS, A4 @page, charts as inline SVG in figure.chart).
page() {
	cat >"$1" <<EOF
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Fixture</title>
<style>@page { size: A4; margin: 15mm } body { font: 11pt sans-serif; color: #111; background: #fff }
figure.chart { margin: 1em 0 }</style>$2</head>
<body><h1>Report</h1><p>Two charts.</p>
$3
$4
${5:-}
</body></html>
EOF
}
# chart ID [STYLE] [TITLE] [BODY]: one chart; a bar chart unless BODY is given.
chart() {
	title=${3-<title id=\"$1-t\">Call-back rate by group</title><desc>Bars.</desc>}
	body=${4-<rect x=\"20\" y=\"20\" width=\"60\" height=\"100\" fill=\"#1f4e79\"/><rect x=\"100\" y=\"60\" width=\"60\" height=\"60\" fill=\"#c55a11\"/><text x=\"20\" y=\"140\" font-size=\"12\" fill=\"#111\">control test</text>}
	printf '<figure class="chart" id="%s"%s><svg role="img" aria-labelledby="%s-t" width="240" height="150" viewBox="0 0 240 150">%s%s</svg><figcaption>Figure</figcaption></figure>\n' \
		"$1" "${2:+ style=\"$2\"}" "$1" "$title" "$body"
}
good1=$(chart chart-rates) good2=$(chart chart-gaps)

t0=$($PY -c 'import time; print(time.time())')
# A good page passes, keeps both screenshots and prints on A4.
page good.html '' "$good1" "$good2"
expect_exit 0 $PY "$B" check good.html --screens shots --pdf good.pdf
expect_out '^good\.html: ok, 2 charts checked, PDF 1 page on A4'
[ -s shots/chart-rates.png ] && [ -s shots/chart-gaps.png ] || fail "screenshots missing: $(ls shots)"
head -c 5 good.pdf | grep -q '^%PDF-' || fail "good.pdf is not a PDF"
# The page size, read independently of browser.py: Skia writes the MediaBox
# of A4 (8.27 x 11.69 in) as 594.96 x 841.92 points.
grep -aEq '/MediaBox \[0 0 59[45](\.[0-9]+)? 84[12](\.[0-9]+)?\]' good.pdf || fail "good.pdf is not A4: $(grep -ao '/MediaBox[^]]*]' good.pdf | head -1)"
[ ! -s err.txt ] || { cat err.txt >&2; fail "a passing check wrote to stderr"; }

# bad NAME PATTERN: browser.py fails on NAME.html with a line naming the reason.
bad() {
	expect_exit 1 $PY "$B" check "$1.html"
	expect_err "^$1\.html: $2"
}
page external.html '' "$good1" "$good2" '<img src="http://example.invalid/x.png" alt="">'
bad external 'external request: http://example\.invalid/x\.png'

page blank.html '' "$good1" "$(chart chart-blank '' '<title id="chart-blank-t">Empty</title>' '')"
bad blank 'chart-blank: blank in its screenshot'
grep -q 'chart-rates' err.txt && fail "a good chart beside a blank one was blamed"
page white.html '' "$good1" "$(chart chart-white '' '<title id="chart-white-t">White</title>' \
	'<rect x="10" y="10" width="200" height="120" fill="#fff"/><text x="20" y="80" fill="#fff">n</text>')"
bad white 'chart-white: blank in its screenshot'

page hidden.html '' "$good1" "$(chart chart-hidden 'display:none')"
bad hidden 'chart-hidden: not visible \(display: none\)'

page notitle.html '' "$good1" "$(chart chart-notitle '' '')"
bad notitle 'chart-notitle: no non-empty <title>'

page script.html '<script>throw new Error("boom in the report")</script>' "$good1" "$good2"
bad script 'exception: .*boom in the report'

page console.html '<script>console.error("bad data")</script>' "$good1" "$good2"
bad console 'console error: bad data'

page nochart.html '' '<p>No chart here.</p>' ''
bad nochart 'no chart'

secs=$($PY -c "import time; print(f'{time.time() - $t0:.1f}')")
echo "9 pages checked in $secs s"
# Nothing is left behind: no temporary profile, nothing in HOME.
[ -z "$(find tmp home -mindepth 1)" ] || fail "left behind: $(find tmp home -mindepth 1 -maxdepth 2)"
exit 0
