/*
 * cclab_vmguard: run a program (the test VM's qemu) so that it cannot
 * outlive cclab or its deadline.
 *
 *   cclab_vmguard <deadline seconds> <parent pid> <program> [args...]
 *
 * The guard asks the kernel for SIGKILL when its parent (cclab's node
 * process) dies (PR_SET_PDEATHSIG), forks the program with the same request
 * against the guard, and waits. It kills the program (SIGKILL) when
 *   - the deadline passes (host seconds, whatever the guest's clock says:
 *     under TCG with icount the guest's time is not the host's),
 *   - its parent is gone (it is reparented: a second check besides
 *     PDEATHSIG, which follows the parent thread),
 *   - it gets SIGTERM, SIGINT or SIGHUP (forwarded as SIGKILL).
 * A kill -9 of cclab thus takes the guard and then qemu with it at once.
 *
 * Exit status: the program's (128 + signal when it was killed); 124 after
 * the deadline, with one line on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/** How often the guard looks at its child and its parent, ms. */
#define POLL_MS 100

static volatile sig_atomic_t stop_signal = 0;

static void on_signal(int sig) { stop_signal = sig; }

static double now_s(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int status_code(int st) {
	if (WIFEXITED(st)) return WEXITSTATUS(st);
	if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
	return 1;
}

static int kill_and_reap(pid_t child) {
	int st = 0;
	kill(child, SIGKILL);
	while (waitpid(child, &st, 0) < 0 && errno == EINTR) {
	}
	return status_code(st);
}

int main(int argc, char **argv) {
	if (argc < 4) {
		fprintf(stderr, "usage: cclab_vmguard <deadline seconds> <parent pid> <program> [args...]\n");
		return 2;
	}
	double deadline_s = atof(argv[1]);
	pid_t parent = (pid_t)atol(argv[2]);
	if (!(deadline_s > 0) || parent <= 1) {
		fprintf(stderr, "cclab_vmguard: bad deadline or parent pid\n");
		return 2;
	}
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
		perror("cclab_vmguard: prctl");
		return 2;
	}
	/* the parent may have died before the request above */
	if (getppid() != parent) return 137;

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	pid_t guard = getpid();
	pid_t child = fork();
	if (child < 0) {
		perror("cclab_vmguard: fork");
		return 2;
	}
	if (child == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != guard) _exit(137);
		execvp(argv[3], argv + 3);
		fprintf(stderr, "cclab_vmguard: cannot run %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}

	double end = now_s() + deadline_s;
	struct timespec tick = {0, POLL_MS * 1000000L};
	for (;;) {
		int st = 0;
		pid_t r = waitpid(child, &st, WNOHANG);
		if (r == child) return status_code(st);
		if (r < 0 && errno != EINTR) return 1;
		if (stop_signal) return kill_and_reap(child);
		if (getppid() != parent) return kill_and_reap(child);
		if (now_s() >= end) {
			kill_and_reap(child);
			fprintf(stderr, "cclab_vmguard: deadline of %g s reached; %s killed\n", deadline_s, argv[3]);
			return 124;
		}
		nanosleep(&tick, NULL);
	}
}
