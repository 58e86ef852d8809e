#!/bin/sh
# shellcheck shell=sh
#
# cclab kernel plan library: the fixed part of every kernel plan.
#
# src/kernel/plan.ts generates a short script of what varies between runs
# (variables, and one start_client line per flow; a run keeps it as
# raw/plan.sh) that ends with `plan_main "$@"`. The harness runs this
# library followed by that script, as root:
#
#   cat kernel/plan-lib.sh plan.sh | sh -s OUTDIR
#
# The network is three namespaces joined by veth pairs:
#
#   [snd] veth0 ---- to-snd [rtr] to-rcv ---- veth0 [rcv]
#   10.201.1.1       10.201.1.2   10.201.2.2       10.201.2.1
#
# with TSO/GSO/GRO off on every veth (netem must see real packets), the
# bottleneck on rtr's egress towards the receiver and the ACK path's delay
# and loss ($NETEM_ACK) on rtr's egress towards the sender, and `fq` on the
# sender's device when a flow asks for fq pacing ($FQ = 1). The bottleneck
# is either
#   - drop-tail ($AQM empty): netem alone ($NETEM_DATA: its limit is the
#     queue plus the delay line, with delay, loss and the link's rate), or
#   - an AQM ($AQM, tc arguments such as `fq_codel limit 1000 ...`): tbf at
#     the link's rate ($SHAPER_RATE bit/s, a burst of one packet,
#     $SHAPER_BURST bytes) as the root, netem as its child for the delay
#     and the random loss only ($NETEM_DATA without a rate: no queue of its
#     own, so the loss falls before the AQM's queue, as in the simulator),
#     and the AQM as netem's child, where the standing queue forms:
#       to-rcv: tbf 1: -> netem 2: -> $AQM 3:
# The receive buffer may grow to $RMEM_MAX, the send buffer to $WMEM_MAX.
#
# Reverse flows ($REV_FLOWS: flows[].direction reverse) send data from rcv
# to snd: the link's reverse direction is then a bottleneck of its own, and
# rtr's to-snd gets the same layout as to-rcv with $NETEM_REV (the reverse
# delay, link.ackLoss on every packet, and for drop-tail the link's rate and
# queue) in place of $NETEM_ACK: netem alone, or tbf -> netem -> $AQM. A
# reverse flow's server runs in snd and its client (iperf3 or cclab_flow,
# under the shim, bound to port 40000+i) in rcv, towards 10.201.1.1; a
# second cclab_sampler samples its sockets in rcv and the to-snd qdiscs
# (samples-rev.txt), `ss` snapshots cover rcv too, and rcv's netstat is
# kept (netstat-rcv.txt, and netstat-rcv-warmup.txt at the warm-up's end).
#
# Per bulk flow i (0 .. $FLOWS-1): an iperf3 server in rcv on port 5201+i
# and, after the flow's start offset, an iperf3 client in snd bound to port
# 40000+i (`--cport`, so samples can be told apart from iperf3's control
# connection) with `--json` and the plan's arguments (-C <cc>, -t, -M),
# run under the LD_PRELOAD shim, which sets Brutal's parameters from the
# environment the plan gives.
#
# Flows that are not bulk transfers ($GEN_FLOWS: byte-limited, paced at a
# rate, on/off, or a workload of many short connections) run cclab_flow
# instead of iperf3 (kernel/flow/cclab_flow.c says why and how): a
# `cclab_flow server` on port 5201+i in rcv, and 1 s before the flow's start
# a `cclab_flow client` in snd under the same shim, with the schedule of its
# connections that the plan's plan_schedules wrote into OUTDIR
# (schedule-<i>.txt, times in seconds from t0). A flow of one connection
# uses client port 40000+i as iperf3 would; a workload's connections each
# take a port of their own from the flow's range in $WORKLOAD_PORTS (a
# power of two of ports, aligned, so one u32 match and one routing rule
# cover it), and the sender's ephemeral ports move below 40000 so that
# nothing else takes them.
#
# While flows run: cclab_sampler samples the flows' sockets and the
# bottleneck qdisc every $SAMPLE_MS ms; `ss -tin` and `tc -s qdisc` run every
# $SNAPSHOT_S s for the record (they are too costly to run more often in a
# TCG guest). Before and after: `tc -s qdisc`, and the sender's netstat.
#
# Files written to OUTDIR (read back by src/kernel/convert.ts):
#   env.txt            release=, available_cc=, modules=, tcp_mem= (pages)
#   neigh.txt          every namespace's neighbour table after pin_neighbours
#   timeline.txt       "t0 <uptime>", "start <i> <uptime>", "end <i> <rc> <uptime>"
#   client-<i>.json    iperf3 client (sender) JSON; client-<i>.err its stderr
#   server-<i>.json    iperf3 server (receiver) JSON
#   shim-<i>.log       the shim's log (Brutal parameters, final TCP_INFO)
#   schedule-<i>.txt   a cclab_flow flow's schedule (the plan's plan_schedules)
#   flow-<i>.log       its client's log: one line per connection (SYN, the
#                      last byte's ACK, tcp_info); flow-<i>.err its stderr
#   flow-server-<i>.log  its server's log: one line per connection (accept,
#                      bytes read, EOF)
#   samples.txt        cclab_sampler output
#   ss.txt             `#T <uptime>` then `ss -tin` lines, every $SNAPSHOT_S s
#   tc-before.txt, tc-after.txt, netstat-snd.txt
#   ping.txt           the latency probe's ping output (only with $PROBE;
#                      timeline.txt: "probe <uptime>" as it starts)
#   trace-pacer.txt, trace-tc.err   a trace link's rate changes as cclab_pacer
#                      wrote them, and what tc said (start_trace); a reverse
#                      trace's: trace-pacer-rev.txt, trace-tc-rev.err; a
#                      chain's trace link i's: trace-pacer-<i>.txt, trace-tc-<i>.err
#   tc-warmup.txt, netstat-warmup.txt   the router's qdiscs and the sender's
#                      netstat at the warm-up's end (only with $WARMUP_S;
#                      timeline.txt: "warmup <uptime>" just before them)
#   error              one line, when the plan failed (exit code != 0)
#
# Exit codes: 0 ok, 3 failure, 4 congestion control missing, 5 target not
# able to run plans (no root, no netem, missing tools).
#
# Cleanup runs on exit, error, interrupt and the plan's own timeout: it
# stops every process the plan started (and anything else inside its
# namespaces) and deletes the namespaces, which removes their qdiscs.
#
# Variables the plan sets (all required):
#   RUN_ID        letters and digits naming the namespaces: cclab-$RUN_ID-snd ...
#   TIMEOUT_S     the whole plan ends after this many seconds
#   SHIM_PATH, SAMPLER_PATH   the helpers on the target (CCLAB_SHIM and
#                 CCLAB_SAMPLER in the environment override them)
#   FLOW_PATH     optional (with GEN_FLOWS): cclab_flow on the target
#                 (CCLAB_FLOW overrides it)
#   CCS           congestion controls the flows use, space-separated
#   MODULE_HINT   how to load a missing congestion-control module here
#   MODULE_PARAMS optional: "module param value" triples written to
#                 /sys/module/<module>/parameters/<param> (DCTCP's dctcp_shift_g)
#   MTU           MTU of every veth, or empty for the default (1500)
#   RMEM_MAX, WMEM_MAX        tcp_rmem and tcp_wmem maxima, bytes
#   NETEM_DATA, NETEM_ACK     tc arguments of the two router netems
#   AQM           tc arguments of the bottleneck's AQM, or empty for drop-tail
#   SHAPER_RATE, SHAPER_BURST the AQM's shaper (tbf): bit/s and bytes
#   FQ            1: fq on the sender's device
#   FQ_REV        optional: 1: fq on the receiving host's device (a reverse
#                 flow with pacing: fq)
#   ECN_FLOWS     the flows (ids, space-separated) that use ECN
#   FLOWS         number of flows
#   GEN_FLOWS     optional: the flows (ids) that cclab_flow runs; the plan
#                 then defines plan_schedules (schedule calls)
#   WORKLOAD_PORTS  optional: "id:lo-hi ...", the client ports of workload flows
#   REV_WORKLOADS optional: the reverse workload flows (ids): rcv's ephemeral
#                 ports move below 40000 too
#   WARMUP_S      optional: seconds after t0 at which the warm-up ends
#   ACK_BANDS     optional: flows with an RTT of their own (flows[].rtt): the
#                 ACK path becomes prio with band 0 the link's netem
#                 ($NETEM_ACK) and one band per extra delay, each with its own
#                 netem, set up by the plan's plan_ack_bands (ack_band calls)
#   REV_FLOWS     optional: the reverse flows (ids); NETEM_REV then gives the
#                 tc arguments of the reverse bottleneck's netem on to-snd
#   REV_SHAPER_RATE, REV_QUEUE  optional: to-snd in the shaper layout at this
#                 rate (bit/s) with this queue (tc arguments) under netem
#                 ($NETEM_REV): a reverse trace (link.trace.reverse; without
#                 reverse flows the ACK direction, an unlimited pfifo as
#                 mahimahi's), or reverse flows next to a forward trace (at
#                 the link's rate, the trace's mean)
#   DELAY_BANDS   optional: flows' extra delays (flows[].rtt) that the
#                 router's ACK path cannot hold (a chain; one link with a
#                 reverse bottleneck): the plan's plan_delay_bands calls
#                 delay_bands/delay_band, prio bands with a netem each on
#                 r<i>'s to-s (a chain) or on rcv's / snd's veth0
#   PROBE         optional: "start interval size count": a latency probe,
#                 ping from snd to the receiver (ICMP payload size bytes,
#                 count requests every interval s, from start s after t0)
#   SAMPLE_MS, SNAPSHOT_S     sampling intervals
# and a function plan_clients that calls start_client (iperf3) or
# start_flow (cclab_flow) once per flow.
#
# A chain of links (scenario `links:`, a parking lot) replaces the three
# namespaces with routers r0 .. rN joined in a line, link i between r<i>
# and r<i+1>, and end hosts at the routers: sender s<i> at r<i> (the flows
# whose path starts at link i) and receiver d<j> at r<j+1> (those whose
# path ends at link j):
#
#   [s0]          [s1]          [s2]
#     |             |             |
#   [r0] -link 0- [r1] -link 1- [r2] -link 2- [r3]
#                   |             |             |
#                 [d0]          [d1]          [d2]
#
#   s<i> veth0 10.202.<i>.1 -- to-s 10.202.<i>.2 r<i>
#   d<j> veth0 10.203.<j>.1 -- to-d 10.203.<j>.2 r<j+1>
#   r<i> to-rcv 10.204.<i>.1 -- to-snd 10.204.<i>.2 r<i+1>
#
# Link i's bottleneck is on r<i>'s to-rcv, built as the single link's (netem,
# or tbf -> netem -> AQM), its ACK direction's netem on r<i+1>'s to-snd; each
# router routes every host subnet along the chain, so a flow crosses exactly
# the links of its path. Variables (only in chain plans): HOPS (links),
# FLOW_HOPS ("id:first:last ..." per flow) and a function plan_hops that
# calls `hop I NETEM_DATA NETEM_ACK AQM SHAPER_RATE` per link (the single
# link's variables of the same names then go unused). plan_clients calls
# chain_flow ID before each flow's start line, which points NS_SND, NS_RCV
# and RECEIVER_ADDR at the flow's hosts. Per link i: samples-<i>.txt (a
# sampler in s<i> for its flows' sockets and r<i>'s bottleneck); per sender:
# netstat-snd-<i>.txt (and netstat-warmup-<i>.txt); the tc snapshots cover
# every namespace, `### <namespace>` before each.

