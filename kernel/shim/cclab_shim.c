/*
 * cclab_shim.so — an LD_PRELOAD helper for the kernel harness.
 *
 * 1. Brutal's parameters. tcp_brutal reads its send rate and cwnd gain from
 *    setsockopt(IPPROTO_TCP, TCP_BRUTAL_PARAMS = 23301, {u64 rate; u32
 *    cwnd_gain}) — packed, 12 bytes. Its init() runs when the connection is
 *    established and resets both to the defaults (1 Mbit/s, 2.0x), so values
 *    set before connect() are lost. The shim therefore remembers every socket
 *    that a program switches to "brutal" (TCP_CONGESTION, or a socket
 *    accept()ed from such a listener) and applies the parameters from
 *      CCLAB_BRUTAL_RATE        bytes per second (unset: leave the defaults)
 *      CCLAB_BRUTAL_CWND_GAIN   tenths, 5..80 (default 20)
 *    at the first moment the socket is ESTABLISHED: right after connect() or
 *    accept() returns, or else before its first write/send (iperf3 connects
 *    non-blocking and writes its cookie first). Each socket gets them once.
 *
 * 2. A log for the harness. When CCLAB_SHIM_LOG names a file, the shim
 *    appends one line per event: "brutal ..." when it applied the parameters
 *    (with the setsockopt result), and "close ..." with the socket's final
 *    TCP_INFO counters when a TCP socket is closed. The harness reads the
 *    exact per-connection totals (bytes sent and retransmitted) from there.
 *    For flow completion times it also logs "connect fd=.. lport=.. t_us=.."
 *    when a TCP socket connects (its SYN leaves), and the close line carries
 *    t_us (the close) with unacked and last_ack_recv_ms, so the ACK of the
 *    last byte arrived at t_us - last_ack_recv_ms*1000 when unacked is 0
 *    (tcpi_last_ack_recv counts jiffies: 4 ms steps at HZ=250). Times are
 *    CLOCK_BOOTTIME microseconds, the clock of /proc/uptime and the sampler.
 *
 * 3. The applications' timing, for measurements. When CCLAB_SHIM_IOLOG
 *    names a file, the shim times every read()/recv() and write()/send() on
 *    a TCP socket (CLOCK_REALTIME at entry and at return, bytes moved),
 *    keeps the records in memory, and appends them as lines
 *    "read|write <start_us> <duration_us> <bytes>" when the socket is
 *    closed or the program exits. kernel/measure-ack-noise.mjs --receiver
 *    runs both iperf3 ends with it.
 *
 * 4. Scheduling, for measurements. CCLAB_SHIM_FIFO=<priority> puts the
 *    program in the SCHED_FIFO real-time class at start, so that on a
 *    single-CPU test VM it runs as soon as it is woken (as if it had a CPU
 *    of its own) instead of waiting behind the other end's process.
 *
 * Build: cc -shared -fPIC -O2 -o cclab_shim.so cclab_shim.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <linux/tcp.h>

#define TCP_BRUTAL_PARAMS 23301
#define MAX_TRACKED_FD 65536
#define TCP_STATE_ESTABLISHED 1

enum { FD_NONE = 0, FD_BRUTAL_PENDING = 1, FD_BRUTAL_APPLIED = 2 };

struct brutal_params {
    uint64_t rate;
    uint32_t cwnd_gain;
} __attribute__((packed));

static unsigned char fd_state[MAX_TRACKED_FD];

/* Section 3 (I/O timing), used by the hooks before it is defined. */
static int io_log_on(void);
static int is_tcp_socket(int fd);
static int64_t realtime_ns(void);
static void record_io(char kind, int64_t start_ns, ssize_t n);

/* Return `call` (a libc I/O call on fd); time and log it when the I/O log is on and fd is a TCP socket. */
#define TIMED_IO(kind, fd, call)                                 \
    do {                                                         \
        if (!io_log_on() || !is_tcp_socket(fd)) return call;     \
        int64_t t0_ = realtime_ns();                             \
        ssize_t r_ = call;                                       \
        int e_ = errno;                                          \
        record_io(kind, t0_, r_);                                \
        errno = e_;                                              \
        return r_;                                               \
    } while (0)

