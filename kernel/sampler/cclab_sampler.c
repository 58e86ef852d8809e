/*
 * cclab_sampler — the kernel harness's time-series sampler.
 *
 * It asks the kernel the same questions as `ss -tin` and `tc -s qdisc`, over
 * the same netlink interfaces (sock_diag with INET_DIAG_INFO/INET_DIAG_CONG
 * and the congestion control's own info, as ss asks for it,
 * and rtnetlink RTM_GETQDISC), but from one long-lived process. Under QEMU's
 * TCG one run of ss or tc costs ~50 ms of the single vCPU, so sampling every
 * 100 ms with them would steal half the CPU from the flows being measured
 * (and, starved by softirq work, they manage a sample only every ~0.7 s).
 * Real `ss -tin` still runs, once a second, for the record and the cc check.
 *
 * Usage: cclab_sampler INTERVAL_MS SENDER_NETNS PORTS ROUTER_NETNS DEV
 *   PORTS: comma-separated local ports of the flows' sockets (iperf3 --cport),
 *          or ranges LO-HI (a workload's connections, cclab_flow)
 *   Runs until SIGTERM/SIGINT; one line per socket and per qdisc each tick:
 *   tcp t=<s> lport=.. state=.. ca_state=.. cc=.. cwnd=.. ... (key=value, see below;
 *     ca_state is tcpi_ca_state: 0 Open, 1 Disorder, 2 CWR, 3 Recovery, 4 Loss;
 *     a DCTCP socket with ECN adds dctcp_alpha=.. (struct tcp_dctcp_info's
 *     dctcp_alpha, 1024 = every packet marked))
 *   qdisc t=<s> dev=.. kind=.. qlen=.. backlog=.. drops=.. bytes=.. packets=..
 *   qdisc-child t=<s> dev=.. kind=.. handle=N: qlen=.. ...   (qdiscs under the root, e.g. an AQM under tbf)
 * Times are CLOCK_BOOTTIME seconds, the clock of /proc/uptime.
 *
 * Build: cc -O2 -o cclab_sampler cclab_sampler.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/gen_stats.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>

#define MAX_PORTS 1024
#define RECV_BUF_BYTES (1 << 16)
#define NS_PER_MS 1000000LL
#define NS_PER_S 1000000000LL

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static int ports_lo[MAX_PORTS], ports_hi[MAX_PORTS];
static int nports;

static void die(const char *what) {
    fprintf(stderr, "cclab_sampler: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* Enter a named network namespace (ip netns add NAME) for the calling thread. */
static void enter_netns(const char *name) {
    char path[256];
    snprintf(path, sizeof path, "/run/netns/%s", name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die(path);
    if (setns(fd, CLONE_NEWNET) != 0) die("setns");
    close(fd);
}

static int netlink_socket(int proto) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
    if (fd < 0) die("netlink socket");
    return fd;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int wanted_port(int p) {
    for (int i = 0; i < nports; i++)
        if (p >= ports_lo[i] && p <= ports_hi[i]) return 1;
    return 0;
}

/* Send a dump request and hand every reply message to cb until NLMSG_DONE. */
static void dump(int fd, void *req, size_t len, void (*cb)(struct nlmsghdr *, double), double t) {
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    if (sendto(fd, req, len, 0, (struct sockaddr *)&sa, sizeof sa) < 0) die("netlink send");
    static char buf[RECV_BUF_BYTES];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("netlink recv");
        }
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) return;
            cb(h, t);
        }
    }
}

