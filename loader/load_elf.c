/*
 * load_elf.c - load_elf_binary for static programs, after Linux 6.18's
 * fs/binfmt_elf.c, with the x86-64 layout of arch/x86/mm/mmap.c,
 * arch/x86/kernel/process.c and arch/x86/entry/vdso/vma.c.
 *
 * The target is the host's own /proc/self/maps under `setarch -R`
 * (Linux 6.18, ext4), line for line.  gcc -static (glibc 2.36):
 *
 *   00400000-00401000 r--p 00000000  prog
 *   00401000-0047a000 r-xp 00001000  prog
 *   0047a000-004a2000 r--p 0007a000  prog
 *   004a2000-004a6000 r--p 000a1000  prog   (RELRO: glibc's own mprotect)
 *   004a6000-004a9000 rw-p 000a5000  prog
 *   004a9000-004ae000 rw-p 00000000  (bss beyond the file: elf_load)
 *   004ae000-004d0000 rw-p [heap]           (the program's brk)
 *   7ffff7ff7000-7ffff7ffb000 r--p [vvar]
 *   7ffff7ffb000-7ffff7ffd000 r--p [vvar_vclock]
 *   7ffff7ffd000-7ffff7fff000 r-xp [vdso]
 *   7ffffffde000-7ffffffff000 rw-p [stack]
 *   ffffffffff600000-ffffffffff601000 --xp [vsyscall]
 *
 * gcc -static-pie: the image right below mmap_base, the vDSO below it, and
 * the heap moved to ELF_ET_DYN_BASE:
 *
 *   555555555000-555555577000 rw-p [heap]
 *   7ffff7f3e000-7ffff7f46000 [vvar] [vvar_vclock] [vdso]
 *   7ffff7f46000-7ffff7ffa000 prog (r--p, r-xp, r--p, r--p, rw-p)
 *   7ffff7ffa000-7ffff7fff000 rw-p (bss)
 *
 * musl-gcc -static: like glibc, with no bss VMA when .bss ends in the last
 * file page.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "binfmt.h"
#include "loader.h"
#include "mm.h"
#include "pagemu_int.h"
#include "uaccess.h"

typedef unsigned long long ull;

/* arch/x86/include/asm/processor.h: STACK_TOP for a 64-bit task is
 * TASK_SIZE_LOW, the 47-bit window, under either paging mode. */
#define STACK_TOP DEFAULT_MAP_WINDOW
/* arch/x86/include/asm/elf.h: STACK_RND_MASK for 64-bit, 22 bits of pages. */
#define STACK_RND_MASK 0x3fffffULL
/* arch/x86/Kconfig: ARCH_MMAP_RND_BITS default for 64-bit (mmap_rnd_bits). */
#define MMAP64_RND_BITS 28
#define SIZE_128M (128ULL << 20)
#define SZ_1G (1ULL << 30)
#define PMD_SIZE (1ULL << PMD_SHIFT)
/* arch/x86/include/asm/vdso/vsyscall.h + vdso image: 4 + 2 + 2 pages */
#define VVAR_PAGES 4
#define VVAR_VCLOCK_PAGES 2
#define VDSO_TEXT_PAGES 2

/* ---- arch/x86/mm/mmap.c, mm/util.c: the randomised bases --------------- */

/* arch/x86/mm/mmap.c: arch_rnd() */
static uint64_t arch_rnd(struct pagemu *pm, unsigned bits)
{
    if (!pm_randomize(pm))
        return 0;
    return (pm_random(pm) & ((1ULL << bits) - 1)) << PAGE_SHIFT;
}

/* arch/x86/mm/mmap.c: stack_maxrandom_size() */
static uint64_t stack_maxrandom_size(struct pagemu *pm)
{
    return pm_randomize(pm) ? STACK_RND_MASK << PAGE_SHIFT : 0;
}

/*
 * arch/x86/mm/mmap.c: mmap_base() — leave the stack rlimit, the largest
 * stack randomisation and the guard gap free below the stack, clamped to
 * [128 MiB, 5/6 of the task size].  For an 8 MiB rlimit without ASLR:
 * 0x7ffffffff000 - 128 MiB = 0x7ffff7fff000.
 */
