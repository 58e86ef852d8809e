#!/bin/bash
# A private single-node Slurm cluster for the scale-out test, as root, without
# systemd (facts: docs/scale-out.md "Trying it on one machine").
#
#   test/env/slurm.sh up DIR     start munged, slurmctld and slurmd with every
#                                file (key, socket, state, spool, logs, pids,
#                                slurm.conf) under DIR; prints the SLURM_CONF to
#                                export; DIR/pids lists the daemons' pids
#   test/env/slurm.sh down DIR   stop them by those pids (TERM, then KILL after
#                                10 s) and wait until they are gone
#
# Nothing is written outside DIR, and the ports are free ones picked at start,
# so it does not clash with a Slurm of the machine.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [[ -z $cmd || -z $dir ]]; then
  echo "usage: $0 up|down DIR" >&2
  exit 2
fi

stop() {
  local pids
  [[ -f $dir/pids ]] || return 0
  pids=$(cat "$dir/pids")
  # the node daemon first, so that no job step is started while the rest stop
  for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 100); do
    local alive=0
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
    [[ $alive == 0 ]] && break
    sleep 0.1
  done
  for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
  rm -f "$dir/pids"
}

if [[ $cmd == down ]]; then
  stop
  exit 0
fi
[[ $cmd == up ]] || { echo "$0: unknown command $cmd (up or down)" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "$0: needs root (slurmd runs jobs as their user)" >&2; exit 1; }
for c in munged slurmctld slurmd sinfo; do
  command -v "$c" >/dev/null || [[ -x /usr/sbin/$c ]] || { echo "$0: $c not found (apt-get install slurm-wlm munge)" >&2; exit 1; }
done
export PATH=$PATH:/usr/sbin

dir=$(realpath "$dir")
mkdir -p "$dir"/{munge/run,munge/etc,state,spool,log}
: >"$dir/pids"
trap 'stop' ERR

# munge: a fresh key, the socket folder 755, the key folder 700, all owned by munge
dd if=/dev/urandom of="$dir/munge/etc/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/etc/munge.key"
chmod 700 "$dir/munge/etc"
chmod 755 "$dir/munge" "$dir/munge/run"
chown -R munge:munge "$dir/munge"
: >"$dir/munge/munged.out"
chown munge:munge "$dir/munge/munged.out"
chmod 711 "$dir"
# in the foreground (setpriv execs it as the munge user): $! is munged itself
setsid setpriv --reuid=munge --regid=munge --init-groups munged --foreground --key-file="$dir/munge/etc/munge.key" \
  --socket="$dir/munge/run/munge.socket" --pid-file="$dir/munge/run/munged.pid" --log-file="$dir/munge/munged.log" \
  --seed-file="$dir/munge/munge.seed" >"$dir/munge/munged.out" 2>&1 </dev/null &
echo $! >>"$dir/pids"
for _ in $(seq 50); do [[ -S $dir/munge/run/munge.socket ]] && break; sleep 0.1; done

# two free TCP ports on loopback
read -r p1 p2 < <(node -e '
const net = require("node:net");
const get = () => new Promise((r) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => r(p)); }); });
(async () => { const a = await get(); let b = await get(); while (b === a) b = await get(); console.log(a, b); })();')

host=$(hostname -s)
cpus=$(nproc)
cat >"$dir/slurm.conf" <<EOF
ClusterName=cclabtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$p1
SlurmdPort=$p2
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/run/munge.socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
DependencyParameters=kill_invalid_depend
MailProg=/bin/true
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$dir/slurm.conf

setsid slurmctld -D -f "$SLURM_CONF" >"$dir/log/slurmctld.out" 2>&1 </dev/null &
echo $! >>"$dir/pids"
setsid slurmd -D -f "$SLURM_CONF" >"$dir/log/slurmd.out" 2>&1 </dev/null &
echo $! >>"$dir/pids"

for _ in $(seq 150); do
  state=$(sinfo -h -o %T 2>/dev/null || true)
  [[ $state == idle ]] && break
  sleep 0.1
done
if [[ $state != idle ]]; then
  echo "$0: the node did not become idle (sinfo: ${state:-no answer}); logs in $dir/log" >&2
  stop
  exit 1
fi
echo "SLURM_CONF=$SLURM_CONF"
