/**
 * Scenario -> kernel plan: one POSIX shell script that runs a scenario on a
 * Linux machine as root and leaves its raw measurements in a directory.
 *
 * The network is three namespaces joined by veth pairs:
 *
 *   [snd] veth0 ---- to-snd [rtr] to-rcv ---- veth0 [rcv]
 *   10.201.1.1       10.201.1.2   10.201.2.2       10.201.2.1
 *
 * with TSO/GSO/GRO off on every veth (netem must see real packets), the
 * bottleneck as netem on rtr's egress towards the receiver and the ACK
 * path's delay and loss as netem on rtr's egress towards the sender (see
 * netem.ts), and `fq` on the sender's device when a flow asks for fq pacing.
 * The receive buffer may grow to twice the scenario's receive window
 * (`flows[].rwnd`, default 3 MB): Linux advertises half of it
 * (tcp_adv_win_scale 1), so the largest window is the simulator's. The send
 * buffer may grow to 32 MB so that it never limits a flow.
 *
 * Per flow i: an iperf3 server in rcv on port 5201+i and, after the flow's
 * start offset, an iperf3 client in snd bound to port 40000+i (`--cport`, so
 * samples can be told apart from iperf3's control connection) with
 * `-C <cc>`, `--json`, and the flow's duration or byte count; the client
 * runs under the LD_PRELOAD shim, which sets Brutal's parameters.
 *
 * While flows run: cclab_sampler samples the flows' sockets and the
 * bottleneck qdisc every sampleInterval; `ss -tin` and `tc -s qdisc` run
 * once a second for the record (they are too costly to run more often in a
 * TCG guest). Before and after: `tc -s qdisc`, and the sender's netstat.
 *
 * Files written to OUTDIR (read back by convert.ts):
 *   env.txt            release=, available_cc=, modules=
 *   timeline.txt       "t0 <uptime>", "start <i> <uptime>", "end <i> <rc> <uptime>"
 *   client-<i>.json    iperf3 client (sender) JSON; client-<i>.err its stderr
 *   server-<i>.json    iperf3 server (receiver) JSON
 *   shim-<i>.log       the shim's log (Brutal parameters, final TCP_INFO)
 *   samples.txt        cclab_sampler output
 *   ss.txt             `#T <uptime>` then `ss -tin` lines, once a second
 *   tc-before.txt, tc-after.txt, netstat-snd.txt
 *   error              one line, when the plan failed (exit code != 0)
 *
 * Exit codes: 0 ok, 3 failure, 4 congestion control missing, 5 target not
 * able to run plans (no root, no netem, missing tools).
 *
 * Cleanup runs on exit, error, interrupt and the plan's own timeout: it
 * stops every process the plan started (and anything else inside its
 * namespaces) and deletes the namespaces, which removes their qdiscs.
 */
import type { ResolvedFlow, ResolvedScenario } from '../scenario/resolve.js';
import { ackNetemArgs, dataNetemArgs } from './netem.js';
import { SAMPLER, SHIM } from './helpers.js';

export const RECEIVER_ADDR = '10.201.2.1';
export const SERVER_PORT_BASE = 5201;
export const CLIENT_PORT_BASE = 40000;
/** Largest send buffer a flow may grow to (bytes). */
export const SOCKET_BUFFER_MAX_BYTES = 32 * 1024 * 1024;
/** Linux advertises 1/2 of its receive buffer as window (tcp_adv_win_scale = 1). */
const RCVBUF_PER_WINDOW_BYTE = 2;

/** tcp_rmem's maximum that caps the advertised window at the largest flow's rwnd. */
export function receiveBufferMax(s: ResolvedScenario): number {
  return RCVBUF_PER_WINDOW_BYTE * Math.max(...s.flows.map((f) => f.rwndBytes));
}
/** How often the costly ss/tc snapshots run, at most (seconds). */
export const SNAPSHOT_INTERVAL_S = 1;
/** Time for setup and teardown on top of the scenario's duration (seconds). */
export const PLAN_OVERHEAD_S = 30;
const DEFAULT_MSS = 1448;
const MTU_OVERHEAD_BYTES = 52;

