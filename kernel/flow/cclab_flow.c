/*
 * cclab_flow — the kernel harness's traffic generator for flows that are not
 * bulk iperf3 transfers: byte-limited (short) flows, application-limited
 * flows, on/off flows and Poisson short-flow workloads.
 *
 * Why not iperf3: `iperf3 -n N` writes up to a block (128 KB) more than N,
 * sends its TEST_END as soon as its writes return and the server stops
 * reading then, so neither the bytes delivered nor the completion time is
 * the transfer's; `iperf3 -b R` writes whole blocks in bursts and catches
 * up after a pause, so it can neither pace at R nor stay silent in an off
 * period. This program writes exactly what the scenario says, when it says.
 *
 * Server: cclab_flow server PORT LOG
 *   Listens on PORT (all addresses), accepts any number of connections,
 *   reads and discards until EOF, and appends one line per connection when
 *   it ends:
 *     conn lport=<server port> peer=<client port> accept=<t> first=<t>
 *          last=<t> eof=<t> bytes=<n> [err=<errno name>]
 *   (first/last: when the first and the last data arrived, as read() saw
 *   them; eof=- when the connection was still open at SIGTERM.)
 *
 * Client: cclab_flow client SCHEDULE LOG T0
 *   Runs the connections of one flow entry from the SCHEDULE file, times
 *   in seconds from T0 (the plan's t0, /proc/uptime seconds):
 *     dst <IPv4 address> <port>
 *     cc <congestion control>           TCP_CONGESTION of every connection
 *     maxseg <bytes>                    optional: TCP_MAXSEG (as iperf3 -M)
 *     chunk <bytes>                     a paced write's size (the flow's MSS)
 *     conn <lport> <start> <stop> <bytes> <rate>
 *        a new TCP connection from local port lport at start (before
 *        connect(): its SYN), sending `bytes` (0: until stop) at `rate`
 *        bit/s (0: as fast as TCP takes them); stop: the latest it may send
 *     on <from> <to>                    on periods [from, to) of the conn
 *                                       above (none: on from start to stop)
 *   Connections may overlap (one poll() loop, no threads). Each ends with
 *   one line in LOG:
 *     conn lport=.. start=<sched> syn=<t> est=<t> bytes=<N|0> written=<n>
 *          done=<t|-> ack_src=tstamp|poll|- stop=<t|-> acked=<n>
 *          bytes_sent=.. bytes_retrans=.. data_segs_out=.. total_retrans=..
 *          min_rtt_us=.. end=<t> [err=<text>]
 *   tcp_info counters (acked is tcpi_bytes_acked, which counts the SYN as
 *   one byte) are taken when the last byte is ACKed (byte-limited) or at
 *   stop; end is the close().
 *
 * Writes:
 *   - bulk (rate 0): 64 KB writes while the socket takes them. A
 *     connection that runs until its stop or has on/off periods holds the
 *     unsent data in its socket to TCP_NOTSENT_LOWAT (128 KB), so an off
 *     period starts with little queued in the kernel (a byte-limited one
 *     without periods writes all its bytes at once, as the simulator's);
 *   - rate R: chunks of `chunk` bytes due at a + k * chunk * 8 / R within an
 *     on period [a, b), the simulator's schedule (src/tcp/app.ts). The
 *     program wakes at most every WAKE_MIN_NS (1 ms) and writes every chunk
 *     due since its last write in one write(). When the network is slower
 *     than R the chunks queue (in the socket, then in the program) and go
 *     out as soon as TCP takes them, like a program writing into a blocking
 *     socket — the simulator does the same;
 *   - an off period begins: what the program still owed is dropped (the
 *     simulator withdraws what TCP had not sent); what is in the socket
 *     unsent (at most about NOTSENT_LOWAT_BYTES) still goes out.
 *
 * Completion of a byte-limited connection: the kernel's own time of the
 * ACK that covers the last byte, from SO_TIMESTAMPING's SCM_TSTAMP_ACK
 * (taken in tcp_ack()'s processing, ns, CLOCK_REALTIME converted to
 * CLOCK_BOOTTIME by the offset measured at start): ack_src=tstamp. The
 * kernel tags only the last skb of a write that is still unsent when the
 * write returns, so rarely (the last skb full and sent at once) there is no
 * stamp; then tcpi_bytes_acked is polled every 1 ms while the last bytes
 * are in flight, and the first poll that sees them ACKed gives the time
 * (ack_src=poll, late by up to 1 ms and a wakeup). After that the client
 * shuts its side down, waits for the server's EOF (so the server has
 * logged everything) and closes.
 *
 * Times are CLOCK_BOOTTIME seconds (the clock of /proc/uptime, the
 * sampler and the shim), printed with microseconds.
 *
 * Build: cc -O2 -Wall -o cclab_flow cclab_flow.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <linux/tcp.h>

#define NS_PER_S 1000000000LL
#define WAKE_MIN_NS 1000000LL               /* the program sleeps at least 1 ms between paced writes */
#define DRAIN_POLL_NS 1000000LL             /* tcpi_bytes_acked poll while the last bytes are in flight */
#define EOF_WAIT_NS (3 * NS_PER_S)          /* how long to wait for the server's EOF after our shutdown */
#define BULK_WRITE_BYTES (64 * 1024)
#define NOTSENT_LOWAT_BYTES (128 * 1024)
#define WRITE_BUF_BYTES (1024 * 1024)
#define READ_BUF_BYTES (256 * 1024)
#define MAX_LINE 512
#define LISTEN_BACKLOG 1024

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig) { (void)sig; stop_requested = 1; }

