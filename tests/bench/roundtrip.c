/*
 * roundtrip: the cost of one privsep round trip, measured with mcpd's own
 * framing (privsep/msg.c) over a socketpair between two processes: a
 * request of a typical size goes out, an answer comes back, N times.
 * Run twice: both processes on one CPU, and on two different CPUs.
 *
 * usage: roundtrip [-n count] [-s payload-bytes]
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "msg.h"
#include "sbuf.h"

static double
now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
		perror("clock_gettime");
		exit(1);
	}
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		perror("sched_setaffinity");
		exit(1);
	}
}

/* The peer: answer every message with type + 1 and the same payload. */
static void __attribute__((noreturn))
echo(int fd, int cpu)
{
	struct evbuffer *in = evbuffer_new();
	struct sbuf *m = sbuf_new(PMSG_MAX);
	uint8_t type;

	pin(cpu);
	if (in == NULL || m == NULL)
		_exit(1);
	while (pmsg_read_fd(fd, in, &type, m) == PMSG_OK)
		if (pmsg_write_fd(fd, type + 1, m) != PMSG_OK)
			_exit(1);
	_exit(0);
}

static double
run(long n, size_t size, int cpu_a, int cpu_b)
{
	struct evbuffer *in;
	struct sbuf *req, *ans;
	uint8_t type;
	int sp[2], status;
	double t0, t1;
	pid_t pid;
	long i;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) != 0) {
		perror("socketpair");
		exit(1);
	}
	if ((pid = fork()) == -1) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		close(sp[0]);
		echo(sp[1], cpu_b);
	}
	close(sp[1]);
	pin(cpu_a);
	if ((in = evbuffer_new()) == NULL || (req = sbuf_new(PMSG_MAX)) ==
	    NULL || (ans = sbuf_new(PMSG_MAX)) == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	for (i = 0; (size_t)i < size; i++)
		if (sbuf_put_u8(req, (uint8_t)i) != SBUF_OK)
			exit(1);
	/* Warm up, then measure. */
	for (i = 0; i < n / 10 + 1; i++)
		if (pmsg_write_fd(sp[0], 10, req) != PMSG_OK ||
		    pmsg_read_fd(sp[0], in, &type, ans) != PMSG_OK)
			exit(1);
	t0 = now();
	for (i = 0; i < n; i++)
		if (pmsg_write_fd(sp[0], 10, req) != PMSG_OK ||
		    pmsg_read_fd(sp[0], in, &type, ans) != PMSG_OK ||
		    type != 11 || sbuf_len(ans) != size)
			exit(1);
	t1 = now();
	close(sp[0]);
	if (waitpid(pid, &status, 0) == -1)
		exit(1);
	evbuffer_free(in);
	sbuf_free(req);
	sbuf_free(ans);
	return (t1 - t0) / (double)n * 1e6;
}

int
main(int argc, char **argv)
{
	long n = 100000;
	size_t size = 200;
	int ch;

	while ((ch = getopt(argc, argv, "n:s:")) != -1) {
		switch (ch) {
		case 'n':
			n = strtol(optarg, NULL, 10);
			break;
		case 's':
			size = (size_t)strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: roundtrip [-n count] "
			    "[-s bytes]\n");
			return 2;
		}
	}
	if (n < 1 || size > PMSG_MAX / 2)
		return 2;
	printf("privsep_roundtrip_us_same_cpu\t%.1f\t(%ld round trips, "
	    "%zu-byte payload)\n", run(n, size, 0, 0), n, size);
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		printf("privsep_roundtrip_us_two_cpus\t%.1f\n",
		    run(n, size, 0, 1));
	return 0;
}