export const EXIT_FAILED = 3;
export const EXIT_CC_MISSING = 4;
export const EXIT_TARGET_UNFIT = 5;

export interface PlanOptions {
  /** Short unique id (letters and digits) naming the namespaces: cclab-<id>-snd etc. */
  runId: string;
  /** How to load a missing congestion-control module on this target (part of the error line). */
  moduleHint: string;
  /** Paths of the helpers on the target (defaults: the VM image's). */
  shimPath?: string;
  samplerPath?: string;
  /** The plan aborts itself after this many seconds (default: duration + PLAN_OVERHEAD_S). */
  timeoutS?: number;
}

/** Single-quote a string for sh. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Seconds as a decimal string without float noise. */
function secs(ns: number): string {
  return String(+(ns / 1e9).toFixed(6));
}

/** iperf3 takes whole seconds; a flow runs for its (rounded) active time. */
export function iperfSeconds(f: ResolvedFlow): number {
  return Math.max(1, Math.round((f.stopNs - f.startNs) / 1e9));
}

/** Default plan timeout for a scenario (seconds). */
export function planTimeoutS(s: ResolvedScenario): number {
  const lastEnd = Math.max(...s.flows.map((f) => f.startNs / 1e9 + iperfSeconds(f)), s.durationNs / 1e9);
  return Math.ceil(lastEnd + PLAN_OVERHEAD_S + 2 * s.flows.length);
}

function clientArgs(s: ResolvedScenario, f: ResolvedFlow, maxMss: number): string[] {
  const a = ['iperf3', '-c', RECEIVER_ADDR, '-p', String(SERVER_PORT_BASE + f.id), '--cport', String(CLIENT_PORT_BASE + f.id), '-C', f.cc, '-J'];
  if (f.bytes !== null) a.push('-n', String(f.bytes));
  else a.push('-t', String(iperfSeconds(f)));
  if (f.mss !== maxMss) a.push('-M', String(f.mss + 12));
  return a;
}

function clientEnv(f: ResolvedFlow): string[] {
  const env = [`LD_PRELOAD="$SHIM"`, `CCLAB_SHIM_LOG="$OUT/shim-${f.id}.log"`];
  if (f.brutal) env.push(`CCLAB_BRUTAL_RATE=${f.brutal.rateBytesPerSec}`, `CCLAB_BRUTAL_CWND_GAIN=${f.brutal.cwndGain}`);
  return env;
}

