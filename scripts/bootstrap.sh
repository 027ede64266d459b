# Sourced by scripts/start and scripts/test: make .venv and install the project into it.
# Re-installs only when pyproject.toml changes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
if [[ ! -x .venv/bin/python ]]; then
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [[ ! -f $stamp ]]; then
  echo "Installing dependencies into .venv ..."
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH"

# The browser test (tests/test_browser.py): Debian's Chromium with a Japanese font, and
# axe-core from the npm registry (package-lock.json). scripts/test asks for them.
if [[ ${BROWSER_TESTS:-0} == 1 ]]; then
  browser_packages=()
  [[ -x /usr/bin/chromium ]] || browser_packages+=(chromium)
  [[ -d /usr/share/fonts/opentype/ipafont-gothic ]] || browser_packages+=(fonts-ipafont-gothic)
  if (( ${#browser_packages[@]} )); then
    if [[ $(id -u) == 0 ]]; then
      echo "Installing ${browser_packages[*]} ..."
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${browser_packages[@]}" > /dev/null
    else
      echo "Missing ${browser_packages[*]}: sudo apt-get install ${browser_packages[*]}" >&2
    fi
  fi
  npm_stamp="node_modules/.installed-$(sha256sum package-lock.json | cut -c1-16)"
  if [[ ! -f $npm_stamp ]]; then
    echo "Installing axe-core (npm ci) ..."
    npm ci --no-audit --no-fund --loglevel=error
    touch "$npm_stamp"
  fi
fi
