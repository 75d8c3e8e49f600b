#!/usr/bin/env bash
# Before the tests (which run without network): the Debian packages they use, and the cached
# trixie root of the stack test host (built only when its package list changed).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash test/support/system-deps.sh
if [ "$(id -u)" -eq 0 ] && command -v debootstrap >/dev/null; then
  bash test/stack/build-root.sh >/dev/null
else
  echo "pretest: not root or no debootstrap: the stack suite will skip (and fail in CI)" >&2
fi