static FILE *logf;
static char buf[WRITE_BUF_BYTES];

static void die(const char *what) {
    fprintf(stderr, "cclab_flow: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void usage(void) {
    fprintf(stderr, "usage: cclab_flow server PORT LOG | cclab_flow client SCHEDULE LOG T0\n");
    exit(2);
}

static int64_t clock_ns(clockid_t c) {
    struct timespec ts;
    clock_gettime(c, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}
static int64_t now_ns(void) { return clock_ns(CLOCK_BOOTTIME); }

/* Seconds with microseconds, or "-" for a time that did not happen (< 0). */
static const char *fmt_t(char *out, int64_t ns) {
    if (ns < 0) return strcpy(out, "-");
    snprintf(out, 32, "%lld.%06lld", (long long)(ns / NS_PER_S), (long long)(ns % NS_PER_S / 1000));
    return out;
}

static void log_line(const char *line) {
    fputs(line, logf);
    fflush(logf);
}

static void set_nonblock(int fd) {
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) die("fcntl");
}

static void install_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* ------------------------------------------------------------------ */
/* Server                                                               */
/* ------------------------------------------------------------------ */

struct rconn {
    int fd;
    int peer;
    int64_t accept_ns, first_ns, last_ns;
    uint64_t bytes;
};

static void server_log(int lport, const struct rconn *c, int64_t eof_ns, const char *err) {
    char a[32], f[32], l[32], e[32], line[MAX_LINE];
    snprintf(line, sizeof line, "conn lport=%d peer=%d accept=%s first=%s last=%s eof=%s bytes=%llu%s%s\n", lport, c->peer, fmt_t(a, c->accept_ns),
             fmt_t(f, c->first_ns), fmt_t(l, c->last_ns), fmt_t(e, eof_ns), (unsigned long long)c->bytes, err ? " err=" : "", err ? err : "");
    log_line(line);
}

static int run_server(int port) {
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0) die("socket");
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0) die("bind");
    if (listen(lfd, LISTEN_BACKLOG) != 0) die("listen");
    set_nonblock(lfd);
    char t[32], line[MAX_LINE];
    snprintf(line, sizeof line, "listen lport=%d t=%s\n", port, fmt_t(t, now_ns()));
    log_line(line);

    int cap = 64, n = 0;
    struct rconn *cs = calloc(cap, sizeof *cs);
    struct pollfd *pfd = calloc(cap + 1, sizeof *pfd);
    if (!cs || !pfd) die("calloc");
    while (!stop_requested) {
        pfd[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
        for (int i = 0; i < n; i++) pfd[i + 1] = (struct pollfd){.fd = cs[i].fd, .events = POLLIN};
        int r = poll(pfd, n + 1, -1);
        if (r < 0) {
            if (errno == EINTR) continue;
            die("poll");
        }
        /* connections first (their indexes are pfd's), then new ones */
        for (int i = n - 1; i >= 0; i--) {
            if (!pfd[i + 1].revents) continue;
            struct rconn *c = &cs[i];
            const char *err = NULL;
            int ended = 0;
            for (;;) {
                ssize_t got = read(c->fd, buf, READ_BUF_BYTES);
                if (got > 0) {
                    int64_t t_ns = now_ns();
                    if (c->first_ns < 0) c->first_ns = t_ns;
                    c->last_ns = t_ns;
                    c->bytes += (uint64_t)got;
                    continue;
                }
                if (got == 0) ended = 1;
                else if (errno == EINTR) continue;
                else if (errno != EAGAIN) {
                    ended = 1;
                    err = strerrorname_np(errno);
                }
                break;
            }
            if (!ended) continue;
            server_log(port, c, err ? -1 : now_ns(), err);
            close(c->fd);
            cs[i] = cs[--n];
        }
        if (pfd[0].revents & POLLIN) {
            for (;;) {
                struct sockaddr_in peer;
                socklen_t len = sizeof peer;
                int fd = accept4(lfd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0) break;
                if (n == cap) {
                    cap *= 2;
                    cs = realloc(cs, cap * sizeof *cs);
                    pfd = realloc(pfd, (cap + 1) * sizeof *pfd);
                    if (!cs || !pfd) die("realloc");
                }
                cs[n++] = (struct rconn){.fd = fd, .peer = ntohs(peer.sin_port), .accept_ns = now_ns(), .first_ns = -1, .last_ns = -1};
            }
        }
    }
    for (int i = 0; i < n; i++) server_log(port, &cs[i], -1, NULL);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Client                                                               */
/* ------------------------------------------------------------------ */

enum cstate { C_WAIT, C_CONNECTING, C_OPEN, C_DRAIN, C_CLOSING, C_DONE };

struct period {
    int64_t a, b;
};

struct conn {
    int lport;
    int64_t start_ns, stop_ns; /* absolute, CLOCK_BOOTTIME */
    uint64_t bytes;            /* 0: unlimited */
    double rate_bps;           /* 0: bulk */
    struct period *on;
    int non, cap_on;
    int onoff; /* the schedule gave on periods */
    enum cstate st;
    int fd;
    int tstamp; /* SO_TIMESTAMPING is on */
    int64_t syn_ns, est_ns, done_ns, stopped_ns, close_deadline_ns;
    const char *ack_src;
    uint64_t written;
    /* paced writes: the current on period, chunks written in it, bytes owed */
    int period;
    int64_t chunks_done;
    uint64_t owed;
    struct tcp_info ti; /* at done or stop */
    int have_ti;
    char err[64];
};

static struct conn *conns;
static int nconns;
static uint32_t dst_addr;
static int dst_port;
static char cc_name[32];
static int maxseg, chunk_bytes = 1448;
static int64_t rt_to_boot_ns; /* CLOCK_BOOTTIME - CLOCK_REALTIME */

static int64_t secs_to_ns(double s) { return (int64_t)(s * 1e9 + (s >= 0 ? 0.5 : -0.5)); }

static void parse_schedule(const char *path, int64_t t0_ns) {
    FILE *f = fopen(path, "r");
    if (!f) die(path);
    char line[MAX_LINE];
    int lineno = 0, cap = 16;
    conns = calloc(cap, sizeof *conns);
    if (!conns) die("calloc");
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char word[32], s1[64];
        double a, b, r;
        unsigned long long n;
        int p;
        if (line[0] == '#' || sscanf(line, "%31s", word) != 1) continue;
        if (strcmp(word, "dst") == 0 && sscanf(line, "dst %63s %d", s1, &dst_port) == 2) {
            if (inet_pton(AF_INET, s1, &dst_addr) != 1) goto bad;
        } else if (strcmp(word, "cc") == 0 && sscanf(line, "cc %31s", cc_name) == 1) {
        } else if (strcmp(word, "maxseg") == 0 && sscanf(line, "maxseg %d", &maxseg) == 1) {
        } else if (strcmp(word, "chunk") == 0 && sscanf(line, "chunk %d", &chunk_bytes) == 1 && chunk_bytes > 0 && chunk_bytes <= WRITE_BUF_BYTES) {
        } else if (strcmp(word, "conn") == 0 && sscanf(line, "conn %d %lf %lf %llu %lf", &p, &a, &b, &n, &r) == 5 && p > 0 && p < 65536 && b > a && r >= 0) {
            if (nconns == cap) {
                cap *= 2;
                conns = realloc(conns, cap * sizeof *conns);
                if (!conns) die("realloc");
            }
            if (nconns > 0 && secs_to_ns(a) < conns[nconns - 1].start_ns - t0_ns) goto bad; /* in start order */
            conns[nconns++] = (struct conn){.lport = p, .start_ns = t0_ns + secs_to_ns(a), .stop_ns = t0_ns + secs_to_ns(b), .bytes = n, .rate_bps = r, .fd = -1,
                                            .syn_ns = -1, .est_ns = -1, .done_ns = -1, .stopped_ns = -1, .ack_src = "-"};
        } else if (strcmp(word, "on") == 0 && sscanf(line, "on %lf %lf", &a, &b) == 2 && nconns > 0 && b > a) {
            struct conn *c = &conns[nconns - 1];
            if (c->non == c->cap_on) {
                c->cap_on = c->cap_on ? 2 * c->cap_on : 16;
                c->on = realloc(c->on, c->cap_on * sizeof *c->on);
                if (!c->on) die("realloc");
            }
            c->on[c->non++] = (struct period){t0_ns + secs_to_ns(a), t0_ns + secs_to_ns(b)};
            c->onoff = 1;
        } else {
            goto bad;
        }
    }
    fclose(f);
    if (dst_port <= 0 || cc_name[0] == 0) {
        fprintf(stderr, "cclab_flow: %s: needs dst and cc lines\n", path);
        exit(2);
    }
    for (int i = 0; i < nconns; i++) {
        struct conn *c = &conns[i];
        if (c->non == 0) {
            c->on = malloc(sizeof *c->on);
            c->on[0] = (struct period){c->start_ns, c->stop_ns};
            c->non = 1;
        }
    }
    return;
bad:
    fprintf(stderr, "cclab_flow: %s:%d: cannot read: %s", path, lineno, line);
    exit(2);
}

