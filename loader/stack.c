/*
 * stack.c - the initial stack of a new program: argument limits and string
 * copies (fs/exec.c: bprm_stack_limits, copy_strings, setup_arg_pages) and
 * the tables the program starts with (fs/binfmt_elf.c: create_elf_tables).
 *
 * Measured on the Linux 6.18 host under `setarch -R`, a static glibc
 * program run as `./maps_glibc stack x` with the environment A=1 BB=22:
 *
 *   7ffffffff000  top of [stack] (STACK_TOP)
 *   7fffffffeff8  8-byte NULL
 *   7fffffffefeb  "./maps_glibc"          AT_EXECFN, mm->env_end
 *   7fffffffefe1  "A=1" "BB=22"           mm->env_start
 *   7fffffffefcc  "./maps_glibc" "stack" "x"   mm->arg_start
 *   7fffffffefb9  "x86_64"                AT_PLATFORM (after p &= ~15)
 *   7fffffffefa9  16 random bytes         AT_RANDOM
 *   7fffffffefa0  end of auxv (AT_NULL)
 *   7fffffffedf0  argc                    RSP, 16-byte aligned
 *
 * and [stack] was 7ffffffde000-7ffffffff000: the page the strings touch
 * plus setup_arg_pages' 128 KiB.  This file reproduces that byte for byte.
 *
 * Every guest write goes through copy_to_user.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "binfmt.h"
#include "mm.h"
#include "pagemu_int.h"
#include "uaccess.h"

/* include/uapi/linux/auxvec.h, arch/x86/include/uapi/asm/auxvec.h */
#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_RSEQ_FEATURE_SIZE 27
#define AT_RSEQ_ALIGN 28
#define AT_EXECFN 31
#define AT_MINSIGSTKSZ 51
#define AT_SYSINFO_EHDR 33

/*
 * AT_HWCAP is CPUID.1:EDX of the CPU the program runs on
 * (arch/x86/include/asm/elf.h: ELF_HWCAP).  The guest CPU is Unicorn's
 * default qemu64 model, whose CPUID.1:EDX is 0x178bfbff (FPU..SSE2, HTT).
 */
#define PAGEMU_HWCAP 0x178bfbffULL
/* arch/x86/include/uapi/asm/hwcap2.h: HWCAP2_FSGSBASE, as the host reports. */
#define PAGEMU_HWCAP2 0x2ULL
/*
 * arch/x86/kernel/signal.c: get_sigframe_size().  1776 is what this host's
 * kernel reports; an FXSAVE-only guest would need less, so it is safe.
 * The signal code may refine it to its own frame size.
 */
#define PAGEMU_MINSIGSTKSZ 1776ULL
/* include/uapi/linux/rseq.h: offsetof(struct rseq, end), __alignof__ */
#define PAGEMU_RSEQ_FEATURE_SIZE 28ULL
#define PAGEMU_RSEQ_ALIGN 32ULL
/* arch/x86/include/asm/elf.h: ELF_PLATFORM for a 64-bit process */
static const char k_platform[] = "x86_64";

/* setup_arg_pages: "randomly 32*4k (or 2*64k) pages" */
#define STACK_EXPAND 131072ULL

bool pm_randomize(const struct pagemu *pm)
{
    return pm->cfg.aslr != 0;
}

uint64_t arch_align_stack(struct pagemu *pm, uint64_t sp)
{
    /* arch/x86/kernel/process.c: sp -= get_random_u32_below(8192) */
    if (pm_randomize(pm))
        sp -= pm_random(pm) % 8192;
    return sp & ~0xfULL;
}

/* ---- fs/exec.c ---------------------------------------------------------- */

