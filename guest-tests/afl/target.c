/*
 * target.c - a small fuzzing target with a planted bug (tests/afl-fuzz.sh,
 * bench/fuzz.sh).  Reads its input from the file argv[1], or from stdin,
 * and hands it to fuzz_one, which writes to the null page when the input
 * starts with "PGMU".  The four bytes are compared one at a time, each in
 * a block of its own, so that edge coverage sees every step toward the
 * bug (a fuzzer cannot guess four bytes at once).
 *
 * Persistent mode loops over main (pagemu --afl-persistent=main): main
 * reads the input itself, so each iteration sees the fuzzer's new bytes.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

static uint8_t input[4096];
static volatile int sink;

__attribute__((noinline)) int fuzz_one(const uint8_t *buf, size_t len)
{
    if (len < 4)
        return 0;
    if (buf[0] == 'P') {
        sink = 1;
        if (buf[1] == 'G') {
            sink = 2;
            if (buf[2] == 'M') {
                sink = 3;
                if (buf[3] == 'U')
                    *(volatile int *)0 = 0;   /* the bug */
            }
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    int fd = argc > 1 ? open(argv[1], O_RDONLY) : 0;
    if (fd < 0)
        return 2;
    size_t len = 0;
    while (len < sizeof(input)) {
        ssize_t n = read(fd, input + len, sizeof(input) - len);
        if (n < 0)
            return 2;
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (fd != 0)
        close(fd);
    return fuzz_one(input, len);
}