static uint64_t mmap_base(struct pagemu *pm, uint64_t rnd, uint64_t task_size)
{
    uint64_t gap = pm->mm.stack_rlimit;
    uint64_t pad = stack_maxrandom_size(pm) + STACK_GUARD_GAP;
    uint64_t gap_min = SIZE_128M, gap_max = task_size / 6 * 5;

    if (gap + pad > gap)   /* values close to RLIM_INFINITY can overflow */
        gap += pad;
    if (gap < gap_min)
        gap = gap_min;
    else if (gap > gap_max)
        gap = gap_max;
    return PAGE_ALIGN(task_size - gap - rnd);
}

/* arch/x86/mm/mmap.c: arch_pick_mmap_layout(), top-down, for the 47-bit
 * window (task_size_64bit(0) is DEFAULT_MAP_WINDOW even with LA57). */
static void arch_pick_mmap_layout(struct pagemu *pm)
{
    pm->mm.mmap_base = mmap_base(pm, arch_rnd(pm, MMAP64_RND_BITS), DEFAULT_MAP_WINDOW);
}

/* mm/util.c: randomize_stack_top() */
static uint64_t randomize_stack_top(struct pagemu *pm, uint64_t stack_top)
{
    uint64_t random_variable = 0;
    if (pm_randomize(pm))
        random_variable = (pm_random(pm) & STACK_RND_MASK) << PAGE_SHIFT;
    return PAGE_ALIGN(stack_top) - random_variable;
}

/* mm/util.c: randomize_page() */
static uint64_t randomize_page(struct pagemu *pm, uint64_t start, uint64_t range)
{
    if (start & ~PAGE_MASK) {
        range -= PAGE_ALIGN(start) - start;
        start = PAGE_ALIGN(start);
    }
    if (start > UINT64_MAX - range)
        range = UINT64_MAX - start;
    range >>= PAGE_SHIFT;
    if (range == 0)
        return start;
    return start + ((pm_random(pm) % range) << PAGE_SHIFT);
}

/*
 * arch/x86/kernel/process.c: arch_randomize_brk().  Since Linux 6.9
 * (commit "x86/mm: Increase brk randomness entropy for 64-bit systems") a
 * 64-bit heap moves by up to 1 GiB, not 32 MiB; this host shows gaps of
 * up to 0x3e9f7000 between the bss and [heap].
 */
static uint64_t arch_randomize_brk(struct pagemu *pm, uint64_t brk)
{
    return randomize_page(pm, brk, SZ_1G);
}

/* ---- fs/binfmt_elf.c: mapping the segments ----------------------------- */

static int make_prot(uint32_t p_flags)
{
    int prot = 0;
    if (p_flags & PF_R)
        prot |= LINUX_PROT_READ;
    if (p_flags & PF_W)
        prot |= LINUX_PROT_WRITE;
    if (p_flags & PF_X)
        prot |= LINUX_PROT_EXEC;
    return prot;
}

/*
 * mm/huge_memory.c: __thp_get_unmapped_area().  ext4, xfs and btrfs files
 * get their addresses from thp_get_unmapped_area, which 2 MiB-aligns a
 * mapping of 2 MiB or more: a 3.7 MiB static-pie lands at 7ffff7c00000 on
 * this host, not just below mmap_base.  Returns 0 when it does not apply.
 */
static uint64_t thp_get_unmapped_area(struct mm_struct *mm, uint64_t addr,
                                      uint64_t len, uint64_t off)
{
    uint64_t off_end = off + len;
    uint64_t off_align = (off + PMD_SIZE - 1) & ~(PMD_SIZE - 1);
    if (off_end <= off_align || off_end - off_align < PMD_SIZE)
        return 0;
    uint64_t len_pad = len + PMD_SIZE;
    if (len_pad < len || off + len_pad < off)
        return 0;
    long ret = get_unmapped_area(mm, addr, len_pad, 0);
    if (ret < 0)
        return 0;
    if ((uint64_t)ret == addr)
        return addr;
    uint64_t off_sub = (off - (uint64_t)ret) & (PMD_SIZE - 1);
    if (!off_sub)   /* MMF_TOPDOWN */
        return (uint64_t)ret + PMD_SIZE;
    return (uint64_t)ret + off_sub;
}

