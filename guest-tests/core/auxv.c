/* auxv: the ELF auxiliary vector built by create_elf_tables()
 * (fs/binfmt_elf.c), read through getauxval() and by walking the initial
 * stack past envp. */
#include "gt.h"
#include <elf.h>
#include <link.h>
#include <sys/auxv.h>

extern char **environ;
extern const ElfW(Ehdr) __ehdr_start; /* provided by the linker */
extern char _start[];                 /* crt1.o / rcrt1.o entry point */

struct phdr_seen {
	uintptr_t phdr;
	int phnum;
	int calls;
};

static int phdr_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct phdr_seen *s = data;
	(void)size;
	if (s->calls++ == 0) {
		s->phdr = (uintptr_t)info->dlpi_phdr;
		s->phnum = info->dlpi_phnum;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const ElfW(Ehdr) *eh = &__ehdr_start;
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)((const char *)eh + eh->e_phoff);
	struct phdr_seen seen = {0, 0, 0};
	const unsigned char *rnd;
	const char *s;
	char **e;
	ElfW(auxv_t) *av;
	uintptr_t bias;
	unsigned long hwcap = 0;
	int i, zero = 1, have_null = 0, entries = 0;

	(void)argc;
	CHECK(1, getauxval(AT_PAGESZ) == 4096);
	CHECK(2, sysconf(_SC_PAGESIZE) == 4096);

	/* Our own program headers, three ways. */
	CHECK(3, memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0);
	CHECK(4, getauxval(AT_PHDR) == (unsigned long)ph);
	CHECK(5, getauxval(AT_PHNUM) == eh->e_phnum);
	CHECK(6, getauxval(AT_PHENT) == sizeof(ElfW(Phdr)));
	dl_iterate_phdr(phdr_cb, &seen);
	CHECK(7, seen.calls >= 1);
	CHECK(8, seen.phdr == (uintptr_t)ph && seen.phnum == eh->e_phnum);
	/* A PT_PHDR, when present, agrees with AT_PHDR after relocation.
	 * (A static-pie is ET_DYN linked at 0, so its bias is where the ELF
	 * header landed; a plain static program is ET_EXEC, bias 0.) */
	bias = eh->e_type == ET_DYN ? (uintptr_t)eh : 0;
	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_PHDR)
			CHECK(9, bias + ph[i].p_vaddr == (uintptr_t)ph);

	CHECK(10, getauxval(AT_ENTRY) == (unsigned long)_start);
	CHECK(11, getauxval(AT_ENTRY) == bias + eh->e_entry);

	/* AT_RANDOM: 16 readable bytes, not all zero. */
	rnd = (const unsigned char *)getauxval(AT_RANDOM);
	CHECK(12, rnd != NULL);
	for (i = 0; i < 16; i++)
		if (rnd[i])
			zero = 0;
	CHECK(13, !zero);

	/* AT_EXECFN: the path given to execve, a string naming this program. */
	s = (const char *)getauxval(AT_EXECFN);
	CHECK(14, s != NULL && strlen(s) > 0 && strlen(s) < 4096);
	CHECK(15, strcmp(gt_base(s), gt_base(argv[0])) == 0);

	CHECK(16, getauxval(AT_SECURE) == 0);
	CHECK(17, getauxval(AT_CLKTCK) == 100);
	CHECK(18, sysconf(_SC_CLK_TCK) == 100);
	s = (const char *)getauxval(AT_PLATFORM);
	CHECK(19, s != NULL && strcmp(s, "x86_64") == 0);
	CHECK(22, getauxval(AT_UID) == (unsigned long)getuid());
	CHECK(23, getauxval(AT_EUID) == (unsigned long)geteuid());
	CHECK(24, getauxval(AT_GID) == (unsigned long)getgid());
	CHECK(25, getauxval(AT_EGID) == (unsigned long)getegid());
	/* A static program has no interpreter: AT_BASE is 0. */
	CHECK(26, getauxval(AT_BASE) == 0);
	CHECK(27, getauxval(AT_FLAGS) == 0);

	/* Walk the vector itself: it follows envp's NULL on the stack. */
	for (e = environ; *e; e++)
		;
	av = (ElfW(auxv_t) *)(e + 1);
	for (i = 0; i < 64; i++, entries++) {
		if (av[i].a_type == AT_NULL) {
			have_null = 1;
			break;
		}
		/* Read AT_HWCAP here: glibc's getauxval(AT_HWCAP) returns its own
		 * GLRO(dl_hwcap), which x86 init_cpu_features() rewrites. */
		if (av[i].a_type == AT_HWCAP)
			hwcap = av[i].a_un.a_val;
		/* Every entry must be what getauxval reports (first wins). */
		if (av[i].a_type == AT_PAGESZ || av[i].a_type == AT_ENTRY ||
		    av[i].a_type == AT_PHDR || av[i].a_type == AT_RANDOM ||
		    av[i].a_type == AT_EXECFN || av[i].a_type == AT_PLATFORM)
			CHECK(28, av[i].a_un.a_val == getauxval(av[i].a_type));
	}
	CHECK(29, have_null);
	/* AT_HWCAP is CPUID.1:EDX on x86 (arch/x86/include/asm/elf.h
	 * ELF_HWCAP); x86-64 implies FPU (bit 0), SSE (25) and SSE2 (26). */
	CHECK(20, hwcap != 0);
	CHECK(21, (hwcap & ((1UL << 0) | (1UL << 25) | (1UL << 26))) ==
			  ((1UL << 0) | (1UL << 25) | (1UL << 26)));
	CHECK(30, entries >= 15);
	/* AT_EXECFN and AT_PLATFORM strings and AT_RANDOM bytes live on the
	 * stack above the vector (fs/binfmt_elf.c create_elf_tables). */
	CHECK(31, getauxval(AT_RANDOM) > (unsigned long)&av[i]);
	CHECK(32, getauxval(AT_EXECFN) > (unsigned long)&av[i]);

	printf("auxv ok\n");
	return 0;
}
