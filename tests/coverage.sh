#!/usr/bin/env bash
# coverage.sh - pagemu --drcov files, the AFL edge map of pagemu --afl, and
# the --afl options when no afl-fuzz is there (no afl++ needed).
#
#   drcov     the file parses the way Lighthouse's and bncov's readers parse
#             drcov version 2 (header, "Module Table: version 2", the
#             Linux column list, "BB Table: N bbs", N binary 8-byte
#             entries); the blocks lie in their module, main and fuzz_one
#             (from nm) start blocks; [vdso] is a module only when code ran
#             there; a guest's forked child writes FILE.PID; after an
#             execve the new image writes FILE; not with --afl
#   map       bench/fsrv_bench.c drives pagemu --afl as afl-fuzz does: the
#             inputs "hello", "Pxxx", "PGxx", "PGMx" reach ever more edges
#             of target.c, the same input the same number, and a
#             persistent child (--afl-persistent=main) gains the same edges
#             from them as a child forked at main; PGMU crashes every
#             persistent run
#   no afl    without the forkserver pipes --afl, --afl-entry and
#             --afl-persistent run the guest once, as plain pagemu does
#             (status 0, or 139 and the report); an unknown symbol is an
#             error (125)
#
# Environment: PAGEMU, CC (gcc), top_srcdir.
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
test_init coverage.sh guest-tests/afl/target.c
need python3 "scripts/setup.sh installs it"
CC=${CC:-gcc}

