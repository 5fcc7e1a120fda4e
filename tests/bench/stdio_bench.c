/*
 * stdio_bench: drive mcpd over stdio as an MCP client would and measure
 *   - the time from exec to the first answered request (initialize),
 *   - the resident memory of every mcpd process at idle,
 *   - authorized tools/call per second with N calls pipelined.
 *
 * and, with -l N, the latency of N calls made one at a time (p50, p99).
 *
 * usage: stdio_bench [-n calls] [-l calls] [-t tool] [-a arguments-json]
 *        -- mcpd args
 *
 * MCPD_API_KEY is passed through in the environment.  Each answer is
 * checked: a call that is not answered with isError false counts as an
 * error.  A benchmark, not a test: it asserts nothing about speed.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES	(1024 * 1024)

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
die(const char *what)
{
	perror(what);
	exit(1);
}

static void
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			die("write");
		}
		p += n;
		len -= (size_t)n;
	}
}

/* Read whole lines from fd into buf; returns the number of new lines. */
struct reader {
	int	 fd;
	char	*buf;
	size_t	 len;
	size_t	 lines;
	size_t	 ok;		/* answers with "isError":false */
	int	 eof;
};

static void
reader_fill(struct reader *r)
{
	ssize_t n;
	char *nl, *start;

	if (r->len == LINE_MAX_BYTES)
		die("line too long");
	n = read(r->fd, r->buf + r->len, LINE_MAX_BYTES - r->len);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		die("read");
	}
	if (n == 0) {
		r->eof = 1;
		return;
	}
	r->len += (size_t)n;
	start = r->buf;
	while ((nl = memchr(start, '\n', r->len - (size_t)(start - r->buf))) !=
	    NULL) {
		*nl = '\0';
		r->lines++;
		if (strstr(start, "\"isError\":false") != NULL)
			r->ok++;
		start = nl + 1;
	}
	r->len -= (size_t)(start - r->buf);
	memmove(r->buf, start, r->len);
}

