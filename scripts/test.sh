#!/usr/bin/env bash
# Every check imgtui has, as CI runs it (`.ci/run` calls exactly this):
# formatting, clippy, then all tests against two private real engines (Docker 20.10 and
# Docker 28 with the containerd store) that scripts/with-engines.sh installs, starts, seeds
# and stops. An engine that cannot start fails the run; nothing is skipped.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --all-targets --locked -- -D warnings
echo "== dependency audit"
python3 scripts/audit.py --self-test
if [ -d "${IMGTUI_ADVISORY_DB:-$HOME/.cache/imgtui-advisories}/crates" ]; then
    python3 scripts/audit.py
else
    echo "no RustSec advisory DB here: audit not run (see README, Dependencies)"
fi
echo "== building tests"
cargo test --all-targets --locked --no-run
echo "== tests against real engines"
scripts/with-engines.sh cargo test --all-targets --locked
