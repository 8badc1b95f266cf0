/*
 * Check tests for emu/vex.c: the instruction-length tables that find VEX
 * instructions in translated blocks must agree with Capstone wherever they
 * size an instruction, over the code of real binaries (among them the
 * host's libc, which has AVX, AVX2 and AVX-512 routines), and must tell
 * VEX, BMI and EVEX apart.
 */
#include <capstone/capstone.h>
#include <check.h>
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vex.h"

/* Capstone's view: does the instruction end a translated block? */
static int cs_ends_block(const cs_insn *i)
{
    for (int g = 0; g < i->detail->groups_count; g++) {
        unsigned grp = i->detail->groups[g];
        if (grp == CS_GRP_JUMP || grp == CS_GRP_CALL || grp == CS_GRP_RET ||
            grp == CS_GRP_INT || grp == CS_GRP_IRET)
            return 1;
    }
    return i->id == X86_INS_SYSCALL || i->id == X86_INS_SYSENTER || i->id == X86_INS_SYSRET ||
           i->id == X86_INS_SYSEXIT || i->id == X86_INS_SYSRETQ || i->id == X86_INS_SYSEXITQ ||
           i->id == X86_INS_UD2 || i->id == X86_INS_HLT || i->id == X86_INS_LOOP ||
           i->id == X86_INS_LOOPE || i->id == X86_INS_LOOPNE || i->id == X86_INS_JRCXZ ||
           i->id == X86_INS_JECXZ;
}

/* The opcode position holds c4/c5 (VEX) or 62 (EVEX). */
static int escape_at_opcode(const cs_insn *i, uint8_t *esc)
{
    unsigned k = 0;
    while (k < i->size && (i->bytes[k] == 0x66 || i->bytes[k] == 0x67 || i->bytes[k] == 0xf0 ||
                           i->bytes[k] == 0xf2 || i->bytes[k] == 0xf3 || i->bytes[k] == 0x2e ||
                           i->bytes[k] == 0x3e || i->bytes[k] == 0x26 || i->bytes[k] == 0x36 ||
                           i->bytes[k] == 0x64 || i->bytes[k] == 0x65))
        k++;
    if (k < i->size && (i->bytes[k] & 0xf0) == 0x40)
        k++;
    if (k >= i->size)
        return 0;
    *esc = i->bytes[k];
    return *esc == 0xc4 || *esc == 0xc5 || *esc == 0x62;
}

/* Capstone 5 reads `ret imm16` with both a 66 and a REX.W prefix (random
 * bytes only) as having an imm32; the CPU and QEMU read an imm16. */
static int capstone_quirk(const cs_insn *i)
{
    int o16 = 0, w = 0;
    for (unsigned k = 0; k + 1 < i->size; k++) {
        o16 |= i->bytes[k] == 0x66;
        if ((i->bytes[k] & 0xf0) == 0x40)
            w = i->bytes[k] & 8;
        if (i->bytes[k] == 0xc2 || i->bytes[k] == 0xca)
            return (i->id == X86_INS_RET || i->id == X86_INS_RETF || i->id == X86_INS_RETFQ) &&
                   o16 && w;
    }
    return 0;
}

struct tally {
    size_t insns, sized, fallback, vex, evex, bmi, bad_len, bad_kind, bad_end;
};

