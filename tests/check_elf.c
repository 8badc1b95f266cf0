/*
 * Check tests for loader/elf.c: every validation error on ELF images built
 * in memory from literal headers, the facts a valid image yields (phdr
 * address, stack flags, span, alignment), the symbol table, and a parse of
 * a real static binary (/bin/busybox) when the host has one.
 */
#include <check.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf_image.h"

/*
 * The base image, a small static ET_EXEC:
 *   0x0000  Elf64_Ehdr, e_entry 0x401000, e_phoff 0x40
 *   0x0040  4 program headers
 *             PT_LOAD R   off 0x0000 vaddr 0x400000 filesz 0x1000 memsz 0x1000
 *             PT_LOAD R X off 0x1000 vaddr 0x401000 filesz 0x0100 memsz 0x0100
 *             PT_LOAD RW  off 0x2010 vaddr 0x402010 filesz 0x0010 memsz 0x2000
 *             PT_GNU_STACK RW
 *   0x2100  .symtab (4 entries), 0x2200 .strtab, 0x2300 section headers
 */
#define IMG_SIZE 0x2400
#define SYMTAB_OFF 0x2100
#define STRTAB_OFF 0x2200
#define SHDR_OFF 0x2300

static uint8_t img[IMG_SIZE];
static char why[256];
static struct elf_image out;

static Elf64_Ehdr *eh(void)
{
	return (Elf64_Ehdr *)img;
}

static Elf64_Phdr *ph(int i)
{
	return (Elf64_Phdr *)(img + 0x40) + i;
}

static void set_phdr(int i, uint32_t type, uint32_t flags, uint64_t off,
		     uint64_t vaddr, uint64_t filesz, uint64_t memsz)
{
	Elf64_Phdr *p = ph(i);

	memset(p, 0, sizeof(*p));
	p->p_type = type;
	p->p_flags = flags;
	p->p_offset = off;
	p->p_vaddr = p->p_paddr = vaddr;
	p->p_filesz = filesz;
	p->p_memsz = memsz;
	p->p_align = type == PT_LOAD ? 0x1000 : 0x10;
}

static void add_symbols(void)
{
	static const char strtab[] = "\0main\0counter\0tiny\0.symtab\0.strtab";
	Elf64_Sym *sym = (Elf64_Sym *)(img + SYMTAB_OFF);
	Elf64_Shdr *sh = (Elf64_Shdr *)(img + SHDR_OFF);

	memcpy(img + STRTAB_OFF, strtab, sizeof(strtab));
	/* [0] is the null symbol */
	sym[1] = (Elf64_Sym){ .st_name = 1, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC),
			      .st_shndx = 1, .st_value = 0x401010, .st_size = 0x20 };
	sym[2] = (Elf64_Sym){ .st_name = 6, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT),
			      .st_shndx = 2, .st_value = 0x402010, .st_size = 8 };
	sym[3] = (Elf64_Sym){ .st_name = 14, .st_info = ELF64_ST_INFO(STB_LOCAL, STT_FUNC),
			      .st_shndx = 1, .st_value = 0x401080, .st_size = 0 };
	/* [0] null, [1] .symtab, [2] .strtab */
	sh[1] = (Elf64_Shdr){ .sh_name = 19, .sh_type = SHT_SYMTAB, .sh_offset = SYMTAB_OFF,
			      .sh_size = 4 * sizeof(Elf64_Sym), .sh_link = 2,
			      .sh_entsize = sizeof(Elf64_Sym) };
	sh[2] = (Elf64_Shdr){ .sh_name = 27, .sh_type = SHT_STRTAB, .sh_offset = STRTAB_OFF,
			      .sh_size = sizeof(strtab) };
	eh()->e_shoff = SHDR_OFF;
	eh()->e_shentsize = sizeof(Elf64_Shdr);
	eh()->e_shnum = 3;
}