typedef int (*setsockopt_fn)(int, int, int, const void *, socklen_t);
typedef int (*connect_fn)(int, const struct sockaddr *, socklen_t);
typedef int (*accept_fn)(int, struct sockaddr *, socklen_t *);
typedef int (*accept4_fn)(int, struct sockaddr *, socklen_t *, int);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*read_fn)(int, void *, size_t);
typedef ssize_t (*recv_fn)(int, void *, size_t, int);
typedef ssize_t (*send_fn)(int, const void *, size_t, int);
typedef ssize_t (*sendto_fn)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
typedef ssize_t (*sendmsg_fn)(int, const struct msghdr *, int);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);
typedef int (*close_fn)(int);

static void *real(const char *name) {
    void *p = dlsym(RTLD_NEXT, name);
    if (!p) {
        fprintf(stderr, "cclab_shim: cannot find %s\n", name);
        abort();
    }
    return p;
}

static int real_setsockopt(int fd, int level, int name, const void *val, socklen_t len) {
    static setsockopt_fn f;
    if (!f) f = (setsockopt_fn)real("setsockopt");
    return f(fd, level, name, val, len);
}

/* Append one line to $CCLAB_SHIM_LOG (raw syscalls: no recursion into our hooks). */
static void log_line(const char *line) {
    const char *path = getenv("CCLAB_SHIM_LOG");
    if (!path || !*path) return;
    int saved = errno;
    int fd = (int)syscall(SYS_open, path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
        syscall(SYS_write, fd, line, strlen(line));
        syscall(SYS_close, fd);
    }
    errno = saved;
}

static int local_port(int fd) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) return -1;
    if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return -1;
}

static int get_tcp_info(int fd, struct tcp_info *ti) {
    socklen_t len = sizeof *ti;
    memset(ti, 0, sizeof *ti);
    return getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len);
}

static int is_brutal(int fd) {
    char name[16] = {0};
    socklen_t len = sizeof name - 1;
    if (getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len) != 0) return 0;
    return strncmp(name, "brutal", 6) == 0;
}

/* Apply the parameters once the connection is established; otherwise wait. */
static void apply_if_established(int fd) {
    if (fd < 0 || fd >= MAX_TRACKED_FD || fd_state[fd] != FD_BRUTAL_PENDING) return;
    struct tcp_info ti;
    int saved = errno;
    if (get_tcp_info(fd, &ti) != 0 || ti.tcpi_state != TCP_STATE_ESTABLISHED) {
        errno = saved;
        return;
    }
    fd_state[fd] = FD_BRUTAL_APPLIED;
    const char *rate_s = getenv("CCLAB_BRUTAL_RATE");
    if (!rate_s || !*rate_s) {
        errno = saved;
        return;
    }
    const char *gain_s = getenv("CCLAB_BRUTAL_CWND_GAIN");
    struct brutal_params p;
    p.rate = strtoull(rate_s, NULL, 10);
    p.cwnd_gain = gain_s && *gain_s ? (uint32_t)strtoul(gain_s, NULL, 10) : 20;
    int rc = real_setsockopt(fd, IPPROTO_TCP, TCP_BRUTAL_PARAMS, &p, sizeof p);
    int err = rc == 0 ? 0 : errno;
    char line[256];
    snprintf(line, sizeof line, "brutal fd=%d lport=%d rate=%llu cwnd_gain=%u rc=%d errno=%d %s\n", fd, local_port(fd),
             (unsigned long long)p.rate, p.cwnd_gain, rc, err, rc == 0 ? "ok" : strerror(err));
    log_line(line);
    errno = saved;
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len) {
    int rc = real_setsockopt(fd, level, name, val, len);
    if (rc == 0 && level == IPPROTO_TCP && name == TCP_CONGESTION && fd >= 0 && fd < MAX_TRACKED_FD) {
        if (val && len >= 6 && strncmp((const char *)val, "brutal", 6) == 0) {
            fd_state[fd] = FD_BRUTAL_PENDING;
            apply_if_established(fd);
        } else {
            fd_state[fd] = FD_NONE;
        }
    }
    return rc;
}

static long long boottime_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

