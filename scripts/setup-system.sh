#!/usr/bin/env bash
# Installs the system packages a target needs, where missing (Debian/Ubuntu, as root); otherwise
# prints exactly what to install. Quick when everything is there.
#   scripts/setup-system.sh build        fonts and text layout: make pdf, epub, preview, serve
#   scripts/setup-system.sh build check  and a Java runtime for EPUBCheck: make dist, ebook-check
#   scripts/setup-system.sh test         all of it, with the tests' tools: make test
set -euo pipefail

build=(
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0  # WeasyPrint's text layout, fast font subsetting
  fonts-noto-cjk                                      # Chinese, Japanese and Korean text
  libgs-common                                        # a CMYK output profile for build --print-ready (PDF/X-4)
)
test_tools=(
  poppler-utils qpdf                                  # pdftotext, pdffonts, pdfinfo, qpdf --check
  chromium                                            # headless browser: preview server and download page tests
)
groups=("$@")
[[ ${#groups[@]} -eq 0 ]] && groups=(test)
packages=()
java=no
for group in "${groups[@]}"; do
  case "$group" in
    build) packages+=("${build[@]}") ;;
    check) java=yes ;;
    test) packages+=("${build[@]}" "${test_tools[@]}"); java=yes ;;
    *) echo "setup-system.sh: unknown group '$group' (build, check, test)" >&2; exit 2 ;;
  esac
done

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$package")
  done
  [[ $java == yes ]] && ! command -v java >/dev/null 2>&1 && missing+=(default-jre-headless)  # EPUBCheck
else
  echo "setup: not a Debian system; make sure these are installed: ${packages[*]} (and a Java runtime for EPUBCheck)" >&2
  exit 0
fi
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  echo "setup: apt-get update"
  apt-get update -qq
  # apt's own lines (one per package unpacked and set up) are the progress of a long install.
  apt-get install -y -q --no-install-recommends "${missing[@]}"
  echo "setup: system packages installed"
else
  echo "setup: missing system packages; install them with:" >&2
  echo "  sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