/* vm_mmap of the program file; a non-fixed mapping picks its address as
 * the file system's get_unmapped_area would. */
static long file_mmap(struct pagemu *pm, struct vm_file *file, uint64_t addr,
                      uint64_t len, int prot, uint64_t flags, uint64_t off)
{
    if (!(flags & (LINUX_MAP_FIXED | LINUX_MAP_FIXED_NOREPLACE))) {
        uint64_t a = thp_get_unmapped_area(&pm->mm, addr, len, off);
        if (a) {
            addr = a;
            flags |= LINUX_MAP_FIXED_NOREPLACE;
        }
    }
    return do_mmap(&pm->mm, addr, len, (uint64_t)prot, flags, file, off);
}

/*
 * elf_map(): map p_filesz bytes of the file at addr.  The first mapping of
 * an ET_DYN image reserves total_size so that later segments fit, then
 * unmaps what lies beyond its own file part.
 */
static long elf_map(struct pagemu *pm, struct vm_file *file, uint64_t addr,
                    const Elf64_Phdr *p, int prot, uint64_t type, uint64_t total_size)
{
    uint64_t size = p->p_filesz + ELF_PAGEOFFSET(p->p_vaddr);
    uint64_t off = p->p_offset - ELF_PAGEOFFSET(p->p_vaddr);
    long map_addr;

    addr = ELF_PAGESTART(addr);
    size = ELF_PAGEALIGN(size);
    if (!size)
        return (long)addr;
    if (total_size) {
        total_size = ELF_PAGEALIGN(total_size);
        map_addr = file_mmap(pm, file, addr, total_size, prot, type, off);
        if (map_addr >= 0 && total_size > size)
            do_munmap(&pm->mm, (uint64_t)map_addr + size, total_size - size);
    } else {
        map_addr = file_mmap(pm, file, addr, size, prot, type, off);
    }
    return map_addr;
}

/* padzero(): zero the rest of the last file page, as the guest sees it. */
static int padzero(struct pagemu *pm, uint64_t elf_bss)
{
    uint64_t nbyte = ELF_PAGEOFFSET(elf_bss);
    if (nbyte)
        return clear_user(pm, elf_bss, ELF_MIN_ALIGN - nbyte);
    return 0;
}

/*
 * elf_load(): the file part with elf_map, then the bss: zero the tail of
 * the last file page and map anonymous pages for the rest of p_memsz
 * (vm_brk_flags: always read-write, exec only if the segment is).
 */
static long elf_load(struct pagemu *pm, struct vm_file *file, uint64_t addr,
                     const Elf64_Phdr *p, int prot, uint64_t type, uint64_t total_size)
{
    uint64_t zero_start, zero_end;
    long map_addr;

    if (p->p_filesz) {
        map_addr = elf_map(pm, file, addr, p, prot, type, total_size);
        if (map_addr < 0)
            return map_addr;
        zero_start = (uint64_t)map_addr + ELF_PAGEOFFSET(p->p_vaddr) + p->p_filesz;
        zero_end = (uint64_t)map_addr + ELF_PAGEOFFSET(p->p_vaddr) + p->p_memsz;
        /* Errors are ignored when the segment is not writable. */
        if (p->p_memsz > p->p_filesz && padzero(pm, zero_start) &&
            (prot & LINUX_PROT_WRITE))
            return -EFAULT;
    } else {
        map_addr = (long)(zero_start = ELF_PAGESTART(addr));
        zero_end = zero_start + ELF_PAGEOFFSET(p->p_vaddr) + p->p_memsz;
    }
    if (p->p_memsz > p->p_filesz) {
        zero_start = ELF_PAGEALIGN(zero_start);
        zero_end = ELF_PAGEALIGN(zero_end);
        if (zero_end > zero_start) {
            long e = do_mmap(&pm->mm, zero_start, zero_end - zero_start,
                             LINUX_PROT_READ | LINUX_PROT_WRITE | (prot & LINUX_PROT_EXEC),
                             LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS | LINUX_MAP_FIXED,
                             NULL, 0);
            if (e < 0)
                map_addr = e;
        }
    }
    return map_addr;
}

