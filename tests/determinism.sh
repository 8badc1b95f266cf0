#!/usr/bin/env bash
# determinism.sh - `pagemu --deterministic`: the same program gives the same
# output, byte for byte, with ASLR on.
#
# Usage:  tests/determinism.sh [PAGEMU]
#
# guest-tests/determinism/det.c prints the clocks (realtime, monotonic,
# boottime, CPU time, time(), gettimeofday, the vsyscall page's time),
# rdtsc and rdtscp, times() and getrusage, getrandom and AT_RANDOM bytes,
# and the addresses of a stack variable, malloc, mmap and brk.  It is
# built as gcc -static and gcc -static-pie into guest-build/determinism/,
# and for each variant:
#   same         three runs under --deterministic: identical stdout
#   values       the clock starts at 2026-01-01T00:00:00Z (1767225600),
#                reads step by 1000 ns, every clock and rdtsc strictly
#                increases, CPU time and times() are the virtual ones
#   seeds        --seed=1 and --seed=2: the random bytes and the addresses
#                differ (and --seed=1 twice is the same)
#   sleep        a nanosleep(10 s) returns at once in wall time but moves
#                the clock on by >= 10 s; an absolute clock_nanosleep ends
#                at its target
#   exec         the clock goes on across the guest's execve
#   host         without --deterministic the clocks are the host's
#
# Environment: PAGEMU (or $1; else ./pagemu, ./cli/pagemu, ../pagemu);
# missing -> 77.  CC (default gcc), GT_TIMEOUT seconds per run (60),
# top_srcdir as automake exports it.  Output: PASS/FAIL lines, then
# `N passed, N failed`; exit 0, or 1 on a failure.
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
test_init determinism.sh guest-tests/determinism/det.c "${1:-}"

CC=${CC:-gcc}
timeout_s=${GT_TIMEOUT:-60}
work="$build_dir/guest-build/determinism"
mkdir -p "$work" || exit 99


# run OUT-PREFIX ARGS...: pagemu ARGS in $work with a fixed environment and
# a time limit; stdout to PREFIX.out, stderr to PREFIX.err; the status is
# returned.
run() {
	local pre=$1
	shift
	(cd "$work" && exec env -i PATH="$PATH" LC_ALL=C TZ=UTC0 timeout "$timeout_s" \
		"$pagemu" "$@" </dev/null >"$pre.out" 2>"$pre.err")
}

# vals FILE KEY: the values of KEY's lines, one a line (first field after it).
vals() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

# increasing: stdin numbers (decimal, maybe with a fraction) strictly go up.
increasing() {
	awk 'NR > 1 && !($1 + 0 > prev + 0) { bad = 1 } { prev = $1 } END { exit bad || NR < 2 }'
}