work=$(mktemp -d "${TMPDIR:-/tmp}/pagemu-cov.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99


cat >vdso.c <<'EOF'
#include <stdio.h>
#include <time.h>
int main(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	printf("%d\n", t.tv_sec >= 0);
	return 0;
}
EOF
cat >forks.c <<'EOF'
#include <sys/wait.h>
#include <unistd.h>
int main(void)
{
	pid_t p = fork();
	if (p == 0)
		_exit(7);
	int st;
	waitpid(p, &st, 0);
	return WEXITSTATUS(st) == 7 ? 0 : 1;
}
EOF
cat >execs.c <<'EOF'
#include <unistd.h>
int main(int argc, char **argv)
{
	if (argc > 1)
		return 3;
	char *args[] = {argv[0], "again", 0};
	execv(argv[0], args);
	return 1;
}
EOF
for p in target vdso forks execs; do
	src=$p.c
	[ $p = target ] && src="$top/guest-tests/afl/target.c"
	if ! "$CC" -static -O1 -o $p "$src"; then
		echo "coverage.sh: cannot build $src" >&2
		exit 99
	fi
done
if ! "$CC" -O2 -o fsrv_bench "$top/bench/fsrv_bench.c"; then
	echo "coverage.sh: cannot build bench/fsrv_bench.c" >&2
	exit 99
fi
printf 'hello' >in-hello
printf 'Pxxx' >in-P
printf 'PGxx' >in-PG
printf 'PGMx' >in-PGM
printf 'PGMU' >in-crash

# ---- drcov ---------------------------------------------------------------

# check_drcov FILE PROGRAM MODULES SYMBOL...: parse FILE as a drcov reader
# does; MODULES is the expected module count; each SYMBOL (nm) must start
# a block of module 0.
check_drcov() {
	local file=$1 prog=$2 nmod=$3
	shift 3
	local syms=()
	for s in "$@"; do
		syms+=("$s=$(nm "$prog" | awk -v s="$s" '$3 == s { print $1 }')")
	done
	python3 - "$file" "$(realpath "$prog")" "$nmod" "${syms[@]}" <<'PY'
import struct, sys
path, prog, nmod = sys.argv[1], sys.argv[2], int(sys.argv[3])
syms = dict(a.split("=") for a in sys.argv[4:])
data = open(path, "rb").read()
lines, pos = [], 0
def line():
    global pos
    end = data.index(b"\n", pos)
    s = data[pos:end].decode()
    pos = end + 1
    return s
def fail(msg):
    print(msg); sys.exit(1)
if line() != "DRCOV VERSION: 2": fail("bad version line")
if line() != "DRCOV FLAVOR: drcov": fail("bad flavor line")
name, rest = line().split(": ")
ver, cnt = rest.split(", ")
if name != "Module Table" or ver != "version 2" or cnt != "count %d" % nmod:
    fail("module table header: %s: %s" % (name, rest))
if line() != "Columns: id, base, end, entry, path": fail("columns")
mods = []
for i in range(nmod):
    f = line().split(", ")
    if len(f) != 5 or int(f[0]) != i: fail("module line %d: %r" % (i, f))
    mods.append((int(f[1], 16), int(f[2], 16), int(f[3], 16), f[4]))
if mods[0][3] != prog: fail("module 0 is %s, not %s" % (mods[0][3], prog))
if nmod > 1 and mods[1][3] != "[vdso]": fail("module 1 is %s" % mods[1][3])
name, rest = line().split(": ")
n, word = rest.split(" ")
if name != "BB Table" or word != "bbs": fail("bb table header")
n = int(n)
if len(data) - pos != 8 * n: fail("%d bytes of entries for %d bbs" % (len(data) - pos, n))
starts, used = set(), set()
for k in range(n):
    off, size, mod = struct.unpack_from("<IHH", data, pos + 8 * k)
    if mod >= nmod: fail("entry %d: module %d" % (k, mod))
    base, end = mods[mod][0], mods[mod][1]
    if size == 0 or base + off + size > end + 16: fail("entry %d out of its module" % k)
    used.add(mod)
    if mod == 0: starts.add(base + off)
    if (mod, off) in starts: fail("duplicate")
if used != set(range(nmod)): fail("modules without blocks: %s" % (set(range(nmod)) - used))
for s, a in syms.items():
    if int(a, 16) not in starts: fail("no block starts at %s (%s)" % (s, a))
print("%d modules, %d blocks" % (nmod, n))
PY
}

rm -f t.drcov
"$pagemu" --drcov=t.drcov ./target in-hello
st=$?
if [ "$st" = 0 ] && out=$(check_drcov t.drcov target 1 main fuzz_one 2>&1); then
	pass "drcov of target.c: $out"
else
	fail_lines "drcov of target.c (status $st)" "${out:-}"
fi

rm -f c.drcov
"$pagemu" --drcov=c.drcov ./target in-crash 2>/dev/null
st=$?
if [ "$st" = 139 ] && out=$(check_drcov c.drcov target 1 main fuzz_one 2>&1); then
	pass "drcov written when the guest dies of SIGSEGV: $out"
else
	fail_lines "drcov of a crashing run (status $st)" "${out:-}"
fi

rm -f v.drcov
"$pagemu" --drcov=v.drcov ./vdso >/dev/null
st=$?
if [ "$st" = 0 ] && out=$(check_drcov v.drcov vdso 2 main 2>&1); then
	pass "drcov with [vdso] blocks: $out"
else
	fail_lines "drcov with [vdso] (status $st)" "${out:-}"
fi

rm -f f.drcov f.drcov.*
"$pagemu" --drcov=f.drcov ./forks
st=$?
kid=$(ls f.drcov.* 2>/dev/null | head -n 1)
if [ "$st" = 0 ] && [ -n "$kid" ] && out=$(check_drcov f.drcov forks 1 main 2>&1) &&
	out2=$(check_drcov "$kid" forks 1 main 2>&1); then
	pass "drcov of a forking guest: f.drcov ($out), $kid ($out2)"
else
	fail_lines "drcov of a forking guest (status $st, child file '${kid:-none}')" "${out:-}" "${out2:-}"
fi

rm -f e.drcov e.drcov.*
"$pagemu" --drcov=e.drcov ./execs
st=$?
if [ "$st" = 3 ] && out=$(check_drcov e.drcov execs 1 main 2>&1) && ! ls e.drcov.* >/dev/null 2>&1; then
	pass "drcov across an execve: the new image writes the file ($out)"
else
	fail_lines "drcov across an execve (status $st)" "${out:-}" "$(ls e.drcov* 2>&1)"
fi
if "$pagemu" --afl --drcov=x.drcov ./target in-hello 2>err; then
	fail_lines "--drcov with --afl accepted"
else
	pass "--drcov with --afl refused: $(cat err)"
fi

# ---- the AFL map ---------------------------------------------------------

# bits OPTIONS INPUT: map bytes set after one run under the forkserver
bits() {
	local in=$1
	shift
	./fsrv_bench fsrv -n 1 -- "$pagemu" "$@" -- ./target "$in" | awk '{ print $5 }'
}
b0=$(bits in-hello --afl)
b1=$(bits in-P --afl)
b2=$(bits in-PG --afl)
b3=$(bits in-PGM --afl)
b0again=$(bits in-hello --afl)
if [ -n "$b0" ] && [ "$b0" -gt 0 ] && [ "$b1" -gt "$b0" ] && [ "$b2" -gt "$b1" ] &&
	[ "$b3" -gt "$b2" ] && [ "$b0again" = "$b0" ]; then
	pass "edge map: hello $b0, P $b1, PG $b2, PGM $b3 bytes set; hello again $b0again"
else
	fail_lines "edge map: hello $b0, P $b1, PG $b2, PGM $b3, hello again $b0again"
fi
# persistent: a run is main's call, up to its return; forking at main runs
# the exit path as well, the same edges for every input: the inputs add
# the same edges to both
p0=$(bits in-hello --afl-persistent=main)
p3=$(bits in-PGM --afl-persistent=main)
f0=$(bits in-hello --afl-entry=main)
f3=$(bits in-PGM --afl-entry=main)
if [ -n "$p0" ] && [ "$p0" -gt 0 ] && [ "$p3" -gt "$p0" ] && [ "$f0" -gt "$p0" ] &&
	[ $((p3 - p0)) = $((f3 - f0)) ]; then
	pass "persistent map: hello $p0, PGM $p3; forking at main (exit path too): $f0, $f3"
else
	fail_lines "persistent map: hello $p0, PGM $p3; fork at main: $f0, $f3"
fi
# many persistent runs of a crashing input: every one is a crash
line=$(./fsrv_bench fsrv -n 50 -- "$pagemu" --afl-persistent=main -- ./target in-crash)
set -- $line
if [ "${1:-}" = 50 ] && [ "${4:-}" = 50 ]; then
	pass "persistent: 50 runs of PGMU, 50 crashes"
else
	fail_lines "persistent crashes: $line"
fi
line=$(./fsrv_bench fsrv -n 3000 -- "$pagemu" --afl-persistent=main --afl-loops=7 -- ./target in-PGM)
set -- $line
if [ "${1:-}" = 3000 ] && [ "${4:-}" = 0 ]; then
	pass "persistent, --afl-loops=7: 3000 runs, no crash"
else
	fail_lines "persistent, --afl-loops=7: $line"
fi

# ---- no afl-fuzz -----------------------------------------------------------

for opt in --afl --afl-entry=main --afl-entry=fuzz_one --afl-persistent=main --afl-persistent=fuzz_one; do
	"$pagemu" "$opt" ./target in-hello >out 2>err
	s1=$?
	"$pagemu" "$opt" ./target in-crash >out 2>err
	s2=$?
	if [ "$s1" = 0 ] && [ "$s2" = 139 ] && grep -q 'on write at 0x0' err; then
		pass "$opt without afl-fuzz: an ordinary run (0, and 139 with the report)"
	else
		fail_lines "$opt without afl-fuzz: status $s1 and $s2" "$(head -n 3 err)"
	fi
done
"$pagemu" --afl-entry=no_such_function ./target in-hello >out 2>err </dev/null
st=$?
./fsrv_bench fsrv -n 1 -- "$pagemu" --afl-entry=no_such_function -- ./target in-hello >out2 2>&1
st2=$?
if [ "$st" = 125 ] && grep -q 'no_such_function: no such symbol' err && [ "$st2" != 0 ] &&
	grep -q 'no hello' out2; then
	pass "--afl-entry=no_such_function: status 125, \"$(cat err)\""
else
	fail_lines "--afl-entry=no_such_function: status $st, under the driver $st2" "$(cat err out2)"
fi

test_done