static pagemu_err map_error(struct pagemu *pm, long err, const Elf64_Phdr *p,
                            uint64_t addr)
{
    pm_set_error(pm, "cannot map PT_LOAD p_vaddr %#llx p_memsz %#llx at %#llx: %s",
                 (ull)p->p_vaddr, (ull)p->p_memsz, (ull)addr, strerror((int)-err));
    return err == -ENOMEM ? PAGEMU_EGUEST_NOMEM : PAGEMU_EELF_SEGMENTS;
}

/* ---- the special mappings --------------------------------------------- */

/*
 * arch/x86/entry/vdso/vma.c: map_vdso(image, 0) — one top-down area for
 * [vvar] (4 pages), [vvar_vclock] (2) and [vdso] (2), just below the
 * lowest mapping of the mmap area.  [vdso] holds pagemu's own image
 * (emu/vdso: the kernel's exported functions as plain syscalls), named by
 * AT_SYSINFO_EHDR; the [vvar] pages read as zeros, as nothing reads them.
 */
extern const unsigned char pagemu_vdso_image[];
extern const size_t pagemu_vdso_image_len;

/* Put the image into the [vdso] pages' frames (the VMA is not writable,
 * so the frames are filled directly, as the kernel's special mapping
 * points at its own pages). */
static pagemu_err fill_vdso(struct pagemu *pm, uint64_t base, unsigned pages)
{
    if (pagemu_vdso_image_len > (uint64_t)pages * PAGE_SIZE)
        return PAGEMU_EINVAL;
    for (uint64_t off = 0; off < pagemu_vdso_image_len; off += PAGE_SIZE) {
        pte_t *pte;
        struct fault_info fi;
        if (handle_mm_fault(&pm->mm, base + off, PAGEMU_ACCESS_READ, &pte, &fi))
            return PAGEMU_EGUEST_NOMEM;
        size_t n = pagemu_vdso_image_len - off < PAGE_SIZE ? pagemu_vdso_image_len - off : PAGE_SIZE;
        memcpy(frame_host(&pm->fp, pte->pte & PTE_PFN_MASK), pagemu_vdso_image + off, n);
    }
    pm->vdso_base = base;
    return PAGEMU_EOK;
}

static pagemu_err map_vdso(struct pagemu *pm)
{
    static const struct {
        const char *name;
        unsigned pages;
        uint32_t flags;
    } part[] = {
        {"[vvar]", VVAR_PAGES, VM_READ | VM_MAYREAD},
        {"[vvar_vclock]", VVAR_VCLOCK_PAGES, VM_READ | VM_MAYREAD},
        {"[vdso]", VDSO_TEXT_PAGES,
         VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC},
    };
    uint64_t len = (VVAR_PAGES + VVAR_VCLOCK_PAGES + VDSO_TEXT_PAGES) * PAGE_SIZE;
    long addr = get_unmapped_area(&pm->mm, 0, len, 0);
    if (addr < 0) {
        pm_set_error(pm, "no room for the vDSO area: %s", strerror((int)-addr));
        return PAGEMU_EGUEST_NOMEM;
    }
    uint64_t a = (uint64_t)addr;
    for (size_t i = 0; i < sizeof(part) / sizeof(part[0]); i++) {
        /* _install_special_mapping: VM_DONTEXPAND; named, so never merged. */
        struct vm_area_struct v = {
            .vm_start = a,
            .vm_end = a + part[i].pages * PAGE_SIZE,
            .vm_flags = part[i].flags | VM_DONTEXPAND,
            .vm_name = part[i].name,
        };
        int e = vma_insert(&pm->mm, &v, true);
        if (e) {
            pm_set_error(pm, "cannot insert %s at %#llx: %s", part[i].name, (ull)a,
                         strerror(-e));
            return PAGEMU_EGUEST_NOMEM;
        }
        if (!strcmp(part[i].name, "[vdso]")) {
            pagemu_err fe = fill_vdso(pm, a, part[i].pages);
            if (fe) {
                pm_set_error(pm, "cannot fill the vDSO pages");
                return fe;
            }
        }
        a = v.vm_end;
    }
    return PAGEMU_EOK;
}

