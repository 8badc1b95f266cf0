#!/usr/bin/env bash
# bench/fuzz.sh - fuzzing throughput: runs per second of one small target
# (guest-tests/afl/target.c, a non-crashing input), the ways a fuzzer can
# run it, in the same run; and the cost of the coverage hook.
#
# Usage:  bench/fuzz.sh [ROUNDS]         (default 3; or env ROUNDS)
#
# Each round measures every mode for SECS seconds (default 3), interleaved
# so that drift in machine speed hits all alike; the table gives the
# median runs/s and the ratio to pagemu's fork+exec per input.  On one
# core: the driver and the target are pinned to the same CPU (CORE, default
# the last one) with taskset, as afl-fuzz binds itself and its target to one
# free core by default.  Unpinned, every run pays two wake-ups of the other
# CPU, which on a VM can cost more than the run (AFL_NO_AFFINITY has that
# effect on afl-fuzz): PIN=0 measures that way.
#
#   exec     fork + exec + wait per input (bench/fsrv_bench.c "exec"): a
#            fuzzer without a forkserver; native, pagemu and, if present,
#            qemu-x86_64-static -cpu qemu64
#   fsrv     bench/fsrv_bench.c acting as afl-fuzz: the forkserver pipes on
#            fds 198/199, a 64 KiB shared-memory map cleared before every
#            run, against pagemu --afl (fork at the first instruction),
#            --afl --afl-entry=main, --afl-persistent=main (the child
#            reports its runs itself) and the same with PAGEMU_AFL_SIGSTOP=1
#            (AFL++'s SIGSTOP/SIGCONT convention)
#
# The input file is not rewritten between runs (afl-fuzz rewrites it; that
# cost is the filesystem's, the same for every mode).
#
# Coverage cost: bench/covloop.c runs exactly two translated blocks per
# iteration; it runs once under the forkserver with the map and once
# without one (no hook installed), and the difference over the blocks is
# the hook's cost per block.  matmul.c (bench/run.sh's) gives the same
# comparison for ordinary compiled code.
#
# Environment: ROUNDS, SECS, PAGEMU, QEMU, CC (gcc), BENCH_DIR
# (/tmp/pagemu-bench-$UID), COVLOOP_N (100000000), CORE, PIN (1).
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build_dir=$(pwd)
rounds=${1:-${ROUNDS:-3}}
case $rounds in
'' | *[!0-9]* | 0)
	echo "usage: $0 [ROUNDS]" >&2
	exit 2
	;;
esac
secs=${SECS:-3}
CC=${CC:-gcc}
QEMU=${QEMU:-qemu-x86_64-static}
BENCH_DIR=${BENCH_DIR:-/tmp/pagemu-bench-$(id -u)}
covn=${COVLOOP_N:-100000000}
mkdir -p "$BENCH_DIR" || exit 1

pagemu=${PAGEMU:-}
if [ -z "$pagemu" ]; then
	for c in "$build_dir/pagemu" "$build_dir/../pagemu" "$top/pagemu"; do
		[ -x "$c" ] && pagemu=$c && break
	done
fi
if [ -z "$pagemu" ] || [ ! -x "$pagemu" ]; then
	echo "bench/fuzz.sh: no pagemu binary (build it, or set PAGEMU)" >&2
	exit 1
fi
qemu=$(command -v "$QEMU" || true)
pin=()
core=${CORE:-$(($(nproc) - 1))}
if [ "${PIN:-1}" = 1 ] && command -v taskset >/dev/null 2>&1; then
	pin=(taskset -c "$core")
fi

# builds
"$CC" -O2 -Wall -o "$BENCH_DIR/fsrv_bench" "$here/fsrv_bench.c" || exit 1
"$CC" -O1 -static -o "$BENCH_DIR/target" "$top/guest-tests/afl/target.c" || exit 1
"$CC" -O2 -static -o "$BENCH_DIR/covloop" "$here/covloop.c" || exit 1
"$CC" -O2 -static -o "$BENCH_DIR/matmul" "$here/matmul.c" || exit 1
fb="$BENCH_DIR/fsrv_bench"
tgt="$BENCH_DIR/target"
input="$BENCH_DIR/fuzz-input"
printf 'hello' >"$input"

modes=(native-exec pagemu-exec)
[ -n "$qemu" ] && modes+=(qemu-exec)
modes+=(fsrv-start fsrv-main persistent persistent-sigstop)
declare -A label
label[native-exec]="native, fork+exec per input"
label[pagemu-exec]="pagemu, fork+exec per input"
label[qemu-exec]="qemu-x86_64 -cpu qemu64, fork+exec per input"
label[fsrv-start]="pagemu --afl (forkserver, fork before the first instruction)"
label[fsrv-main]="pagemu --afl --afl-entry=main"
label[persistent]="pagemu --afl-persistent=main"
label[persistent-sigstop]="pagemu --afl-persistent=main, PAGEMU_AFL_SIGSTOP=1"

