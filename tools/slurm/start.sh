#!/usr/bin/env bash
# Starts a single-node Slurm test cluster (munged, slurmctld, slurmd) on this host, as root, with
# every file under one folder: tools/slurm/start.sh [DIR]   (default $BNN_SLURM_DIR or /tmp/bnn-slurm)
#
# Prints `export SLURM_CONF=DIR/slurm.conf` on stdout (also written to DIR/env); progress goes to
# stderr. Idempotent: if the cluster in DIR already answers, it only prints the export line.
# Stop it with tools/slurm/stop.sh [DIR] (kills the daemons by their pid files).
# Environment: BNN_SLURM_CPUS (2), BNN_SLURM_MEM_MB (2048), BNN_SLURM_CTLD_PORT (16817),
# BNN_SLURM_SLURMD_PORT (16818), BNN_SLURM_TIMEOUT_S (60).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:-${BNN_SLURM_DIR:-/tmp/bnn-slurm}}"
cpus="${BNN_SLURM_CPUS:-2}"
mem="${BNN_SLURM_MEM_MB:-2048}"
ctld_port="${BNN_SLURM_CTLD_PORT:-16817}"
slurmd_port="${BNN_SLURM_SLURMD_PORT:-16818}"
timeout_s="${BNN_SLURM_TIMEOUT_S:-60}"
host="$(hostname -s)"

die() {
  echo "slurm start: $*" >&2
  for f in "$dir"/log/*.log; do
    [ -f "$f" ] && { echo "--- tail of $f" >&2; tail -n 15 "$f" >&2; }
  done
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (the test cluster runs its daemons as root)"
for b in munged mungekey slurmctld slurmd sinfo scontrol; do
  command -v "$b" >/dev/null 2>&1 ||
    die "'$b' not found: apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge"
done

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# One start or stop at a time per folder (test processes may race to start the cluster).
mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock -w 120 9 || die "another start/stop holds $dir.lock"

if alive "$dir/run/munged.pid" && alive "$dir/run/slurmctld.pid" && alive "$dir/run/slurmd.pid" &&
  SLURM_CONF="$dir/slurm.conf" sinfo -h >/dev/null 2>&1; then
  echo "slurm start: cluster already running in $dir" >&2
  echo "export SLURM_CONF=$dir/slurm.conf"
  exit 0
fi

# Leftovers of an earlier cluster in the same folder: stop them, then start from a clean state.
BNN_SLURM_LOCKED=1 "$here/stop.sh" "$dir" >/dev/null 2>&1 || true
rm -rf "$dir"
mkdir -p "$dir"/{munge,run,log,state,spool}
chmod 711 "$dir/munge"
chmod 755 "$dir"

echo "slurm start: munge key and munged" >&2
mungekey --create --keyfile="$dir/munge/munge.key" >/dev/null 2>&1 ||
  { dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 2>/dev/null &&
    chmod 600 "$dir/munge/munge.key"; }
munged 9>&- --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" \
  --seed-file="$dir/munge/munged.seed" ||
  die "munged did not start"
for _ in $(seq 1 50); do [ -S "$dir/munge/munge.socket" ] && break; sleep 0.1; done
[ -S "$dir/munge/munge.socket" ] || die "munged socket $dir/munge/munge.socket did not appear"

"$here/write_conf.sh" "$dir" "$host" "$cpus" "$mem" "$ctld_port" "$slurmd_port" >"$dir/slurm.conf"
export SLURM_CONF="$dir/slurm.conf"
echo "export SLURM_CONF=$SLURM_CONF" >"$dir/env"

echo "slurm start: slurmctld and slurmd (node $host, $cpus CPUs)" >&2
slurmctld 9>&- -c -f "$SLURM_CONF" || die "slurmctld did not start"
slurmd 9>&- -f "$SLURM_CONF" -N "$host" || die "slurmd did not start"

echo "slurm start: waiting for node $host to be idle (up to ${timeout_s}s)" >&2
state=""
for _ in $(seq 1 $((timeout_s * 2))); do
  state="$(sinfo -h -N -n "$host" -o '%t' 2>/dev/null | head -n 1 || true)"
  case "$state" in
    idle | mix | alloc) break ;;
    drain* | drng | down*) scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true ;;
  esac
  sleep 0.5
done
case "$state" in
  idle | mix | alloc) ;;
  *) die "node $host is '${state:-not reported}' after ${timeout_s}s (see logs in $dir/log)" ;;
esac
echo "slurm start: cluster up; partition debug, SLURM_CONF=$SLURM_CONF" >&2
echo "export SLURM_CONF=$SLURM_CONF"