pagemu_err bprm_init(struct pagemu *pm, struct linux_binprm *bprm,
                     const char *filename, int argc, char *const argv[],
                     char *const envp[])
{
    memset(bprm, 0, sizeof(*bprm));
    bprm->filename = filename;
    bprm->argv = argv;
    bprm->envp = envp;

    /* count(): at most MAX_ARG_STRINGS of each. */
    uint64_t envc = 0;
    while (envp && envp[envc]) {
        if (++envc > MAX_ARG_STRINGS) {
            pm_set_error(pm, "more than %d environment variables", MAX_ARG_STRINGS);
            return PAGEMU_EE2BIG;
        }
    }
    bprm->envc = (int)envc;
    bprm->argc = argc;

    /*
     * bprm_stack_limits(): the strings may use a quarter of the stack
     * rlimit, at most 3/4 of _STK_LIM, at least ARG_MAX, less the room the
     * pointers will need (with argc counted as at least 1).
     */
    uint64_t limit = LINUX_STK_LIM / 4 * 3;
    if (pm->mm.stack_rlimit / 4 < limit)
        limit = pm->mm.stack_rlimit / 4;
    if (limit < LINUX_ARG_MAX)
        limit = LINUX_ARG_MAX;
    uint64_t ptr_size = ((uint64_t)(argc > 0 ? argc : 1) + envc) * sizeof(uint64_t);
    if (limit <= ptr_size) {
        pm_set_error(pm, "%d arguments and %llu environment variables need %llu bytes "
                     "of pointers, more than the %llu-byte limit",
                     argc, (unsigned long long)envc, (unsigned long long)ptr_size,
                     (unsigned long long)limit);
        return PAGEMU_EE2BIG;
    }
    limit -= ptr_size;

    /* copy_string_kernel(filename), copy_strings(envp), copy_strings(argv),
     * then copy_string_kernel("") when argc was 0. */
    uint64_t used = 0;   /* bytes below the top's 8-byte NULL */
    const char *what = "the program path";
    size_t len = strnlen(filename, MAX_ARG_STRLEN) + 1;
    if (len > MAX_ARG_STRLEN)
        goto too_long;
    used += len;
    for (uint64_t i = 0; i < envc; i++) {
        what = "an environment variable";
        len = strnlen(envp[i], MAX_ARG_STRLEN) + 1;
        if (len > MAX_ARG_STRLEN)
            goto too_long;
        used += len;
    }
    for (int i = 0; i < argc; i++) {
        what = "an argument";
        len = strnlen(argv[i], MAX_ARG_STRLEN) + 1;
        if (len > MAX_ARG_STRLEN)
            goto too_long;
        used += len;
    }
    if (argc == 0) {
        used += 1;
        bprm->argc = 1;
        bprm->empty_argv = true;
    }
    if (used > limit) {
        pm_set_error(pm, "the arguments and environment take %llu bytes, more than "
                     "the %llu bytes a %llu-byte stack rlimit allows",
                     (unsigned long long)used, (unsigned long long)limit,
                     (unsigned long long)pm->mm.stack_rlimit);
        return PAGEMU_EE2BIG;
    }
    bprm->strings_size = used + sizeof(uint64_t);
    /*
     * get_arg_page() grows the temporary stack VMA with expand_downwards(),
     * whose acct_stack_growth() refuses more than RLIMIT_STACK: copy_strings
     * then fails with -E2BIG.  (Measured: under `ulimit -s 64` a 65536-byte
     * argument is refused, a 64000-byte one is accepted.)
     */
    if (PAGE_ALIGN(bprm->strings_size) > pm->mm.stack_rlimit) {
        pm_set_error(pm, "the arguments and environment take %llu bytes, more than "
                     "the %llu-byte stack rlimit",
                     (unsigned long long)bprm->strings_size,
                     (unsigned long long)pm->mm.stack_rlimit);
        return PAGEMU_EE2BIG;
    }
    return PAGEMU_EOK;

too_long:
    pm_set_error(pm, "%s is longer than MAX_ARG_STRLEN (%lu bytes)", what, MAX_ARG_STRLEN);
    return PAGEMU_EE2BIG;
}

static char *put_str(char *dst, const char *s)
{
    size_t n = strlen(s) + 1;
    memcpy(dst, s, n);
    return dst + n;
}

