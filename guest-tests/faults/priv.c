/* priv: privileged instructions at CPL 3.  Each raises #GP, which Linux
 * turns into SIGSEGV with si_code SI_KERNEL and si_addr 0
 * (exc_general_protection -> gp_user_force_sig_segv), RIP on the
 * instruction (printed first as fault_rip=). */
#include "ft.h"

#define FT_INSN(name, pre, insn)                                               \
	".globl ft_" name "\n"                                                 \
	".type ft_" name ", @function\n"                                       \
	"ft_" name ":\n\t" pre "\n"                                            \
	".globl ft_" name "_insn\n"                                            \
	"ft_" name "_insn:\n\t" insn "\n\t"                                    \
	"ret\n"                                                                \
	".size ft_" name ", .-ft_" name "\n"

__asm__(".text\n"
	FT_INSN("hlt", "", "hlt")
	FT_INSN("cli", "", "cli")
	FT_INSN("sti", "", "sti")
	/* IOPL 0 and no ioperm(): port 0x80, the POST diagnostic port */
	FT_INSN("in", "mov $0x80, %edx", "inb %dx, %al")
	FT_INSN("out", "mov $0x80, %edx\n\txor %eax, %eax", "outb %al, %dx")
	FT_INSN("cr0", "", "mov %cr0, %rax")
	/* IA32_TIME_STAMP_COUNTER: read it, write 0 to it */
	FT_INSN("rdmsr", "mov $0x10, %ecx", "rdmsr")
	FT_INSN("wrmsr", "mov $0x10, %ecx\n\txor %eax, %eax\n\txor %edx, %edx",
		"wrmsr"));

#define DECL(n)                                                                \
	unsigned long ft_##n(void);                                            \
	extern const char ft_##n##_insn[];
DECL(hlt) DECL(cli) DECL(sti) DECL(in) DECL(out) DECL(cr0) DECL(rdmsr)
DECL(wrmsr)

static const struct {
	const char *name;
	unsigned long (*fn)(void);
	const char *insn;
} insns[] = {
#define ENT(n) { #n, ft_##n, ft_##n##_insn }
	ENT(hlt), ENT(cli), ENT(sti), ENT(in), ENT(out), ENT(cr0), ENT(rdmsr),
	ENT(wrmsr),
};

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	size_t i;

	for (i = 0; i < sizeof insns / sizeof insns[0]; i++) {
		if (strcmp(m, insns[i].name))
			continue;
		ft_print_rip(insns[i].insn);
		printf("%s returned 0x%lx\n", m, insns[i].fn());
		FT_SURVIVED(m);
	}
	return ft_usage(argv[0], "hlt|cli|sti|in|out|cr0|rdmsr|wrmsr");
}
