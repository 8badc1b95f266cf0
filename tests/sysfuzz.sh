#!/usr/bin/env bash
# sysfuzz.sh - hostile syscall arguments must never hurt the emulator.
#
# Usage:  tests/sysfuzz.sh [PAGEMU]
#
# guest-tests/sysfuzz/sysfuzz.c forks children that each make hundreds of
# syscalls with arguments from a seeded generator: bad, unmapped, kernel
# and non-canonical pointers, buffers across page and protection
# boundaries, -1 and huge sizes, random flags (see there for what it
# leaves out).  Built with gcc -static (and musl-gcc -static when there),
# and for each variant:
#   native   the fuzzer itself runs to the end natively (exit 0)
#   pagemu   under pagemu: exit 0 and every child accounted for; no child
#            ends with pagemu's own error status (125) or an engine
#            message; and in a sanitizer build no AddressSanitizer, leak
#            or UndefinedBehaviorSanitizer report (their log_path files).
# Children that die of a signal they provoked, or hang and are killed,
# are the guest's business and fine.
#
# Environment: PAGEMU (or $1), CC, MUSL_GCC, SYSFUZZ_CHILDREN (60),
# SYSFUZZ_CALLS (300), SYSFUZZ_SEED (1).  Output: PASS/FAIL lines, then
# `N passed, N failed`; exit 0, or 1 on a failure.
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
test_init sysfuzz.sh guest-tests/sysfuzz/sysfuzz.c "${1:-}"

CC=${CC:-gcc}
children=${SYSFUZZ_CHILDREN:-60}
calls=${SYSFUZZ_CALLS:-300}
seed=${SYSFUZZ_SEED:-1}
work="$build_dir/guest-build/sysfuzz"
rm -rf "$work"
mkdir -p "$work" || exit 99

variants=("gcc-static:$CC -static -O2")
musl=${MUSL_GCC:-musl-gcc}
command -v "$musl" >/dev/null 2>&1 && variants+=("musl-static:$musl -static -O2")

for v in "${variants[@]}"; do
	name=${v%%:*}
	cc=${v#*:}
	bin="$work/sysfuzz-$name"
	# shellcheck disable=SC2086 # $cc is a command line
	if ! $cc -o "$bin" "$src" >"$bin.log" 2>&1; then
		fail "sysfuzz [$name] build" "compile failed" "$bin.log"
		continue
	fi

	# natively, in a scratch directory (the children create junk files)
	mkdir -p "$work/native-$name"
	(cd "$work/native-$name" && timeout 600 "$bin" "$seed" "$children" "$calls" \
		</dev/null >"$work/$name.native.out" 2>/dev/null)
	st=$?
	if [ "$st" -ne 0 ] || ! grep -q "^$children children:" "$work/$name.native.out"; then
		fail "sysfuzz [$name native]" "exit status $st" "$work/$name.native.out"
	else
		pass "sysfuzz [$name native] ($(tail -n 1 "$work/$name.native.out"))"
	fi

	dir="$work/pagemu-$name"
	mkdir -p "$dir"
	san="$work/san-$name"
	(cd "$dir" && exec env \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$san.asan" \
		UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$san.ubsan" \
		timeout 900 "$pagemu" "$bin" "$seed" "$children" "$calls" \
		</dev/null >"$work/$name.pagemu.out" 2>"$work/$name.pagemu.err")
	st=$?
	bad=()
	[ "$st" -eq 0 ] || bad+=("exit status $st")
	grep -q "^$children children:" "$work/$name.pagemu.out" ||
		bad+=("the fuzzer did not finish")
	grep -q ": exit 125$" "$work/$name.pagemu.out" &&
		bad+=("a child ended with pagemu's error status 125")
	grep -a -q -E "^pagemu: (unicorn|internal)" "$work/$name.pagemu.err" &&
		bad+=("engine error: $(grep -a -m1 -E "^pagemu: (unicorn|internal)" "$work/$name.pagemu.err")")
	for f in "$san".asan* "$san".ubsan*; do
		[ -f "$f" ] || continue
		if grep -a -q -E "ERROR: (Address|Leak)Sanitizer|runtime error" "$f"; then
			bad+=("sanitizer report in $f: $(grep -a -m1 -E "ERROR|runtime error" "$f")")
		fi
	done
	if [ ${#bad[@]} -eq 0 ]; then
		pass "sysfuzz [$name pagemu] ($(tail -n 1 "$work/$name.pagemu.out"))"
	else
		fail_lines "sysfuzz [$name pagemu]" "${bad[@]}"
	fi
done

test_done