static int get_info(int fd, struct tcp_info *ti) {
    memset(ti, 0, sizeof *ti);
    socklen_t len = sizeof *ti;
    return getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len);
}

static void conn_log(struct conn *c) {
    char s[32], y[32], e[32], d[32], p[32], x[32], line[MAX_LINE];
    const struct tcp_info *ti = &c->ti;
    snprintf(line, sizeof line,
             "conn lport=%d start=%s syn=%s est=%s bytes=%llu written=%llu done=%s ack_src=%s stop=%s acked=%llu bytes_sent=%llu bytes_retrans=%llu "
             "data_segs_out=%u total_retrans=%u min_rtt_us=%u end=%s%s%s\n",
             c->lport, fmt_t(s, c->start_ns), fmt_t(y, c->syn_ns), fmt_t(e, c->est_ns), (unsigned long long)c->bytes, (unsigned long long)c->written,
             fmt_t(d, c->done_ns), c->ack_src, fmt_t(p, c->stopped_ns), (unsigned long long)ti->tcpi_bytes_acked, (unsigned long long)ti->tcpi_bytes_sent,
             (unsigned long long)ti->tcpi_bytes_retrans, ti->tcpi_data_segs_out, ti->tcpi_total_retrans, ti->tcpi_min_rtt, fmt_t(x, now_ns()),
             c->err[0] ? " err=" : "", c->err);
    log_line(line);
}

