#!/usr/bin/env bash
# The Debian/Ubuntu packages Qala needs outside Python, checked (and installed when this can be done).
#
#   scripts/system-packages.sh check|install run|test
#
# "run" is what `make run` needs, "test" adds what the test suite and the benchmarks use. "install"
# runs apt-get when it can (as root, or through sudo without a password prompt) and otherwise names
# what is missing and the command that installs it. It never fails: the tests that need a missing
# package are skipped with the reason (CI sets QALA_REQUIRE_POSTGRES=1 and QALA_REQUIRE_BROWSER=1,
# so there they fail instead). APT=no (or QALA_APT=no) only checks.
set -uo pipefail
mode="${1:-check}"
group="${2:-test}"

# package | group | probe (a shell test that succeeds when what the package gives is there) | what it is for
PACKAGES=(
  "python3-venv|run|_venv_ok|the project's .venv (not needed when uv is installed)"
  "libpango-1.0-0|run|_lib libpango-1.0.so.0|PDF reports (WeasyPrint)"
  "libpangoft2-1.0-0|run|_lib libpangoft2-1.0.so.0|PDF reports (WeasyPrint)"
  "libharfbuzz-subset0|run|_lib libharfbuzz-subset.so.0|PDF reports: font subsetting (WeasyPrint warns without it)"
  "postgresql|test|_glob '/usr/lib/postgresql/*/bin/initdb'|the PostgreSQL tests (a throwaway cluster on loopback)"
  "chromium|test|test -x /usr/bin/chromium|the browser test (Playwright drives Debian's Chromium)"
  "libatomic1|test|_lib libatomic.so.1|the browser test: Playwright's own node driver needs it"
  "fonts-dejavu-core|test|test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf|Kazakh letters in the browser's screenshots"
  "poppler-utils|test|command -v pdffonts|the PDF report test lists the embedded fonts"
  "wrk|test|command -v wrk|the web load benchmark (benchmarks/web_load.py) and its test"
)

_lib() { compgen -G "/usr/lib/*/$1" >/dev/null || compgen -G "/usr/lib/$1" >/dev/null || compgen -G "/usr/lib64/$1" >/dev/null; }
_glob() { compgen -G "$1" >/dev/null; }
_venv_ok() {
  command -v uv >/dev/null 2>&1 && return 0
  local py="${PYTHON:-python3}"
  command -v "$py" >/dev/null 2>&1 || return 1
  local d
  d="$(mktemp -d)"
  "$py" -m venv "$d/v" >/dev/null 2>&1
  local ok=$?
  rm -rf "$d"
  return $ok
}

missing=()
reasons=()
for entry in "${PACKAGES[@]}"; do
  IFS='|' read -r pkg grp probe why <<<"$entry"
  [[ "$group" == "run" && "$grp" == "test" ]] && continue
  if ! eval "$probe" >/dev/null 2>&1; then
    missing+=("$pkg")
    reasons+=("  $pkg: $why")
  fi
done
((${#missing[@]})) || exit 0

sudo_=()
can_install=0
if [[ "$mode" == "install" && "${APT:-${QALA_APT:-yes}}" != "no" ]] && command -v apt-get >/dev/null 2>&1; then
  if [[ "$(id -u)" == 0 ]]; then
    can_install=1
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo_=(sudo -n)
    can_install=1
  fi
fi

if ((can_install)); then
  echo "Installing the system packages Qala needs:" >&2
  printf '%s\n' "${reasons[@]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_[@]}" apt-get update -qq >&2 || echo "apt-get update failed; trying with the lists there are" >&2
  known=()
  for pkg in "${missing[@]}"; do
    if apt-cache show "$pkg" >/dev/null 2>&1; then known+=("$pkg"); else echo "  $pkg: not in this system's package lists" >&2; fi
  done
  if ((${#known[@]})); then
    "${sudo_[@]}" apt-get install -y -qq --no-install-recommends "${known[@]}" >/dev/null \
      || echo "apt-get install ${known[*]} failed" >&2
  fi
  # check again, and name what is still missing
  exec "$0" check "$group"
fi

echo "Missing system packages (what needs them is skipped, with the reason):" >&2
printf '%s\n' "${reasons[@]}" >&2
echo "Install them with: sudo apt-get install ${missing[*]}" >&2
exit 0
