/*
 * cclab_pacer — feeds a command's stdin with lines on a schedule, for
 * trace-driven links.
 *
 * The kernel harness follows a link.trace by changing the bottleneck
 * shaper's rate on the trace's schedule (src/kernel/trace.ts makes the
 * schedule, the plan runs it). A shell loop of `tc` calls is too slow and
 * too late in a TCG guest (a fork+exec of tc costs tens of ms there), so one
 * `tc -batch -` reads the commands from a pipe, and this program writes each
 * at its time: it sleeps to absolute deadlines
 * (clock_nanosleep TIMER_ABSTIME on CLOCK_BOOTTIME), so lateness does not
 * accumulate.
 *
 * Usage: cclab_pacer [-t ORIGIN] [-p PREFIX] [-s SUFFIX] [-k ADDR] SCHEDULE LOG COMMAND [ARGS...]
 *   SCHEDULE: a file, or - for stdin: lines "<ms> <text>", nondecreasing ms
 *             after ORIGIN; PREFIX <text> SUFFIX goes to COMMAND's stdin
 *             at that time (a line already due is written at once).
 *   ADDR:     with -k, a line "<ms> !<text>" is followed, 2 ms and 5 ms
 *             later, by a one-byte UDP datagram to ADDR port 9 (discard):
 *             a shaper that was throttled at a very low rate keeps
 *             sleeping after its rate is raised (tbf_change does not
 *             re-arm its watchdog) until a packet is enqueued; the
 *             datagram is that packet, sent after tc has had time to
 *             apply the change. Run the pacer in the namespace to send from.
 *   ORIGIN:   CLOCK_BOOTTIME seconds, the clock of /proc/uptime (the plan's
 *             t0); default: when the program starts.
 *   LOG:      "t0 <ORIGIN>", "start <seconds>" (when it started), then
 *             "<ms> <late_us>" per line written: how late it was.
 * After the last line it closes the pipe and waits for COMMAND; on SIGTERM
 * or SIGINT it stops COMMAND and exits. Exit status: COMMAND's, or 1.
 *
 * Build: cc -O2 -o cclab_pacer cclab_pacer.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define NS_PER_MS 1000000LL
#define NS_PER_S 1000000000LL
#define MAX_LINE 4096

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static long long ns_of(const struct timespec *t) { return (long long)t->tv_sec * NS_PER_S + t->tv_nsec; }

static void sleep_ms(long ms) {
    struct timespec d = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * NS_PER_MS };
    while (!stop && nanosleep(&d, &d) < 0 && errno == EINTR) {
    }
}

static int finish(pid_t child, FILE *to, int kill_it) {
    if (to) fclose(to);
    if (kill_it) kill(child, SIGTERM);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv) {
    const char *prefix = "", *suffix = "", *kick_addr = NULL;
    double origin = -1;
    int a = 1;
    for (; a + 1 < argc && argv[a][0] == '-' && argv[a][1] != 0 && argv[a][2] == 0; a += 2) {
        if (argv[a][1] == 't') origin = strtod(argv[a + 1], NULL);
        else if (argv[a][1] == 'p') prefix = argv[a + 1];
        else if (argv[a][1] == 's') suffix = argv[a + 1];
        else if (argv[a][1] == 'k') kick_addr = argv[a + 1];
        else break;
    }
    argc -= a - 1;
    argv += a - 1;
    if (argc < 4) {
        fprintf(stderr, "usage: cclab_pacer [-t ORIGIN] [-p PREFIX] [-s SUFFIX] [-k ADDR] SCHEDULE LOG COMMAND [ARGS...]\n");
        return 2;
    }
    int kick = -1;
    if (kick_addr) {
        struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
        if (inet_pton(AF_INET, kick_addr, &to.sin_addr) != 1) {
            fprintf(stderr, "cclab_pacer: -k %s: not an IPv4 address\n", kick_addr);
            return 2;
        }
        kick = socket(AF_INET, SOCK_DGRAM, 0);
        if (kick < 0 || connect(kick, (struct sockaddr *)&to, sizeof to) < 0) {
            fprintf(stderr, "cclab_pacer: -k %s: %s\n", kick_addr, strerror(errno));
            return 1;
        }
    }
    FILE *in = strcmp(argv[1], "-") == 0 ? stdin : fopen(argv[1], "r");
    if (!in) {
        fprintf(stderr, "cclab_pacer: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    FILE *log = fopen(argv[2], "w");
    if (!log) {
        fprintf(stderr, "cclab_pacer: %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    setvbuf(log, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int fds[2];
    if (pipe(fds) < 0) {
        fprintf(stderr, "cclab_pacer: pipe: %s\n", strerror(errno));
        return 1;
    }
    pid_t child = fork();
    if (child < 0) {
        fprintf(stderr, "cclab_pacer: fork: %s\n", strerror(errno));
        return 1;
    }
    if (child == 0) {
        dup2(fds[0], 0);
        close(fds[0]);
        close(fds[1]);
        signal(SIGPIPE, SIG_DFL);
        execvp(argv[3], argv + 3);
        fprintf(stderr, "cclab_pacer: %s: %s\n", argv[3], strerror(errno));
        _exit(127);
    }
    close(fds[0]);
    FILE *to = fdopen(fds[1], "w");

    /* deadlines on CLOCK_BOOTTIME, the clock of the plan's timeline */
    struct timespec boot;
    clock_gettime(CLOCK_BOOTTIME, &boot);
    long long origin_ns = origin >= 0 ? (long long)(origin * 1e9 + 0.5) : ns_of(&boot);
    fprintf(log, "t0 %.6f\nstart %lld.%06lld\n", origin_ns / 1e9, (long long)boot.tv_sec, (long long)boot.tv_nsec / 1000);
    char line[MAX_LINE];
    long long lineno = 0;
    while (!stop && fgets(line, sizeof line, in)) {
        lineno++;
        char *text;
        long long ms = strtoll(line, &text, 10);
        if (text == line || *text != ' ' || ms < 0) {
            fprintf(stderr, "cclab_pacer: %s:%lld: expected \"<ms> <text>\"\n", argv[1], lineno);
            finish(child, to, 1);
            return 1;
        }
        text++;
        long long due = origin_ns + ms * NS_PER_MS;
        struct timespec at = { .tv_sec = due / NS_PER_S, .tv_nsec = due % NS_PER_S };
        while (!stop && clock_nanosleep(CLOCK_BOOTTIME, TIMER_ABSTIME, &at, NULL) == EINTR) {
        }
        if (stop) break;
        text[strcspn(text, "\n")] = 0;
        int kick_after = text[0] == '!';
        if (kick_after) text++;
        if (fprintf(to, "%s%s%s\n", prefix, text, suffix) < 0 || fflush(to) == EOF) break; /* the command ended */
        struct timespec now;
        clock_gettime(CLOCK_BOOTTIME, &now);
        fprintf(log, "%lld %lld\n", ms, (ns_of(&now) - due) / 1000);
        if (kick_after && kick >= 0) {
            sleep_ms(2);
            if (send(kick, "k", 1, 0) < 0 && errno != ECONNREFUSED) fprintf(stderr, "cclab_pacer: kick: %s\n", strerror(errno));
            sleep_ms(3);
            if (send(kick, "k", 1, 0) < 0 && errno != ECONNREFUSED) fprintf(stderr, "cclab_pacer: kick: %s\n", strerror(errno));
        }
    }
    return finish(child, to, stop);
}