static void build_base(void)
{
	memset(img, 0, sizeof(img));
	elf_image_free(&out);
	why[0] = '\0';
	memcpy(eh()->e_ident, ELFMAG, SELFMAG);
	eh()->e_ident[EI_CLASS] = ELFCLASS64;
	eh()->e_ident[EI_DATA] = ELFDATA2LSB;
	eh()->e_ident[EI_VERSION] = EV_CURRENT;
	eh()->e_type = ET_EXEC;
	eh()->e_machine = EM_X86_64;
	eh()->e_version = EV_CURRENT;
	eh()->e_entry = 0x401000;
	eh()->e_phoff = 0x40;
	eh()->e_ehsize = sizeof(Elf64_Ehdr);
	eh()->e_phentsize = sizeof(Elf64_Phdr);
	eh()->e_phnum = 4;
	set_phdr(0, PT_LOAD, PF_R, 0x0000, 0x400000, 0x1000, 0x1000);
	set_phdr(1, PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x100, 0x100);
	set_phdr(2, PT_LOAD, PF_R | PF_W, 0x2010, 0x402010, 0x10, 0x2000);
	set_phdr(3, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
	add_symbols();
}

static void teardown(void)
{
	elf_image_free(&out);
}

static pagemu_err parse_len(size_t len)
{
	elf_image_free(&out);
	return elf_parse(img, len, len, &out, why, sizeof(why));
}

static pagemu_err parse(void)
{
	return parse_len(IMG_SIZE);
}

#define ck_assert_err(got, want)					\
	ck_assert_msg((got) == (want), "got %d (%s), want %d; why: %s",	\
		      (int)(got), pagemu_strerror(got), (int)(want), why)

/* ---- a valid image ------------------------------------------------------ */

START_TEST(test_valid_exec)
{
	ck_assert_err(parse(), PAGEMU_EOK);
	ck_assert_uint_eq(out.e_type, ET_EXEC);
	ck_assert_uint_eq(out.e_entry, 0x401000);
	ck_assert_uint_eq(out.e_phnum, 4);
	ck_assert_uint_eq(out.nload, 3);
	/* the PT_LOAD at offset 0 holds e_phoff 0x40 */
	ck_assert_uint_eq(out.phdr_vaddr, 0x400040);
	ck_assert_uint_eq(out.load_start, 0x400000);
	ck_assert_uint_eq(out.load_end, 0x404010);
	ck_assert_uint_eq(out.max_align, 0x1000);
	ck_assert_int_eq(out.executable_stack, EXSTACK_DISABLE_X);
	ck_assert_str_eq(why, "");
}
END_TEST

START_TEST(test_static_pie)
{
	eh()->e_type = ET_DYN;
	eh()->e_entry = 0x1000;
	set_phdr(0, PT_LOAD, PF_R, 0x0000, 0x0000, 0x1000, 0x1000);
	set_phdr(1, PT_LOAD, PF_R | PF_X, 0x1000, 0x1000, 0x100, 0x100);
	set_phdr(2, PT_LOAD, PF_R | PF_W, 0x2010, 0x3010, 0x10, 0x2000);
	ck_assert_err(parse(), PAGEMU_EOK);
	ck_assert_uint_eq(out.e_type, ET_DYN);
	ck_assert_uint_eq(out.phdr_vaddr, 0x40);
	ck_assert_uint_eq(out.load_start, 0);
	ck_assert_uint_eq(out.load_end, 0x5010);
}
END_TEST

START_TEST(test_gnu_stack)
{
	ph(3)->p_flags = PF_R | PF_W | PF_X;
	ck_assert_err(parse(), PAGEMU_EOK);
	ck_assert_int_eq(out.executable_stack, EXSTACK_ENABLE_X);
	ph(3)->p_type = PT_NOTE;
	ck_assert_err(parse(), PAGEMU_EOK);
	ck_assert_int_eq(out.executable_stack, EXSTACK_DEFAULT);
}
END_TEST

START_TEST(test_phdr_from_pt_phdr)
{
	/* No PT_LOAD holds the headers: fall back to PT_PHDR. */
	set_phdr(0, PT_PHDR, PF_R, 0x40, 0x400040, 4 * sizeof(Elf64_Phdr),
		 4 * sizeof(Elf64_Phdr));
	ck_assert_err(parse(), PAGEMU_EOK);
	ck_assert_uint_eq(out.phdr_vaddr, 0x400040);
	ck_assert_uint_eq(out.nload, 2);
}
END_TEST

START_TEST(test_max_align)
{
	ph(1)->p_align = 0x200000;
	ph(2)->p_align = 0x3000;	/* not a power of two: skipped */
	ck_assert_err(parse(), PAGEMU_EOK);
	ck_assert_uint_eq(out.max_align, 0x200000);
}
END_TEST

START_TEST(test_max_phnum)
{
	/* 73 headers fill 4088 bytes, one page: the most Linux reads. */
	eh()->e_phnum = ELF_MAX_PHNUM;
	ck_assert_uint_eq(ELF_MAX_PHNUM, 73);
	ck_assert_err(parse(), PAGEMU_EOK);
}
END_TEST

/* ---- truncation --------------------------------------------------------- */

static const size_t trunc_at[] = { 1, 3, 4, 16, 40, 63 };

START_TEST(test_trunc_header)
{
	ck_assert_err(parse_len(trunc_at[_i]), PAGEMU_EELF_TRUNC);
	ck_assert_ptr_nonnull(strstr(why, "ELF header"));
}
END_TEST

START_TEST(test_empty_file)
{
	ck_assert_err(parse_len(0), PAGEMU_ENOEXEC);
	ck_assert_ptr_nonnull(strstr(why, "empty"));
}
END_TEST

START_TEST(test_trunc_phdrs)
{
	ck_assert_err(parse_len(64), PAGEMU_EELF_TRUNC);
	ck_assert_err(parse_len(0x40 + 4 * sizeof(Elf64_Phdr) - 1), PAGEMU_EELF_TRUNC);
	ck_assert_ptr_nonnull(strstr(why, "program headers"));
}
END_TEST

START_TEST(test_trunc_segment)
{
	/* The data segment's file bytes [0x2010, 0x2020) are cut off. */
	ck_assert_err(parse_len(0x2018), PAGEMU_EELF_TRUNC);
	ck_assert_ptr_nonnull(strstr(why, "PT_LOAD (phdr 2)"));
}
END_TEST

START_TEST(test_offset_beyond_file)
{
	ph(1)->p_offset = 0x10000;
	ph(1)->p_vaddr = 0x410000;
	ph(2)->p_vaddr = 0x412010;
	eh()->e_entry = 0x410000;
	ck_assert_err(parse(), PAGEMU_EELF_TRUNC);
	ph(1)->p_offset = UINT64_MAX - 0x10;
	ck_assert_err(parse(), PAGEMU_EELF_SEGMENTS);
}
END_TEST

/* ---- the header fields -------------------------------------------------- */

START_TEST(test_bad_magic)
{
	img[1] = 'X';
	ck_assert_err(parse(), PAGEMU_ENOEXEC);
	memcpy(img, "#!/bin/sh\n", 10);
	ck_assert_err(parse(), PAGEMU_ENOEXEC);
	ck_assert_ptr_nonnull(strstr(why, "magic"));
}
END_TEST

START_TEST(test_class32)
{
	eh()->e_ident[EI_CLASS] = ELFCLASS32;
	ck_assert_err(parse(), PAGEMU_EELF_CLASS);
	ck_assert_ptr_nonnull(strstr(why, "32-bit"));
	eh()->e_ident[EI_CLASS] = ELFCLASSNONE;
	ck_assert_err(parse(), PAGEMU_EELF_CLASS);
}
END_TEST

START_TEST(test_big_endian)
{
	eh()->e_ident[EI_DATA] = ELFDATA2MSB;
	ck_assert_err(parse(), PAGEMU_EELF_BAD);
	ck_assert_ptr_nonnull(strstr(why, "big-endian"));
}
END_TEST

START_TEST(test_bad_version)
{
	eh()->e_ident[EI_VERSION] = 2;
	ck_assert_err(parse(), PAGEMU_EELF_BAD);
	ck_assert_ptr_nonnull(strstr(why, "EV_CURRENT"));
}
END_TEST

START_TEST(test_wrong_machine)
{
	eh()->e_machine = EM_AARCH64;
	ck_assert_err(parse(), PAGEMU_EELF_MACHINE);
	ck_assert_ptr_nonnull(strstr(why, "AArch64"));
	eh()->e_machine = EM_386;
	ck_assert_err(parse(), PAGEMU_EELF_MACHINE);
}
END_TEST

START_TEST(test_wrong_type)
{
	eh()->e_type = ET_REL;
	ck_assert_err(parse(), PAGEMU_EELF_TYPE);
	ck_assert_ptr_nonnull(strstr(why, "ET_REL"));
	eh()->e_type = ET_CORE;
	ck_assert_err(parse(), PAGEMU_EELF_TYPE);
}
END_TEST

START_TEST(test_phentsize)
{
	eh()->e_phentsize = 32;
	ck_assert_err(parse(), PAGEMU_EELF_BAD);
	ck_assert_ptr_nonnull(strstr(why, "e_phentsize"));
}
END_TEST

static const uint16_t bad_phnum[] = { 0, 74, 0xffff };

START_TEST(test_absurd_phnum)
{
	eh()->e_phnum = bad_phnum[_i];
	ck_assert_err(parse(), PAGEMU_EELF_BAD);
	ck_assert_ptr_nonnull(strstr(why, "e_phnum"));
}
END_TEST

/* ---- program headers ---------------------------------------------------- */

START_TEST(test_interp)
{
	memcpy(img + 0x300, "/lib64/ld-linux-x86-64.so.2", 28);
	set_phdr(3, PT_INTERP, PF_R, 0x300, 0x400300, 28, 28);
	ck_assert_err(parse(), PAGEMU_EELF_DYNAMIC);
	ck_assert_ptr_nonnull(strstr(why, "dynamic binaries are not supported yet"));
	ck_assert_ptr_nonnull(strstr(why, "/lib64/ld-linux-x86-64.so.2"));
	/* also for ET_DYN: a PIE with an interpreter */
	eh()->e_type = ET_DYN;
	ck_assert_err(parse(), PAGEMU_EELF_DYNAMIC);
}
END_TEST

START_TEST(test_overlap)
{
	ph(2)->p_vaddr = 0x4010f0;	/* inside [0x401000, 0x401100) */
	ph(2)->p_offset = 0x20f0;
	ck_assert_err(parse(), PAGEMU_EELF_SEGMENTS);
	ck_assert_ptr_nonnull(strstr(why, "overlaps"));
}
END_TEST

START_TEST(test_unsorted)
{
	Elf64_Phdr t = *ph(0);

	*ph(0) = *ph(1);
	*ph(1) = t;
	ck_assert_err(parse(), PAGEMU_EELF_SEGMENTS);
	ck_assert_ptr_nonnull(strstr(why, "sorted"));
}
END_TEST

START_TEST(test_shared_page_ok)
{
	/* Segments may share a page as long as their bytes do not overlap. */
	ph(2)->p_vaddr = 0x401110;
	ph(2)->p_offset = 0x2110;
	ck_assert_err(parse_len(IMG_SIZE), PAGEMU_EOK);
}
END_TEST

START_TEST(test_filesz_gt_memsz)
{
	ph(2)->p_memsz = 0x8;
	ck_assert_err(parse(), PAGEMU_EELF_SEGMENTS);
	ck_assert_ptr_nonnull(strstr(why, "p_filesz"));
}
END_TEST

START_TEST(test_misaligned)
{
	ph(2)->p_vaddr = 0x402018;	/* offset 0x2010: 0x18 != 0x10 mod page */
	ck_assert_err(parse(), PAGEMU_EELF_SEGMENTS);
	ck_assert_ptr_nonnull(strstr(why, "congruent"));
	/* a segment with no file bytes is never mmap'ed from the file */
	ph(2)->p_filesz = 0;
	ck_assert_err(parse(), PAGEMU_EOK);
}
END_TEST

START_TEST(test_vaddr_overflow)
{
	ph(2)->p_vaddr = 0xfffffffffffff010ULL;
	ph(2)->p_offset = 0x2010;
	ck_assert_err(parse(), PAGEMU_EELF_SEGMENTS);
	ck_assert_ptr_nonnull(strstr(why, "TASK_SIZE"));
	/* ends one page past the 47-bit window */
	ph(2)->p_vaddr = 0x7ffffffff010ULL;
	ck_assert_err(parse(), PAGEMU_EELF_SEGMENTS);
	/* ends exactly at TASK_SIZE_MAX: accepted */
	ph(2)->p_vaddr = 0x7fffffffc010ULL;
	ph(2)->p_memsz = 0x2ff0;
	ck_assert_err(parse(), PAGEMU_EOK);
}
END_TEST

START_TEST(test_entry_outside)
{
	eh()->e_entry = 0x500000;
	ck_assert_err(parse(), PAGEMU_EELF_BAD);
	ck_assert_ptr_nonnull(strstr(why, "e_entry"));
}
END_TEST

START_TEST(test_no_load)
{
	for (int i = 0; i < 3; i++)
		ph(i)->p_type = PT_NOTE;
	ck_assert_err(parse(), PAGEMU_EELF_BAD);
	ck_assert_ptr_nonnull(strstr(why, "PT_LOAD"));
}
END_TEST

/* ---- symbols ------------------------------------------------------------ */

START_TEST(test_symbolize)
{
	uint64_t off = 99;

	ck_assert_err(parse(), PAGEMU_EOK);
	ck_assert_uint_eq(out.nsyms, 3);
	ck_assert_str_eq(elf_symbolize(&out, 0x401010, &off), "main");
	ck_assert_uint_eq(off, 0);
	ck_assert_str_eq(elf_symbolize(&out, 0x40102f, &off), "main");
	ck_assert_uint_eq(off, 0x1f);
	ck_assert_ptr_null(elf_symbolize(&out, 0x401030, &off));
	ck_assert_ptr_null(elf_symbolize(&out, 0x40100f, &off));
	ck_assert_str_eq(elf_symbolize(&out, 0x402014, &off), "counter");
	ck_assert_uint_eq(off, 4);
	/* a zero-sized symbol matches only its own address */
	ck_assert_str_eq(elf_symbolize(&out, 0x401080, NULL), "tiny");
	ck_assert_ptr_null(elf_symbolize(&out, 0x401081, NULL));
	ck_assert_ptr_null(elf_symbolize(&out, 0, NULL));
	ck_assert_ptr_null(elf_symbolize(NULL, 0x401010, NULL));
}
END_TEST

START_TEST(test_bad_shdrs_mean_no_symbols)
{
	Elf64_Shdr *sh = (Elf64_Shdr *)(img + SHDR_OFF);

	eh()->e_shoff = IMG_SIZE - 10;		/* table past the end */
	ck_assert_err(parse(), PAGEMU_EOK);
	ck_assert_uint_eq(out.nsyms, 0);
	ck_assert_ptr_null(elf_symbolize(&out, 0x401010, NULL));

	build_base();
	sh[1].sh_link = 7;			/* strtab index out of range */
	ck_assert_err(parse(), PAGEMU_EOK);
	ck_assert_uint_eq(out.nsyms, 0);

	build_base();
	sh[2].sh_size = 0x10000;		/* strtab past the end */
	ck_assert_err(parse(), PAGEMU_EOK);
	ck_assert_uint_eq(out.nsyms, 0);

	build_base();
	sh[1].sh_entsize = 16;
	ck_assert_err(parse(), PAGEMU_EOK);
	ck_assert_uint_eq(out.nsyms, 0);

	build_base();
	eh()->e_shentsize = 40;
	ck_assert_err(parse(), PAGEMU_EOK);
	ck_assert_uint_eq(out.nsyms, 0);

	build_base();
	((Elf64_Sym *)(img + SYMTAB_OFF))[1].st_name = 0x5000;	/* name out of range */
	ck_assert_err(parse(), PAGEMU_EOK);
	ck_assert_uint_eq(out.nsyms, 2);
}
END_TEST

/* ---- real files --------------------------------------------------------- */

START_TEST(test_busybox)
{
	int fd = open("/bin/busybox", O_RDONLY | O_CLOEXEC);
	pagemu_err e;

	if (fd < 0)
		return;		/* no busybox-static on this host */
	e = elf_parse_fd(fd, &out, why, sizeof(why));
	close(fd);
	if (e == PAGEMU_EELF_DYNAMIC)
		return;		/* a dynamically linked busybox */
	ck_assert_err(e, PAGEMU_EOK);
	ck_assert(out.e_type == ET_EXEC || out.e_type == ET_DYN);
	ck_assert_uint_ge(out.nload, 2);
	ck_assert_uint_ne(out.phdr_vaddr, 0);
	ck_assert_uint_gt(out.load_end, out.e_entry);
}
END_TEST

START_TEST(test_fd_errors)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_err(elf_parse_fd(fd, &out, why, sizeof(why)), PAGEMU_ENOEXEC);
	close(fd);
	ck_assert_err(elf_parse_fd(-1, &out, why, sizeof(why)), PAGEMU_EIO);
}
END_TEST