static void conn_finish(struct conn *c) {
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    conn_log(c);
    c->st = C_DONE;
}

static void conn_fail(struct conn *c, const char *what, int e) {
    snprintf(c->err, sizeof c->err, "%s:%s", what, strerrorname_np(e) ? strerrorname_np(e) : "?");
    if (c->fd >= 0 && !c->have_ti && get_info(c->fd, &c->ti) == 0) c->have_ti = 1;
    conn_finish(c);
}

static void conn_start(struct conn *c) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return conn_fail(c, "socket", errno);
    c->fd = fd;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc_name, strlen(cc_name)) != 0) return conn_fail(c, "TCP_CONGESTION", errno);
    if (maxseg > 0 && setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &maxseg, sizeof maxseg) != 0) return conn_fail(c, "TCP_MAXSEG", errno);
    if (c->bytes == 0 || c->onoff) {
        int lowat = NOTSENT_LOWAT_BYTES;
        setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof lowat);
    }
    struct sockaddr_in src = {.sin_family = AF_INET, .sin_port = htons(c->lport), .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0) return conn_fail(c, "bind", errno);
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(dst_port), .sin_addr.s_addr = dst_addr};
    c->syn_ns = now_ns();
    if (connect(fd, (struct sockaddr *)&dst, sizeof dst) != 0 && errno != EINPROGRESS) return conn_fail(c, "connect", errno);
    c->st = C_CONNECTING;
}