RECEIVER_ADDR=10.201.2.1
SENDER_ADDR=10.201.1.1
SERVER_PORT_BASE=5201
CLIENT_PORT_BASE=40000

uptime_s() { cut -d" " -f1 /proc/uptime; }

# flow_ports ID: flow ID's client ports, "lo hi" (one port unless a workload's range).
flow_ports() {
  for w in ${WORKLOAD_PORTS:-}; do
    case "$w" in "$1":*)
      r=${w#*:}
      echo "${r%-*} ${r#*-}"
      return
      ;;
    esac
  done
  echo "$((CLIENT_PORT_BASE + $1)) $((CLIENT_PORT_BASE + $1))"
}

# is_gen_flow ID: does cclab_flow run flow ID?
is_gen_flow() {
  case " ${GEN_FLOWS:-} " in *" $1 "*) return 0 ;; esac
  return 1
}

# is_rev_flow ID: does flow ID send its data the reverse way (rcv -> snd)?
is_rev_flow() {
  case " ${REV_FLOWS:-} " in *" $1 "*) return 0 ;; esac
  return 1
}

# flow_ends ID: "client-namespace server-namespace server-address" of flow ID.
# shellcheck disable=SC2317 # called by start_client, when a plan has one
flow_ends() {
  if is_rev_flow "$1"; then echo "$NS_RCV $NS_SND $SENDER_ADDR"; else echo "$NS_SND $NS_RCV $RECEIVER_ADDR"; fi
}

# One line for the host, then exit (cleanup runs from the EXIT trap).
fail() {
  code=$1
  shift
  echo "$*" >"$OUT/error"
  echo "cclab plan: $*" >&2
  exit "$code"
}

