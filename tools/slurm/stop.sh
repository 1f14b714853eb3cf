#!/usr/bin/env bash
# Stops the test cluster started by tools/slurm/start.sh [DIR]: kills slurmd, slurmctld and munged
# by their pid files (TERM, then KILL after 10 s). Leaves DIR (logs) in place.
set -uo pipefail
dir="${1:-${BNN_SLURM_DIR:-/tmp/bnn-slurm}}"
rc=0
if [ "${BNN_SLURM_LOCKED:-}" != 1 ] && [ -d "$(dirname "$dir")" ]; then
  exec 9>"$dir.lock"
  flock -w 120 9 || { echo "slurm stop: another start/stop holds $dir.lock" >&2; exit 1; }
fi
# Cancel this cluster's jobs first so that no job step outlives the daemons.
if [ -f "$dir/slurm.conf" ] && [ -f "$dir/run/slurmctld.pid" ] &&
  kill -0 "$(cat "$dir/run/slurmctld.pid")" 2>/dev/null; then
  jobs="$(SLURM_CONF="$dir/slurm.conf" squeue -h -o '%A' 2>/dev/null | sort -u)"
  if [ -n "$jobs" ]; then
    # shellcheck disable=SC2086
    SLURM_CONF="$dir/slurm.conf" scancel $jobs 2>/dev/null
    for _ in $(seq 1 100); do
      [ -z "$(SLURM_CONF="$dir/slurm.conf" squeue -h -o '%A' 2>/dev/null)" ] && break
      sleep 0.1
    done
  fi
fi
# TERM to both Slurm daemons at once (each takes seconds to shut down), then munged.
stop_pids() {
  local name pid pids=()
  for name in "$@"; do
    pidfile="$dir/run/$name.pid"
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null && pids+=("$name:$pid")
    fi
    rm -f "$pidfile"
  done
  for _ in $(seq 1 100); do
    local alive=0
    for np in "${pids[@]}"; do kill -0 "${np#*:}" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.1
  done
  for np in "${pids[@]}"; do
    if kill -0 "${np#*:}" 2>/dev/null; then
      kill -KILL "${np#*:}" 2>/dev/null || rc=1
      echo "slurm stop: ${np%%:*} (${np#*:}) killed with KILL" >&2
    else
      echo "slurm stop: ${np%%:*} (${np#*:}) stopped" >&2
    fi
  done
}
stop_pids slurmd slurmctld
stop_pids munged
exit $rc
