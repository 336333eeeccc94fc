#!/usr/bin/env bash
# The Python reader of the wire formats (interop/python/check.py) on PyNaCl from PyPI, in a virtual
# environment kept outside the clone (~/.cache/koa-sodium-session/, made once per PyNaCl version):
# docs/vectors.json is what make_vectors.py makes, every vector opens or is refused as it says, and
# the package and this reader open what the other seals. Skips when python3 is missing, unless
# KSS_REQUIRE_ALL_TESTS is set (as .ci/run does).
set -euo pipefail
cd "$(dirname "$0")/../.."

pynacl=1.6.2
if ! command -v python3 >/dev/null; then
  if [[ -n "${KSS_REQUIRE_ALL_TESTS:-}" ]]; then
    echo "python reader: python3 is not installed, and every test must run here" >&2
    exit 1
  fi
  echo "python reader: skipped, python3 is not installed"
  exit 0
fi

venv="${KSS_PYTHON_VENV:-$HOME/.cache/koa-sodium-session/python-pynacl-$pynacl}"
if [[ ! -f "$venv/.complete" ]]; then
  echo "python reader: making $venv (PyNaCl $pynacl from PyPI)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "pynacl==$pynacl"
  touch "$venv/.complete"
fi

node scripts/ensure-built.mjs # package.mjs loads the addon
exec "$venv/bin/python" -B interop/python/check.py # -B: no __pycache__ in the clone