/* Sweep code[0..n) with Capstone from every boundary it finds; compare. */
static void sweep(csh h, const uint8_t *code, size_t n, uint64_t addr, struct tally *t,
                  const char *what)
{
    cs_insn *insn = cs_malloc(h);
    size_t off = 0;
    while (off < n) {
        const uint8_t *p = code + off;
        size_t left = n - off;
        uint64_t a = addr + off;
        if (!cs_disasm_iter(h, &p, &left, &a, insn)) {
            off++; /* data among the code */
            continue;
        }
        t->insns++;
        unsigned w;
        size_t l = vex_insn_len(code + off, n - off, &w);
        uint8_t esc = 0;
        int vexlike = escape_at_opcode(insn, &esc);
        if (!l) {
            t->fallback++;
        } else if (w & (VEX_LEN_AVX | VEX_LEN_EVEX)) {
            t->sized++;
            if (!vexlike || (esc == 0x62) != !!(w & VEX_LEN_EVEX)) {
                if (t->bad_kind++ < 10)
                    fprintf(stderr, "%s %#llx: %s %s: tables say %s\n", what,
                            (unsigned long long)insn->address, insn->mnemonic, insn->op_str,
                            w & VEX_LEN_EVEX ? "EVEX" : "VEX");
            }
            t->vex += !!(w & VEX_LEN_AVX);
            t->evex += !!(w & VEX_LEN_EVEX);
        } else {
            t->sized++;
            t->bmi += !!(w & VEX_LEN_BMI);
            if (vexlike && !(w & VEX_LEN_BMI)) {
                if (t->bad_kind++ < 10)
                    fprintf(stderr, "%s %#llx: %s %s: VEX/EVEX not recognised\n", what,
                            (unsigned long long)insn->address, insn->mnemonic, insn->op_str);
            }
            if (l != insn->size && !capstone_quirk(insn)) {
                if (t->bad_len++ < 10)
                    fprintf(stderr, "%s %#llx: %s %s: length %zu, Capstone %u\n", what,
                            (unsigned long long)insn->address, insn->mnemonic, insn->op_str, l,
                            insn->size);
            }
            /* The tables may miss a block end (the scan goes on a little
             * further), never claim one that is not there. */
            if ((w & VEX_LEN_END) && !cs_ends_block(insn)) {
                if (t->bad_end++ < 10)
                    fprintf(stderr, "%s %#llx: %s %s: tables end the block here\n", what,
                            (unsigned long long)insn->address, insn->mnemonic, insn->op_str);
            }
        }
        off += insn->size;
    }
    cs_free(insn, 1);
}

/* The executable sections of an ELF file, swept. */
static int sweep_elf(const char *path, struct tally *t)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    struct stat st;
    if (fstat(fileno(f), &st) || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
        fclose(f);
        return 0;
    }
    uint8_t *img = malloc((size_t)st.st_size);
    ck_assert_ptr_nonnull(img);
    size_t got = fread(img, 1, (size_t)st.st_size, f);
    fclose(f);
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
    if (got != (size_t)st.st_size || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64 ||
        eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > got) {
        free(img);
        return 0;
    }
    csh h;
    ck_assert_int_eq(cs_open(CS_ARCH_X86, CS_MODE_64, &h), CS_ERR_OK);
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(img + eh->e_shoff);
    int swept = 0;
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_PROGBITS || !(sh[i].sh_flags & SHF_EXECINSTR) ||
            sh[i].sh_offset + sh[i].sh_size > got)
            continue;
        sweep(h, img + sh[i].sh_offset, sh[i].sh_size, sh[i].sh_addr, t, path);
        swept = 1;
    }
    cs_close(&h);
    free(img);
    return swept;
}

static void report(const char *what, const struct tally *t)
{
    fprintf(stderr,
            "%s: %zu instructions, %zu sized by the tables, %zu left to Capstone; "
            "%zu VEX, %zu BMI, %zu EVEX\n",
            what, t->insns, t->sized, t->fallback, t->vex, t->bmi, t->evex);
}

static void check_tally(const char *what, const struct tally *t)
{
    report(what, t);
    ck_assert_msg(t->bad_len == 0, "%s: %zu lengths differ from Capstone", what, t->bad_len);
    ck_assert_msg(t->bad_kind == 0, "%s: %zu VEX/EVEX misclassified", what, t->bad_kind);
    ck_assert_msg(t->bad_end == 0, "%s: %zu false block ends", what, t->bad_end);
}

/* Real code: this program, Unicorn, Capstone, libc (with its AVX, AVX2 and
 * AVX-512 routines), busybox; whichever exist here. */
START_TEST(test_binaries)
{
    static const char *const paths[] = {
        "/proc/self/exe",
        "/usr/lib/x86_64-linux-gnu/libunicorn.so.2",
        "/usr/lib/x86_64-linux-gnu/libcapstone.so.5",
        "/usr/lib/x86_64-linux-gnu/libc.so.6",
        "/usr/lib/x86_64-linux-gnu/libm.so.6",
        "/bin/busybox",
    };
    struct tally all = {0};
    int files = 0;
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        struct tally t = {0};
        if (!sweep_elf(paths[i], &t))
            continue;
        files++;
        check_tally(paths[i], &t);
        all.insns += t.insns;
        all.sized += t.sized;
        all.vex += t.vex + t.evex;
    }
    ck_assert_int_gt(files, 0);
    fprintf(stderr, "all: %zu instructions, %zu VEX or EVEX\n", all.insns, all.vex);
    /* The tables must carry the bulk: Capstone is the slow path. */
    ck_assert_msg(all.sized * 100 >= all.insns * 99, "only %zu of %zu instructions sized",
                  all.sized, all.insns);
}
END_TEST