/* The connection is up: timestamps for a byte-limited one, then its writes. */
static void conn_established(struct conn *c) {
    c->est_ns = now_ns();
    c->st = C_OPEN;
    c->period = 0;
    c->chunks_done = 0;
    c->owed = 0;
    if (c->bytes > 0) {
        /* OPT_ID keys are byte offsets from snd_una now (no data sent yet): the last byte is bytes - 1 */
        int fl = SOF_TIMESTAMPING_TX_ACK | SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY;
        c->tstamp = setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMPING, &fl, sizeof fl) == 0;
    }
}

/* Read the error queue: the ACK timestamps. Returns 1 when the last byte's ACK was stamped. */
static int drain_errqueue(struct conn *c) {
    int got_last = 0;
    for (;;) {
        char ctrl[512];
        struct msghdr m;
        memset(&m, 0, sizeof m);
        m.msg_control = ctrl;
        m.msg_controllen = sizeof ctrl;
        if (recvmsg(c->fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) break;
        int64_t ts = -1;
        int is_ack = 0;
        uint32_t key = 0;
        for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
            if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_TIMESTAMPING) {
                struct scm_timestamping tss;
                memcpy(&tss, CMSG_DATA(h), sizeof tss);
                ts = (int64_t)tss.ts[0].tv_sec * NS_PER_S + tss.ts[0].tv_nsec;
            } else if (h->cmsg_level == SOL_IP && h->cmsg_type == IP_RECVERR) {
                struct sock_extended_err ee;
                memcpy(&ee, CMSG_DATA(h), sizeof ee);
                if (ee.ee_origin == SO_EE_ORIGIN_TIMESTAMPING && ee.ee_info == SCM_TSTAMP_ACK) {
                    is_ack = 1;
                    key = ee.ee_data;
                }
            }
        }
        if (is_ack && ts > 0 && key == (uint32_t)(c->bytes - 1) && c->written == c->bytes) {
            c->done_ns = ts + rt_to_boot_ns;
            got_last = 1;
        }
    }
    return got_last;
}

/* Is the conn in an on period at t? Advances past ended periods (dropping what was owed). */
static int conn_on(struct conn *c, int64_t t) {
    while (c->period < c->non && t >= c->on[c->period].b) {
        c->period++;
        c->chunks_done = 0;
        c->owed = 0;
    }
    return c->period < c->non && t >= c->on[c->period].a;
}

static int64_t chunk_interval_ns(const struct conn *c) { return (int64_t)((double)chunk_bytes * 8 * 1e9 / c->rate_bps); }

/* Write up to `want` bytes (fewer when the byte limit or a full socket stops it); 0 on a write error. */
static int conn_push(struct conn *c, uint64_t want) {
    while (want > 0 && (c->bytes == 0 || c->written < c->bytes)) {
        uint64_t n = want;
        if (c->bytes && n > c->bytes - c->written) n = c->bytes - c->written;
        uint64_t cap = c->rate_bps > 0 ? WRITE_BUF_BYTES : BULK_WRITE_BYTES;
        if (n > cap) n = cap;
        ssize_t w = write(c->fd, buf, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return 1;
            conn_fail(c, "write", errno);
            return 0;
        }
        c->written += (uint64_t)w;
        want -= (uint64_t)w;
        if (c->rate_bps > 0) c->owed -= (uint64_t)w;
    }
    return 1;
}

/*
 * Write what is due now. A paced conn first writes every chunk due before
 * the end of a period that has ended (it may wake just after it), then
 * drops what the socket did not take and moves to the next period.
 */
static void conn_write(struct conn *c, int64_t t) {
    while (c->period < c->non) {
        const struct period *p = &c->on[c->period];
        if (t < p->a) return;
        if (c->rate_bps > 0) {
            int64_t iv = chunk_interval_ns(c);
            int64_t upto = t < p->b ? t : p->b - 1;
            int64_t due = (upto - p->a) / iv + 1; /* chunks at a, a + iv, ... up to upto */
            if (due > c->chunks_done) {
                c->owed += (uint64_t)(due - c->chunks_done) * chunk_bytes;
                c->chunks_done = due;
            }
            if (!conn_push(c, c->owed)) return;
        } else if (t < p->b) {
            if (!conn_push(c, UINT64_MAX)) return;
        }
        if (c->bytes && c->written == c->bytes) {
            c->st = C_DRAIN;
            return;
        }
        if (t < p->b) return;
        c->period++;
        c->chunks_done = 0;
        c->owed = 0;
    }
}