/* arch/x86/entry/vsyscall/vsyscall_64.c: the gate VMA, execute-only in the
 * default vsyscall=xonly mode, outside the task size. */
static pagemu_err map_vsyscall(struct pagemu *pm)
{
    struct vm_area_struct v = {
        .vm_start = VSYSCALL_ADDR,
        .vm_end = VSYSCALL_ADDR + PAGE_SIZE,
        .vm_flags = VM_EXEC | VM_DONTEXPAND,
        .vm_name = "[vsyscall]",
    };
    int e = vma_insert(&pm->mm, &v, true);
    if (e) {
        pm_set_error(pm, "the mm refused the [vsyscall] VMA at %#llx: %s",
                     (ull)VSYSCALL_ADDR, strerror(-e));
        return PAGEMU_EGUEST_NOMEM;
    }
    return PAGEMU_EOK;
}

/* ---- load_elf_binary ---------------------------------------------------- */

/* The PT_LOAD loop of load_elf_binary, for ET_EXEC and interpreter-less
 * ET_DYN (static-pie, a "loader" in the kernel's words). */
static pagemu_err map_segments(struct pagemu *pm, const struct elf_image *img,
                               struct vm_file *file, uint64_t *load_biasp)
{
    struct mm_struct *mm = &pm->mm;
    uint64_t load_bias = 0, elf_brk = 0;
    uint64_t start_code = UINT64_MAX, end_code = 0, start_data = 0, end_data = 0;
    bool first_pt_load = true;

    for (unsigned i = 0; i < img->e_phnum; i++) {
        const Elf64_Phdr *p = &img->phdr[i];
        if (p->p_type != PT_LOAD)
            continue;
        int elf_prot = make_prot(p->p_flags);
        uint64_t elf_flags = LINUX_MAP_PRIVATE;
        uint64_t vaddr = p->p_vaddr, total_size = 0;
        long error;

        if (!first_pt_load) {
            elf_flags |= LINUX_MAP_FIXED;
        } else if (img->e_type == ET_EXEC) {
            elf_flags |= LINUX_MAP_FIXED_NOREPLACE;
        } else {
            /* ET_DYN without PT_INTERP: load where the mmap area puts it
             * (load_bias 0, no MAP_FIXED), aligning a large p_align. */
            total_size = img->load_end - img->load_start;  /* total_mapping_size */
            if (img->max_align > ELF_MIN_ALIGN) {
                error = elf_load(pm, file, 0, p, elf_prot, elf_flags, total_size);
                if (error < 0)
                    return map_error(pm, error, p, 0);
                do_munmap(mm, (uint64_t)error, ELF_PAGEALIGN(total_size));
                load_bias = (uint64_t)error & ~(img->max_align - 1);
                elf_flags |= LINUX_MAP_FIXED_NOREPLACE;
            } else {
                load_bias = 0;
            }
            load_bias = ELF_PAGESTART(load_bias - vaddr);
        }

        error = elf_load(pm, file, load_bias + vaddr, p, elf_prot, elf_flags, total_size);
        if (error < 0)
            return map_error(pm, error, p, load_bias + vaddr);

        if (first_pt_load) {
            first_pt_load = false;
            if (img->e_type == ET_DYN)
                load_bias += (uint64_t)error - ELF_PAGESTART(load_bias + vaddr);
        }

        uint64_t k = p->p_vaddr;
        if ((p->p_flags & PF_X) && k < start_code)
            start_code = k;
        if (start_data < k)
            start_data = k;
        k = p->p_vaddr + p->p_filesz;
        if ((p->p_flags & PF_X) && end_code < k)
            end_code = k;
        if (end_data < k)
            end_data = k;
        k = p->p_vaddr + p->p_memsz;
        if (k > elf_brk)
            elf_brk = k;
    }

