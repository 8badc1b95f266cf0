#!/usr/bin/env bash
# bench/run.sh - pagemu against qemu-user and native, on the same workloads,
# in the same run.
#
# Usage:  bench/run.sh [ROUNDS]          (default 5; or env ROUNDS)
#
# Each round runs every workload under every engine in turn (interleaved, so
# that drift in machine speed hits all engines alike); the table reports the
# median wall time per engine and the ratios pagemu/qemu and pagemu/native.
# A second table gives the peak RSS of a static hello under each engine.
#
# Engines:
#   pagemu  $PAGEMU -- PROGRAM   (default ../cli/pagemu, ./cli/pagemu or
#           ./pagemu relative to the current directory; "n/a" if none).
#           Extra options in PAGEMU_FLAGS, e.g. PAGEMU_FLAGS=--mem-limit=2G.
#   qemu    $QEMU -cpu qemu64 PROGRAM  (QEMU default qemu-x86_64-static;
#           qemu64 matches Unicorn's default CPU model, see DESIGN.md)
#   native  PROGRAM
#
# Workloads (sources in bench/, built with $CC -O2 -static):
#   sha256   busybox sha256sum of a 64 MiB file (made once in $BENCH_DIR)
#   matmul   256x256 double matrix product x5        (matmul.c)
#   writes   1M one-byte write() calls to /dev/null   (writes.c)
#   startup  a static hello, 50 runs per round         (hello.c)
#   touch    1M first touches of anonymous pages       (touch.c)
#   pingpong two threads hand a turn over 100,000 times each way through a
#            mutex and a condition variable             (pingpong.c)
#   spawn    busybox sh looping 500 times over fork + exec of busybox true
#            (spawn.sh).  Every process is emulated: pagemu's guest execve
#            re-executes pagemu; qemu-user's execve would run the native
#            child natively, so for qemu the loop itself runs each child
#            as `$QEMU -cpu qemu64 busybox true`.
# Times and RSS come from bench/rusage.c (fork/exec/wait4, ru_maxrss).
# The first round's stdout of every engine is compared with native's; a
# difference is reported under the table.
#
# Environment: ROUNDS, PAGEMU, PAGEMU_FLAGS, QEMU, CC (gcc), BUSYBOX
# (/bin/busybox), BENCH_DIR (/tmp/pagemu-bench-$UID: binaries and data).
set -u

here=$(cd "$(dirname "$0")" && pwd)
build_dir=$(pwd)
rounds=${1:-${ROUNDS:-5}}
case $rounds in
'' | *[!0-9]* | 0)
	echo "usage: $0 [ROUNDS]" >&2
	exit 2
	;;
esac
CC=${CC:-gcc}
QEMU=${QEMU:-qemu-x86_64-static}
BUSYBOX=${BUSYBOX:-/bin/busybox}
BENCH_DIR=${BENCH_DIR:-/tmp/pagemu-bench-$(id -u)}
mkdir -p "$BENCH_DIR" || exit 1

# ----------------------------------------------------------------- engines
pagemu=${PAGEMU:-}
if [ -z "$pagemu" ]; then
	for c in "$build_dir/../cli/pagemu" "$build_dir/cli/pagemu" "$build_dir/pagemu"; do
		if [ -x "$c" ]; then
			pagemu=$c
			break
		fi
	done
fi
if [ -n "$pagemu" ] && [ ! -x "$pagemu" ]; then
	echo "note: PAGEMU=$pagemu is not executable; pagemu column is n/a" >&2
	pagemu=""
fi
qemu=$(command -v "$QEMU" || true)
[ -n "$qemu" ] || echo "note: $QEMU not found; qemu column is n/a" >&2

engines=(pagemu qemu native)
have_engine() {
	case $1 in
	pagemu) [ -n "$pagemu" ] ;;
	qemu) [ -n "$qemu" ] ;;
	native) true ;;
	esac
}
# prefix ENGINE: print the command prefix, one word per line.
prefix() {
	case $1 in
	pagemu)
		printf '%s\n' "$pagemu"
		# shellcheck disable=SC2086 # options are words on purpose
		[ -n "${PAGEMU_FLAGS:-}" ] && printf '%s\n' ${PAGEMU_FLAGS}
		printf '%s\n' --
		;;
	qemu) printf '%s\n' "$qemu" -cpu qemu64 ;;
	native) ;;
	esac
}

# ------------------------------------------------------------------ builds
for p in rusage hello matmul writes touch pingpong; do
	if [ ! -x "$BENCH_DIR/$p" ] || [ "$here/$p.c" -nt "$BENCH_DIR/$p" ]; then
		"$CC" -O2 -static -o "$BENCH_DIR/$p" "$here/$p.c" || exit 1
	fi
done
rusage="$BENCH_DIR/rusage"

data="$BENCH_DIR/data-64M.bin"
if [ ! -f "$data" ] || [ "$(stat -c %s "$data")" -ne 67108864 ]; then
	yes "pagemu benchmark data 0123456789 abcdefghijklmnopqrstuvwxyz" |
		head -c 67108864 >"$data.tmp" && mv "$data.tmp" "$data"
fi

