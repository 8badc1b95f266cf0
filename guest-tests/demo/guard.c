/*
 * guard.c - the Quick start demo: a program that runs off the end of its
 * stack into the stack guard gap.
 *
 * It maps a page 1 MiB below the current stack, the way a thread stack or a
 * JIT region ends up under the main stack, and then recurses.  Linux keeps
 * stack_guard_gap (256 pages, 1 MiB) free below a growing stack, so the
 * recursion faults in the guard gap long before it reaches the page:
 * SIGSEGV/SEGV_MAPERR.  `./guard null`, `./guard kernel` and
 * `./guard noncanonical` show the other holes.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static volatile uint64_t sink;

static uint64_t recurse(uint64_t depth)
{
    volatile char frame[4096];
    frame[0] = (char)depth;
    sink += frame[0];
    return recurse(depth + 1) + frame[100];
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "stack";
    if (!strcmp(mode, "null"))
        return (int)*(volatile uint64_t *)0x8;
    if (!strcmp(mode, "kernel"))
        return (int)*(volatile uint64_t *)0xffff888000000000ULL;
    if (!strcmp(mode, "noncanonical"))
        return (int)*(volatile uint64_t *)0x0000800000000000ULL;

    char here;
    uintptr_t below = (((uintptr_t)&here) & ~(uintptr_t)0xfff) - (2u << 20);
    void *p = mmap((void *)below, 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("mapped a page at %p, 2 MiB below the stack; now recursing...\n", p);
    fflush(stdout);
    return (int)recurse(0);
}