int connect(int fd, const struct sockaddr *addr, socklen_t len) {
    static connect_fn f;
    if (!f) f = (connect_fn)real("connect");
    if (getenv("CCLAB_SHIM_LOG") && is_tcp_socket(fd)) {
        int saved = errno;
        char line[128];
        snprintf(line, sizeof line, "connect fd=%d lport=%d t_us=%lld\n", fd, local_port(fd), boottime_us());
        log_line(line);
        errno = saved;
    }
    int rc = f(fd, addr, len);
    if (rc == 0) apply_if_established(fd);
    return rc;
}

static void after_accept(int listener, int fd) {
    if (fd < 0 || fd >= MAX_TRACKED_FD || listener < 0 || listener >= MAX_TRACKED_FD) return;
    if (fd_state[listener] == FD_NONE) return;
    int saved = errno;
    if (is_brutal(fd)) {
        fd_state[fd] = FD_BRUTAL_PENDING;
        apply_if_established(fd);
    }
    errno = saved;
}

int accept(int fd, struct sockaddr *addr, socklen_t *len) {
    static accept_fn f;
    if (!f) f = (accept_fn)real("accept");
    int nfd = f(fd, addr, len);
    after_accept(fd, nfd);
    return nfd;
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    static accept4_fn f;
    if (!f) f = (accept4_fn)real("accept4");
    int nfd = f(fd, addr, len, flags);
    after_accept(fd, nfd);
    return nfd;
}

#define BEFORE_SEND(fd) \
    if ((fd) >= 0 && (fd) < MAX_TRACKED_FD && fd_state[(fd)] == FD_BRUTAL_PENDING) apply_if_established(fd)

ssize_t write(int fd, const void *buf, size_t n) {
    static write_fn f;
    if (!f) f = (write_fn)real("write");
    BEFORE_SEND(fd);
    TIMED_IO('w', fd, f(fd, buf, n));
}

ssize_t send(int fd, const void *buf, size_t n, int flags) {
    static send_fn f;
    if (!f) f = (send_fn)real("send");
    BEFORE_SEND(fd);
    TIMED_IO('w', fd, f(fd, buf, n, flags));
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *a, socklen_t alen) {
    static sendto_fn f;
    if (!f) f = (sendto_fn)real("sendto");
    BEFORE_SEND(fd);
    return f(fd, buf, n, flags, a, alen);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
    static sendmsg_fn f;
    if (!f) f = (sendmsg_fn)real("sendmsg");
    BEFORE_SEND(fd);
    return f(fd, msg, flags);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt) {
    static writev_fn f;
    if (!f) f = (writev_fn)real("writev");
    BEFORE_SEND(fd);
    return f(fd, iov, cnt);
}

/* --- 3. I/O timing ------------------------------------------------------- */

/** Records kept in memory before they are written out. */
#define IO_LOG_CAPACITY (1 << 18)

enum { FD_KIND_UNKNOWN = 0, FD_KIND_TCP = 1, FD_KIND_OTHER = 2 };
static unsigned char fd_kind[MAX_TRACKED_FD];

struct io_record {
    int64_t start_ns;
    int32_t duration_ns;
    int32_t bytes; /* negative for writes */
};
static struct io_record *io_log;
static int io_log_len;
static int io_log_off; /* 0 unknown, 1 on, 2 off */

static int64_t realtime_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int io_log_on(void) {
    if (io_log_off == 0) {
        const char *path = getenv("CCLAB_SHIM_IOLOG");
        io_log = path && *path ? malloc(sizeof *io_log * IO_LOG_CAPACITY) : NULL;
        io_log_off = io_log ? 1 : 2;
    }
    return io_log_off == 1;
}

static int is_tcp_socket(int fd) {
    if (fd < 0 || fd >= MAX_TRACKED_FD) return 0;
    if (fd_kind[fd] == FD_KIND_UNKNOWN) {
        int saved = errno, type = 0, proto = 0;
        socklen_t len = sizeof type;
        int ok = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM;
        len = sizeof proto;
        ok = ok && getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == 0 && proto == IPPROTO_TCP;
        fd_kind[fd] = ok ? FD_KIND_TCP : FD_KIND_OTHER;
        errno = saved;
    }
    return fd_kind[fd] == FD_KIND_TCP;
}