/* Shut our side down and wait (bounded) for the server's EOF. */
static void conn_close_gracefully(struct conn *c, int64_t t) {
    shutdown(c->fd, SHUT_WR);
    c->st = C_CLOSING;
    c->close_deadline_ns = t + EOF_WAIT_NS;
}

/* The conn's stop: take its counters then; an unfinished byte-limited one is reset. */
static void conn_stop(struct conn *c, int64_t t) {
    c->stopped_ns = t;
    if (c->st == C_CONNECTING) {
        snprintf(c->err, sizeof c->err, "not-connected");
        return conn_finish(c);
    }
    if (get_info(c->fd, &c->ti) == 0) c->have_ti = 1;
    if (c->bytes > 0) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        conn_finish(c);
    } else {
        conn_close_gracefully(c, t);
    }
}

/* Has the last byte been ACKed? (the tstamp, or else the poll of tcpi_bytes_acked) */
static void conn_check_done(struct conn *c, int64_t t) {
    if (c->tstamp && drain_errqueue(c)) {
        c->ack_src = "tstamp";
    } else {
        struct tcp_info ti;
        /* tcpi_bytes_acked counts the SYN too */
        if (get_info(c->fd, &ti) != 0 || ti.tcpi_bytes_acked < c->bytes + 1) return;
        /* the stamp, when there is one, is queued with the ACK's processing: look once more */
        if (c->tstamp && drain_errqueue(c)) {
            c->ack_src = "tstamp";
        } else {
            c->done_ns = t;
            c->ack_src = "poll";
        }
    }
    if (get_info(c->fd, &c->ti) == 0) c->have_ti = 1;
    conn_close_gracefully(c, t);
}

/* Read (and discard) from a closing conn; the server's EOF ends it. */
static void conn_read_eof(struct conn *c) {
    for (;;) {
        ssize_t r = read(c->fd, buf, READ_BUF_BYTES);
        if (r > 0) continue;
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) conn_finish(c);
        else if (errno != EAGAIN) conn_fail(c, "read", errno);
        return;
    }
}

/* The next time anything is due for c (absolute ns), or INT64_MAX. */
static int64_t conn_next(struct conn *c, int64_t t) {
    switch (c->st) {
    case C_WAIT: return c->start_ns;
    case C_CONNECTING: return c->stop_ns;
    case C_OPEN: {
        int64_t next = c->stop_ns;
        if (c->period < c->non) {
            const struct period *p = &c->on[c->period];
            if (t < p->a) next = p->a < next ? p->a : next;
            else {
                if (p->b < next) next = p->b;
                if (c->rate_bps > 0 && c->owed == 0) {
                    int64_t iv = chunk_interval_ns(c);
                    int64_t at = p->a + c->chunks_done * iv;
                    if (at < t + WAKE_MIN_NS) at = t + WAKE_MIN_NS;
                    if (at < next) next = at;
                }
            }
        }
        return next;
    }
    case C_DRAIN: {
        int64_t next = t + DRAIN_POLL_NS;
        return next < c->stop_ns ? next : c->stop_ns;
    }
    case C_CLOSING: return c->close_deadline_ns;
    default: return INT64_MAX;
    }
}

