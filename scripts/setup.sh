#!/usr/bin/env bash
# Installs everything kb needs on a fresh Debian machine: Debian packages
# (pandoc for APA formatting; chromium for the browser tests) and a virtual
# environment in .venv with the pinned Python packages. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

want_debs=(pandoc)
[ "${1:-}" = "--test" ] && want_debs+=(chromium)
missing=()
for deb in "${want_debs[@]}"; do
  command -v "$deb" >/dev/null 2>&1 || missing+=("$deb")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Real-world BibTeX for the corpus test: TeX Live's bibliographies, unpacked
# from Debian's package without installing TeX itself.
if [ "${1:-}" = "--test" ] && [ ! -d .cache/texlive-bib ]; then
  echo "setup: fetching TeX Live's bibliographies for the corpus test"
  tmp=$(mktemp -d)
  if (cd "$tmp" && { apt-get download texlive-bibtex-extra >/dev/null 2>&1 ||
      { apt-get update -qq && apt-get download texlive-bibtex-extra >/dev/null 2>&1; }; }); then
    dpkg-deb -x "$tmp"/texlive-bibtex-extra_*.deb "$tmp/x"
    mkdir -p .cache/texlive-bib
    find "$tmp/x" -name '*.bib' -exec cp --backup=numbered {} .cache/texlive-bib/ \;
  else
    echo "setup: could not download texlive-bibtex-extra; the corpus test will be skipped"
  fi
  rm -rf "$tmp"
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.kb-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
  echo "setup: installing Python packages into .venv"
  .venv/bin/pip install -q --disable-pip-version-check -c constraints.txt -e ".[test,engines]"
  touch "$stamp"
fi
