/*
 * snapguest.c - the guest of tests/check_snapshot.c and examples/: main
 * sets up some state and calls fuzz_one(), which changes the address space
 * in every way a restore must undo: mmap, munmap, mprotect, mremap, brk,
 * writes to data, bss, heap, stack and mappings, fds, signal handlers.
 * The input selects a crash: "CRASH" dereferences NULL; "HANG" spins.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int counter = 5;                 /* .data */
static char bss[64 * 4096];      /* .bss */
static char *pre;                /* a mapping made by main, 16 pages */
static char *heap;

static void on_usr1(int s) { (void)s; }

__attribute__((noinline)) int fuzz_one(const uint8_t *buf, size_t len)
{
    volatile char stackbuf[3 * 4096];
    for (size_t i = 0; i < sizeof(stackbuf); i += 512)
        stackbuf[i] = (char)(i + len);
    counter += (int)len;
    for (size_t i = 0; i < sizeof(bss); i += 4096)
        bss[i] = (char)(counter + i);
    heap[0] = 'x';

    /* new mapping, written */
    char *m = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m != MAP_FAILED)
        memset(m, 0x5a, 8 * 4096);
    /* part of main's mapping unmapped, another part re-protected */
    munmap(pre + 4 * 4096, 2 * 4096);
    mprotect(pre + 8 * 4096, 4096, PROT_READ);
    pre[0] = 'P';
    /* a moving mremap of pages the snapshot has */
    char *r = mremap(pre + 12 * 4096, 2 * 4096, 6 * 4096, MREMAP_MAYMOVE);
    if (r != MAP_FAILED)
        r[5 * 4096] = 'R';
    /* the heap grows */
    char *b = sbrk(0);
    if (brk(b + 40 * 4096) == 0)
        memset(b, 0x77, 40 * 4096);
    /* fds and signal state */
    open("/dev/null", O_RDONLY);
    signal(SIGUSR1, on_usr1);

    if (len >= 5 && memcmp(buf, "CRASH", 5) == 0)
        *(volatile int *)0 = 1;
    if (len >= 4 && memcmp(buf, "HANG", 4) == 0)
        for (volatile unsigned long spin = 0;; spin++)
            ;
    return counter + stackbuf[0] + (bss[63 * 4096] & 1);
}

int main(int argc, char **argv)
{
    static uint8_t input[4096];
    ssize_t n = 0;
    pre = mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pre == MAP_FAILED)
        return 2;
    for (int i = 0; i < 16; i++)
        pre[i * 4096] = (char)i;
    heap = malloc(100);
    if (argc > 1) {
        int fd = open(argv[1], O_RDONLY);
        if (fd >= 0)
            n = read(fd, input, sizeof(input));
    } else {
        n = read(0, input, sizeof(input));
    }
    return fuzz_one(input, n < 0 ? 0 : (size_t)n) & 0x7f;
}