/* Append the records so far to $CCLAB_SHIM_IOLOG and forget them. */
static void flush_io_log(void) {
    if (io_log_off != 1 || io_log_len == 0) return;
    int saved = errno;
    int fd = (int)syscall(SYS_open, getenv("CCLAB_SHIM_IOLOG"), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
        char buf[65536];
        size_t used = 0;
        for (int i = 0; i < io_log_len; i++) {
            const struct io_record *r = &io_log[i];
            used += (size_t)snprintf(buf + used, sizeof buf - used, "%s %lld %d %d\n", r->bytes < 0 ? "write" : "read",
                                     (long long)(r->start_ns / 1000), r->duration_ns / 1000, r->bytes < 0 ? -r->bytes : r->bytes);
            if (sizeof buf - used < 128 || i == io_log_len - 1) {
                syscall(SYS_write, fd, buf, used);
                used = 0;
            }
        }
        syscall(SYS_close, fd);
    }
    io_log_len = 0;
    errno = saved;
}

__attribute__((destructor)) static void flush_at_exit(void) { flush_io_log(); }

static void record_io(char kind, int64_t start_ns, ssize_t n) {
    if (n <= 0) return;
    if (io_log_len == IO_LOG_CAPACITY) flush_io_log();
    struct io_record *r = &io_log[io_log_len++];
    r->start_ns = start_ns;
    r->duration_ns = (int32_t)(realtime_ns() - start_ns);
    r->bytes = kind == 'w' ? -(int32_t)n : (int32_t)n;
}

ssize_t read(int fd, void *buf, size_t n) {
    static read_fn f;
    if (!f) f = (read_fn)real("read");
    TIMED_IO('r', fd, f(fd, buf, n));
}

ssize_t recv(int fd, void *buf, size_t n, int flags) {
    static recv_fn f;
    if (!f) f = (recv_fn)real("recv");
    TIMED_IO('r', fd, f(fd, buf, n, flags));
}

/* Log the final counters of a TCP socket before it goes away. */
static void log_close(int fd) {
    if (!getenv("CCLAB_SHIM_LOG")) return;
    int saved = errno;
    struct tcp_info ti;
    if (get_tcp_info(fd, &ti) == 0) {
        char cc[16] = {0};
        socklen_t len = sizeof cc - 1;
        if (getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc, &len) != 0) strcpy(cc, "?");
        char line[512];
        snprintf(line, sizeof line,
                 "close fd=%d lport=%d cc=%s state=%u bytes_sent=%llu bytes_retrans=%llu bytes_acked=%llu "
                 "segs_out=%u data_segs_out=%u total_retrans=%u rtt_us=%u rttvar_us=%u min_rtt_us=%u snd_cwnd=%u "
                 "pacing_rate=%llu delivery_rate=%llu unacked=%u last_ack_recv_ms=%u t_us=%lld\n",
                 fd, local_port(fd), cc, ti.tcpi_state, (unsigned long long)ti.tcpi_bytes_sent,
                 (unsigned long long)ti.tcpi_bytes_retrans, (unsigned long long)ti.tcpi_bytes_acked, ti.tcpi_segs_out,
                 ti.tcpi_data_segs_out, ti.tcpi_total_retrans, ti.tcpi_rtt, ti.tcpi_rttvar, ti.tcpi_min_rtt,
                 ti.tcpi_snd_cwnd, (unsigned long long)ti.tcpi_pacing_rate, (unsigned long long)ti.tcpi_delivery_rate,
                 ti.tcpi_unacked, ti.tcpi_last_ack_recv, boottime_us());
        log_line(line);
    }
    errno = saved;
}

int close(int fd) {
    static close_fn f;
    if (!f) f = (close_fn)real("close");
    if (fd >= 0) {
        log_close(fd);
        if (fd < MAX_TRACKED_FD && fd_kind[fd] == FD_KIND_TCP) flush_io_log();
        if (fd < MAX_TRACKED_FD) fd_state[fd] = FD_NONE, fd_kind[fd] = FD_KIND_UNKNOWN;
    }
    return f(fd);
}

/* --- 4. scheduling ------------------------------------------------------- */

__attribute__((constructor)) static void fifo_at_start(void) {
    const char *prio = getenv("CCLAB_SHIM_FIFO");
    if (!prio || !*prio) return;
    struct sched_param sp = {.sched_priority = atoi(prio)};
    if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0) {
        char line[128];
        snprintf(line, sizeof line, "fifo pid=%d rc=-1 errno=%d\n", (int)getpid(), errno);
        log_line(line);
    }
}
