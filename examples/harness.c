/*
 * harness.c - a persistent fuzzing harness that embeds libpagemu.
 *
 * It runs a static program to the first instruction of a function, takes a
 * snapshot there, and then, for every input: writes the input into the
 * guest's buffer (the function's first argument, RDI) and its length
 * (RSI), runs until the function returns, exits or faults, and restores
 * the snapshot.  Only the pages dirtied by one input are copied back, so
 * one exec costs microseconds.
 *
 *   harness PROGRAM FUNCTION INPUT...
 *
 * With the guest guest-tests/afl/target.c (fuzz_one(buf, len), a NULL
 * write when the input starts with "PGMU"):
 *
 *   ./harness ./target fuzz_one seed1 seed2 crash-input
 *
 * Each input's outcome is printed; a crash shows pagemu's fault report.
 * The program's own input buffer must be large enough for the inputs
 * (here: the 4 KiB static buffer main reads into).
 *
 * Build (after `make install`):
 *   cc -o harness harness.c $(pkg-config --cflags --libs --static pagemu)
 * or in the source tree: make examples/harness
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pagemu.h"

static int die(pagemu_t *pm, const char *what, pagemu_err e)
{
    fprintf(stderr, "harness: %s: %s (%s)\n", what, pagemu_strerror(e),
            pm ? pagemu_last_error(pm) : "");
    pagemu_close(pm);
    return 2;
}

static size_t read_file(const char *path, char *buf, size_t max)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return (size_t)-1;
    size_t n = fread(buf, 1, max, f);
    fclose(f);
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: harness PROGRAM FUNCTION INPUT...\n");
        return 2;
    }
    pagemu_config cfg;
    pagemu_config_init(&cfg);
    cfg.deterministic = 1; /* virtual clock, fixed seed: same input, same run */
    cfg.have_seed = 1;
    cfg.seed = 1;

    pagemu_t *pm;
    pagemu_err e = pagemu_open(&cfg, &pm);
    if (e)
        return die(NULL, "open", e);
    /* The program reads a file first: give it one of the inputs, so that
     * its buffer exists and RDI points at it when FUNCTION is reached. */
    char *gargv[] = {argv[1], argv[3], NULL};
    char *genv[] = {NULL};
    if ((e = pagemu_load(pm, argv[1], 2, gargv, genv)))
        return die(pm, argv[1], e);

    uint64_t fn;
    if ((e = pagemu_symbol(pm, argv[2], &fn)))
        return die(pm, argv[2], e);
    pagemu_result r;
    if ((e = pagemu_add_stop(pm, fn)) || (e = pagemu_run(pm, &r)))
        return die(pm, "run to the function", e);
    if (r.kind != PAGEMU_STOPPED) {
        fprintf(stderr, "harness: the program ended before reaching %s\n", argv[2]);
        pagemu_close(pm);
        return 2;
    }
    /* Snapshot at the entry; each exec ends at the return address. */
    uint64_t buf;
    pagemu_reg_read(pm, PAGEMU_REG_RDI, &buf);
    if ((e = pagemu_snapshot(pm)) || (e = pagemu_clear_stops(pm)) ||
        (e = pagemu_stop_on_return(pm)))
        return die(pm, "snapshot", e);
    /* A hang is a timeout, not a hung harness. */
    pagemu_set_limits(pm, 0, 1000);

    int crashes = 0;
    for (int i = 3; i < argc; i++) {
        static char input[4096];
        size_t n = read_file(argv[i], input, sizeof(input));
        if (n == (size_t)-1) {
            fprintf(stderr, "harness: cannot read %s\n", argv[i]);
            continue;
        }
        if (pagemu_mem_write(pm, buf, input, n) != PAGEMU_EOK) {
            fprintf(stderr, "harness: the input does not fit the guest's buffer\n");
            continue;
        }
        pagemu_reg_write(pm, PAGEMU_REG_RSI, n);
        if ((e = pagemu_run(pm, &r)))
            return die(pm, "run", e);
        switch (r.kind) {
        case PAGEMU_STOPPED: {
            uint64_t rax;
            pagemu_reg_read(pm, PAGEMU_REG_RAX, &rax);
            printf("%s: returned %lld\n", argv[i], (long long)rax);
            break;
        }
        case PAGEMU_EXITED:
            printf("%s: exited %d\n", argv[i], r.exit_status);
            break;
        case PAGEMU_TIMEOUT:
            printf("%s: timeout\n", argv[i]);
            break;
        case PAGEMU_SIGNALED: {
            crashes++;
            printf("%s: crashed, signal %d at rip 0x%llx, address 0x%llx\n", argv[i], r.signo,
                   (unsigned long long)r.fault.rip, (unsigned long long)r.fault.addr);
            size_t len = pagemu_fault_report(pm, NULL, 0);
            char *rep = malloc(len + 1);
            if (rep) {
                pagemu_fault_report(pm, rep, len + 1);
                fputs(rep, stderr);
                free(rep);
            }
            break;
        }
        }
        pagemu_restore_stats st;
        if ((e = pagemu_restore(pm, &st)))
            return die(pm, "restore", e);
    }
    pagemu_close(pm);
    return crashes ? 1 : 0;
}
