/* fsrv_bench - execs per second of a fuzzing target, driven the way
 * afl-fuzz drives it.
 *
 *   fsrv_bench exec [-n N] [-t SECS] [-f FILE] [--] CMD [ARGS...]
 *   fsrv_bench fsrv [-n N] [-t SECS] [-f FILE] [-m MAPSIZE] [--] CMD [ARGS...]
 *
 * exec: fork + exec + wait of CMD for every run (what a fuzzer without a
 *       forkserver does).
 * fsrv: start CMD once as an AFL++ forkserver target: the control and
 *       status pipes on fds 198/199, a System V shared memory coverage map
 *       of MAPSIZE bytes (default 65536; 0: none) named by __AFL_SHM_ID,
 *       then per run: clear the map, write 4 bytes, read the child's pid,
 *       read its wait status.  A stopped child (persistent mode) is
 *       continued by the target's server, as afl-fuzz expects.
 *
 * Runs stop after N runs (default 1000) or SECS seconds, whichever comes
 * first.  With -f FILE the input file is rewritten before every run (same
 * bytes, unlink + create, as afl-fuzz does for @@).  CMD's stdout and
 * stderr go to /dev/null, stdin too unless -i STDIN is given; in fsrv mode
 * that file is opened once and rewound before every run, as afl-fuzz
 * rewinds the input it hands a forkserver on fd 0.
 *
 * Prints one line:
 *   RUNS SECONDS EXECS_PER_SEC CRASHES MAP_BITS
 * CRASHES counts runs that died of a signal; MAP_BITS the nonzero bytes of
 * the map after the last run (fsrv with a map only, else 0).
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FORKSRV_FD 198
#define FS_OPT_ENABLED 0x80000001u
#define FS_OPT_MAPSIZE 0x40000000u

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: fsrv_bench exec|fsrv [-n N] [-t SECS] [-f FILE] [-i STDIN] "
			"[-m MAPSIZE] [--] CMD [ARGS...]\n");
	exit(2);
}

static char *input_data;
static size_t input_len;

static void load_input(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(2);
	}
	input_data = malloc(1 << 20);
	input_len = fread(input_data, 1, 1 << 20, f);
	fclose(f);
}

static void rewrite_input(const char *path)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, input_data, input_len) != (ssize_t)input_len) {
		perror(path);
		exit(2);
	}
	close(fd);
}

static int full_io(int wr, int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n) {
		ssize_t k = wr ? write(fd, p, n) : read(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* -i in fsrv mode: one open file description shared with the target, as
 * afl-fuzz shares its .cur_input (rewound to 0 before every run). */
static int stdin_fd = -1;

static void child_stdio(const char *in)
{
	int null = open("/dev/null", O_RDWR);
	int i = stdin_fd >= 0 ? stdin_fd : in ? open(in, O_RDONLY) : null;
	if (null < 0 || i < 0) {
		perror("open");
		_exit(127);
	}
	dup2(i, 0);
	dup2(null, 1);
	dup2(null, 2);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	int fsrv = !strcmp(argv[1], "fsrv");
	if (!fsrv && strcmp(argv[1], "exec"))
		usage();
	long n = 1000;
	double limit = 0;
	const char *file = NULL, *in = NULL;
	long map_size = 65536;
	int c;
	optind = 2;
	while ((c = getopt(argc, argv, "+n:t:f:i:m:")) != -1) {
		switch (c) {
		case 'n': n = atol(optarg); break;
		case 't': limit = atof(optarg); break;
		case 'f': file = optarg; break;
		case 'i': in = optarg; break;
		case 'm': map_size = atol(optarg); break;
		default: usage();
		}
	}
	if (optind >= argc || n <= 0)
		usage();
	char **cmd = argv + optind;
	if (file)
		load_input(file);

	long runs = 0, crashes = 0, bits = 0;
	double t0, t1;
	if (!fsrv) {
		t0 = now();
		while (runs < n && (!limit || now() - t0 < limit)) {
			if (file)
				rewrite_input(file);
			pid_t p = fork();
			if (p == 0) {
				child_stdio(in);
				execvp(cmd[0], cmd);
				_exit(127);
			}
			int st;
			if (p < 0 || waitpid(p, &st, 0) < 0) {
				perror("fork/wait");
				return 1;
			}
			if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
				fprintf(stderr, "fsrv_bench: cannot run %s\n", cmd[0]);
				return 1;
			}
			if (WIFSIGNALED(st))
				crashes++;
			runs++;
		}
		t1 = now();
	} else {
		uint8_t *map = NULL;
		int shmid = -1;
		if (map_size > 0) {
			shmid = shmget(IPC_PRIVATE, (size_t)map_size, IPC_CREAT | IPC_EXCL | 0600);
			if (shmid < 0 || (map = shmat(shmid, NULL, 0)) == (void *)-1) {
				perror("shm");
				return 1;
			}
			char id[32];
			snprintf(id, sizeof(id), "%d", shmid);
			setenv("__AFL_SHM_ID", id, 1);
		}
		if (in && (stdin_fd = open(in, O_RDONLY)) < 0) {
			perror(in);
			return 2;
		}
		int ctl[2], st[2];
		if (pipe(ctl) || pipe(st)) {
			perror("pipe");
			return 1;
		}
		pid_t srv = fork();
		if (srv == 0) {
			child_stdio(in);
			setsid();
			if (dup2(ctl[0], FORKSRV_FD) < 0 || dup2(st[1], FORKSRV_FD + 1) < 0)
				_exit(127);
			close(ctl[0]), close(ctl[1]), close(st[0]), close(st[1]);
			execvp(cmd[0], cmd);
			_exit(127);
		}
		close(ctl[0]);
		close(st[1]);
		uint32_t hello;
		if (full_io(0, st[0], &hello, 4)) {
			fprintf(stderr, "fsrv_bench: no hello from the forkserver\n");
			return 1;
		}
		size_t scan = map_size > 0 ? (size_t)map_size : 0;
		if ((hello & FS_OPT_ENABLED) == FS_OPT_ENABLED && (hello & FS_OPT_MAPSIZE)) {
			size_t want = ((hello & 0x00fffffe) >> 1) + 1;
			if (want < scan)
				scan = want;
		}
		t0 = now();
		while (runs < n && (!limit || now() - t0 < limit)) {
			if (file)
				rewrite_input(file);
			if (stdin_fd >= 0)
				lseek(stdin_fd, 0, SEEK_SET);
			if (map)
				memset(map, 0, scan);
			uint32_t zero = 0;
			int32_t pid, status;
			if (full_io(1, ctl[1], &zero, 4) || full_io(0, st[0], &pid, 4) ||
			    full_io(0, st[0], &status, 4)) {
				fprintf(stderr, "fsrv_bench: the forkserver went away after %ld runs\n", runs);
				return 1;
			}
			if (WIFSIGNALED(status))
				crashes++;
			runs++;
		}
		t1 = now();
		for (size_t i = 0; map && i < scan; i++)
			bits += map[i] != 0;
		/* The server made itself a process group leader (setsid): the
		 * group holds it and a stopped persistent child. */
		kill(-srv, SIGKILL);
		kill(srv, SIGKILL);
		waitpid(srv, NULL, 0);
		if (shmid >= 0)
			shmctl(shmid, IPC_RMID, NULL);
	}
	double secs = t1 - t0;
	printf("%ld %.3f %.0f %ld %ld\n", runs, secs, secs > 0 ? runs / secs : 0.0, crashes, bits);
	return 0;
}