/** Generate the plan script for one scenario. */
export function generatePlan(s: ResolvedScenario, opts: PlanOptions): string {
  if (!/^[A-Za-z0-9]{1,12}$/.test(opts.runId)) throw new Error(`plan runId must be 1-12 letters or digits, got "${opts.runId}"`);
  const maxMss = Math.max(...s.flows.map((f) => f.mss));
  const mtu = maxMss === DEFAULT_MSS ? null : maxMss + MTU_OVERHEAD_BYTES;
  const ccs = [...new Set(s.flows.map((f) => f.cc))];
  const fq = s.flows.some((f) => f.pacing === 'fq');
  const sampleMs = Math.max(1, Math.round(s.sampleIntervalNs / 1e6));
  const snapshotS = Math.max(SNAPSHOT_INTERVAL_S, s.sampleIntervalNs / 1e9);
  const timeout = opts.timeoutS ?? planTimeoutS(s);
  const ports = s.flows.map((f) => CLIENT_PORT_BASE + f.id).join(',');
  const L: string[] = [];
  const add = (...lines: string[]): void => void L.push(...lines);

  add(
    '#!/bin/sh',
    `# cclab kernel plan for scenario ${JSON.stringify(s.name)}: ${s.flows.length} flow(s), ${secs(s.durationNs)} s.`,
    '# Generated by cclab (src/kernel/plan.ts); run as root: sh plan.sh OUTDIR',
    'set -u',
    'OUT=${1:?usage: plan.sh OUTDIR}',
    'mkdir -p "$OUT" || exit 3',
    `SHIM=\${CCLAB_SHIM:-${opts.shimPath ?? SHIM.guestPath}}`,
    `SAMPLER=\${CCLAB_SAMPLER:-${opts.samplerPath ?? SAMPLER.guestPath}}`,
    `NS_SND=cclab-${opts.runId}-snd`,
    `NS_RTR=cclab-${opts.runId}-rtr`,
    `NS_RCV=cclab-${opts.runId}-rcv`,
    'NS_ALL="$NS_SND $NS_RTR $NS_RCV"',
    'PIDS=""',
    'SAMPLER_PID=""',
    'SNAP_PID=""',
    'WATCHDOG=""',
    'uptime_s() { cut -d" " -f1 /proc/uptime; }',
    '',
    '# One line for the host, then exit (cleanup runs from the EXIT trap).',
    `fail() { code=$1; shift; echo "$*" >"$OUT/error"; echo "cclab plan: $*" >&2; exit "$code"; }`,
    '',
    '# Real iproute2 and ethtool binaries, by absolute path: busybox applets of the same',
    '# name would shadow them (its shell runs applets before searching PATH).',
    'findtool() {',
    '  for c in "$(command -v "$1" 2>/dev/null)" "/usr/sbin/$1" "/sbin/$1" "/usr/bin/$1" "/bin/$1"; do',
    '    case "$c" in /*) ;; *) continue ;; esac',
    '    if [ -x "$c" ] && "$c" -V 2>&1 | grep -q "$2"; then echo "$c"; return 0; fi',
    '  done',
    '  return 1',
    '}',
    '',
    'cleanup() {',
    '  rc=$?',
    '  trap - EXIT INT TERM HUP',
    '  [ -n "$WATCHDOG" ] && kill "$WATCHDOG" 2>/dev/null',
    '  [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null',
    '  touch "$OUT/.stop"',
    '  for p in $PIDS; do kill "$p" 2>/dev/null; done',
    '  if [ -n "${IP:-}" ]; then',
    '    for ns in $NS_ALL; do',
    '      pids=$("$IP" netns pids "$ns" 2>/dev/null)',
    '      [ -n "$pids" ] && kill -9 $pids 2>/dev/null',
    '    done',
    '  fi',
    '  wait 2>/dev/null',
    '  if [ -n "${IP:-}" ]; then',
    '    for ns in $NS_ALL; do "$IP" netns del "$ns" 2>/dev/null; done',
    '  fi',
    '  rm -f "$OUT/.stop"',
    '  exit "$rc"',
    '}',
    'trap cleanup EXIT',
    "trap 'exit 130' INT",
    "trap 'exit 143' TERM",
    "trap 'exit 129' HUP",
    '',
    `# Watchdog: the whole plan ends after ${timeout} s whatever happens.`,
    '(',
    '  trap \'kill "$sp" 2>/dev/null; exit 0\' TERM',
    `  sleep ${timeout} & sp=$!`,
    '  wait "$sp"',
    `  echo "plan timed out after ${timeout} s" >"$OUT/error"`,
    '  kill -TERM $$',
    ') &',
    'WATCHDOG=$!',
    '',
    '# --- preflight: privileges, tools, congestion controls',
    '[ "$(id -u)" = 0 ] || fail 5 "needs root (run as root, or use --target vm)"',
    'IP=$(findtool ip iproute2) || fail 5 "iproute2\'s ip not found (install iproute2)"',
    'TC=$(findtool tc iproute2) || fail 5 "iproute2\'s tc not found (install iproute2)"',
    'SS=$(findtool ss iproute2) || fail 5 "iproute2\'s ss not found (install iproute2)"',
    'ETHTOOL=$(findtool ethtool ethtool) || fail 5 "ethtool not found (install ethtool)"',
    'command -v iperf3 >/dev/null 2>&1 || fail 5 "iperf3 not found (install iperf3)"',
    '[ -r "$SHIM" ] || fail 5 "LD_PRELOAD shim not found at $SHIM"',
    '[ -x "$SAMPLER" ] || fail 5 "cclab_sampler not found at $SAMPLER"',
    'modprobe -q tcp_diag 2>/dev/null',
    'AVAIL=$(cat /proc/sys/net/ipv4/tcp_available_congestion_control 2>/dev/null)',
  );
  for (const cc of ccs) {
    add(
      `case " $AVAIL " in *" ${cc} "*) ;; *)`,
      `  modprobe -q tcp_${cc} 2>/dev/null`,
      '  AVAIL=$(cat /proc/sys/net/ipv4/tcp_available_congestion_control 2>/dev/null)',
      `  case " $AVAIL " in *" ${cc} "*) ;; *) fail 4 "congestion control \\"${cc}\\" is not available (tcp_available_congestion_control: $AVAIL); ${opts.moduleHint.replace(/["$`\\]/g, '\\$&')}" ;; esac ;;`,
      'esac',
    );
  }
  add(
    '{',
    '  echo "release=$(uname -r)"',
    '  echo "available_cc=$AVAIL"',
    '  echo "modules=$(cut -d" " -f1 /proc/modules 2>/dev/null | sort | tr "\\n" " ")"',
    '} >"$OUT/env.txt"',
    '',
    '# --- network: snd -- rtr -- rcv',
    'for ns in $NS_ALL; do "$IP" netns add "$ns" || fail 5 "cannot create network namespace $ns (needs root and netns support)"; done',
    '"$IP" link add veth0 netns "$NS_SND" type veth peer name to-snd netns "$NS_RTR" || fail 5 "cannot create veth pair (kernel module veth missing?)"',
    '"$IP" link add veth0 netns "$NS_RCV" type veth peer name to-rcv netns "$NS_RTR" || fail 5 "cannot create veth pair (kernel module veth missing?)"',
    'while read -r ns dev addr; do',
    '  "$IP" -n "$ns" addr add "$addr" dev "$dev" || fail 3 "cannot configure $dev in $ns"',
  );
  if (mtu !== null) add(`  "$IP" -n "$ns" link set "$dev" mtu ${mtu} || fail 3 "cannot set MTU ${mtu} on $dev"`);
  add(
    '  "$IP" -n "$ns" link set "$dev" up',
    '  "$IP" netns exec "$ns" "$ETHTOOL" -K "$dev" tso off gso off gro off >/dev/null 2>&1 || fail 3 "ethtool -K $dev tso off gso off gro off failed"',
    'done <<EOF',
    '$NS_SND veth0 10.201.1.1/24',
    '$NS_RTR to-snd 10.201.1.2/24',
    '$NS_RTR to-rcv 10.201.2.2/24',
    `$NS_RCV veth0 ${RECEIVER_ADDR}/24`,
    'EOF',
    'for ns in $NS_ALL; do',
    '  "$IP" -n "$ns" link set lo up',
    '  [ -d /proc/sys/net/ipv6 ] && "$IP" netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1',
    'done',
    '"$IP" -n "$NS_SND" route add default via 10.201.1.2 || fail 3 "cannot add the sender\'s route"',
    '"$IP" -n "$NS_RCV" route add default via 10.201.2.2 || fail 3 "cannot add the receiver\'s route"',
    '"$IP" netns exec "$NS_RTR" sysctl -qw net.ipv4.ip_forward=1 >/dev/null || fail 3 "cannot enable forwarding in the router"',
    'for ns in $NS_SND $NS_RCV; do',
    `  "$IP" netns exec "$ns" sysctl -qw "net.ipv4.tcp_rmem=4096 131072 ${receiveBufferMax(s)}" "net.ipv4.tcp_wmem=4096 16384 ${SOCKET_BUFFER_MAX_BYTES}" net.ipv4.tcp_no_metrics_save=1 >/dev/null || fail 3 "cannot set TCP buffer sysctls in $ns"`,
    'done',
    '',
    '# --- bottleneck (data direction) and ACK path, both on the router',
    `"$TC" -n "$NS_RTR" qdisc add dev to-rcv root ${dataNetemArgs(s.link, maxMss).join(' ')} || fail 5 "cannot add netem on the bottleneck (kernel module sch_netem missing? modprobe sch_netem)"`,
    `"$TC" -n "$NS_RTR" qdisc add dev to-snd root ${ackNetemArgs(s.link, maxMss).join(' ')} || fail 5 "cannot add netem on the ACK path (kernel module sch_netem missing? modprobe sch_netem)"`,
  );
  if (fq) add('"$TC" -n "$NS_SND" qdisc replace dev veth0 root fq || fail 5 "cannot add fq on the sender (kernel module sch_fq missing? modprobe sch_fq)"');
  add(
    'snapshot_tc() { for ns in $NS_ALL; do echo "### $ns"; "$TC" -n "$ns" -s qdisc show; done; }',
    'snapshot_tc >"$OUT/tc-before.txt" 2>&1',
    '',
    '# --- receivers',
  );
  for (const f of s.flows) {
    add(
      `"$IP" netns exec "$NS_RCV" iperf3 -s -1 -p ${SERVER_PORT_BASE + f.id} -J >"$OUT/server-${f.id}.json" 2>"$OUT/server-${f.id}.err" &`,
      'PIDS="$PIDS $!"',
    );
  }
  add(
    'n=0',
    `until [ "$("$SS" -N "$NS_RCV" -Hltn 2>/dev/null | grep -c ':5[0-9][0-9][0-9] ')" -ge ${s.flows.length} ]; do`,
    '  n=$((n + 1)); [ "$n" -gt 100 ] && fail 3 "iperf3 servers did not start listening (see server-*.err)"',
    '  sleep 0.1',
    'done',
    '',
    '# --- samplers',
    `"$SAMPLER" ${sampleMs} "$NS_SND" ${ports} "$NS_RTR" to-rcv >"$OUT/samples.txt" 2>"$OUT/samples.err" &`,
    'SAMPLER_PID=$!',
    '(',
    '  while [ ! -e "$OUT/.stop" ]; do',
    '    echo "#T $(uptime_s)"',
    `    "$SS" -N "$NS_SND" -tinH '( ${s.flows.map((f) => `sport = :${CLIENT_PORT_BASE + f.id}`).join(' or ')} )'`,
    `    sleep ${snapshotS}`,
    '  done',
    ') >"$OUT/ss.txt" 2>&1 &',
    '# (not in PIDS: cleanup lets it finish its last sleep rather than orphan it)',
    'SNAP_PID=$!',
    '',
    '# --- senders',
    'echo "t0 $(uptime_s)" >"$OUT/timeline.txt"',
    'CLIENTS=""',
  );
  for (const f of s.flows) {
    const sleep = f.startNs > 0 ? `sleep ${secs(f.startNs)}; ` : '';
    const cmd = `${sleep}echo "start ${f.id} $(cut -d" " -f1 /proc/uptime)" >>"$OUT/timeline.txt"; exec env ${clientEnv(f).join(' ')} ${clientArgs(s, f, maxMss).join(' ')} >"$OUT/client-${f.id}.json" 2>"$OUT/client-${f.id}.err"`;
    add(
      `OUT="$OUT" SHIM="$SHIM" "$IP" netns exec "$NS_SND" sh -c ${shQuote(cmd)} &`,
      `CLIENTS="$CLIENTS ${f.id}:$!"`,
      'PIDS="$PIDS $!"',
    );
  }
  add(
    'for c in $CLIENTS; do',
    '  id=${c%%:*}; pid=${c#*:}',
    '  wait "$pid"; rc=$?',
    '  echo "end $id $rc $(uptime_s)" >>"$OUT/timeline.txt"',
    'done',
    '# receivers end by themselves once their client is done (iperf3 -s -1)',
    'n=0',
    `while [ "$("$IP" netns pids "$NS_RCV" 2>/dev/null | wc -l)" -gt 0 ]; do`,
    '  n=$((n + 1)); [ "$n" -gt 100 ] && break',
    '  sleep 0.1',
    'done',
    'kill "$SAMPLER_PID" 2>/dev/null; wait "$SAMPLER_PID" 2>/dev/null; SAMPLER_PID=""',
    'touch "$OUT/.stop"; wait "$SNAP_PID" 2>/dev/null',
    'snapshot_tc >"$OUT/tc-after.txt" 2>&1',
    '"$IP" netns exec "$NS_SND" cat /proc/net/netstat >"$OUT/netstat-snd.txt" 2>/dev/null',
    'for c in $CLIENTS; do',
    '  id=${c%%:*}',
    '  [ -s "$OUT/client-$id.json" ] || fail 3 "iperf3 client of flow $id wrote nothing: $(head -c 300 "$OUT/client-$id.err" | tr "\\n" " ")"',
    'done',
    'exit 0',
    '',
  );
  return L.join('\n');
}