pagemu_err setup_arg_pages(struct pagemu *pm, struct linux_binprm *bprm,
                           uint64_t stack_top)
{
    struct mm_struct *mm = &pm->mm;

    /*
     * The kernel builds the strings below STACK_TOP_MAX and shifts them to
     * stack_top by whole pages; pagemu writes them in place, which gives
     * the same bytes at the same page offsets.
     */
    stack_top = PAGE_ALIGN(arch_align_stack(pm, stack_top));
    uint64_t p = stack_top - bprm->strings_size;
    if (stack_top < mm->mmap_min_addr || p < mm->mmap_min_addr) {
        pm_set_error(pm, "no room for the stack below %#llx", (unsigned long long)stack_top);
        return PAGEMU_EGUEST_NOMEM;
    }

    /*
     * The VMA covers the pages the strings touched; then it is expanded by
     * 128 KiB, within the rlimit (expand_stack_locked never shrinks it).
     */
    uint64_t vm_start = p & PAGE_MASK;
    uint64_t stack_size = stack_top - vm_start;
    uint64_t rlim_stack = mm->stack_rlimit & PAGE_MASK;
    uint64_t stack_expand = stack_size + STACK_EXPAND;
    if (rlim_stack < stack_expand)
        stack_expand = rlim_stack;
    if (stack_top - stack_expand < vm_start)
        vm_start = stack_top - stack_expand;
    if (vm_start < mm->mmap_min_addr)
        vm_start = mm->mmap_min_addr;

    /*
     * VM_STACK_FLAGS; VM_EXEC only for EXSTACK_ENABLE_X on x86-64.  No
     * vm_name: /proc/self/maps calls "[stack]" the VMA holding
     * mm->start_stack (fs/proc/task_mmu.c: vma_is_initial_stack), which
     * stays right when the guest splits its stack with mprotect.
     */
    struct vm_area_struct v = {
        .vm_start = vm_start,
        .vm_end = stack_top,
        .vm_flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC |
                    VM_GROWSDOWN,
    };
    if (bprm->executable_stack == EXSTACK_ENABLE_X)
        v.vm_flags |= VM_EXEC;
    int err = vma_insert(mm, &v, true);
    if (err) {
        pm_set_error(pm, "cannot create the stack VMA %#llx-%#llx: %s",
                     (unsigned long long)vm_start, (unsigned long long)stack_top,
                     strerror(-err));
        return err == -ENOMEM ? PAGEMU_ENOMEM : PAGEMU_EGUEST_NOMEM;
    }
    mm->stack_top = stack_top;

    /* From low to high: argv[0..], envp[0..], filename, 8 zero bytes. */
    char *buf = calloc(1, bprm->strings_size);
    if (!buf)
        return PAGEMU_ENOMEM;
    char *w = buf;
    if (bprm->empty_argv)
        *w++ = '\0';
    else
        for (int i = 0; i < bprm->argc; i++)
            w = put_str(w, bprm->argv[i]);
    for (int i = 0; i < bprm->envc; i++)
        w = put_str(w, bprm->envp[i]);
    bprm->exec = p + (uint64_t)(w - buf);
    w = put_str(w, bprm->filename);
    err = copy_to_user(pm, p, buf, bprm->strings_size);
    free(buf);
    if (err) {
        pm_set_error(pm, "cannot write the arguments at %#llx", (unsigned long long)p);
        return PAGEMU_EGUEST_NOMEM;
    }
    bprm->stack_top = stack_top;
    bprm->p = p;
    mm->arg_start = p;
    return PAGEMU_EOK;
}

/* ---- fs/binfmt_elf.c ---------------------------------------------------- */

