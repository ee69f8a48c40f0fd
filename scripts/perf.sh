#!/usr/bin/env bash
# Real-engine performance figures (issue 4, targets 1, 4, 5 and 6), each with its baseline:
#
#   scripts/perf.sh [SIZES] [ENGINES]      defaults: "1000 10000" and "old new"
#
# Starts private engines (scripts/test-engine.sh: Docker 20.10 = old, Docker 28 with the
# containerd store = new), seeds each with SIZES[0] bulk images, runs
# `cargo bench --bench real_engine` against them (the optimised binary in a pseudo-terminal),
# adds images up to the next size, measures again, and stops the engines on any exit.
# Knobs: IMGTUI_PERF_RUNS (4), IMGTUI_PERF_IDLE_SECS (60), IMGTUI_PERF_PROBES (5).
# Expect ~30 min for the defaults: Docker 28 needs ~45 s per list of 10,000 images, and each
# size lists ~11 times (a warm-up, curl and imgtui in turns, the cache runs).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$SCRIPT_DIR/.."
TE=$SCRIPT_DIR/test-engine.sh
read -r -a sizes <<<"${1:-1000 10000}"
read -r -a kinds <<<"${2:-old new}"

log() { printf 'perf: %s\n' "$*" >&2; }

for n in "${sizes[@]}"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { log "sizes must be numbers: $n"; exit 2; }
done
for kind in "${kinds[@]}"; do
  case "$kind" in old | new) ;; *) log "engines are old and/or new: $kind"; exit 2 ;; esac
done

names=()
# shellcheck disable=SC2317 # invoked through the EXIT trap
cleanup() {
  trap '' INT TERM
  local name
  for name in "${names[@]}"; do "$TE" stop "$name" || true; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$TE" install all
log "building the optimised binary and the benchmark"
cargo bench --locked --bench real_engine --no-run

hosts=()
for kind in "${kinds[@]}"; do
  name=perf$kind
  "$TE" stop "$name"
  names+=("$name")
  hosts+=("$kind=$("$TE" start "$name" "$kind")")
done

seeded=0
for n in "${sizes[@]}"; do
  if [ "$n" -gt "$seeded" ]; then
    pids=()
    for kind in "${kinds[@]}"; do
      "$TE" seed-bulk "perf$kind" $((n - seeded)) $((seeded + 1)) &
      pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid"; done
    seeded=$n
  fi
  log "measuring with $n images"
  IMGTUI_PERF_HOSTS=$(IFS=,; echo "${hosts[*]}") cargo bench --locked --bench real_engine
done