# Real iproute2 and ethtool binaries, by absolute path: busybox applets of the same
# name would shadow them (its shell runs applets before searching PATH).
findtool() {
  for c in "$(command -v "$1" 2>/dev/null)" "/usr/sbin/$1" "/sbin/$1" "/usr/bin/$1" "/bin/$1"; do
    case "$c" in /*) ;; *) continue ;; esac
    if [ -x "$c" ] && "$c" -V 2>&1 | grep -q "$2"; then
      echo "$c"
      return 0
    fi
  done
  return 1
}

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  rc=$?
  trap - EXIT INT TERM HUP
  [ -n "$WATCHDOG" ] && kill "$WATCHDOG" 2>/dev/null
  [ -n "${WARMUP_PID:-}" ] && kill "$WARMUP_PID" 2>/dev/null
  # shellcheck disable=SC2086 # one pid per link on a chain
  [ -n "$SAMPLER_PID" ] && kill $SAMPLER_PID 2>/dev/null
  [ -n "${REV_SAMPLER_PID:-}" ] && kill "$REV_SAMPLER_PID" 2>/dev/null
  touch "$OUT/.stop"
  for p in $PIDS; do kill "$p" 2>/dev/null; done
  if [ -n "${IP:-}" ]; then
    for ns in $NS_ALL; do
      pids=$("$IP" netns pids "$ns" 2>/dev/null)
      # shellcheck disable=SC2086 # a list of pids
      [ -n "$pids" ] && kill -9 $pids 2>/dev/null
    done
  fi
  wait 2>/dev/null
  if [ -n "${IP:-}" ]; then
    for ns in $NS_ALL; do "$IP" netns del "$ns" 2>/dev/null; done
  fi
  rm -f "$OUT/.stop"
  exit "$rc"
}

# The whole plan ends after TIMEOUT_S seconds whatever happens.
start_watchdog() {
  (
    trap 'kill "$sp" 2>/dev/null; exit 0' TERM
    sleep "$TIMEOUT_S" &
    sp=$!
    wait "$sp"
    echo "plan timed out after $TIMEOUT_S s" >"$OUT/error"
    kill -TERM $$
  ) &
  WATCHDOG=$!
}

# Privileges, tools, congestion controls; then env.txt.
preflight() {
  [ "$(id -u)" = 0 ] || fail 5 "needs root (run as root, or use --target vm)"
  IP=$(findtool ip iproute2) || fail 5 "iproute2's ip not found (install iproute2)"
  TC=$(findtool tc iproute2) || fail 5 "iproute2's tc not found (install iproute2)"
  SS=$(findtool ss iproute2) || fail 5 "iproute2's ss not found (install iproute2)"
  ETHTOOL=$(findtool ethtool ethtool) || fail 5 "ethtool not found (install ethtool)"
  command -v iperf3 >/dev/null 2>&1 || fail 5 "iperf3 not found (install iperf3)"
  if [ -n "${PROBE:-}" ]; then command -v ping >/dev/null 2>&1 || fail 5 "ping not found for the latency probe (install iputils-ping or busybox)"; fi
  [ -r "$SHIM" ] || fail 5 "LD_PRELOAD shim not found at $SHIM"
  [ -x "$SAMPLER" ] || fail 5 "cclab_sampler not found at $SAMPLER"
  if [ -n "${GEN_FLOWS:-}" ]; then [ -x "$FLOW_BIN" ] || fail 5 "cclab_flow not found at $FLOW_BIN"; fi
  modprobe -q tcp_diag 2>/dev/null
  AVAIL=$(cat /proc/sys/net/ipv4/tcp_available_congestion_control 2>/dev/null)
  for cc in $CCS; do
    case " $AVAIL " in *" $cc "*) continue ;; esac
    modprobe -q "tcp_$cc" 2>/dev/null
    AVAIL=$(cat /proc/sys/net/ipv4/tcp_available_congestion_control 2>/dev/null)
    case " $AVAIL " in *" $cc "*) ;; *) fail 4 "congestion control \"$cc\" is not available (tcp_available_congestion_control: $AVAIL); $MODULE_HINT" ;; esac
  done
  # CCs that need a module version (bbr3: Google's tcp_bbr with MODULE_VERSION 3)
  # shellcheck disable=SC2086
  set -- ${CC_VERSIONS:-}
  while [ $# -ge 3 ]; do
    have=$(cat "/sys/module/tcp_$1/version" 2>/dev/null)
    [ -n "$have" ] || have="unversioned (Linux's BBR v1)"
    [ "$have" = "$2" ] || fail 4 "cc $3 needs tcp_$1 version $2, this kernel's is $have: Debian's kernel has no BBRv3; use a target with Google's v3 kernel (github.com/google/bbr, branch v3) or --backend sim"
    shift 3
  done
  # module parameters are machine-wide: every run writes its own
  # shellcheck disable=SC2086
  set -- ${MODULE_PARAMS:-}
  while [ $# -ge 3 ]; do
    echo "$3" >"/sys/module/$1/parameters/$2" 2>/dev/null || fail 5 "cannot set $1's parameter $2 to $3 (/sys/module/$1/parameters/$2)"
    shift 3
  done
  {
    echo "release=$(uname -r)"
    echo "available_cc=$AVAIL"
    echo "modules=$(cut -d" " -f1 /proc/modules 2>/dev/null | sort | tr "\n" " ")"
    echo "tcp_mem=$(tr -s '\t ' '  ' </proc/sys/net/ipv4/tcp_mem 2>/dev/null)"
  } >"$OUT/env.txt"
}

# snd -- rtr -- rcv, addresses, routes, offloads off, TCP buffer sysctls.
setup_network() {
  for ns in $NS_ALL; do "$IP" netns add "$ns" || fail 5 "cannot create network namespace $ns (needs root and netns support)"; done
  "$IP" link add veth0 netns "$NS_SND" type veth peer name to-snd netns "$NS_RTR" || fail 5 "cannot create veth pair (kernel module veth missing?)"
  "$IP" link add veth0 netns "$NS_RCV" type veth peer name to-rcv netns "$NS_RTR" || fail 5 "cannot create veth pair (kernel module veth missing?)"
  while read -r ns dev addr; do
    "$IP" -n "$ns" addr add "$addr" dev "$dev" || fail 3 "cannot configure $dev in $ns"
    if [ -n "$MTU" ]; then "$IP" -n "$ns" link set "$dev" mtu "$MTU" || fail 3 "cannot set MTU $MTU on $dev"; fi
    "$IP" -n "$ns" link set "$dev" up
    "$IP" netns exec "$ns" "$ETHTOOL" -K "$dev" tso off gso off gro off >/dev/null 2>&1 || fail 3 "ethtool -K $dev tso off gso off gro off failed"
  done <<EOF
$NS_SND veth0 10.201.1.1/24
$NS_RTR to-snd 10.201.1.2/24
$NS_RTR to-rcv 10.201.2.2/24
$NS_RCV veth0 $RECEIVER_ADDR/24
EOF
  for ns in $NS_ALL; do
    "$IP" -n "$ns" link set lo up
    [ -d /proc/sys/net/ipv6 ] && "$IP" netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
  done
  "$IP" -n "$NS_SND" route add default via 10.201.1.2 || fail 3 "cannot add the sender's route"
  "$IP" -n "$NS_RCV" route add default via 10.201.2.2 || fail 3 "cannot add the receiver's route"
  "$IP" netns exec "$NS_RTR" sysctl -qw net.ipv4.ip_forward=1 >/dev/null || fail 3 "cannot enable forwarding in the router"
  # ECN per flow (net.ipv4.tcp_ecn is per namespace): an ECN flow's SYN asks for
  # ECN because its source port selects a route with `features ecn`, as
  # tcp_ecn = 1 would for every flow; the receiver accepts (tcp_ecn = 2)
  # (a reverse flow's SYN leaves rcv: its rule and route are there, via rcv's gateway)
  if [ -n "$ECN_FLOWS" ]; then
    "$IP" -n "$NS_SND" route add default via 10.201.1.2 table 100 features ecn || fail 3 "cannot add the ECN route"
    ecn_rcv=""
    for i in $ECN_FLOWS; do
      ns=$NS_SND
      if is_rev_flow "$i"; then
        ns=$NS_RCV
        [ -n "$ecn_rcv" ] || "$IP" -n "$NS_RCV" route add default via 10.201.2.2 table 100 features ecn || fail 3 "cannot add the ECN route of the receiving host"
        ecn_rcv=1
      fi
      # shellcheck disable=SC2046 # two words
      set -- $(flow_ports "$i")
      sport=$1
      [ "$2" = "$1" ] || sport="$1-$2"
      "$IP" -n "$ns" rule add ipproto 6 sport "$sport" lookup 100 || fail 5 "cannot add a routing rule by source port for ECN (Linux 4.17 or later)"
    done
  fi
  # a workload's ports are its own: the sender's ephemeral ports stay below them
  # (and the receiving host's, where reverse workloads' clients run)
  if [ -n "${WORKLOAD_PORTS:-}" ]; then
    "$IP" netns exec "$NS_SND" sysctl -qw "net.ipv4.ip_local_port_range=32768 $((CLIENT_PORT_BASE - 1))" >/dev/null || fail 3 "cannot set the sender's ip_local_port_range"
    if [ -n "${REV_WORKLOADS:-}" ]; then
      "$IP" netns exec "$NS_RCV" sysctl -qw "net.ipv4.ip_local_port_range=32768 $((CLIENT_PORT_BASE - 1))" >/dev/null || fail 3 "cannot set the receiving host's ip_local_port_range"
    fi
  fi
  for ns in $NS_SND $NS_RCV; do
    "$IP" netns exec "$ns" sysctl -qw "net.ipv4.tcp_rmem=4096 131072 $RMEM_MAX" "net.ipv4.tcp_wmem=4096 16384 $WMEM_MAX" net.ipv4.tcp_no_metrics_save=1 >/dev/null || fail 3 "cannot set TCP buffer sysctls in $ns"
  done
}

# chain_flow ID: NS_SND, NS_RCV and RECEIVER_ADDR of flow ID's hosts on the chain.
chain_flow() {
  for h in $FLOW_HOPS; do
    case "$h" in "$1":*)
      r=${h#*:}
      NS_SND=cclab-$RUN_ID-s${r%:*}
      NS_RCV=cclab-$RUN_ID-d${r#*:}
      RECEIVER_ADDR=10.203.${r#*:}.1
      return
      ;;
    esac
  done
  fail 3 "flow $1 has no path in FLOW_HOPS"
}

# The chain: routers r0..r$HOPS, senders s<i>, receivers d<j>, routes along the
# chain, each link's qdiscs (the plan's plan_hops), fq and ECN per sender.
setup_chain() {
  for ns in $NS_ALL; do "$IP" netns add "$ns" || fail 5 "cannot create network namespace $ns (needs root and netns support)"; done
  cfg=""
  i=0
  while [ "$i" -lt "$HOPS" ]; do
    "$IP" link add veth0 netns "$NS_PRE-s$i" type veth peer name to-s netns "$NS_PRE-r$i" || fail 5 "cannot create veth pair (kernel module veth missing?)"
    "$IP" link add veth0 netns "$NS_PRE-d$i" type veth peer name to-d netns "$NS_PRE-r$((i + 1))" || fail 5 "cannot create veth pair"
    "$IP" link add to-rcv netns "$NS_PRE-r$i" type veth peer name to-snd netns "$NS_PRE-r$((i + 1))" || fail 5 "cannot create veth pair"
    cfg="$cfg
$NS_PRE-s$i veth0 10.202.$i.1/24
$NS_PRE-r$i to-s 10.202.$i.2/24
$NS_PRE-d$i veth0 10.203.$i.1/24
$NS_PRE-r$((i + 1)) to-d 10.203.$i.2/24
$NS_PRE-r$i to-rcv 10.204.$i.1/24
$NS_PRE-r$((i + 1)) to-snd 10.204.$i.2/24"
    i=$((i + 1))
  done
  echo "$cfg" | while read -r ns dev addr; do
    [ -n "$ns" ] || continue
    "$IP" -n "$ns" addr add "$addr" dev "$dev" || fail 3 "cannot configure $dev in $ns"
    if [ -n "$MTU" ]; then "$IP" -n "$ns" link set "$dev" mtu "$MTU" || fail 3 "cannot set MTU $MTU on $dev"; fi
    "$IP" -n "$ns" link set "$dev" up
    "$IP" netns exec "$ns" "$ETHTOOL" -K "$dev" tso off gso off gro off >/dev/null 2>&1 || fail 3 "ethtool -K $dev tso off gso off gro off failed"
  done || exit $?
  for ns in $NS_ALL; do
    "$IP" -n "$ns" link set lo up
    [ -d /proc/sys/net/ipv6 ] && "$IP" netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
  done
  i=0
  while [ "$i" -lt "$HOPS" ]; do
    "$IP" -n "$NS_PRE-s$i" route add default via 10.202.$i.2 || fail 3 "cannot add the route of sender s$i"
    "$IP" -n "$NS_PRE-d$i" route add default via 10.203.$i.2 || fail 3 "cannot add the route of receiver d$i"
    i=$((i + 1))
  done
  # router k: a host subnet at a router further on goes right (to-rcv), one before it left (to-snd)
  k=0
  while [ "$k" -le "$HOPS" ]; do
    "$IP" netns exec "$NS_PRE-r$k" sysctl -qw net.ipv4.ip_forward=1 >/dev/null || fail 3 "cannot enable forwarding in router r$k"
    j=0
    while [ "$j" -lt "$HOPS" ]; do
      # sender s<j> sits at r<j>, receiver d<j> at r<j+1>
      for net in "10.202.$j.0/24 $j" "10.203.$j.0/24 $((j + 1))"; do
        # shellcheck disable=SC2086 # two words
        set -- $net
        if [ "$k" -lt "$2" ]; then
          "$IP" -n "$NS_PRE-r$k" route add "$1" via 10.204.$k.2 || fail 3 "cannot add a route in router r$k"
        elif [ "$k" -gt "$2" ]; then
          "$IP" -n "$NS_PRE-r$k" route add "$1" via 10.204.$((k - 1)).1 || fail 3 "cannot add a route in router r$k"
        fi
      done
      j=$((j + 1))
    done
    k=$((k + 1))
  done
  i=0
  while [ "$i" -lt "$HOPS" ]; do
    for ns in "$NS_PRE-s$i" "$NS_PRE-d$i"; do
      "$IP" netns exec "$ns" sysctl -qw "net.ipv4.tcp_rmem=4096 131072 $RMEM_MAX" "net.ipv4.tcp_wmem=4096 16384 $WMEM_MAX" net.ipv4.tcp_no_metrics_save=1 >/dev/null || fail 3 "cannot set TCP buffer sysctls in $ns"
    done
    if [ -n "${WORKLOAD_PORTS:-}" ]; then
      "$IP" netns exec "$NS_PRE-s$i" sysctl -qw "net.ipv4.ip_local_port_range=32768 $((CLIENT_PORT_BASE - 1))" >/dev/null || fail 3 "cannot set the sender's ip_local_port_range"
    fi
    if [ "$FQ" = 1 ]; then
      "$TC" -n "$NS_PRE-s$i" qdisc replace dev veth0 root fq || fail 5 "cannot add fq on sender s$i (kernel module sch_fq missing? modprobe sch_fq)"
    fi
    i=$((i + 1))
  done
  if [ -n "$ECN_FLOWS" ]; then
    i=0
    while [ "$i" -lt "$HOPS" ]; do
      "$IP" -n "$NS_PRE-s$i" route add default via 10.202.$i.2 table 100 features ecn || fail 3 "cannot add the ECN route"
      i=$((i + 1))
    done
    for i in $ECN_FLOWS; do
      chain_flow "$i"
      # shellcheck disable=SC2046 # two words
      set -- $(flow_ports "$i")
      sport=$1
      [ "$2" = "$1" ] || sport="$1-$2"
      "$IP" -n "$NS_SND" rule add ipproto 6 sport "$sport" lookup 100 || fail 5 "cannot add a routing rule by source port for ECN (Linux 4.17 or later)"
    done
  fi
  plan_hops
}

# hop I NETEM_DATA NETEM_ACK AQM SHAPER_RATE: link I's bottleneck on r<I>'s to-rcv (as the
# single link's) and its ACK direction on r<I+1>'s to-snd.
# shellcheck disable=SC2317 # called by the plan's plan_hops
hop() {
  r=$NS_PRE-r$1
  if [ -z "$4" ]; then
    # shellcheck disable=SC2086 # tc arguments, split into words
    "$TC" -n "$r" qdisc add dev to-rcv root $2 || fail 5 "cannot add netem on link $1's bottleneck (kernel module sch_netem missing? modprobe sch_netem)"
  else
    "$TC" -n "$r" qdisc add dev to-rcv root handle 1: tbf rate "${5}bit" burst "$SHAPER_BURST" limit "$SHAPER_BURST" || fail 5 "cannot add tbf as link $1's shaper (kernel module sch_tbf missing? modprobe sch_tbf)"
    # shellcheck disable=SC2086 # tc arguments, split into words
    "$TC" -n "$r" qdisc add dev to-rcv parent 1:1 handle 2: $2 || fail 5 "cannot add netem under link $1's shaper"
    # shellcheck disable=SC2086 # tc arguments, split into words
    "$TC" -n "$r" qdisc add dev to-rcv parent 2:1 handle 3: $4 || fail 5 "cannot add link $1's queue discipline: tc qdisc add ... $4 failed (kernel module sch_${4%% *} missing? modprobe sch_${4%% *})"
  fi
  # shellcheck disable=SC2086 # tc arguments, split into words
  "$TC" -n "$NS_PRE-r$(($1 + 1))" qdisc add dev to-snd root $3 || fail 5 "cannot add netem on link $1's ACK direction"
}

# Every host's neighbours, fixed: each address on a veth (all /24s) gets a
# permanent ARP entry with its peer's MAC in the namespace at the other end.
# ARP would otherwise cross the emulated link: netem drops ARP as it drops
# data, and at high loss a router whose three ARP probes for the receiver
# were all lost (0.3% at 15% loss, 12.5% at 50%) answers the first SYN with
# "No route to host", and a run fails; a neighbour re-probed mid-run could
# drop a burst of data. Real testbeds resolve ARP before they measure.
pin_neighbours() {
  table=""
  for ns in $NS_ALL; do
    # "2: veth0@if3    inet 10.201.1.1/24 ..." -> ns dev address
    table="$table$("$IP" -n "$ns" -o -4 addr show | awk -v ns="$ns" '$2 != "lo" { split($2, d, "@"); split($4, a, "/"); print ns, d[1], a[1] }')
"
  done
  while read -r ns dev addr; do
    [ -n "$ns" ] || continue
    mac=$("$IP" -n "$ns" -o link show dev "$dev" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
    [ -n "$mac" ] || fail 3 "cannot read the MAC address of $dev in $ns"
    while read -r ns2 dev2 addr2; do
      if [ -n "$ns2" ] && [ "$ns2" != "$ns" ] && [ "${addr2%.*}" = "${addr%.*}" ]; then
        "$IP" -n "$ns2" neigh replace "$addr" lladdr "$mac" dev "$dev2" nud permanent || fail 3 "cannot pin $addr's neighbour entry in $ns2"
      fi
    done <<EOF
$table
EOF
  done <<EOF
$table
EOF
  for ns in $NS_ALL; do
    echo "### $ns"
    "$IP" -n "$ns" neigh show
  done >"$OUT/neigh.txt" 2>&1
}

# The bottleneck (data direction) and the ACK path, both on the router.
setup_qdiscs() {
  if [ -z "$AQM" ]; then
    # shellcheck disable=SC2086 # tc arguments, split into words
    "$TC" -n "$NS_RTR" qdisc add dev to-rcv root $NETEM_DATA || fail 5 "cannot add netem on the bottleneck (kernel module sch_netem missing? modprobe sch_netem)"
  else
    "$TC" -n "$NS_RTR" qdisc add dev to-rcv root handle 1: tbf rate "${SHAPER_RATE}bit" burst "$SHAPER_BURST" limit "$SHAPER_BURST" || fail 5 "cannot add tbf as the bottleneck's shaper (kernel module sch_tbf missing? modprobe sch_tbf)"
    # shellcheck disable=SC2086 # tc arguments, split into words
    "$TC" -n "$NS_RTR" qdisc add dev to-rcv parent 1:1 handle 2: $NETEM_DATA || fail 5 "cannot add netem under the bottleneck's shaper (kernel module sch_netem missing? modprobe sch_netem)"
    # shellcheck disable=SC2086 # tc arguments, split into words
    "$TC" -n "$NS_RTR" qdisc add dev to-rcv parent 2:1 handle 3: $AQM || fail 5 "cannot add the bottleneck's queue discipline: tc qdisc add ... $AQM failed (kernel module sch_${AQM%% *} missing? modprobe sch_${AQM%% *})"
  fi
  if [ -n "${REV_FLOWS:-}" ] || [ -n "${REV_SHAPER_RATE:-}" ]; then
    setup_reverse_bottleneck
  elif [ -z "${ACK_BANDS:-}" ]; then
    # shellcheck disable=SC2086 # tc arguments, split into words
    "$TC" -n "$NS_RTR" qdisc add dev to-snd root $NETEM_ACK || fail 5 "cannot add netem on the ACK path (kernel module sch_netem missing? modprobe sch_netem)"
  else
    # flows with an RTT of their own: prio, everything in band 0 (the link's delay)
    # unless a filter on the flow's port moves its ACKs to its band
    "$TC" -n "$NS_RTR" qdisc add dev to-snd root handle 1: prio bands $((ACK_BANDS + 1)) priomap 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 || fail 5 "cannot add prio on the ACK path (kernel module sch_prio missing? modprobe sch_prio)"
    # shellcheck disable=SC2086 # tc arguments, split into words
    "$TC" -n "$NS_RTR" qdisc add dev to-snd parent 1:1 handle 10: $NETEM_ACK || fail 5 "cannot add netem on the ACK path (kernel module sch_netem missing? modprobe sch_netem)"
    plan_ack_bands
  fi
  if [ "$FQ" = 1 ]; then
    "$TC" -n "$NS_SND" qdisc replace dev veth0 root fq || fail 5 "cannot add fq on the sender (kernel module sch_fq missing? modprobe sch_fq)"
  fi
  # a reverse flow with fq pacing: fq on the receiving host, where its sender is
  if [ "${FQ_REV:-0}" = 1 ]; then
    "$TC" -n "$NS_RCV" qdisc replace dev veth0 root fq || fail 5 "cannot add fq on the receiving host (kernel module sch_fq missing? modprobe sch_fq)"
  fi
}

# With reverse flows: to-snd is a bottleneck laid out as to-rcv, with $NETEM_REV; the
# shaper layout's queue is $REV_QUEUE if set, else $AQM, its rate $REV_SHAPER_RATE if
# set, else $SHAPER_RATE. A reverse trace alone (no reverse flows) sets all three:
# the ACK direction is then tbf (the trace's rate) -> netem -> an unlimited pfifo.
setup_reverse_bottleneck() {
  rq=${REV_QUEUE:-$AQM}
  if [ -z "$rq" ]; then
    # shellcheck disable=SC2086 # tc arguments, split into words
    "$TC" -n "$NS_RTR" qdisc add dev to-snd root $NETEM_REV || fail 5 "cannot add netem on the reverse bottleneck (kernel module sch_netem missing? modprobe sch_netem)"
  else
    "$TC" -n "$NS_RTR" qdisc add dev to-snd root handle 1: tbf rate "${REV_SHAPER_RATE:-$SHAPER_RATE}bit" burst "$SHAPER_BURST" limit "$SHAPER_BURST" || fail 5 "cannot add tbf as the reverse bottleneck's shaper (kernel module sch_tbf missing? modprobe sch_tbf)"
    # shellcheck disable=SC2086 # tc arguments, split into words
    "$TC" -n "$NS_RTR" qdisc add dev to-snd parent 1:1 handle 2: $NETEM_REV || fail 5 "cannot add netem under the reverse bottleneck's shaper"
    # shellcheck disable=SC2086 # tc arguments, split into words
    "$TC" -n "$NS_RTR" qdisc add dev to-snd parent 2:1 handle 3: $rq || fail 5 "cannot add the reverse bottleneck's queue discipline: tc qdisc add ... $rq failed"
  fi
}

# delay_bands NS DEV N: flows' extra delays (flows[].rtt) on NS's egress DEV, where
# the router's ACK path cannot hold them (a chain: r<i>'s to-s; one link with a
# reverse bottleneck: the hosts' veth0): prio with band 0 (no delay, prio's own
# pfifo) for everything else and N bands of delay (delay_band).
# shellcheck disable=SC2317 # called by the plan's plan_delay_bands, when it has one
delay_bands() {
  "$TC" -n "$1" qdisc add dev "$2" root handle 1: prio bands $(($3 + 1)) priomap 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 || fail 5 "cannot add prio for the flows' own delays on $2 in $1 (kernel module sch_prio missing? modprobe sch_prio)"
}

# delay_band NS DEV BAND NETEM_ARGS FLOWS: band BAND (1..) of NS's DEV with its own
# netem (the extra delay), and the flows (ids) whose packets to their client ports
# (their ACKs) take it; classes and handles in hex, as ack_band's.
# shellcheck disable=SC2317 # called by the plan's plan_delay_bands, when it has one
delay_band() {
  dns=$1 ddev=$2 class=1:$(printf %x $(($3 + 1)))
  # shellcheck disable=SC2086 # tc arguments, split into words
  "$TC" -n "$dns" qdisc add dev "$ddev" parent "$class" handle "$(printf %x $(($3 + 16))):" $4 || fail 5 "cannot add the netem of delay band $3 on $ddev in $dns"
  for i in $5; do
    # shellcheck disable=SC2046 # two words
    set -- $(flow_ports "$i")
    mask=$(printf '0x%04x' $((0xffff ^ ($2 - $1))))
    "$TC" -n "$dns" filter add dev "$ddev" parent 1: protocol ip prio 1 u32 match ip protocol 6 0xff match ip dport "$1" "$mask" flowid "$class" || fail 5 "cannot add the u32 filter of flow $i (kernel module cls_u32 missing? modprobe cls_u32)"
  done
}

# ack_band BAND NETEM_ARGS FLOWS: the ACK path's band BAND (1..) with its own netem (a
# longer delay), and the flows (ids) whose ACKs take it: TCP to their client ports.
# tc reads class minors and handles as hex: band b is prio's class 1:<b+1 in hex>
# (band 9 is 1:a), its netem's handle <b+16 in hex> (11: .. 1f:; band 0's is 10:).
# shellcheck disable=SC2317 # called by the plan's plan_ack_bands, when it has one
ack_band() {
  class=1:$(printf %x $(($1 + 1)))
  # shellcheck disable=SC2086 # tc arguments, split into words
  "$TC" -n "$NS_RTR" qdisc add dev to-snd parent "$class" handle "$(printf %x $(($1 + 16))):" $2 || fail 5 "cannot add the netem of ACK band $1"
  for i in $3; do
    # shellcheck disable=SC2046 # two words
    set -- $(flow_ports "$i")
    # a workload's range is a power of two of ports, aligned: one masked match
    # (tc reads a u32 mask in hex)
    mask=$(printf '0x%04x' $((0xffff ^ ($2 - $1))))
    "$TC" -n "$NS_RTR" filter add dev to-snd parent 1: protocol ip prio 1 u32 match ip protocol 6 0xff match ip dport "$1" "$mask" flowid "$class" || fail 5 "cannot add the u32 filter of flow $i (kernel module cls_u32 missing? modprobe cls_u32)"
  done
}

snapshot_tc() {
  for ns in $NS_ALL; do
    echo "### $ns"
    "$TC" -n "$ns" -s qdisc show
  done
}

# One server per flow, in rcv (iperf3, or cclab_flow for $GEN_FLOWS); waits until all listen.
start_servers() {
  i=0
  while [ "$i" -lt "$FLOWS" ]; do
    [ -n "${HOPS:-}" ] && chain_flow "$i"
    srv_ns=$NS_RCV
    is_rev_flow "$i" && srv_ns=$NS_SND
    if is_gen_flow "$i"; then
      "$IP" netns exec "$srv_ns" "$FLOW_BIN" server $((SERVER_PORT_BASE + i)) "$OUT/flow-server-$i.log" 2>"$OUT/flow-server-$i.err" &
      FLOW_SERVERS="$FLOW_SERVERS $!"
    else
      "$IP" netns exec "$srv_ns" iperf3 -s -1 -p $((SERVER_PORT_BASE + i)) -J >"$OUT/server-$i.json" 2>"$OUT/server-$i.err" &
    fi
    PIDS="$PIDS $!"
    i=$((i + 1))
  done
  n=0
  until [ "$( (
    for ns in $NS_RCVS; do "$SS" -N "$ns" -Hltn; done
    [ -z "${REV_FLOWS:-}" ] || "$SS" -N "$NS_SND" -Hltn
  ) 2>/dev/null | grep -c ':5[0-9][0-9][0-9] ')" -ge "$FLOWS" ]; do
    n=$((n + 1))
    [ "$n" -gt 100 ] && fail 3 "iperf3 servers did not start listening (see server-*.err)"
    sleep 0.1
  done
}

# The sampler (every SAMPLE_MS) and the ss snapshots (every SNAPSHOT_S).
start_samplers() {
  if [ -n "${HOPS:-}" ]; then
    start_chain_samplers
    return
  fi
  ports=""""
  filter=""
  i=0
  while [ "$i" -lt "$FLOWS" ]; do
    # shellcheck disable=SC2046 # two words
    set -- $(flow_ports "$i")
    if [ "$1" = "$2" ]; then
      ports="$ports${ports:+,}$1"
      filter="$filter${filter:+ or }sport = :$1"
    else
      ports="$ports${ports:+,}$1-$2"
      filter="$filter${filter:+ or }( sport >= :$1 and sport <= :$2 )"
    fi
    i=$((i + 1))
  done
  "$SAMPLER" "$SAMPLE_MS" "$NS_SND" "$ports" "$NS_RTR" to-rcv >"$OUT/samples.txt" 2>"$OUT/samples.err" &
  SAMPLER_PID=$!
  if [ -n "${REV_FLOWS:-}" ]; then
    # the reverse flows' senders are in rcv; their bottleneck is to-snd
    "$SAMPLER" "$SAMPLE_MS" "$NS_RCV" "$ports" "$NS_RTR" to-snd >"$OUT/samples-rev.txt" 2>"$OUT/samples-rev.err" &
    REV_SAMPLER_PID=$!
  fi
  (
    while [ ! -e "$OUT/.stop" ]; do
      echo "#T $(uptime_s)"
      "$SS" -N "$NS_SND" -tinH "( $filter )"
      [ -z "${REV_FLOWS:-}" ] || "$SS" -N "$NS_RCV" -tinH "( $filter )"
      sleep "$SNAPSHOT_S"
    done
  ) >"$OUT/ss.txt" 2>&1 &
  # (not in PIDS: cleanup lets it finish its last sleep rather than orphan it)
  SNAP_PID=$!
}

# On a chain: per link i a sampler in s<i> (the sockets of the flows starting there)
# and r<i>'s bottleneck (samples-<i>.txt); ss over every sender.
start_chain_samplers() {
  i=0
  while [ "$i" -lt "$HOPS" ]; do
    ports=""
    for h in $FLOW_HOPS; do
      r=${h#*:}
      [ "${r%:*}" = "$i" ] || continue
      # shellcheck disable=SC2046 # two words
      set -- $(flow_ports "${h%%:*}")
      if [ "$1" = "$2" ]; then ports="$ports${ports:+,}$1"; else ports="$ports${ports:+,}$1-$2"; fi
    done
    "$SAMPLER" "$SAMPLE_MS" "$NS_PRE-s$i" "$ports" "$NS_PRE-r$i" to-rcv >"$OUT/samples-$i.txt" 2>"$OUT/samples-$i.err" &
    SAMPLER_PID="$SAMPLER_PID $!"
    i=$((i + 1))
  done
  (
    while [ ! -e "$OUT/.stop" ]; do
      echo "#T $(uptime_s)"
      for ns in $NS_SNDS; do "$SS" -N "$ns" -tinH "( sport >= :$CLIENT_PORT_BASE )"; done
      sleep "$SNAPSHOT_S"
    done
  ) >"$OUT/ss.txt" 2>&1 &
  SNAP_PID=$!
}

# At the warm-up's end ($WARMUP_S s after t0): the router's qdisc counters and
# the sender's netstat, so that the metrics can leave the warm-up out.
start_warmup_snapshot() {
  (
    sleep "$WARMUP_S"
    echo "warmup $(uptime_s)" >>"$OUT/timeline.txt"
    if [ -n "${HOPS:-}" ]; then
      snapshot_tc >"$OUT/tc-warmup.txt" 2>&1
      i=0
      for ns in $NS_SNDS; do
        "$IP" netns exec "$ns" cat /proc/net/netstat >"$OUT/netstat-warmup-$i.txt" 2>/dev/null
        i=$((i + 1))
      done
    else
      "$TC" -n "$NS_RTR" -s qdisc show >"$OUT/tc-warmup.txt" 2>&1
      "$IP" netns exec "$NS_SND" cat /proc/net/netstat >"$OUT/netstat-warmup.txt" 2>/dev/null
      [ -z "${REV_FLOWS:-}" ] || "$IP" netns exec "$NS_RCV" cat /proc/net/netstat >"$OUT/netstat-rcv-warmup.txt" 2>/dev/null
    fi
  ) &
  WARMUP_PID=$!
}

# The latency probe: ping in snd towards the receiver, through the bottleneck and
# back over the ACK path, as flent's ping next to its load.
start_probe() {
  # on a chain: from the first sender over every link to the last receiver
  if [ -n "${HOPS:-}" ]; then
    NS_SND=$NS_PRE-s0
    RECEIVER_ADDR=10.203.$((HOPS - 1)).1
  fi
  # shellcheck disable=SC2086 # four words
  set -- $PROBE
  # shellcheck disable=SC2016 # expanded by the inner shell
  OUT="$OUT" "$IP" netns exec "$NS_SND" sh -c '
    [ "$1" = 0 ] || sleep "$1"
    echo "probe $(cut -d" " -f1 /proc/uptime)" >>"$OUT/timeline.txt"
    exec ping -n -i "$2" -s "$3" -c "$4" -W 1 "$5" >"$OUT/ping.txt" 2>"$OUT/ping.err"
  ' sh "$1" "$2" "$3" "$4" "$RECEIVER_ADDR" &
  PIDS="$PIDS $!"
}

# start_client ID START_S ENV IPERF3_ARGS...: flow ID's iperf3 client in snd,
# START_S seconds from now, with ENV (space-separated NAME=value words) added
# to the shim's environment.
# shellcheck disable=SC2317 # called by plan_clients, when a flow needs it
start_client() {
  id=$1
  at=$2
  envs=$3
  shift 3
  # shellcheck disable=SC2046 # three words
  set -- $(flow_ends "$id") "$@"
  cli_ns=$1 dst=$3
  shift 3
  # shellcheck disable=SC2016 # expanded by the inner shell
  OUT="$OUT" SHIM="$SHIM" "$IP" netns exec "$cli_ns" sh -c '
    id=$1 at=$2 envs=$3
    shift 3
    [ "$at" = 0 ] || sleep "$at"
    echo "start $id $(cut -d" " -f1 /proc/uptime)" >>"$OUT/timeline.txt"
    # shellcheck disable=SC2086 # NAME=value words
    exec env LD_PRELOAD="$SHIM" CCLAB_SHIM_LOG="$OUT/shim-$id.log" $envs "$@" >"$OUT/client-$id.json" 2>"$OUT/client-$id.err"
  ' sh "$id" "$at" "$envs" iperf3 -c "$dst" -p $((SERVER_PORT_BASE + id)) --cport $((CLIENT_PORT_BASE + id)) -J "$@" &
  CLIENTS="$CLIENTS $id:$!"
  PIDS="$PIDS $!"
}

# schedule ID: the schedule of cclab_flow flow ID, from standard input (a here-document).
# shellcheck disable=SC2317 # called by the plan's plan_schedules, when it has one
schedule() {
  cat >"$OUT/schedule-$1.txt" || fail 3 "cannot write the schedule of flow $1"
}

# start_flow ID START_S ENV: flow ID's cclab_flow client in snd, started START_S
# seconds from now (the plan starts it a little before its first connection,
# which it waits for itself: its schedule's times count from t0, $T0), with ENV
# added to the shim's environment; timeline.txt's "start ID" is its launch.
# shellcheck disable=SC2317 # called by plan_clients, when a flow needs it
start_flow() {
  sched="$OUT/schedule-$1.txt"
  flowlog="$OUT/flow-$1.log"
  cli_ns=$NS_SND
  is_rev_flow "$1" && cli_ns=$NS_RCV
  # shellcheck disable=SC2016 # expanded by the inner shell
  OUT="$OUT" SHIM="$SHIM" "$IP" netns exec "$cli_ns" sh -c '
    id=$1 at=$2 envs=$3
    shift 3
    [ "$at" = 0 ] || sleep "$at"
    echo "start $id $(cut -d" " -f1 /proc/uptime)" >>"$OUT/timeline.txt"
    # shellcheck disable=SC2086 # NAME=value words
    exec env LD_PRELOAD="$SHIM" CCLAB_SHIM_LOG="$OUT/shim-$id.log" $envs "$@" 2>"$OUT/flow-$id.err"
  ' sh "$1" "$2" "$3" "$FLOW_BIN" client "$sched" "$flowlog" "$T0" &
  CLIENTS="$CLIENTS $1:$!"
  PIDS="$PIDS $!"
}

# Wait for the clients and the servers, stop the samplers, take the last snapshots.
finish() {
  for c in $CLIENTS; do
    id=${c%%:*}
    pid=${c#*:}
    wait "$pid"
    rc=$?
    echo "end $id $rc $(uptime_s)" >>"$OUT/timeline.txt"
  done
  # cclab_flow servers log what is still open and end on TERM (their clients
  # waited for each connection's EOF); iperf3 servers end by themselves (-s -1)
  for p in $FLOW_SERVERS; do kill "$p" 2>/dev/null; done
  for p in $FLOW_SERVERS; do wait "$p" 2>/dev/null; done
  n=0
  while [ "$( (
    for ns in $NS_RCVS; do "$IP" netns pids "$ns"; done
    [ -z "${REV_FLOWS:-}" ] || "$IP" netns pids "$NS_SND"
  ) 2>/dev/null | wc -l)" -gt 0 ]; do
    n=$((n + 1))
    [ "$n" -gt 100 ] && break
    sleep 0.1
  done
  [ -n "$WARMUP_PID" ] && wait "$WARMUP_PID" 2>/dev/null
  # shellcheck disable=SC2086 # one pid per link on a chain
  kill $SAMPLER_PID 2>/dev/null
  for p in $SAMPLER_PID; do wait "$p" 2>/dev/null; done
  SAMPLER_PID=""
  if [ -n "${REV_SAMPLER_PID:-}" ]; then
    kill "$REV_SAMPLER_PID" 2>/dev/null
    wait "$REV_SAMPLER_PID" 2>/dev/null
    REV_SAMPLER_PID=""
  fi
  touch "$OUT/.stop"
  wait "$SNAP_PID" 2>/dev/null
  snapshot_tc >"$OUT/tc-after.txt" 2>&1
  if [ -n "${HOPS:-}" ]; then
    i=0
    for ns in $NS_SNDS; do
      "$IP" netns exec "$ns" cat /proc/net/netstat >"$OUT/netstat-snd-$i.txt" 2>/dev/null
      i=$((i + 1))
    done
  else
    "$IP" netns exec "$NS_SND" cat /proc/net/netstat >"$OUT/netstat-snd.txt" 2>/dev/null
    [ -z "${REV_FLOWS:-}" ] || "$IP" netns exec "$NS_RCV" cat /proc/net/netstat >"$OUT/netstat-rcv.txt" 2>/dev/null
  fi
  for c in $CLIENTS; do
    id=${c%%:*}
    if is_gen_flow "$id"; then
      [ -s "$OUT/flow-$id.log" ] || fail 3 "cclab_flow client of flow $id wrote nothing: $(head -c 300 "$OUT/flow-$id.err" | tr "\n" " ")"
    else
      [ -s "$OUT/client-$id.json" ] || fail 3 "iperf3 client of flow $id wrote nothing: $(head -c 300 "$OUT/client-$id.err" | tr "\n" " ")"
    fi
  done
}

# The plan's last line: plan_main OUTDIR.
plan_main() {
  set -u
  OUT=${1:?usage: cat plan-lib.sh plan.sh | sh -s OUTDIR}
  mkdir -p "$OUT" || exit 3
  SHIM=${CCLAB_SHIM:-$SHIM_PATH}
  SAMPLER=${CCLAB_SAMPLER:-$SAMPLER_PATH}
  FLOW_BIN=${CCLAB_FLOW:-${FLOW_PATH:-}}
  FLOW_SERVERS=""
  NS_SND=cclab-$RUN_ID-snd
  NS_RTR=cclab-$RUN_ID-rtr
  NS_RCV=cclab-$RUN_ID-rcv
  NS_ALL="$NS_SND $NS_RTR $NS_RCV"
  NS_SNDS=$NS_SND
  NS_RCVS=$NS_RCV
  if [ -n "${HOPS:-}" ]; then
    NS_PRE=cclab-$RUN_ID
    NS_ALL=""
    NS_SNDS=""
    NS_RCVS=""
    i=0
    while [ "$i" -lt "$HOPS" ]; do
      NS_SNDS="$NS_SNDS $NS_PRE-s$i"
      NS_RCVS="$NS_RCVS $NS_PRE-d$i"
      NS_ALL="$NS_ALL $NS_PRE-r$i"
      i=$((i + 1))
    done
    NS_ALL="$NS_ALL $NS_PRE-r$HOPS $NS_SNDS $NS_RCVS"
  fi
  PIDS=""
  CLIENTS=""
  SAMPLER_PID=""
  REV_SAMPLER_PID=""
  SNAP_PID=""
  WARMUP_PID=""
  WATCHDOG=""
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  start_watchdog
  preflight
  if [ -n "${HOPS:-}" ]; then
    setup_chain
  else
    setup_network
    setup_qdiscs
  fi
  pin_neighbours
  [ -n "${DELAY_BANDS:-}" ] && plan_delay_bands
  snapshot_tc >"$OUT/tc-before.txt" 2>&1
  [ -n "${GEN_FLOWS:-}" ] && plan_schedules
  start_servers
  start_samplers
  T0=$(uptime_s)
  echo "t0 $T0" >"$OUT/timeline.txt"
  [ -n "${WARMUP_S:-}" ] && start_warmup_snapshot
  [ -n "${PROBE:-}" ] && start_probe
  plan_clients
  finish
  exit 0
}