static long
rss_kb(pid_t pid, char *comm, size_t commlen)
{
	char path[64], line[256];
	FILE *f;
	long kb = -1;

	(void)snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "Name:", 5) == 0)
			(void)sscanf(line + 5, " %31s", comm);
		else if (strncmp(line, "VmRSS:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	}
	fclose(f);
	(void)commlen;
	return kb;
}

/* Print the RSS of pid and of its direct children. */
static long
print_rss(pid_t top)
{
	DIR *d;
	struct dirent *de;
	char path[64], buf[512], comm[32] = "?";
	long total, kb;
	pid_t pid, ppid;
	FILE *f;
	char *p;

	total = kb = rss_kb(top, comm, sizeof(comm));
	printf("rss_kb\t%ld\t%s (monitor)\n", kb, comm);
	if ((d = opendir("/proc")) == NULL)
		die("/proc");
	while ((de = readdir(d)) != NULL) {
		if ((pid = (pid_t)strtol(de->d_name, &p, 10)) <= 0 || *p != '\0')
			continue;
		(void)snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL &&
		    (p = strrchr(buf, ')')) != NULL &&
		    sscanf(p + 2, "%*c %d", &ppid) == 1 && ppid == top) {
			kb = rss_kb(pid, comm, sizeof(comm));
			printf("rss_kb\t%ld\t%s\n", kb, comm);
			if (kb > 0)
				total += kb;
		}
		fclose(f);
	}
	closedir(d);
	printf("rss_kb_total\t%ld\n", total);
	return total;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One call at a time: send, wait for its answer, repeat. */
static void
latency(int wfd, struct reader *r, long n, const char *tool,
    const char *args)
{
	double *t, t0;
	char req[4096];
	size_t want;
	long i;
	int len;

	if ((t = calloc((size_t)n, sizeof(*t))) == NULL)
		die("calloc");
	for (i = 0; i < n; i++) {
		len = snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\","
		    "\"id\":\"l%ld\",\"method\":\"tools/call\",\"params\":"
		    "{\"name\":\"%s\",\"arguments\":%s}}\n", i, tool, args);
		if (len < 0 || (size_t)len >= sizeof(req))
			die("request too long");
		want = r->lines + 1;
		t0 = now();
		write_all(wfd, req, (size_t)len);
		while (r->lines < want && !r->eof)
			reader_fill(r);
		t[i] = (now() - t0) * 1e6;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("sequential_calls\t%ld\n", n);
	printf("call_latency_us_p50\t%.0f\n", t[n / 2]);
	printf("call_latency_us_p99\t%.0f\n", t[(n * 99) / 100]);
	free(t);
}

int
main(int argc, char **argv)
{
	const char *tool = "list_tables", *args = "{}";
	long ncalls = 10000, nlat = 0, i, sent = 0, okcalls;
	int in[2], out[2], ch, status;
	struct reader r;
	struct pollfd pfd[2];
	char req[4096];
	double t0, t1, t2, t3;
	pid_t pid;
	size_t want;
	int n;

	while ((ch = getopt(argc, argv, "n:l:t:a:")) != -1) {
		switch (ch) {
		case 'l':
			nlat = strtol(optarg, NULL, 10);
			break;
		case 'n':
			ncalls = strtol(optarg, NULL, 10);
			break;
		case 't':
			tool = optarg;
			break;
		case 'a':
			args = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind >= argc || ncalls < 1) {
 usage:
		fprintf(stderr, "usage: stdio_bench [-n calls] [-t tool] "
		    "[-a args] -- mcpd args...\n");
		return 2;
	}
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		die("signal");
	if (pipe(in) != 0 || pipe(out) != 0)
		die("pipe");
	t0 = now();
	if ((pid = fork()) == -1)
		die("fork");
	if (pid == 0) {
		if (dup2(in[0], 0) == -1 || dup2(out[1], 1) == -1)
			_exit(127);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execv(argv[optind], argv + optind);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	memset(&r, 0, sizeof(r));
	r.fd = out[0];
	if ((r.buf = malloc(LINE_MAX_BYTES)) == NULL)
		die("malloc");

	n = snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":0,"
	    "\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
	    "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":"
	    "\"stdio_bench\",\"version\":\"1\"}}}\n");
	write_all(in[1], req, (size_t)n);
	while (r.lines < 1 && !r.eof)
		reader_fill(&r);
	t1 = now();
	if (r.eof) {
		fprintf(stderr, "mcpd closed stdout\n");
		return 1;
	}
	printf("startup_to_first_answer_ms\t%.1f\n", (t1 - t0) * 1000);
	n = snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\","
	    "\"method\":\"notifications/initialized\"}\n");
	write_all(in[1], req, (size_t)n);

	/* Idle: every worker has had time to start. */
	usleep(500000);
	print_rss(pid);

	if (fcntl(in[1], F_SETFL, O_NONBLOCK) == -1)
		die("fcntl");
	want = (size_t)ncalls + 1;
	r.ok = 0;
	t2 = now();
	while (r.lines < want && !r.eof) {
		pfd[0].fd = out[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = sent < ncalls ? in[1] : -1;
		pfd[1].events = POLLOUT;
		if (poll(pfd, 2, 30000) <= 0)
			die("poll (no progress in 30 s)");
		if (pfd[0].revents & (POLLIN | POLLHUP))
			reader_fill(&r);
		if (sent < ncalls && (pfd[1].revents & POLLOUT)) {
			/* A batch of requests per wake-up, as a client would. */
			for (i = 0; i < 64 && sent < ncalls; i++) {
				n = snprintf(req, sizeof(req),
				    "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":"
				    "\"tools/call\",\"params\":{\"name\":\"%s\","
				    "\"arguments\":%s}}\n", sent + 1, tool, args);
				if (n < 0 || (size_t)n >= sizeof(req))
					die("request too long");
				if (write(in[1], req, (size_t)n) != n) {
					/* Not written whole: retry later. */
					if (errno == EAGAIN)
						break;
					die("write");
				}
				sent++;
			}
		}
	}
	t3 = now();
	okcalls = (long)r.ok;
	printf("calls\t%ld\n", ncalls);
	printf("answered_ok\t%zu\n", r.ok);
	printf("errors\t%ld\n", ncalls - (long)r.ok);
	printf("seconds\t%.3f\n", t3 - t2);
	printf("calls_per_second\t%.0f\n", (double)ncalls / (t3 - t2));
	print_rss(pid);
	if (nlat > 0) {
		if (fcntl(in[1], F_SETFL, 0) == -1)
			die("fcntl");
		latency(in[1], &r, nlat, tool, args);
	}

	close(in[1]);
	while (!r.eof)
		reader_fill(&r);
	if (waitpid(pid, &status, 0) == -1)
		die("waitpid");
	printf("exit_status\t%d\n", WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status));
	return okcalls == ncalls ? 0 : 1;
}