static void on_socket(struct nlmsghdr *h, double t) {
    struct inet_diag_msg *m = NLMSG_DATA(h);
    int lport = ntohs(m->id.idiag_sport);
    if (!wanted_port(lport)) return;
    struct tcp_info ti;
    memset(&ti, 0, sizeof ti);
    char cc[32] = "?";
    int have_info = 0;
    struct tcp_dctcp_info dctcp = {0};
    int len = h->nlmsg_len - NLMSG_LENGTH(sizeof *m);
    for (struct rtattr *a = (struct rtattr *)(m + 1); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type == INET_DIAG_INFO) {
            size_t n = RTA_PAYLOAD(a) < sizeof ti ? RTA_PAYLOAD(a) : sizeof ti;
            memcpy(&ti, RTA_DATA(a), n);
            have_info = 1;
        } else if (a->rta_type == INET_DIAG_CONG) {
            snprintf(cc, sizeof cc, "%.*s", (int)RTA_PAYLOAD(a), (const char *)RTA_DATA(a));
        } else if (a->rta_type == INET_DIAG_DCTCPINFO) {
            size_t n = RTA_PAYLOAD(a) < sizeof dctcp ? RTA_PAYLOAD(a) : sizeof dctcp;
            memcpy(&dctcp, RTA_DATA(a), n);
        }
    }
    if (!have_info) return;
    printf("tcp t=%.6f lport=%d rport=%d state=%u ca_state=%u cc=%s mss=%u cwnd=%u ssthresh=%u rtt_us=%u rttvar_us=%u min_rtt_us=%u "
           "pacing_rate=%llu delivery_rate=%llu app_limited=%u unacked=%u sacked=%u lost=%u retrans=%u total_retrans=%u "
           "bytes_sent=%llu bytes_retrans=%llu bytes_acked=%llu delivered=%u data_segs_out=%u",
           t, lport, ntohs(m->id.idiag_dport), m->idiag_state, ti.tcpi_ca_state, cc, ti.tcpi_snd_mss, ti.tcpi_snd_cwnd, ti.tcpi_snd_ssthresh,
           ti.tcpi_rtt, ti.tcpi_rttvar, ti.tcpi_min_rtt, (unsigned long long)ti.tcpi_pacing_rate,
           (unsigned long long)ti.tcpi_delivery_rate, ti.tcpi_delivery_rate_app_limited, ti.tcpi_unacked, ti.tcpi_sacked,
           ti.tcpi_lost, ti.tcpi_retrans, ti.tcpi_total_retrans, (unsigned long long)ti.tcpi_bytes_sent,
           (unsigned long long)ti.tcpi_bytes_retrans, (unsigned long long)ti.tcpi_bytes_acked, ti.tcpi_delivered,
           ti.tcpi_data_segs_out);
    /* dctcp_get_info(): dctcp_enabled is 0 when the connection fell back to Reno (no ECN) */
    if (dctcp.dctcp_enabled) printf(" dctcp_alpha=%u", dctcp.dctcp_alpha);
    putchar('\n');
}

static int qdisc_ifindex;
static const char *qdisc_dev;

