/*
 * uaccess.c - guest memory for syscalls, through the software page walk
 * (see uaccess.h).  Faults are resolved exactly as a guest access would be
 * (demand paging, stack growth); a refused access is -EFAULT.
 */
#include "uaccess.h"

#include <errno.h>
#include <string.h>

#include "mm.h"
#include "pagemu_int.h"

/* Host address of the guest byte va for access, or NULL. */
static uint8_t *user_page(struct pagemu *pm, uint64_t va, int access)
{
    struct mm_struct *mm = &pm->mm;
    pte_t *pte = NULL;

    if (va < mm->task_size)
        pte = pte_lookup(&mm->pt, va);
    bool ok = pte && (pte->pte & (_PAGE_PRESENT | _PAGE_USER)) == (_PAGE_PRESENT | _PAGE_USER) &&
              (access != PAGEMU_ACCESS_WRITE || (pte->pte & _PAGE_RW));
    if (!ok) {
        struct fault_info fi;
        if (handle_mm_fault(mm, va, access, &pte, &fi))
            return NULL;
    }
    if (access == PAGEMU_ACCESS_WRITE) {
        pte_journal(&mm->pt, va, pte);
        pte->pte |= _PAGE_DIRTY | _PAGE_ACCESSED;
        /* The host is about to change bytes the guest may execute. */
        if (!(pte->pte & _PAGE_NX) && mm->invalidate_code)
            mm->invalidate_code(mm->invalidate_ctx, va & PAGE_MASK);
    }
    return (uint8_t *)frame_host(mm->pt.fp, pte->pte & PTE_PFN_MASK) + (va & ~PAGE_MASK);
}

static int copy_user(struct pagemu *pm, uint64_t va, void *host, size_t n, int write)
{
    uint8_t *h = host;
    while (n) {
        size_t chunk = PAGE_SIZE - (va & ~PAGE_MASK);
        if (chunk > n)
            chunk = n;
        if (va + chunk < va)
            return -EFAULT;
        uint8_t *p = user_page(pm, va, write ? PAGEMU_ACCESS_WRITE : PAGEMU_ACCESS_READ);
        if (!p)
            return -EFAULT;
        if (write)
            memcpy(p, h, chunk);
        else
            memcpy(h, p, chunk);
        h += chunk;
        va += chunk;
        n -= chunk;
    }
    return 0;
}

int copy_from_user(struct pagemu *pm, void *dst, uint64_t src, size_t n)
{
    return copy_user(pm, src, dst, n, 0);
}

int copy_to_user(struct pagemu *pm, uint64_t dst, const void *src, size_t n)
{
    return copy_user(pm, dst, (void *)src, n, 1);
}

int clear_user(struct pagemu *pm, uint64_t dst, size_t n)
{
    while (n) {
        size_t chunk = PAGE_SIZE - (dst & ~PAGE_MASK);
        if (chunk > n)
            chunk = n;
        uint8_t *p = user_page(pm, dst, PAGEMU_ACCESS_WRITE);
        if (!p)
            return -EFAULT;
        memset(p, 0, chunk);
        dst += chunk;
        n -= chunk;
    }
    return 0;
}

long strncpy_from_user(struct pagemu *pm, char *dst, uint64_t src, size_t max)
{
    size_t done = 0;
    while (done < max) {
        size_t chunk = PAGE_SIZE - (src & ~PAGE_MASK);
        if (chunk > max - done)
            chunk = max - done;
        const uint8_t *p = user_page(pm, src, PAGEMU_ACCESS_READ);
        if (!p)
            return -EFAULT;
        const uint8_t *z = memchr(p, 0, chunk);
        size_t take = z ? (size_t)(z - p) + 1 : chunk;
        memcpy(dst + done, p, take);
        done += take;
        if (z)
            return (long)(done - 1);
        src += chunk;
    }
    return -ENAMETOOLONG;
}

int user_iovec(struct pagemu *pm, uint64_t addr, size_t len, int write,
               struct iovec *iov, int maxiov, size_t *covered)
{
    int n = 0;
    size_t done = 0;
    int access = write ? PAGEMU_ACCESS_WRITE : PAGEMU_ACCESS_READ;

    while (done < len && n <= maxiov) {
        uint64_t va = addr + done;
        if (va < addr)
            break;
        size_t chunk = PAGE_SIZE - (va & ~PAGE_MASK);
        if (chunk > len - done)
            chunk = len - done;
        uint8_t *p = user_page(pm, va, access);
        if (!p) {
            if (!done)
                return -EFAULT;
            break;
        }
        if (n > 0 && (uint8_t *)iov[n - 1].iov_base + iov[n - 1].iov_len == p) {
            iov[n - 1].iov_len += chunk;
        } else {
            if (n == maxiov)
                break;
            iov[n].iov_base = p;
            iov[n].iov_len = chunk;
            n++;
        }
        done += chunk;
    }
    *covered = done;
    return n;
}