# ns "S.NNNNNNNNN" -> nanoseconds (as an integer, with bash arithmetic).
ns() {
	local s=${1%%.*} f=${1#*.}
	echo $((s * 1000000000 + 10#$f))
}

for v in gcc-static gcc-static-pie; do
	case $v in
	gcc-static) cflags="-static" ;;
	gcc-static-pie) cflags="-static-pie -fPIE" ;;
	esac
	bin="$work/det-$v"
	# shellcheck disable=SC2086 # $cflags is a list of flags
	if ! [ -x "$bin" ] || ! [ "$bin" -nt "$src" ]; then
		if ! $CC -std=gnu11 -O2 -Wall -Wextra $cflags -o "$bin" "$src" >"$bin.log" 2>&1; then
			fail "determinism [$v]" "compile failed" "$bin.log"
			continue
		fi
	fi
	pre="$work/$v"

	# -- three runs, identical
	ok=1
	for i in 1 2 3; do
		if ! run "$pre.det$i" --deterministic "$bin"; then
			fail "same output, 3 runs [$v]" "run $i failed" "$pre.det$i.err"
			ok=0
			break
		fi
	done
	if [ $ok = 1 ]; then
		if ! cmp -s "$pre.det1.out" "$pre.det2.out" || ! cmp -s "$pre.det1.out" "$pre.det3.out"; then
			{ diff "$pre.det1.out" "$pre.det2.out"; diff "$pre.det1.out" "$pre.det3.out"; } >"$pre.detail"
			fail "same output, 3 runs [$v]" "the runs differ" "$pre.detail"
			ok=0
		else
			pass "same output, 3 runs [$v]"
		fi
	fi
	[ $ok = 1 ] || continue
	out="$pre.det1.out"

	# -- the values themselves
	why=""
	first=$(vals "$out" realtime | head -n 1)
	second=$(vals "$out" realtime | sed -n 2p)
	[ "$first" = 1767225600.000000000 ] || why="realtime starts at $first, not 1767225600.000000000"
	[ -z "$why" ] && [ $(($(ns "$second") - $(ns "$first"))) -ne 1000 ] &&
		why="the second read is $second, not 1000 ns after the first"
	for k in realtime monotonic rdtsc; do
		[ -z "$why" ] && ! vals "$out" "$k" | increasing && why="$k does not strictly increase"
	done
	# every clock read comes from the one counter: the realtime read after
	# the monotonic ones is later than they are, minus the uptime offset
	if [ -z "$why" ]; then
		m0=$(ns "$(vals "$out" monotonic | head -n 1)")
		r0=$(ns "$first")
		rl=$(ns "$(vals "$out" realtime | tail -n 1)")
		[ $((rl - r0)) -gt $((m0 - 100000000000)) ] || why="realtime and monotonic disagree"
		[ "$(vals "$out" time)" = 1767225600 ] || why="time() is $(vals "$out" time)"
		[ "$(vals "$out" vsyscall_time)" = 1767225600 ] || why="the vsyscall time() is $(vals "$out" vsyscall_time)"
		case $(vals "$out" gettimeofday) in
		1767225600.0000*) ;;
		*) why="gettimeofday is $(vals "$out" gettimeofday)" ;;
		esac
		t=$(vals "$out" rdtsc | head -n 1)
		[ "$t" -ge 100000000000 ] && [ "$t" -lt 100001000000 ] ||
			why="rdtsc $t is not the virtual monotonic ns (100 s after boot)"
		case $(vals "$out" cputime) in
		0.0000*) ;;
		*) why="CPU time is $(vals "$out" cputime)" ;;
		esac
		grep -q '^times 10000 utime 0 stime 0$' "$out" || why="times(): $(grep '^times' "$out")"
		grep -q '^rusage utime 0.0000[0-9]* stime 0.000000$' "$out" ||
			why="getrusage: $(grep '^rusage' "$out")"
		# rdtscp is there only where CPUID says so; when it is, it reads
		# the counter too, with TSC_AUX 0 (cpu 0, node 0)
		if grep -q '^rdtscp [0-9]' "$out"; then
			awk '$1 == "rdtscp" { print $2 }' "$out" | increasing || why="rdtscp does not increase"
			grep -q '^rdtscp .* aux [^0]' "$out" && why="rdtscp's aux is not 0"
		fi
	fi
	if [ -z "$why" ]; then
		pass "virtual clock values [$v]"
	else
		fail "virtual clock values [$v]" "$why" "$out"
	fi

	# -- seeds
	run "$pre.s1" --deterministic --seed=1 "$bin"
	s1=$?
	run "$pre.s1b" --deterministic --seed=1 "$bin"
	run "$pre.s2" --deterministic --seed=2 "$bin"
	s2=$?
	why=""
	if [ $s1 -ne 0 ] || [ $s2 -ne 0 ]; then
		why="a run failed: $s1 $s2"
	elif ! cmp -s "$pre.s1.out" "$pre.s1b.out"; then
		why="--seed=1 twice gives different output"
	else
		keys="getrandom at_random stack mmap malloc_big brk"
		[ $v = gcc-static-pie ] && keys="$keys main" # the load address
		for k in $keys; do
			[ "$(vals "$pre.s1.out" $k)" != "$(vals "$pre.s2.out" $k)" ] || why="$k is the same under --seed=1 and --seed=2"
		done
		[ "$(vals "$pre.s1.out" getrandom)" != "$(vals "$out" getrandom)" ] ||
			why="--seed=1 and the default seed 0 give the same getrandom bytes"
		# the clocks do not depend on the seed
		[ "$(vals "$pre.s1.out" realtime)" = "$(vals "$pre.s2.out" realtime)" ] ||
			why="the clocks depend on the seed"
	fi
	if [ -z "$why" ]; then
		pass "seeds change randomness and layout [$v]"
	else
		diff "$pre.s1.out" "$pre.s2.out" >"$pre.detail"
		fail "seeds change randomness and layout [$v]" "$why" "$pre.detail"
	fi

	# -- sleeps: 15 virtual seconds in (far) less than 5 wall seconds
	t0=$(date +%s%N)
	run "$pre.sleep" --deterministic "$bin" sleep
	st=$?
	wall=$((($(date +%s%N) - t0) / 1000000))
	out="$pre.sleep.out"
	why=""
	if [ $st -ne 0 ]; then
		why="status $st"
	elif [ $wall -ge 5000 ]; then
		why="took $wall ms of wall time"
	else
		bm=$(ns "$(vals "$out" before_mono)")
		am=$(ns "$(vals "$out" after_mono)")
		br=$(ns "$(vals "$out" before_real)")
		ar=$(ns "$(vals "$out" after_real)")
		tg=$(ns "$(vals "$out" abs_target)")
		aa=$(ns "$(vals "$out" abs_after)")
		[ $((am - bm)) -ge 10000000000 ] || why="monotonic moved $((am - bm)) ns over a 10 s nanosleep"
		[ $((ar - br)) -ge 10000000000 ] || why="realtime moved $((ar - br)) ns over a 10 s nanosleep"
		[ $((am - bm)) -lt 10001000000 ] || why="monotonic moved $((am - bm)) ns over a 10 s nanosleep"
		[ "$aa" -ge "$tg" ] || why="the absolute sleep ended at $aa, before its target $tg"
		grep -q error "$out" && why="a sleep failed"
	fi
	if [ -z "$why" ]; then
		pass "sleeps advance the clock at once [$v] (${wall} ms wall)"
	else
		fail "sleeps advance the clock at once [$v]" "$why" "$out"
	fi

	# -- execve: the new image's clock goes on from the old one's
	run "$pre.exec" --deterministic "$bin" exec
	st=$?
	out="$pre.exec.out"
	b=$(vals "$out" before_exec)
	a=$(vals "$out" after_exec)
	if [ $st -ne 0 ] || [ -z "$b" ] || [ -z "$a" ]; then
		fail "clock survives execve [$v]" "status $st" "$pre.exec.err"
	elif [ "$b" != 1767225600.000000000 ] || ! printf '%s\n%s\n' "$b" "$a" | increasing; then
		fail "clock survives execve [$v]" "before $b, after $a" "$out"
	else
		pass "clock survives execve [$v]"
	fi

	# -- without --deterministic: the host's clocks
	host_now=$(date +%s)
	run "$pre.host" "$bin"
	st=$?
	out="$pre.host.out"
	why=""
	if [ $st -ne 0 ]; then
		why="status $st"
	else
		r=$(vals "$out" realtime | head -n 1)
		r=${r%%.*}
		up=$(awk '{ printf "%d", $1 }' /proc/uptime)
		m=$(vals "$out" monotonic | head -n 1)
		m=${m%%.*}
		[ $((r - host_now)) -ge -60 ] && [ $((r - host_now)) -le 60 ] ||
			why="realtime $r is not the host's $host_now"
		[ $((m - up)) -ge -60 ] && [ $((m - up)) -le 60 ] ||
			why="monotonic $m is not near the host's uptime $up"
		[ "$(vals "$out" time)" -ge "$host_now" ] || why="time() is before the host's"
		[ "$(vals "$out" rdtsc | head -n 1)" != 100000012000 ] || why="rdtsc is the virtual one"
		cmp -s "$out" "$pre.det1.out" && why="the same output as with --deterministic"
	fi
	if [ -z "$why" ]; then
		pass "host clocks without --deterministic [$v]"
	else
		fail "host clocks without --deterministic [$v]" "$why" "$out"
	fi
done

test_done
