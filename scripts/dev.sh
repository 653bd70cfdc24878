#!/usr/bin/env bash
# The two commands of the README, set-up included, idempotent:
#   bash scripts/dev.sh lab    install, then open examples/quickstart.ipynb in JupyterLab
#   bash scripts/dev.sh test   install (Chromium too), then lint, type-check (mypy for Python,
#                              tsc for TypeScript) and run every test, browser tests included
set -euo pipefail
cd "$(dirname "$0")/.."

install_python() {
  # npm ci installs exactly the locked front-end packages; the pip build hook then bundles.
  (cd js && npm ci --no-audit --no-fund)
  python3 -m pip install --quiet --disable-pip-version-check -e ".[dev]"
}

install_chromium() {
  if [ -x /usr/bin/chromium ]; then return; fi
  # Debian's Chromium: Playwright's own browser download cannot work without the internet.
  local sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
}

case "${1:-}" in
  lab)
    install_python
    lab_args=()
    # JupyterLab refuses to run as root unless told to; containers and cloud notebooks are root.
    if [ "$(id -u)" = 0 ]; then lab_args+=(--allow-root); fi
    exec python3 -m jupyterlab ${lab_args[@]+"${lab_args[@]}"} examples/quickstart.ipynb
    ;;
  test)
    install_chromium
    install_python
    shift
    python3 -m ruff check src tests bench
    python3 -m mypy  # the configuration (strict for the public modules) is in pyproject.toml
    (cd js && npx tsc --noEmit)
    exec python3 -m pytest "$@"
    ;;
  *)
    echo "usage: bash scripts/dev.sh lab|test [pytest args]" >&2
    exit 2
    ;;
esac
