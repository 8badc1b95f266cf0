/*
 * vma.c - the VMA set: a sorted array of non-overlapping [vm_start, vm_end)
 * ranges.  Lookup is a binary search, O(log n); insertion and removal move
 * the tail, which for the few hundred VMAs a process has costs less than a
 * tree's pointer chasing.  The semantics are mm/vma.c's: splitting at
 * boundaries, merging compatible neighbours (vma_merge's rules).
 */
#include "mm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

int mm_init(struct mm_struct *mm, struct frame_pool *fp, int levels)
{
    memset(mm, 0, sizeof(*mm));
    if (pgtable_init(&mm->pt, fp, levels))
        return -ENOMEM;
    mm->task_size = levels == 5 ? TASK_SIZE_MAX_5 : TASK_SIZE_MAX_4;
    mm->mmap_min_addr = DEFAULT_MMAP_MIN_ADDR;
    mm->stack_rlimit = DEFAULT_STACK_RLIMIT;
    return 0;
}

void mm_destroy(struct mm_struct *mm)
{
    for (size_t i = 0; i < mm->nvma; i++)
        vm_file_put(mm->vma[i].vm_file);
    free(mm->vma);
    pgtable_destroy(&mm->pt);
    mm->vma = NULL;
    mm->nvma = mm->vma_cap = 0;
}

/* ---- files ------------------------------------------------------------- */

struct vm_file *vm_file_open(int hostfd, const char *path)
{
    struct stat st;
    struct vm_file *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->fd = fcntl(hostfd, F_DUPFD_CLOEXEC, 3);
    if (f->fd < 0 || fstat(f->fd, &st) != 0) {
        if (f->fd >= 0)
            close(f->fd);
        free(f);
        return NULL;
    }
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->path = strdup(path ? path : "");
    f->refs = 1;
    if (!f->path) {
        close(f->fd);
        free(f);
        return NULL;
    }
    return f;
}

struct vm_file *vm_file_get(struct vm_file *f)
{
    if (f)
        f->refs++;
    return f;
}

void vm_file_put(struct vm_file *f)
{
    if (!f || --f->refs > 0)
        return;
    close(f->fd);
    free(f->path);
    free(f);
}

/* ---- lookup ------------------------------------------------------------ */

size_t vma_find_idx(const struct mm_struct *mm, uint64_t addr)
{
    size_t lo = 0, hi = mm->nvma;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (mm->vma[mid].vm_end > addr)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

struct vm_area_struct *vma_lookup(struct mm_struct *mm, uint64_t addr)
{
    size_t i = vma_find_idx(mm, addr);
    if (i < mm->nvma && mm->vma[i].vm_start <= addr)
        return &mm->vma[i];
    return NULL;
}

bool vma_range_free(const struct mm_struct *mm, uint64_t start, uint64_t end)
{
    size_t i = vma_find_idx(mm, start);
    return i == mm->nvma || mm->vma[i].vm_start >= end;
}

/* ---- insert, split, merge ---------------------------------------------- */

static int vma_reserve(struct mm_struct *mm, size_t extra)
{
    if (mm->nvma + extra <= mm->vma_cap)
        return 0;
    size_t cap = mm->vma_cap ? mm->vma_cap * 2 : 64;
    while (cap < mm->nvma + extra)
        cap *= 2;
    struct vm_area_struct *n = realloc(mm->vma, cap * sizeof(*n));
    if (!n)
        return -ENOMEM;
    mm->vma = n;
    mm->vma_cap = cap;
    return 0;
}

/* mm/vma.c: is_mergeable_vma + the file offset continuity of can_vma_merge_*. */
static bool can_merge(const struct vm_area_struct *a, const struct vm_area_struct *b)
{
    if (a->vm_end != b->vm_start || a->vm_flags != b->vm_flags ||
        a->vm_file != b->vm_file || a->vm_name != b->vm_name)
        return false;
    if (a->vm_name) /* special mappings never merge */
        return false;
    if (a->vm_file && a->vm_pgoff + ((a->vm_end - a->vm_start) >> PAGE_SHIFT) != b->vm_pgoff)
        return false;
    return true;
}

void vma_try_merge(struct mm_struct *mm, size_t i)
{
    if (i + 1 < mm->nvma && can_merge(&mm->vma[i], &mm->vma[i + 1])) {
        mm->vma[i].vm_end = mm->vma[i + 1].vm_end;
        vm_file_put(mm->vma[i + 1].vm_file);
        memmove(&mm->vma[i + 1], &mm->vma[i + 2], (mm->nvma - i - 2) * sizeof(mm->vma[0]));
        mm->nvma--;
    }
    if (i > 0 && can_merge(&mm->vma[i - 1], &mm->vma[i])) {
        mm->vma[i - 1].vm_end = mm->vma[i].vm_end;
        vm_file_put(mm->vma[i].vm_file);
        memmove(&mm->vma[i], &mm->vma[i + 1], (mm->nvma - i - 1) * sizeof(mm->vma[0]));
        mm->nvma--;
    }
}

int vma_insert(struct mm_struct *mm, const struct vm_area_struct *v, bool nomerge)
{
    if (v->vm_start >= v->vm_end || !vma_range_free(mm, v->vm_start, v->vm_end))
        return -EINVAL;
    if (vma_reserve(mm, 1))
        return -ENOMEM;
    size_t i = vma_find_idx(mm, v->vm_start);
    memmove(&mm->vma[i + 1], &mm->vma[i], (mm->nvma - i) * sizeof(mm->vma[0]));
    mm->vma[i] = *v;
    vm_file_get(v->vm_file);
    mm->nvma++;
    mm->total_vm += (v->vm_end - v->vm_start) >> PAGE_SHIFT;
    if (!nomerge)
        vma_try_merge(mm, i);
    return 0;
}

int vma_split_at(struct mm_struct *mm, uint64_t addr)
{
    struct vm_area_struct *v = vma_lookup(mm, addr);
    if (!v || v->vm_start == addr)
        return 0;
    if (vma_reserve(mm, 1))
        return -ENOMEM;
    size_t i = vma_find_idx(mm, addr); /* realloc may have moved v */
    v = &mm->vma[i];
    memmove(&mm->vma[i + 1], &mm->vma[i], (mm->nvma - i) * sizeof(mm->vma[0]));
    mm->nvma++;
    struct vm_area_struct *hi = &mm->vma[i + 1];
    v->vm_end = addr;
    hi->vm_start = addr;
    if (hi->vm_file) {
        hi->vm_pgoff += (addr - v->vm_start) >> PAGE_SHIFT;
        vm_file_get(hi->vm_file);
    }
    return 0;
}

int vma_remove_range(struct mm_struct *mm, uint64_t start, uint64_t end)
{
    if (vma_split_at(mm, start) || vma_split_at(mm, end))
        return -ENOMEM;
    size_t i = vma_find_idx(mm, start), j = i;
    while (j < mm->nvma && mm->vma[j].vm_end <= end) {
        mm->total_vm -= (mm->vma[j].vm_end - mm->vma[j].vm_start) >> PAGE_SHIFT;
        vm_file_put(mm->vma[j].vm_file);
        j++;
    }
    memmove(&mm->vma[i], &mm->vma[j], (mm->nvma - j) * sizeof(mm->vma[0]));
    mm->nvma -= j - i;
    if (end <= mm->task_size && pgtable_unmap_range(&mm->pt, start, end))
        mm->need_flush = true;
    return 0;
}