# measure MODE: print "runs secs runs/s crashes mapbits"
measure() {
	local n=100000000 t=$secs
	case $1 in
	native-exec) "${pin[@]}" "$fb" exec -n "$n" -t "$t" -- "$tgt" "$input" ;;
	pagemu-exec) "${pin[@]}" "$fb" exec -n "$n" -t "$t" -- "$pagemu" "$tgt" "$input" ;;
	qemu-exec) "${pin[@]}" "$fb" exec -n "$n" -t "$t" -- "$qemu" -cpu qemu64 "$tgt" "$input" ;;
	fsrv-start) "${pin[@]}" "$fb" fsrv -n "$n" -t "$t" -- "$pagemu" --afl -- "$tgt" "$input" ;;
	fsrv-main) "${pin[@]}" "$fb" fsrv -n "$n" -t "$t" -- "$pagemu" --afl-entry=main -- "$tgt" "$input" ;;
	persistent) "${pin[@]}" "$fb" fsrv -n "$n" -t "$t" -- "$pagemu" --afl-persistent=main -- "$tgt" "$input" ;;
	persistent-sigstop)
		PAGEMU_AFL_SIGSTOP=1 "${pin[@]}" "$fb" fsrv -n "$n" -t "$t" -- \
			"$pagemu" --afl-persistent=main -- "$tgt" "$input"
		;;
	esac
}

declare -A rates=() bits=()
for ((r = 1; r <= rounds; r++)); do
	echo "round $r/$rounds" >&2
	for m in "${modes[@]}"; do
		read -r runs s rate crashes mb < <(measure "$m")
		if [ -z "${rate:-}" ] || [ "${crashes:-1}" != 0 ]; then
			echo "bench/fuzz.sh: $m failed (${runs:-no output}, crashes ${crashes:-?})" >&2
			continue
		fi
		rates[$m]="${rates[$m]:-} $rate"
		bits[$m]=$mb
	done
done

median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit
		if (NR % 2) printf "%.0f", v[(NR + 1) / 2]
		else printf "%.0f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo
where="driver and target pinned to CPU $core"
[ ${#pin[@]} -eq 0 ] && where="not pinned"
echo "Runs per second, median of $rounds round(s) of ${secs} s each; $(nproc) CPUs ($cpu), $where; $(date -u +%Y-%m-%d)"
echo "target: guest-tests/afl/target.c (gcc -O1 -static), input \"hello\" from a file (@@)"
echo
echo "| mode | runs/s | vs pagemu fork+exec | map bytes set |"
echo "|---|---:|---:|---:|"
declare -A med=()
for m in "${modes[@]}"; do
	# shellcheck disable=SC2086 # a list of numbers
	[ -n "${rates[$m]:-}" ] && med[$m]=$(median ${rates[$m]})
done
for m in "${modes[@]}"; do
	v=${med[$m]:-}
	ratio=n/a
	if [ -n "$v" ] && [ -n "${med[pagemu-exec]:-}" ] && [ "${med[pagemu-exec]}" -gt 0 ]; then
		ratio=$(awk -v a="$v" -v b="${med[pagemu-exec]}" 'BEGIN { printf "%.1fx", a / b }')
	fi
	b=${bits[$m]:-}
	case $m in *-exec) b="-" ;; esac
	printf '| %s | %s | %s | %s |\n' "${label[$m]}" "${v:-failed}" "$ratio" "${b:-?}"
done

# ---- the coverage hook's cost ------------------------------------------
# time MAPSIZE PROGRAM ARGS...: seconds of one run under the forkserver
# (MAPSIZE 0: no map, so no hook).
one_run() {
	local m=$1
	shift
	"$fb" fsrv -n 1 -m "$m" -- "$pagemu" --afl -- "$@" | awk '{ print $2 }'
}
declare -A cov=()
for ((r = 1; r <= rounds; r++)); do
	echo "coverage round $r/$rounds" >&2
	cov[loop0]="${cov[loop0]:-} $(one_run 0 "$BENCH_DIR/covloop" "$covn")"
	cov[loop1]="${cov[loop1]:-} $(one_run 65536 "$BENCH_DIR/covloop" "$covn")"
	cov[mm0]="${cov[mm0]:-} $(one_run 0 "$BENCH_DIR/matmul")"
	cov[mm1]="${cov[mm1]:-} $(one_run 65536 "$BENCH_DIR/matmul")"
done
medf() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR % 2) printf "%.3f", v[(NR + 1) / 2]
		else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# shellcheck disable=SC2086
{
	l0=$(medf ${cov[loop0]}) l1=$(medf ${cov[loop1]})
	m0=$(medf ${cov[mm0]}) m1=$(medf ${cov[mm1]})
}
echo
echo "Coverage map cost (pagemu --afl, one run, 64 KiB map vs none), median of $rounds:"
echo
echo "| guest | no map | map | per block |"
echo "|---|---:|---:|---:|"
awk -v a="$l0" -v b="$l1" -v n="$covn" 'BEGIN {
	printf "| covloop, %d blocks | %.3f s | %.3f s (+%.0f%%) | %.2f ns |\n",
		2 * n, a, b, (b / a - 1) * 100, (b - a) / (2 * n) * 1e9 }'
awk -v a="$m0" -v b="$m1" 'BEGIN {
	printf "| matmul 256², ×5 | %.3f s | %.3f s (+%.0f%%) | |\n", a, b, (b / a - 1) * 100 }'
