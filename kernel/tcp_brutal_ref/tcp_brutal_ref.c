// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_brutal_ref — cclab's own reimplementation of the "brutal" congestion
 * control, written from the behaviour described in cclab's reference notes
 * (shared/reference/brutal.md), for testing cclab's kernel harness: the
 * `--module` path, the LD_PRELOAD shim that sets the parameters, and the
 * harness's pacing-rate check. It is NOT the upstream tcp_brutal module;
 * validate that one on your own test VM (docs/kernel.md).
 *
 * Model: the application sets a send rate (bytes/s) and a cwnd gain (tenths)
 * with setsockopt(IPPROTO_TCP, TCP_BRUTAL_PARAMS, {u64 rate; u32 gain}).
 * On every valid rate sample the module counts ACKed and lost packets per
 * second of the send clock in PKT_INFO_SLOTS slots, derives the ACK rate
 * over the last slots (100% with fewer than 50 packets, never below 80%),
 * and sets
 *     pacing_rate = rate * 100 / ack_rate
 *     cwnd        = pacing_rate * srtt / mss * gain / 10   (at least 4)
 * with integer division at each step. No slow start and no reaction to loss.
 *
 * The kernel has no hook that hands unknown TCP socket options to a
 * congestion control, so this module wraps tcp_prot.setsockopt: it handles
 * TCP_BRUTAL_PARAMS for sockets running "brutal" and passes everything else
 * on unchanged. The wrapper is removed when the module unloads. IPv4 only.
 */
#include <linux/module.h>
#include <linux/math64.h>
#include <linux/sockptr.h>
#include <net/tcp.h>

#define TCP_BRUTAL_PARAMS 23301
#define BRUTAL_DEFAULT_RATE 125000ULL /* bytes/s: 1 Mbit/s */
#define BRUTAL_DEFAULT_CWND_GAIN 20   /* tenths: 2.0x */
#define BRUTAL_MIN_RATE 62500ULL      /* bytes/s: 500 kbit/s */
#define BRUTAL_MIN_CWND_GAIN 5
#define BRUTAL_MAX_CWND_GAIN 80
#define BRUTAL_MIN_CWND 4
#define BRUTAL_MIN_SAMPLES 50
#define BRUTAL_MIN_ACK_RATE 80 /* percent */

#define PKT_INFO_SLOTS clamp_t(int, (ICSK_CA_PRIV_SIZE - 16) / 16, 3, 5)
#define PKT_INFO_SLOTS_MAX 5

struct brutal_slot {
	u64 sec;
	u32 acked;
	u32 losses;
};

struct brutal {
	u64 rate;
	u32 cwnd_gain;
	struct brutal_slot slots[PKT_INFO_SLOTS_MAX];
};

struct brutal_params {
	u64 rate;
	u32 cwnd_gain;
} __packed;

static struct tcp_congestion_ops tcp_brutal_ref_ops;

static void brutal_init(struct sock *sk)
{
	struct brutal *b = inet_csk_ca(sk);

	memset(b, 0, sizeof(*b));
	b->rate = BRUTAL_DEFAULT_RATE;
	b->cwnd_gain = BRUTAL_DEFAULT_CWND_GAIN;
	/* Internal TCP pacing (no fq qdisc needed). */
	cmpxchg(&sk->sk_pacing_status, SK_PACING_NONE, SK_PACING_NEEDED);
}