static void on_qdisc(struct nlmsghdr *h, double t) {
    struct tcmsg *m = NLMSG_DATA(h);
    if (h->nlmsg_type != RTM_NEWQDISC || m->tcm_ifindex != qdisc_ifindex) return;
    char kind[32] = "?";
    struct gnet_stats_basic basic = {0};
    struct gnet_stats_queue queue = {0};
    int len = h->nlmsg_len - NLMSG_LENGTH(sizeof *m);
    for (struct rtattr *a = TCA_RTA(m); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type == TCA_KIND) {
            snprintf(kind, sizeof kind, "%s", (const char *)RTA_DATA(a));
        } else if (a->rta_type == TCA_STATS2) {
            int l2 = RTA_PAYLOAD(a);
            for (struct rtattr *b = RTA_DATA(a); RTA_OK(b, l2); b = RTA_NEXT(b, l2)) {
                if (b->rta_type == TCA_STATS_BASIC)
                    memcpy(&basic, RTA_DATA(b), RTA_PAYLOAD(b) < sizeof basic ? RTA_PAYLOAD(b) : sizeof basic);
                else if (b->rta_type == TCA_STATS_QUEUE)
                    memcpy(&queue, RTA_DATA(b), RTA_PAYLOAD(b) < sizeof queue ? RTA_PAYLOAD(b) : sizeof queue);
            }
        }
    }
    if (m->tcm_parent == TC_H_ROOT)
        printf("qdisc t=%.6f dev=%s kind=%s qlen=%u backlog=%u drops=%u requeues=%u overlimits=%u bytes=%llu packets=%u\n", t,
               qdisc_dev, kind, queue.qlen, queue.backlog, queue.drops, queue.requeues, queue.overlimits,
               (unsigned long long)basic.bytes, basic.packets);
    else /* under a shaper (an AQM bottleneck): its own line, with its handle */
        printf("qdisc-child t=%.6f dev=%s kind=%s handle=%x: qlen=%u backlog=%u drops=%u requeues=%u overlimits=%u bytes=%llu packets=%u\n", t,
               qdisc_dev, kind, m->tcm_handle >> 16, queue.qlen, queue.backlog, queue.drops, queue.requeues, queue.overlimits,
               (unsigned long long)basic.bytes, basic.packets);
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: cclab_sampler INTERVAL_MS SENDER_NETNS PORTS ROUTER_NETNS DEV\n");
        return 2;
    }
    long long interval_ns = atoll(argv[1]) * NS_PER_MS;
    if (interval_ns <= 0) interval_ns = 100 * NS_PER_MS;
    for (char *p = strtok(argv[3], ","); p && nports < MAX_PORTS; p = strtok(NULL, ",")) {
        char *dash = strchr(p, '-');
        ports_lo[nports] = atoi(p);
        ports_hi[nports++] = dash ? atoi(dash + 1) : atoi(p);
    }
    qdisc_dev = argv[5];

    /* Each netlink socket belongs to the namespace it was created in. */
    int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    enter_netns(argv[2]);
    int diag = netlink_socket(NETLINK_SOCK_DIAG);
    enter_netns(argv[4]);
    int rt = netlink_socket(NETLINK_ROUTE);
    qdisc_ifindex = (int)if_nametoindex(qdisc_dev);
    if (qdisc_ifindex == 0) die(qdisc_dev);
    if (self >= 0) {
        if (setns(self, CLONE_NEWNET) != 0) die("setns back");
        close(self);
    }

    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);

    struct {
        struct nlmsghdr h;
        struct inet_diag_req_v2 r;
    } dreq = {
        .h = {.nlmsg_len = sizeof dreq, .nlmsg_type = SOCK_DIAG_BY_FAMILY, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
        .r = {.sdiag_family = AF_INET,
              .sdiag_protocol = IPPROTO_TCP,
              /* the CC's own info: idiag_ext is 8 bits, too few for INET_DIAG_DCTCPINFO's;
               * dctcp_get_info() answers VEGASINFO's bit too, as for ss */
              .idiag_ext = (1 << (INET_DIAG_INFO - 1)) | (1 << (INET_DIAG_CONG - 1)) | (1 << (INET_DIAG_VEGASINFO - 1)),
              .idiag_states = ~(1u << 10) /* all but LISTEN */},
    };
    struct {
        struct nlmsghdr h;
        struct tcmsg t;
    } qreq = {
        .h = {.nlmsg_len = sizeof qreq, .nlmsg_type = RTM_GETQDISC, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
        .t = {.tcm_family = AF_UNSPEC},
    };

    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    while (!stop) {
        double t = now_s();
        dump(diag, &dreq, sizeof dreq, on_socket, t);
        dump(rt, &qreq, sizeof qreq, on_qdisc, t);
        fflush(stdout);
        long long ns = next.tv_nsec + interval_ns;
        next.tv_sec += ns / NS_PER_S;
        next.tv_nsec = ns % NS_PER_S;
        while (!stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) {
        }
    }
    fflush(stdout);
    return 0;
}
