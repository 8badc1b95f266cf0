#!/usr/bin/env bash
# afl-fuzz.sh - Debian's afl-fuzz fuzzes a static binary through pagemu
# (--afl) and must find the planted bug of guest-tests/afl/target.c; the
# crashing input must then reproduce under a plain `pagemu ./target FILE`:
# exit status 139 and a fault report on stderr naming the null page.
#
#   persistent        --afl-persistent=main from the seed "hello", the
#                     input on stdin: afl-fuzz has to find "PGMU" byte by
#                     byte through the edge coverage (20k-300k runs; the
#                     guest reads fd 0, which afl-fuzz rewinds, and every
#                     run must start reading the new input from offset 0)
#   persistent-file   the same with @@ (the guest opens the file each run)
#                     from the seed "PGMT", one bit from the bug
#   fork              --afl --afl-entry=main from "PGMT": fork mode runs a
#                     few hundred inputs a second, so it checks the
#                     forkserver, the crash and the reproduction, not the
#                     search
#   fork-start        the same with the fork before the first instruction
# The "PGMT" campaigns use afl-fuzz -D: its deterministic bit flips reach
# "PGMU" within the first 32 runs of the seed.  The search uses -Z (the
# queue in order): the default weighted pick can starve the newest entry
# ("PGM.") for long enough to miss the time limit.
#
# Each campaign stops at the first crash (AFL_BENCH_UNTIL_CRASH), or after
# AFL_TIME seconds for the search (default 90) and 60 for the others; a
# hard timeout kills afl-fuzz 30 s after that.
# Exit 77 if afl-fuzz is not installed (scripts/setup.sh installs it).
#
# Environment: PAGEMU, CC (gcc), top_srcdir, AFL_TIME.
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
test_init afl-fuzz.sh guest-tests/afl/target.c
need afl-fuzz "scripts/setup.sh installs afl++"
search_time=${AFL_TIME:-90}

work=$(mktemp -d "${TMPDIR:-/tmp}/pagemu-afl.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
if ! "${CC:-gcc}" -static -O1 -o "$work/target" "$src"; then
	echo "afl-fuzz.sh: cannot build $src" >&2
	exit 99
fi

# What afl-fuzz needs on a headless machine, as root, in CI: no CPU
# frequency check, no core_pattern check (crashes are seen through the
# wait status, not core files), no UI, no CPU pinning, and stop at the
# first crash.
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
	AFL_NO_AFFINITY=1 AFL_BENCH_UNTIL_CRASH=1 AFL_NO_CRASH_README=1
unset AFL_MAP_SIZE __AFL_SHM_ID
# A sanitizer build (CI runs the suite under ASan): afl-fuzz refuses custom
# sanitizer options unless a sanitizer error aborts and does not symbolize.
[ -n "${ASAN_OPTIONS:-}" ] && export ASAN_OPTIONS="$ASAN_OPTIONS:abort_on_error=1:symbolize=0"
[ -n "${LSAN_OPTIONS:-}" ] && export LSAN_OPTIONS="$LSAN_OPTIONS:symbolize=0"
# afl-fuzz rewrites the @@ file for every run: in RAM if there is a tmpfs.
shmtmp=
if [ -z "${AFL_TMPDIR:-}" ] && shmtmp=$(mktemp -d /dev/shm/pagemu-afl.XXXXXX 2>/dev/null); then
	export AFL_TMPDIR=$shmtmp
	trap 'rm -rf "$work" "$shmtmp"' EXIT
fi


# campaign NAME SEEDS STDIN(0|1) SECONDS AFL-OPTIONS -- PAGEMU-OPTIONS...
campaign() {
	local name=$1 seeds=$2 use_stdin=$3 afl_time=$4 aflopt=()
	shift 4
	while [ "$1" != -- ]; do
		aflopt+=("$1")
		shift
	done
	shift
	local out="$work/out-$name" log="$work/$name.log" targs=("$work/target" @@)
	[ "$use_stdin" = 1 ] && targs=("$work/target")
	local t0=$SECONDS
	timeout -k 5 $((afl_time + 30)) afl-fuzz -i "$seeds" -o "$out" -V "$afl_time" \
		"${aflopt[@]}" -- "$pagemu" "$@" -- "${targs[@]}" >"$log" 2>&1 </dev/null
	local st=$? took=$((SECONDS - t0))
	local crash
	crash=$(find "$out/default/crashes" -name 'id:*' -type f 2>/dev/null | head -n 1)
	local stats="$out/default/fuzzer_stats" execs="?" speed="?"
	if [ -f "$stats" ]; then
		execs=$(awk -F': *' '$1 ~ /^execs_done/ { print $2 }' "$stats")
		speed=$(awk -F': *' '$1 ~ /^execs_per_sec/ { print $2 }' "$stats")
	fi
	if [ -z "$crash" ]; then
		fail_lines "$name: no crash in ${took}s (afl-fuzz status $st, $execs runs, $speed/s)" \
			"$(tail -n 15 "$log")"
		return
	fi
	pass "$name: afl-fuzz found a crash in ${took}s ($execs runs, $speed runs/s): $(basename "$crash")"

	# The crash reproduces with a plain pagemu run.
	local rep="$work/$name.report" rst
	if [ "$use_stdin" = 1 ]; then
		timeout 30 "$pagemu" "$work/target" <"$crash" >/dev/null 2>"$rep"
	else
		timeout 30 "$pagemu" "$work/target" "$crash" >/dev/null 2>"$rep"
	fi
	rst=$?
	if [ "$rst" = 139 ] && grep -q 'SIGSEGV (SEGV_MAPERR) on write at 0x0' "$rep" &&
		grep -q 'where: *below mmap_min_addr .*null-pointer guard' "$rep" &&
		grep -q '=> .*mov dword ptr \[0\], 0' "$rep" && grep -q 'fuzz_one+0x' "$rep"; then
		pass "$name: pagemu ./target CRASH: status 139, the report names the null page"
	else
		fail_lines "$name: the crash does not reproduce (status $rst)" "$(head -n 12 "$rep")"
	fi
}

near="$top/guest-tests/afl/seeds-near"
campaign persistent "$top/guest-tests/afl/seeds" 1 "$search_time" -t 1000 -Z -- --afl-persistent=main
campaign persistent-file "$near" 0 60 -t 1000 -D -- --afl-persistent=main
campaign fork "$near" 0 60 -t 5000 -D -- --afl --afl-entry=main
campaign fork-start "$near" 0 60 -t 5000 -D -- --afl

test_done