static void brutal_cong_control(struct sock *sk, const struct rate_sample *rs)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct brutal *b = inet_csk_ca(sk);
	u64 sec, q, oldest, acked = 0, losses = 0, rate, cwnd;
	u32 slot, ack_rate, rtt_ms;
	int i;

	if (rs->delivered < 0 || rs->interval_us <= 0)
		return; /* invalid sample: ignored, losses included */

	sec = div_u64(tp->tcp_mstamp, USEC_PER_SEC);
	q = sec;
	slot = do_div(q, PKT_INFO_SLOTS); /* sec % PKT_INFO_SLOTS */
	if (b->slots[slot].sec == sec) {
		b->slots[slot].acked += rs->acked_sacked;
		b->slots[slot].losses += rs->losses;
	} else {
		b->slots[slot].sec = sec;
		b->slots[slot].acked = rs->acked_sacked;
		b->slots[slot].losses = rs->losses;
	}

	oldest = sec >= PKT_INFO_SLOTS ? sec - PKT_INFO_SLOTS : 0;
	for (i = 0; i < PKT_INFO_SLOTS; i++) {
		if (b->slots[i].sec >= oldest) {
			acked += b->slots[i].acked;
			losses += b->slots[i].losses;
		}
	}

	if (acked + losses < BRUTAL_MIN_SAMPLES) {
		ack_rate = 100;
	} else {
		ack_rate = div64_u64(acked * 100, acked + losses);
		if (ack_rate < BRUTAL_MIN_ACK_RATE)
			ack_rate = BRUTAL_MIN_ACK_RATE;
	}

	rate = div_u64(b->rate * 100, ack_rate);
	rtt_ms = (tp->srtt_us >> 3) / USEC_PER_MSEC;
	if (rtt_ms == 0)
		rtt_ms = 1;

	cwnd = div_u64(rate, MSEC_PER_SEC);
	cwnd *= rtt_ms;
	cwnd = div_u64(cwnd, tp->mss_cache);
	cwnd *= b->cwnd_gain;
	cwnd = div_u64(cwnd, 10);
	if (cwnd < BRUTAL_MIN_CWND)
		cwnd = BRUTAL_MIN_CWND;

	tcp_snd_cwnd_set(tp, min_t(u64, cwnd, tp->snd_cwnd_clamp));
	WRITE_ONCE(sk->sk_pacing_rate, min_t(u64, rate, READ_ONCE(sk->sk_max_pacing_rate)));
}

static u32 brutal_ssthresh(struct sock *sk)
{
	return tcp_sk(sk)->snd_ssthresh; /* no reduction on loss */
}

static u32 brutal_undo_cwnd(struct sock *sk)
{
	return tcp_snd_cwnd(tcp_sk(sk));
}

static struct tcp_congestion_ops tcp_brutal_ref_ops = {
	.flags = TCP_CONG_NON_RESTRICTED,
	.name = "brutal",
	.owner = THIS_MODULE,
	.init = brutal_init,
	.cong_control = brutal_cong_control,
	.ssthresh = brutal_ssthresh,
	.undo_cwnd = brutal_undo_cwnd,
};

static int brutal_set_params(struct sock *sk, sockptr_t optval, unsigned int optlen)
{
	struct brutal_params p;
	struct brutal *b;

	if (optlen < sizeof(p))
		return -EINVAL;
	if (copy_from_sockptr(&p, optval, sizeof(p)))
		return -EFAULT;
	if (p.rate < BRUTAL_MIN_RATE || p.cwnd_gain < BRUTAL_MIN_CWND_GAIN || p.cwnd_gain > BRUTAL_MAX_CWND_GAIN)
		return -EINVAL;
	lock_sock(sk);
	if (inet_csk(sk)->icsk_ca_ops != &tcp_brutal_ref_ops) {
		release_sock(sk);
		return -EINVAL;
	}
	b = inet_csk_ca(sk);
	b->rate = p.rate;
	b->cwnd_gain = p.cwnd_gain;
	release_sock(sk);
	return 0;
}

static int (*tcp_setsockopt_orig)(struct sock *sk, int level, int optname, sockptr_t optval, unsigned int optlen);

static int brutal_tcp_setsockopt(struct sock *sk, int level, int optname, sockptr_t optval, unsigned int optlen)
{
	if (level == SOL_TCP && optname == TCP_BRUTAL_PARAMS)
		return brutal_set_params(sk, optval, optlen);
	return tcp_setsockopt_orig(sk, level, optname, optval, optlen);
}

static int __init brutal_register(void)
{
	int ret;

	BUILD_BUG_ON(sizeof(struct brutal) > ICSK_CA_PRIV_SIZE);
	ret = tcp_register_congestion_control(&tcp_brutal_ref_ops);
	if (ret)
		return ret;
	tcp_setsockopt_orig = tcp_prot.setsockopt;
	WRITE_ONCE(tcp_prot.setsockopt, brutal_tcp_setsockopt);
	return 0;
}

static void __exit brutal_unregister(void)
{
	WRITE_ONCE(tcp_prot.setsockopt, tcp_setsockopt_orig);
	synchronize_net();
	tcp_unregister_congestion_control(&tcp_brutal_ref_ops);
}

module_init(brutal_register);
module_exit(brutal_unregister);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("cclab");
MODULE_DESCRIPTION("cclab's test reimplementation of the brutal congestion control (not upstream tcp_brutal)");
