#!/usr/bin/env bash
# signal-deaths.sh - guests that die of a signal: natively and under pagemu
# the exit status (128 + signo, as a shell reports it) and stdout must be
# the same.  tests/guest-tests.sh requires a guest to exit 0, so these live
# apart, in guest-tests/deaths/deaths.c, one case per argument.
#
# Usage:  tests/signal-deaths.sh [PAGEMU]
# Environment as for tests/guest-tests.sh: PAGEMU, CC, MUSL_GCC, GT_TIMEOUT,
# top_srcdir.  Output: PASS/FAIL lines, then `N passed, N failed`; exit 0,
# 1 on a failure, 77 without a pagemu binary.
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
test_init signal-deaths.sh guest-tests/deaths/deaths.c "${1:-}"

# run OUT-PREFIX CMD...: in $work, fixed environment, time limit; the
# status is returned.  In the background and waited for, so that bash does
# not print "Aborted" and the like for the deaths that are the point.
run() {
	local pre=$1
	shift
	(cd "$work" && exec env -i PATH="$PATH" LC_ALL=C timeout "$timeout_s" "$@" \
		>"$pre.out" 2>"$pre.err") &
	wait $! 2>/dev/null
}

CC=${CC:-gcc}
MUSL_GCC=${MUSL_GCC:-musl-gcc}
timeout_s=${GT_TIMEOUT:-60}
work="$build_dir/guest-build/deaths"
mkdir -p "$work" || exit 99
ulimit -S -c 0 2>/dev/null # abort() and friends must not leave cores

# case name, and the status it must die with (128 + signo; rt depends on
# the libc's SIGRTMIN, so it is only compared, not fixed)
cases=(
	"abort 134" "abort-handled 134" "resethand 138" "segv-blocked 139"
	"segv-ignored 139" "fpe 136" "term 143" "rt any" "kill 137"
	"bad-stack 139" "pending-unblock 130"
)

variants=("gcc-static:$CC -static")
if command -v "$MUSL_GCC" >/dev/null 2>&1; then
	variants+=("musl-static:$MUSL_GCC -static")
fi

npass=0
nfail=0
for v in "${variants[@]}"; do
	name=${v%%:*}
	cmd=${v#*:}
	bin="$work/deaths-$name"
	# shellcheck disable=SC2086 # $cmd is a command line on purpose
	if ! $cmd -std=gnu11 -O2 -Wall -Wextra -o "$bin" "$src" >"$bin.log" 2>&1; then
		echo "FAIL: deaths [$name] (compile failed)"
		sed -n '1,10p' "$bin.log" | sed 's/^/    | /'
		nfail=$((nfail + 1))
		continue
	fi
	for c in "${cases[@]}"; do
		case_name=${c% *}
		want=${c#* }
		pre="$work/$name.$case_name"
		run "$pre.native" "$bin" "$case_name"
		ns=$?
		run "$pre.pagemu" "$pagemu" -- "$bin" "$case_name"
		es=$?
		if [ "$want" != any ] && [ "$ns" -ne "$want" ]; then
			echo "FAIL: $case_name [$name] (native status $ns, expected $want)"
			nfail=$((nfail + 1))
		elif [ "$es" -ne "$ns" ]; then
			echo "FAIL: $case_name [$name] (status native=$ns pagemu=$es)"
			tail -n 5 "$pre.pagemu.err" | sed 's/^/    | /'
			nfail=$((nfail + 1))
		elif ! cmp -s "$pre.native.out" "$pre.pagemu.out"; then
			echo "FAIL: $case_name [$name] (stdout differs, native vs pagemu)"
			diff -u "$pre.native.out" "$pre.pagemu.out" | sed '1,2d;s/^/    | /'
			nfail=$((nfail + 1))
		else
			echo "PASS: $case_name [$name] (status $es)"
			npass=$((npass + 1))
		fi
	done
done
echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
