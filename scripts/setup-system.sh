#!/usr/bin/env bash
# Installs the system packages atlas-publish needs, where missing (Debian/Ubuntu, as root);
# otherwise prints exactly what to install. Quick when everything is there.
set -euo pipefail

packages=(
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0  # WeasyPrint's text layout, fast font subsetting
  fonts-noto-cjk                                      # Chinese, Japanese and Korean text
  poppler-utils qpdf                                  # pdftotext, pdffonts, pdfinfo, qpdf --check (tests)
  chromium                                            # headless browser: preview server and download page tests
  libgs-common                                        # a CMYK output profile for build --print-ready (PDF/X-4)
)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$package")
  done
  command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)  # EPUBCheck runs on Java
else
  echo "setup: not a Debian system; make sure these are installed: ${packages[*]} and a Java runtime" >&2
  exit 0
fi
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: missing system packages; install them with:" >&2
  echo "  sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