static int run_client(void) {
    struct pollfd *pfd = calloc(nconns ? nconns : 1, sizeof *pfd);
    int *idx = calloc(nconns ? nconns : 1, sizeof *idx);
    if (!pfd || !idx) die("calloc");
    int first = 0; /* conns before it are done */
    for (;;) {
        int64_t t = now_ns();
        /* due work */
        for (int i = first; i < nconns; i++) {
            struct conn *c = &conns[i];
            if (c->st == C_WAIT && t >= c->start_ns) {
                if (t >= c->stop_ns) {
                    snprintf(c->err, sizeof c->err, "late");
                    conn_finish(c);
                } else {
                    conn_start(c);
                }
            }
            /* (writes first: chunks due before the stop still go) */
            if (c->st == C_OPEN) conn_write(c, t);
            if ((c->st == C_CONNECTING || c->st == C_OPEN || c->st == C_DRAIN) && t >= c->stop_ns) conn_stop(c, t);
            if (c->st == C_CLOSING && t >= c->close_deadline_ns) {
                snprintf(c->err, sizeof c->err, "no-eof");
                conn_finish(c);
            }
        }
        while (first < nconns && conns[first].st == C_DONE) first++;
        if (first == nconns || stop_requested) break;
        /* sleep until the next due time or a socket event */
        int64_t next = INT64_MAX;
        int n = 0;
        for (int i = first; i < nconns; i++) {
            struct conn *c = &conns[i];
            if (c->st == C_WAIT) {
                if (c->start_ns < next) next = c->start_ns;
                break; /* conns are in start order: the rest wait longer */
            }
            int64_t cn = conn_next(c, t);
            if (cn < next) next = cn;
            if (c->fd < 0 || c->st == C_DONE) continue;
            short ev = 0;
            if (c->st == C_CONNECTING) ev = POLLOUT;
            else if (c->st == C_OPEN && conn_on(c, t) && (c->rate_bps == 0 || c->owed > 0)) ev = POLLOUT;
            else if (c->st == C_CLOSING) ev = POLLIN;
            pfd[n] = (struct pollfd){.fd = c->fd, .events = ev}; /* POLLERR (the ACK stamps) always */
            idx[n++] = i;
        }
        int64_t wait = next == INT64_MAX ? NS_PER_S : next - t;
        if (wait < 0) wait = 0;
        struct timespec ts = {.tv_sec = wait / NS_PER_S, .tv_nsec = wait % NS_PER_S};
        int r = ppoll(pfd, n, &ts, NULL);
        if (r < 0 && errno != EINTR) die("ppoll");
        t = now_ns();
        for (int k = 0; r > 0 && k < n; k++) {
            struct conn *c = &conns[idx[k]];
            short re = pfd[k].revents;
            if (!re || c->st == C_DONE) continue;
            if (c->st == C_CONNECTING) {
                int e = 0;
                socklen_t len = sizeof e;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len);
                if (e != 0) conn_fail(c, "connect", e);
                else if (re & POLLOUT) conn_established(c);
                continue;
            }
            if (c->st == C_DRAIN) conn_check_done(c, t);
            else if (c->st == C_CLOSING && (re & (POLLIN | POLLHUP | POLLERR))) conn_read_eof(c);
            else if (c->st == C_OPEN && (re & POLLERR) && c->tstamp) drain_errqueue(c);
        }
        /* conns waiting for their last ACK without a stamp: the 1 ms poll */
        for (int i = first; i < nconns; i++)
            if (conns[i].st == C_DRAIN) conn_check_done(&conns[i], now_ns());
    }
    /* SIGTERM or all done: log what is still open */
    for (int i = first; i < nconns; i++) {
        struct conn *c = &conns[i];
        if (c->st == C_DONE) continue;
        if (c->fd >= 0 && !c->have_ti && get_info(c->fd, &c->ti) == 0) c->have_ti = 1;
        snprintf(c->err, sizeof c->err, c->st == C_WAIT ? "not-started" : "terminated");
        conn_finish(c);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) usage();
    install_signals();
    memset(buf, 'c', sizeof buf);
    if (strcmp(argv[1], "server") == 0 && argc == 4) {
        logf = fopen(argv[3], "a");
        if (!logf) die(argv[3]);
        return run_server(atoi(argv[2]));
    }
    if (strcmp(argv[1], "client") == 0 && argc == 5) {
        logf = fopen(argv[3], "a");
        if (!logf) die(argv[3]);
        char *end;
        double t0 = strtod(argv[4], &end);
        if (*end != 0) usage();
        int64_t rt0 = clock_ns(CLOCK_REALTIME), bt = now_ns(), rt1 = clock_ns(CLOCK_REALTIME);
        rt_to_boot_ns = bt - (rt0 + rt1) / 2;
        parse_schedule(argv[2], secs_to_ns(t0));
        char ta[32], tb[32], line[MAX_LINE];
        snprintf(line, sizeof line, "client conns=%d cc=%s t0=%s t=%s\n", nconns, cc_name, fmt_t(ta, secs_to_ns(t0)), fmt_t(tb, now_ns()));
        log_line(line);
        return run_client();
    }
    usage();
}
