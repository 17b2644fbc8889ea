#!/usr/bin/env bash
# Creates the project's own virtual environment and installs Qala with its dev tools.
# Uses uv when it can be had (much faster), plain venv + pip otherwise.
set -euo pipefail
venv="${1:-.venv}"
py="${PYTHON:-python3}"
if ! command -v uv >/dev/null 2>&1; then
  "$py" -m pip install --quiet uv >/dev/null 2>&1 || true
fi
if command -v uv >/dev/null 2>&1; then
  [[ -x "$venv/bin/python" ]] || uv venv --quiet --python "$py" "$venv"
  # compiled to bytecode as pip does (uv does not by default): else every process compiles what it imports
  uv pip install --quiet --compile-bytecode --python "$venv/bin/python" -e ".[dev]"
else
  [[ -x "$venv/bin/python" ]] || "$py" -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet -e ".[dev]"
fi
# the scenario engine's register machine, compiled once here (numba caches it) instead of at a user's first run
"$venv/bin/python" -m qala.scenario.vm