# workload table: name | label | runs per measurement | program and args
workloads=(sha256 matmul writes startup touch pingpong spawn)
declare -A label runs cmd cmd_qemu
label[sha256]="busybox sha256sum, 64 MiB"
label[matmul]="matmul 256², ×5"
label[writes]="1M one-byte write() to /dev/null"
label[startup]="static hello start-up, ×50"
label[touch]="1M page touches (4 × 256Ki pages)"
label[pingpong]="2 threads, 100k condvar hand-overs each way"
label[spawn]="shell loop, 500 × fork + exec"
runs[sha256]=1 runs[matmul]=1 runs[writes]=1 runs[startup]=50 runs[touch]=1 runs[pingpong]=1 runs[spawn]=1
cmd[sha256]="$BUSYBOX sha256sum $data"
cmd[matmul]="$BENCH_DIR/matmul"
cmd[writes]="$BENCH_DIR/writes"
cmd[startup]="$BENCH_DIR/hello"
cmd[touch]="$BENCH_DIR/touch"
cmd[pingpong]="$BENCH_DIR/pingpong"
cmd[spawn]="$BUSYBOX sh $here/spawn.sh 500 $BUSYBOX"
cmd_qemu[spawn]="${cmd[spawn]} $qemu -cpu qemu64"
if [ ! -x "$BUSYBOX" ]; then
	echo "note: $BUSYBOX not found; skipping the sha256 and spawn workloads" >&2
	workloads=(matmul writes startup touch pingpong)
fi

# measure ENGINE WORKLOAD OUTFILE: print "seconds maxrss status".
measure() {
	local pre=() words
	mapfile -t pre < <(prefix "$1")
	if [ "$1" = qemu ] && [ -n "${cmd_qemu[$2]:-}" ]; then
		read -r -a words <<<"${cmd_qemu[$2]}"
	else
		read -r -a words <<<"${cmd[$2]}"
	fi
	"$rusage" -n "${runs[$2]}" -o "$3" -- ${pre[@]+"${pre[@]}"} "${words[@]}"
}

declare -A times=() fails=() outdiff=()
results="$BENCH_DIR/results"
rm -rf "$results"
mkdir -p "$results"

for ((r = 1; r <= rounds; r++)); do
	echo "round $r/$rounds" >&2
	for w in "${workloads[@]}"; do
		for e in "${engines[@]}"; do
			have_engine "$e" || continue
			out="$results/$w.$e.out"
			[ "$r" -gt 1 ] && out=/dev/null
			line=$(measure "$e" "$w" "$out")
			read -r secs rss status <<<"$line"
			if [ -z "${status:-}" ] || [ "$status" != 0 ]; then
				fails[$w.$e]="status ${status:-?}"
				continue
			fi
			times[$w.$e]="${times[$w.$e]:-} $secs"
		done
	done
done

# median of a list of numbers
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit
		if (NR % 2) printf "%.3f", v[(NR + 1) / 2]
		else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() {
	if [ -z "$1" ] || [ -z "$2" ]; then
		echo "n/a"
	else
		awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'
	fi
}
cell() {
	if [ -n "${fails[$1]:-}" ]; then
		echo "failed (${fails[$1]})"
	elif [ -n "$2" ]; then
		echo "$2 s"
	else
		echo "n/a"
	fi
}

echo
echo "Median wall time over $rounds round(s), $(uname -m), $(date -u +%Y-%m-%d)"
echo
echo "| workload | pagemu | qemu-user (qemu64) | native | pagemu/qemu | pagemu/native |"
echo "|---|---:|---:|---:|---:|---:|"
for w in "${workloads[@]}"; do
	declare -A med=()
	for e in "${engines[@]}"; do
		med[$e]=""
		if [ -n "${times[$w.$e]:-}" ] && [ -z "${fails[$w.$e]:-}" ]; then
			# shellcheck disable=SC2086 # a list of numbers
			med[$e]=$(median ${times[$w.$e]})
		fi
	done
	echo "| ${label[$w]} | $(cell "$w.pagemu" "${med[pagemu]}") | $(cell "$w.qemu" "${med[qemu]}") |" \
		"$(cell "$w.native" "${med[native]}") | $(ratio "${med[pagemu]}" "${med[qemu]}") |" \
		"$(ratio "${med[pagemu]}" "${med[native]}") |"
	for e in pagemu qemu; do
		if have_engine "$e" && [ -f "$results/$w.$e.out" ] &&
			! cmp -s "$results/$w.$e.out" "$results/$w.native.out"; then
			outdiff[$w.$e]=1
		fi
	done
done

echo
echo "| static hello, peak RSS | pagemu | qemu-user (qemu64) | native |"
echo "|---|---:|---:|---:|"
row="| ru_maxrss |"
for e in "${engines[@]}"; do
	if have_engine "$e"; then
		read -r _ rss status <<<"$(measure "$e" startup /dev/null)"
		if [ "${status:-1}" = 0 ]; then
			row="$row $((rss / 1024)).$(((rss % 1024) * 10 / 1024)) MiB |"
		else
			row="$row failed |"
		fi
	else
		row="$row n/a |"
	fi
done
echo "$row"

if [ ${#outdiff[@]} -gt 0 ]; then
	echo
	for k in "${!outdiff[@]}"; do
		echo "note: output of ${k#*.} differs from native on ${k%.*} (see $results)"
	done
fi
exit 0