/* Random bytes: every length the tables give must be Capstone's. */
START_TEST(test_random)
{
    csh h;
    ck_assert_int_eq(cs_open(CS_ARCH_X86, CS_MODE_64, &h), CS_ERR_OK);
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    uint8_t buf[1 << 16];
    struct tally t = {0};
    for (int round = 0; round < 64; round++) {
        for (size_t i = 0; i < sizeof(buf); i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[i] = (uint8_t)x;
        }
        sweep(h, buf, sizeof(buf), 0x400000, &t, "random");
    }
    cs_close(&h);
    check_tally("random", &t);
}
END_TEST

/* Hand-picked encodings. */
START_TEST(test_kinds)
{
    static const struct {
        uint8_t b[15];
        size_t n, len;
        unsigned what;
    } c[] = {
        {{0xc5, 0xf1, 0xef, 0xc2}, 4, 1, VEX_LEN_AVX},                   /* vpxor xmm0,xmm1,xmm2 */
        {{0xc4, 0xe2, 0x7d, 0x58, 0xc0}, 5, 1, VEX_LEN_AVX},             /* vpbroadcastd ymm0,xmm0 */
        {{0xc5, 0xf8, 0x77}, 3, 1, VEX_LEN_AVX},                         /* vzeroupper */
        {{0x62, 0xf1, 0x74, 0x48, 0x58, 0xc2}, 6, 1, VEX_LEN_EVEX | VEX_LEN_END},
        {{0xc4, 0xe2, 0xf9, 0xf7, 0xc6}, 5, 5, VEX_LEN_BMI},             /* shlx rax,rsi,rax */
        {{0xc4, 0xe3, 0xfb, 0xf0, 0xc1, 0x07}, 6, 6, VEX_LEN_BMI},       /* rorx rax,rcx,7 */
        {{0xc4, 0xe2, 0x78, 0xf2, 0xc1}, 5, 5, VEX_LEN_BMI},             /* andn eax,eax,ecx */
        {{0x48, 0x83, 0xc4, 0x08}, 4, 4, 0},                             /* add rsp, 8 */
        {{0x48, 0x89, 0xc5}, 3, 3, 0},                                   /* mov rbp, rax */
        {{0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8}, 10, 10, 0},               /* movabs rax, imm64 */
        {{0x66, 0xb8, 1, 2}, 4, 4, 0},                                   /* mov ax, imm16 */
        {{0xa1, 1, 2, 3, 4, 5, 6, 7, 8}, 9, 9, 0},                       /* mov eax, [moffs64] */
        {{0xf7, 0x05, 1, 2, 3, 4, 5, 6, 7, 8}, 10, 10, 0},               /* test [rip+d], imm32 */
        {{0xf7, 0xd8}, 2, 2, 0},                                         /* neg eax */
        {{0xc8, 0x10, 0x00, 0x01}, 4, 4, 0},                             /* enter 16, 1 */
        {{0x0f, 0x3a, 0x0f, 0xc1, 0x08}, 5, 5, 0},                       /* palignr */
        {{0x66, 0x0f, 0x38, 0x00, 0xc1}, 5, 5, 0},                       /* pshufb */
        {{0xf3, 0x0f, 0x1e, 0xfa}, 4, 4, 0},                             /* endbr64 */
        {{0x0f, 0x05}, 2, 2, VEX_LEN_END},                               /* syscall */
        {{0xff, 0xe0}, 2, 2, VEX_LEN_END},                               /* jmp rax */
        {{0xff, 0x14, 0x25, 1, 2, 3, 4}, 7, 7, VEX_LEN_END},             /* call [abs32] */
        {{0xff, 0xc0}, 2, 2, 0},                                         /* inc eax */
        {{0x0f, 0x84, 1, 2, 3, 4}, 6, 6, VEX_LEN_END},                   /* je rel32 */
        {{0xc3}, 1, 1, VEX_LEN_END},                                     /* ret */
        {{0x48, 0x83}, 2, 0, 0},                                         /* cut short */
        {{0x8f, 0xe8, 0x78, 0xc2, 0xc1, 0x01}, 6, 0, 0},                 /* XOP: not sized */
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        unsigned w;
        size_t l = vex_insn_len(c[i].b, c[i].n, &w);
        ck_assert_msg(l == c[i].len && w == c[i].what, "case %zu: length %zu what %u", i, l, w);
    }
}
END_TEST

static Suite *vex_suite(void)
{
    Suite *s = suite_create("vex");
    TCase *tc = tcase_create("lengths");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_kinds);
    tcase_add_test(tc, test_binaries);
    tcase_add_test(tc, test_random);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(vex_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