    mm->start_code = start_code + load_bias;
    mm->end_code = end_code + load_bias;
    mm->start_data = start_data + load_bias;
    mm->end_data = end_data + load_bias;
    /* The DOC: "brk" handling block: a static-pie's brk moves out of the
     * mmap area to ELF_ET_DYN_BASE, even without ASLR (brk_moved, 6.15+). */
    elf_brk += load_bias;
    if (img->e_type == ET_DYN)
        elf_brk = ELF_ET_DYN_BASE;
    mm->start_brk = mm->brk = ELF_PAGEALIGN(elf_brk);
    *load_biasp = load_bias;
    return PAGEMU_EOK;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

pagemu_err load_elf_binary_info(struct pagemu *pm, const char *path,
                                const char *filename, int argc,
                                char *const argv[], char *const envp[],
                                struct elf_load_info *info)
{
    struct mm_struct *mm = &pm->mm;
    struct elf_image img;
    struct linux_binprm bprm;
    struct vm_file *file = NULL;
    char why[256];
    pagemu_err e;

    if (pm->loaded)
        return PAGEMU_ESTATE;
    memset(&img, 0, sizeof(img));

    /* open_exec(): a regular file we can read. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        pm_set_error(pm, "cannot open %s: %s", path, strerror(errno));
        return PAGEMU_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        pm_set_error(pm, "%s is not a regular file", path);
        close(fd);
        return PAGEMU_EIO;
    }
    e = elf_parse_fd(fd, &img, why, sizeof(why));
    if (e) {
        pm_set_error(pm, "%s: %s", path, why);
        goto out;
    }
    /* The exec-time argument limits come before the point of no return. */
    if (!filename)
        filename = path;
    if ((e = bprm_init(pm, &bprm, filename, argc, argv, envp)))
        goto out;
    bprm.executable_stack = img.executable_stack;

    char *real = realpath(path, NULL);
    file = vm_file_open(fd, real ? real : path);
    if (!file) {
        free(real);
        pm_set_error(pm, "cannot keep %s open: %s", path, strerror(errno));
        e = PAGEMU_EIO;
        goto out;
    }
    free(pm->exe_path);
    free(pm->execfn);
    pm->exe_path = real ? real : dup_or_null(path);
    pm->execfn = dup_or_null(filename);
    if (!pm->exe_path || !pm->execfn) {
        e = PAGEMU_ENOMEM;
        goto out;
    }

    /* setup_new_exec -> arch_pick_mmap_layout; then setup_arg_pages. */
    arch_pick_mmap_layout(pm);
    if ((e = setup_arg_pages(pm, &bprm, randomize_stack_top(pm, STACK_TOP))))
        goto out;

    uint64_t load_bias = 0;
    if ((e = map_segments(pm, &img, file, &load_bias)))
        goto out;
    uint64_t e_entry = img.e_entry + load_bias;
    uint64_t phdr_addr = img.phdr_vaddr + load_bias;

    /* ARCH_SETUP_ADDITIONAL_PAGES, then the gate area Linux always has. */
    if ((e = map_vdso(pm)) || (e = map_vsyscall(pm)))
        goto out;

    uint64_t *auxv = info ? info->saved_auxv : NULL;
    size_t *nauxv = info ? &info->nauxv : NULL;
    if ((e = create_elf_tables(pm, &bprm, &img, e_entry, phdr_addr, 0, auxv, nauxv)))
        goto out;
    mm->start_stack = bprm.p;

    /* The brk with ASLR: unless it was moved (static-pie), a page of gap
     * after the bss; then up to 1 GiB more. */
    if (pm_randomize(pm)) {
        if (img.e_type != ET_DYN)
            mm->brk = mm->start_brk = mm->brk + PAGE_SIZE;
        mm->brk = mm->start_brk = arch_randomize_brk(pm, mm->brk);
    }

    pm->entry = e_entry;
    pm->load_bias = load_bias;
    pm->phdr_addr = phdr_addr;
    pm->phnum = img.e_phnum;
    pm->loaded = 1;
    if (info) {
        info->image = img;       /* ownership moves to the caller */
        memset(&img, 0, sizeof(img));
    }
    e = PAGEMU_EOK;
out:
    vm_file_put(file);          /* the VMAs hold their own references */
    close(fd);
    elf_image_free(&img);
    return e;
}

pagemu_err load_elf_binary(struct pagemu *pm, const char *path, int argc,
                           char *const argv[], char *const envp[])
{
    return load_elf_binary_info(pm, path, NULL, argc, argv, envp, NULL);
}