pagemu_err create_elf_tables(struct pagemu *pm, struct linux_binprm *bprm,
                             const struct elf_image *img, uint64_t e_entry,
                             uint64_t phdr_addr, uint64_t interp_load_addr,
                             uint64_t *saved_auxv, size_t *nauxv)
{
    struct mm_struct *mm = &pm->mm;
    uint64_t elf_info[PAGEMU_AUXV_WORDS];
    size_t ei_index = 0;
    uint64_t p = arch_align_stack(pm, bprm->p);

    uint64_t u_platform = p -= sizeof(k_platform);
    if (copy_to_user(pm, u_platform, k_platform, sizeof(k_platform)))
        goto efault;
    uint8_t k_rand_bytes[16];
    pm_random_bytes(pm, k_rand_bytes, sizeof(k_rand_bytes));
    uint64_t u_rand_bytes = p -= sizeof(k_rand_bytes);
    if (copy_to_user(pm, u_rand_bytes, k_rand_bytes, sizeof(k_rand_bytes)))
        goto efault;

#define NEW_AUX_ENT(id, val)                    \
    do {                                        \
        elf_info[ei_index++] = (id);            \
        elf_info[ei_index++] = (val);           \
    } while (0)
    /* ARCH_DLINFO (arch/x86/include/asm/elf.h): the vDSO first. */
    if (pm->vdso_base)
        NEW_AUX_ENT(AT_SYSINFO_EHDR, pm->vdso_base);
    NEW_AUX_ENT(AT_MINSIGSTKSZ, PAGEMU_MINSIGSTKSZ);
    NEW_AUX_ENT(AT_HWCAP, PAGEMU_HWCAP);
    NEW_AUX_ENT(AT_PAGESZ, PAGE_SIZE);
    NEW_AUX_ENT(AT_CLKTCK, 100);                 /* USER_HZ */
    NEW_AUX_ENT(AT_PHDR, phdr_addr);
    NEW_AUX_ENT(AT_PHENT, sizeof(Elf64_Phdr));
    NEW_AUX_ENT(AT_PHNUM, img->e_phnum);
    NEW_AUX_ENT(AT_BASE, interp_load_addr);
    NEW_AUX_ENT(AT_FLAGS, 0);
    NEW_AUX_ENT(AT_ENTRY, e_entry);
    NEW_AUX_ENT(AT_UID, (uint64_t)getuid());
    NEW_AUX_ENT(AT_EUID, (uint64_t)geteuid());
    NEW_AUX_ENT(AT_GID, (uint64_t)getgid());
    NEW_AUX_ENT(AT_EGID, (uint64_t)getegid());
    NEW_AUX_ENT(AT_SECURE, 0);
    NEW_AUX_ENT(AT_RANDOM, u_rand_bytes);
    NEW_AUX_ENT(AT_HWCAP2, PAGEMU_HWCAP2);
    NEW_AUX_ENT(AT_EXECFN, bprm->exec);
    NEW_AUX_ENT(AT_PLATFORM, u_platform);
    /* CONFIG_RSEQ */
    NEW_AUX_ENT(AT_RSEQ_FEATURE_SIZE, PAGEMU_RSEQ_FEATURE_SIZE);
    NEW_AUX_ENT(AT_RSEQ_ALIGN, PAGEMU_RSEQ_ALIGN);
#undef NEW_AUX_ENT
    /* AT_NULL, and advance past it. */
    elf_info[ei_index++] = AT_NULL;
    elf_info[ei_index++] = 0;

    /* STACK_ADD, then STACK_ROUND: argc lands on a 16-byte boundary. */
    uint64_t items = ((uint64_t)bprm->argc + 1) + ((uint64_t)bprm->envc + 1) + 1;
    uint64_t sp = p - ei_index * sizeof(uint64_t);
    sp = (sp - items * sizeof(uint64_t)) & ~15ULL;

    size_t nwords = items + ei_index;
    uint64_t *blk = malloc(nwords * sizeof(uint64_t));
    if (!blk)
        return PAGEMU_ENOMEM;
    size_t k = 0;
    blk[k++] = (uint64_t)bprm->argc;
    /* Walk the strings as the kernel does with strnlen_user. */
    uint64_t s = mm->arg_start;
    for (int i = 0; i < bprm->argc; i++) {
        blk[k++] = s;
        s += bprm->empty_argv ? 1 : strlen(bprm->argv[i]) + 1;
    }
    blk[k++] = 0;
    mm->arg_end = mm->env_start = s;
    for (int i = 0; i < bprm->envc; i++) {
        blk[k++] = s;
        s += strlen(bprm->envp[i]) + 1;
    }
    blk[k++] = 0;
    mm->env_end = s;
    memcpy(&blk[k], elf_info, ei_index * sizeof(uint64_t));

    /* Below the VMA only with huge argument lists: the write grows the
     * stack as find_extend_vma() would. */
    int err = copy_to_user(pm, sp, blk, nwords * sizeof(uint64_t));
    free(blk);
    if (err)
        goto efault;
    if (saved_auxv) {
        memcpy(saved_auxv, elf_info, ei_index * sizeof(uint64_t));
        if (nauxv)
            *nauxv = ei_index;
    }
    bprm->p = sp;
    return PAGEMU_EOK;

efault:
    pm_set_error(pm, "cannot write the initial stack tables below %#llx",
                 (unsigned long long)bprm->p);
    return PAGEMU_EGUEST_NOMEM;
}
