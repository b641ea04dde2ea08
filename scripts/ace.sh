#!/bin/sh
# DAISY Ace on EPUBs: `scripts/ace.sh REPORTS_DIR book.epub...`. Installs @daisy/ace-cli into
# .tools/ (git-ignored) on first use, with Debian's chromium instead of Puppeteer's download.
# Exits non-zero when Ace reports any violation; the reports land in REPORTS_DIR/<name>/.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
tools="$here/.tools"
ace="$tools/node_modules/.bin/ace-cli"
export PUPPETEER_SKIP_DOWNLOAD=1
export PUPPETEER_EXECUTABLE_PATH="${PUPPETEER_EXECUTABLE_PATH:-/usr/bin/chromium}"
if [ ! -x "$ace" ]; then
    command -v npm >/dev/null || { echo "ace: npm is missing (apt-get install npm)" >&2; exit 2; }
    mkdir -p "$tools"
    echo "installing @daisy/ace-cli into $tools"
    npm install --silent --no-audit --no-fund --prefix "$tools" @daisy/ace-cli
fi
reports=$1
shift
failed=0
for book in "$@"; do
    name=$(basename "$book" .epub)
    rm -rf "$reports/$name"
    "$ace" --silent --force --outdir "$reports/$name" "$book"
    python3 - "$reports/$name/report.json" "$book" <<'PY' || failed=1
import json, sys
report = json.load(open(sys.argv[1]))
problems = [
    f"{doc['earl:testSubject']['url']}: {a['earl:test']['earl:impact']}: "
    f"{a['earl:test']['dct:title']}: {a['earl:result'].get('dct:description', '')}"
    for doc in report.get("assertions", [])
    for a in doc.get("assertions", [])
]
print(f"{sys.argv[2]}: Ace {report['earl:result']['earl:outcome']}, {len(problems)} violation(s)")
for line in problems:
    print("  " + line)
sys.exit(1 if problems else 0)
PY
done
exit $failed
