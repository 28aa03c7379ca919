#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh Debian machine, idempotently:
#   - Debian packages: graphviz (`dot`), chromium (browser tests), fonts;
#   - Mermaid's browser bundle from the npm registry (pinned in package.json, never committed);
#   - a venv at .venv with lucid installed (editable) and the test extras (pytest, PyTorch, timm, mkdocs-material).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "bootstrap: installing Debian packages: ${missing[*]}"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
fi

if [ ! -f node_modules/mermaid/dist/mermaid.min.js ]; then
    echo "bootstrap: installing mermaid from the npm registry"
    npm ci --no-audit --no-fund --loglevel=error
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test,dev]"