Suite *elf_suite(void)
{
	Suite *s = suite_create("elf");
	TCase *tc;

	tc = tcase_create("valid");
	tcase_add_checked_fixture(tc, build_base, teardown);
	tcase_add_test(tc, test_valid_exec);
	tcase_add_test(tc, test_static_pie);
	tcase_add_test(tc, test_gnu_stack);
	tcase_add_test(tc, test_phdr_from_pt_phdr);
	tcase_add_test(tc, test_max_align);
	tcase_add_test(tc, test_max_phnum);
	tcase_add_test(tc, test_shared_page_ok);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, build_base, teardown);
	tcase_add_loop_test(tc, test_trunc_header, 0,
			    (int)(sizeof(trunc_at) / sizeof(trunc_at[0])));
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_trunc_phdrs);
	tcase_add_test(tc, test_trunc_segment);
	tcase_add_test(tc, test_offset_beyond_file);
	tcase_add_test(tc, test_bad_magic);
	tcase_add_test(tc, test_class32);
	tcase_add_test(tc, test_big_endian);
	tcase_add_test(tc, test_bad_version);
	tcase_add_test(tc, test_wrong_machine);
	tcase_add_test(tc, test_wrong_type);
	tcase_add_test(tc, test_phentsize);
	tcase_add_loop_test(tc, test_absurd_phnum, 0,
			    (int)(sizeof(bad_phnum) / sizeof(bad_phnum[0])));
	tcase_add_test(tc, test_interp);
	tcase_add_test(tc, test_overlap);
	tcase_add_test(tc, test_unsorted);
	tcase_add_test(tc, test_filesz_gt_memsz);
	tcase_add_test(tc, test_misaligned);
	tcase_add_test(tc, test_vaddr_overflow);
	tcase_add_test(tc, test_entry_outside);
	tcase_add_test(tc, test_no_load);
	suite_add_tcase(s, tc);

	tc = tcase_create("symbols");
	tcase_add_checked_fixture(tc, build_base, teardown);
	tcase_add_test(tc, test_symbolize);
	tcase_add_test(tc, test_bad_shdrs_mean_no_symbols);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, build_base, teardown);
	tcase_add_test(tc, test_busybox);
	tcase_add_test(tc, test_fd_errors);
	suite_add_tcase(s, tc);

	return s;
}

#ifndef PAGEMU_CHECK_NO_MAIN
int main(void)
{
	SRunner *sr = srunner_create(elf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
#endif
