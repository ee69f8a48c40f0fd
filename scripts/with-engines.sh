#!/usr/bin/env bash
# Run a command against private, seeded engines (two Docker, one Podman), then stop them:
#
#   scripts/with-engines.sh CMD [ARGS…]      e.g. scripts/with-engines.sh cargo test
#
# Installs the engines (test-engine.sh install all), starts "old" (Docker 20.10) and "new"
# (Docker 28, containerd image store), seeds both with the standard set (see test-engine.sh),
# exports IMGTUI_TEST_OLD_HOST / IMGTUI_TEST_NEW_HOST (unix://… URLs) and
# IMGTUI_REQUIRE_ENGINES=1, runs CMD and exits with its status. Two more, unseeded "scratch"
# engines of the same versions (IMGTUI_TEST_SCRATCH_OLD_HOST / _NEW_HOST) are for the tests
# that delete and prune: a prune is engine-wide, so it must not run where other tests read
# the seed set. Podman 4.3 (Debian's package, a private `podman system service`) the same
# way: "podman" seeded (IMGTUI_TEST_PODMAN_HOST) and "xpodman" scratch
# (IMGTUI_TEST_SCRATCH_PODMAN_HOST). The engines are stopped on
# every exit path (success, failure, Ctrl-C, SIGTERM). An engine that cannot be installed,
# started or seeded fails the run: CI must never silently skip the engine tests.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TE=$SCRIPT_DIR/test-engine.sh
RUN_BASE=${IMGTUI_ENGINE_RUN:-/tmp/imgtui-eng}

log() { printf 'with-engines: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ $# -gt 0 ] || { sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# The engine names are fixed, so two runs on one machine take turns instead of stopping
# each other's engines.
mkdir -p "$RUN_BASE"
exec 9>"$RUN_BASE/.with-engines.lock"
if ! flock -n 9; then
  log "another with-engines run holds $RUN_BASE/.with-engines.lock; waiting (up to 30 min)"
  flock -w 1800 9 || die "timed out waiting for the other with-engines run"
fi

# shellcheck disable=SC2317 # invoked through the EXIT trap
cleanup() {
  local rc=$?
  # Finish the stop even if Ctrl-C is pressed again; every wait in it is bounded.
  trap '' INT TERM
  trap - EXIT
  log "stopping engines"
  # A failed stop (something left running) fails an otherwise green run.
  local name
  for name in old new xold xnew lossold lossnew podman xpodman; do
    "$TE" stop "$name" || { [ "$rc" != 0 ] || rc=1; }
  done
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t0=$SECONDS
"$TE" install all || die "installing the test engines failed"
# Engines left behind by a killed run would carry stale images and containers.
for name in old new xold xnew lossold lossnew podman xpodman; do "$TE" stop "$name"; done
old_host=$("$TE" start old old) || die "Docker 20.10 engine 'old' failed to start (see above)"
new_host=$("$TE" start new new) || die "Docker 28 engine 'new' failed to start (see above)"
xold_host=$("$TE" start xold old) || die "Docker 20.10 engine 'xold' failed to start (see above)"
xnew_host=$("$TE" start xnew new) || die "Docker 28 engine 'xnew' failed to start (see above)"
podman_host=$("$TE" start podman podman) || die "Podman engine 'podman' failed to start (see above)"
xpodman_host=$("$TE" start xpodman podman) || die "Podman engine 'xpodman' failed to start (see above)"
# Seed both at once: each load mostly waits on its own daemon.
"$TE" seed old >&2 &
seed_old=$!
"$TE" seed new >&2 &
seed_new=$!
"$TE" seed podman >&2 &
seed_podman=$!
wait "$seed_old" || die "seeding engine 'old' failed"
wait "$seed_new" || die "seeding engine 'new' failed"
wait "$seed_podman" || die "seeding engine 'podman' failed"
log "engines ready in $((SECONDS - t0))s: old=$old_host new=$new_host podman=$podman_host"

export IMGTUI_TEST_OLD_HOST=$old_host
export IMGTUI_TEST_NEW_HOST=$new_host
export IMGTUI_TEST_SCRATCH_OLD_HOST=$xold_host
export IMGTUI_TEST_SCRATCH_NEW_HOST=$xnew_host
export IMGTUI_TEST_PODMAN_HOST=$podman_host
export IMGTUI_TEST_SCRATCH_PODMAN_HOST=$xpodman_host
export IMGTUI_REQUIRE_ENGINES=1

status=0
"$@" || status=$?
exit "$status"
