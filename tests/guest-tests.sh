#!/usr/bin/env bash
# guest-tests.sh - run the guest programs natively and under pagemu, compare.
#
# Usage:  tests/guest-tests.sh [PAGEMU]
#
# For every guest-tests/core/*.c it builds three static variants
#   gcc-static      $CC -static
#   gcc-static-pie  $CC -static-pie -fPIE
#   musl-static     $MUSL_GCC -static        (skipped if musl-gcc is missing)
# into guest-build/ under the current (build) directory, runs each binary
# natively and as `$PAGEMU -- BINARY ARGS...` with the same arguments,
# standard input and environment, and compares exit status and stdout
# exactly.  A guest test must also pass natively (exit 0).
#   NAME.args   optional, one argument per line
#   NAME.stdin  optional, fed as standard input (default /dev/null)
#
# Two extra comparisons:
#   maps     maps.c, run as `setarch -R` natively and `$PAGEMU --no-aslr`;
#            /proc/self/maps must match line for line once the dev and inode
#            columns, the directory part of paths and the [vvar],
#            [vvar_vclock] and [vdso] lines are dropped.
#   busybox  a set of non-forking applets of /bin/busybox (Debian's
#            busybox-static), stdout and status compared; then `busybox sh
#            -c` scripts that fork, exec, pipe and wait, with a PATH of
#            links to busybox only (the same applets natively).
# And the fault tests (last section; needs python3): every
# guest-tests/faults/CASE.expect, the same three variants, natively and as
# `$PAGEMU --paging=4|5 --no-aslr --fault-json=F`: the signal, and the
# fault JSON against the .expect (guest-tests/faults/README).
#
# Environment:
#   PAGEMU      the emulator ($1 wins; else ../cli/pagemu, ./cli/pagemu or
#               ./pagemu relative to the current directory); missing -> 77
#   CC          default gcc;  MUSL_GCC  default musl-gcc
#   GT_CFLAGS   extra compiler flags;  GT_TIMEOUT  seconds per run (60)
#   GT_ONLY     a regex: run only the cases whose name matches
#   GT_PENDING  1: ignore guest-tests/faults/PENDING (check everything)
#   srcdir, top_srcdir  as automake exports them; the script also finds the
#               source tree from its own location, so it runs by hand too.
#
# Output: one `PASS: name [variant]` or `FAIL: name [variant] (reason)` line
# per case (`SKIP: ... (pending: reason)` for a pending fault check), then
# `N passed, N failed`.  Exit 0 if nothing failed, 1 if
# something did, 77 if there is no pagemu binary.
set -u

# ---------------------------------------------------------------- locations
script_dir=$(cd "$(dirname "$0")" && pwd)
build_dir=$(pwd)

top=""
for d in "${top_srcdir:-}" "${srcdir:-}" "${srcdir:+${srcdir}/..}" "$script_dir/.."; do
	if [ -n "$d" ] && [ -d "$d/guest-tests/core" ]; then
		top=$(cd "$d" && pwd)
		break
	fi
done
if [ -z "$top" ]; then
	echo "guest-tests.sh: cannot find guest-tests/core (set top_srcdir)" >&2
	exit 99
fi
core="$top/guest-tests/core"

pagemu="${1:-${PAGEMU:-}}"
if [ -z "$pagemu" ]; then
	for c in "$build_dir/../cli/pagemu" "$build_dir/cli/pagemu" "$build_dir/pagemu" \
		 "${abs_top_builddir:+${abs_top_builddir}/pagemu}" \
		 "${abs_top_builddir:+${abs_top_builddir}/cli/pagemu}"; do
		if [ -n "$c" ] && [ -x "$c" ]; then
			pagemu=$c
			break
		fi
	done
fi
if [ -n "$pagemu" ] && [ "${pagemu#*/}" = "$pagemu" ]; then
	pagemu=$(command -v "$pagemu" || true) # a bare command name
fi
if [ -z "$pagemu" ] || [ ! -x "$pagemu" ] || [ -d "$pagemu" ]; then
	echo "SKIP: pagemu binary not found (${pagemu:-set PAGEMU or pass it as \$1})"
	exit 77
fi
pagemu="$(cd "$(dirname "$pagemu")" && pwd)/$(basename "$pagemu")"

CC=${CC:-gcc}
MUSL_GCC=${MUSL_GCC:-musl-gcc}
timeout_s=${GT_TIMEOUT:-60}
only=${GT_ONLY:-}
cflags="-std=gnu11 -O2 -Wall -Wextra ${GT_CFLAGS:-}"

work="$build_dir/guest-build"
mkdir -p "$work/run" || exit 99

# The stack rlimit decides the mmap layout (an unlimited stack switches
# Linux to the legacy bottom-up layout) and bigstack needs 8 MiB; no cores.
ulimit -S -s 8192 2>/dev/null || echo "note: cannot set the stack limit to 8 MiB"
ulimit -S -c 0 2>/dev/null

# A fixed environment for both runs: only these variables reach the guest
# (plus whatever the emulator adds; hello.c prints the GT_* ones only).
run_env=(env -i "PATH=${PATH}" "LC_ALL=C" "TZ=UTC0" "HOME=/nonexistent"
	"GT_GREETING=hello there" "GT_EMPTY=" "GT_SYMBOLS=a=b;c|d*e \$x")
if [ -n "${LD_LIBRARY_PATH:-}" ]; then
	run_env+=("LD_LIBRARY_PATH=${LD_LIBRARY_PATH}")
fi

# pass NAME, fail NAME REASON [DETAIL-FILE] (the detail, a diff or stderr,
# indented): tests/lib.sh's
# shellcheck source=tests/lib.sh
. "$script_dir/lib.sh"
npass=0
nfail=0

selected() { [ -z "$only" ] || [[ "$1" =~ $only ]]; }

# run PREFIX STDIN CMD...: run in $work/run with the fixed environment and a
# time limit; stdout to PREFIX.out, stderr to PREFIX.err, status returned.
run() {
	local pre=$1 in=$2
	shift 2
	(cd "$work/run" && exec "${run_env[@]}" timeout "$timeout_s" "$@" \
		<"$in" >"$pre.out" 2>"$pre.err")
}

# status_text N: what an exit status means.
status_text() {
	if [ "$1" -eq 124 ]; then
		echo "124 (timeout after ${timeout_s}s)"
	elif [ "$1" -eq 126 ] || [ "$1" -eq 127 ]; then
		echo "$1 (could not run)"
	elif [ "$1" -gt 128 ] && [ "$1" -lt 160 ]; then
		echo "$1 (signal $(($1 - 128)))"
	else
		echo "$1"
	fi
}

# compare NAME PREFIX-NATIVE STATUS-NATIVE PREFIX-EMU STATUS-EMU: the verdict.
compare() {
	local name=$1 n=$2 ns=$3 e=$4 es=$5 detail="$4.detail"
	if [ "$es" != "$ns" ]; then
		{
			echo "pagemu stderr (tail):"
			tail -n 5 "$e.err"
			echo "pagemu stdout (tail):"
			tail -n 5 "$e.out"
		} >"$detail"
		fail "$name" "exit status native=$(status_text "$ns") pagemu=$(status_text "$es")" "$detail"
	elif ! cmp -s "$n.out" "$e.out"; then
		{
			diff -u "$n.out" "$e.out" | sed '1,2d'
			if [ -s "$e.err" ]; then
				echo "pagemu stderr (tail):"
				tail -n 3 "$e.err"
			fi
		} >"$detail"
		fail "$name" "stdout differs, native vs pagemu" "$detail"
	else
		pass "$name"
	fi
}

# ------------------------------------------------------------------ builds
variants=(gcc-static gcc-static-pie)
if command -v "$MUSL_GCC" >/dev/null 2>&1; then
	variants+=(musl-static)
else
	echo "SKIP: musl variants ($MUSL_GCC not found)"
fi

variant_cmd() {
	case $1 in
	gcc-static) echo "$CC $cflags -static" ;;
	gcc-static-pie) echo "$CC $cflags -static-pie -fPIE" ;;
	musl-static) echo "$MUSL_GCC $cflags -static" ;;
	esac
}

# build NAME VARIANT: compile guest-tests/core/NAME.c once; reuse the binary
# while it is newer than its sources and was built with the same command.
build() {
	local name=$1 v=$2 src="$core/$1.c" out="$work/$2/$1" cmd
	cmd=$(variant_cmd "$v")
	mkdir -p "$work/$v"
	if [ -x "$out" ] && [ "$out" -nt "$src" ] && [ "$out" -nt "$core/gt.h" ] &&
		[ "$(cat "$out.cmd" 2>/dev/null)" = "$cmd" ]; then
		return 0
	fi
	rm -f "$out" "$out.cmd"
	# shellcheck disable=SC2086 # $cmd is a command line on purpose
	if $cmd -I"$core" -o "$out" "$src" -lm >"$out.log" 2>&1; then
		echo "$cmd" >"$out.cmd"
		return 0
	fi
	return 1
}

names=()
for src in "$core"/*.c; do
	[ -e "$src" ] || continue
	names+=("$(basename "$src" .c)")
done
if [ ${#names[@]} -eq 0 ]; then
	echo "guest-tests.sh: no guest programs in $core" >&2
	exit 99
fi

# ------------------------------------------------------------- guest tests
for name in "${names[@]}"; do
	[ "$name" = maps ] && continue # compared separately, with ASLR off
	for v in "${variants[@]}"; do
		case_name="$name [$v]"
		selected "$case_name" || continue
		if ! build "$name" "$v"; then
			fail "$case_name" "compile failed" "$work/$v/$name.log"
			continue
		fi
		args=()
		if [ -f "$core/$name.args" ]; then
			mapfile -t args <"$core/$name.args"
		fi
		# NAME.pagemu-args: pagemu options the test needs, one per line
		popts=()
		if [ -f "$core/$name.pagemu-args" ]; then
			mapfile -t popts <"$core/$name.pagemu-args"
		fi
		in=/dev/null
		[ -f "$core/$name.stdin" ] && in="$core/$name.stdin"
		bin="$work/$v/$name"
		pre="$work/$v/$name"

		run "$pre.native" "$in" "$bin" ${args[@]+"${args[@]}"}
		ns=$?
		if [ "$ns" -ne 0 ]; then
			{
				echo "native stdout (tail):"
				tail -n 5 "$pre.native.out"
				tail -n 3 "$pre.native.err"
			} >"$pre.native.detail"
			fail "$case_name" "native run failed: status $(status_text "$ns")" "$pre.native.detail"
			continue
		fi
		run "$pre.pagemu" "$in" "$pagemu" ${popts[@]+"${popts[@]}"} -- "$bin" ${args[@]+"${args[@]}"}
		es=$?
		compare "$case_name" "$pre.native" "$ns" "$pre.pagemu" "$es"
		# The same program under 5-level paging (LA57): same results,
		# unless NAME.4level-only says why its checks hold for 4 levels only.
		if [ "$v" = gcc-static ] && [ ! -f "$core/$name.4level-only" ]; then
			run "$pre.pagemu5" "$in" "$pagemu" --paging=5 ${popts[@]+"${popts[@]}"} -- "$bin" ${args[@]+"${args[@]}"}
			es=$?
			compare "$name [$v paging=5]" "$pre.native" "$ns" "$pre.pagemu5" "$es"
		fi
	done
done

# ---------------------------------------------------------- maps, ASLR off
# normalize_maps FILE: drop dev and inode, keep only the path's basename,
# drop the vDSO/vvar lines (pagemu need not provide a vDSO).
normalize_maps() {
	awk '{
		path = ""
		for (i = 6; i <= NF; i++) path = path (i > 6 ? " " : "") $i
		if (path == "[vvar]" || path == "[vvar_vclock]" || path == "[vdso]") next
		n = split(path, part, "/")
		base = n > 0 ? part[n] : ""
		print $1, $2, $3 (base != "" ? " " base : "")
	}' "$1"
}

# maps_case NAME PREFIX SHELL-PRE PROGRAM ARGS...: the program's
# /proc/self/maps under `setarch -R` and under `pagemu --no-aslr`, each run
# by bash after SHELL-PRE (e.g. "ulimit -s unlimited &&"), normalised and
# compared.
maps_case() {
	local case_name=$1 pre=$2 shell_pre=$3
	shift 3
	selected "$case_name" || return 0
	run "$pre.native" /dev/null bash -c "$shell_pre exec setarch $(uname -m) -R \"\$@\"" _ "$@"
	local ns=$?
	run "$pre.pagemu" /dev/null bash -c "$shell_pre exec \"$pagemu\" --no-aslr -- \"\$@\"" _ "$@"
	local es=$?
	normalize_maps "$pre.native.out" >"$pre.native.norm"
	normalize_maps "$pre.pagemu.out" >"$pre.pagemu.norm"
	if [ "$ns" -ne 0 ] || [ ! -s "$pre.native.norm" ]; then
		fail "$case_name" "native run failed: status $(status_text "$ns")" "$pre.native.err"
	elif [ "$es" -ne 0 ]; then
		fail "$case_name" "pagemu run failed: status $(status_text "$es")" "$pre.pagemu.err"
	elif ! cmp -s "$pre.native.norm" "$pre.pagemu.norm"; then
		diff -u "$pre.native.norm" "$pre.pagemu.norm" | sed '1,2d' >"$pre.detail"
		fail "$case_name" "/proc/self/maps differs, native vs pagemu" "$pre.detail"
	else
		pass "$case_name"
	fi
}

if [ -e "$core/maps.c" ]; then
	if command -v setarch >/dev/null 2>&1; then
		for v in "${variants[@]}"; do
			case_name="maps [$v]"
			selected "$case_name" || continue
			if ! build maps "$v"; then
				fail "$case_name" "compile failed" "$work/$v/maps.log"
				continue
			fi
			maps_case "$case_name" "$work/$v/maps" "" "$work/$v/maps"
		done
		# The same with `ulimit -s unlimited` (x86-64 stays top-down: the
		# gap below the stack is at its 5/6 maximum), and as busybox cat
		# prints it (its sendfile from /proc must fail as on Linux, or
		# it would skip the buffer it maps then).
		if [ -x "$work/gcc-static/maps" ]; then
			maps_case "maps [gcc-static ulimit -s unlimited]" "$work/gcc-static/maps-unlimited" \
				"ulimit -s unlimited &&" "$work/gcc-static/maps"
		fi
		if [ -x /bin/busybox ]; then
			mkdir -p "$work/busybox"
			maps_case "maps [busybox cat]" "$work/busybox/maps-cat" "" /bin/busybox cat /proc/self/maps
			maps_case "maps [busybox cat, ulimit -s unlimited]" "$work/busybox/maps-cat-unlimited" \
				"ulimit -s unlimited &&" /bin/busybox cat /proc/self/maps
		fi
	else
		echo "SKIP: maps comparison (setarch not found)"
	fi
fi

# ----------------------------------------------------------------- busybox
busybox=/bin/busybox
if [ -x "$busybox" ]; then
	bb="$work/busybox"
	mkdir -p "$bb/lsdir/subdir"
	# Deterministic inputs, made with awk so that nothing depends on the
	# host's coreutils.
	awk 'BEGIN { for (i = 0; i < 300; i++) printf "%s %05d\n", substr("zyxwvutsrqponmlkjihgfedcba", i % 26 + 1, 1 + i % 5), (i * 7919) % 100003 }' >"$bb/sort.txt"
	awk 'BEGIN { for (i = 1; i <= 40; i++) printf "line %d: the quick brown fox jumps over the lazy dog %d times\n", i, i * i }' >"$bb/words.txt"
	if [ ! -s "$bb/big.bin" ] || [ "$(wc -c <"$bb/big.bin")" -ne 1048576 ]; then
		awk 'BEGIN { x = 12345; while (n < 1048576) { x = (x * 1103515245 + 12345) % 2147483648; s = sprintf("%010d\n", x); printf "%s", s; n += length(s) } }' |
			head -c 1048576 >"$bb/big.bin"
	fi
	for f in alpha beta.txt gamma.c "with space" .hidden; do
		printf '%s\n' "$f" >"$bb/lsdir/$f"
	done
	printf 'in subdir\n' >"$bb/lsdir/subdir/file"

	# bb_case NAME STDIN APPLET ARGS...: native vs pagemu, in $bb.
	bb_n=0
	bb_case() {
		local name="busybox $1" in=$2 pre
		shift 2
		bb_n=$((bb_n + 1))
		selected "$name [busybox]" || return 0
		pre="$bb/case$bb_n"
		(cd "$bb" && exec "${run_env[@]}" timeout "$timeout_s" "$busybox" "$@" \
			<"$in" >"$pre.native.out" 2>"$pre.native.err")
		local ns=$?
		if [ "$ns" -ge 124 ]; then
			fail "$name [busybox]" "native run failed: status $(status_text "$ns")" "$pre.native.err"
			return 0
		fi
		(cd "$bb" && exec "${run_env[@]}" timeout "$timeout_s" "$pagemu" -- "$busybox" "$@" \
			<"$in" >"$pre.pagemu.out" 2>"$pre.pagemu.err")
		local es=$?
		compare "$name [busybox]" "$pre.native" "$ns" "$pre.pagemu" "$es"
	}

	bb_case "echo" /dev/null echo hello world
	bb_case "seq" /dev/null seq 1 100
	bb_case "sort" /dev/null sort sort.txt
	bb_case "sort -n -k2" /dev/null sort -n -k2 sort.txt
	bb_case "wc" /dev/null wc words.txt
	bb_case "ls" /dev/null ls lsdir
	bb_case "ls -a" /dev/null ls -a lsdir
	bb_case "cat" /dev/null cat words.txt lsdir/subdir/file
	bb_case "sha256sum" /dev/null sha256sum big.bin
	bb_case "md5sum stdin" "$bb/big.bin" md5sum
	bb_case "true" /dev/null true
	bb_case "false" /dev/null false
	bb_case "uname -m" /dev/null uname -m
	bb_case "basename" /dev/null basename /a/b/c
	bb_case "expr" /dev/null expr 2 + 3
	bb_case "expr status" /dev/null expr 0 + 0
	bb_case "head -3" /dev/null head -3 words.txt
	bb_case "tr" "$bb/words.txt" tr a-z A-Z
	bb_case "cat missing" /dev/null cat no-such-file

	# Shell cases: `busybox sh -c SCRIPT`, which fork, exec, pipe and wait.
	# PATH holds only links to busybox's applets, natively and under pagemu,
	# so that both run the same programs (the host's own tools are
	# dynamically linked, which pagemu does not run: ENOEXEC).  Any exit
	# status but a timeout (124) is compared.
	mkdir -p "$bb/bin"
	for a in $("$busybox" --list); do
		[ -e "$bb/bin/$a" ] || ln -s "$busybox" "$bb/bin/$a"
	done
	# shell_case LABEL NAME SCRIPT SHELL...: run SHELL... -c SCRIPT natively
	# and under pagemu and compare.
	shell_case() {
		local name="$1: $2" script=$3 pre
		shift 3
		bb_n=$((bb_n + 1))
		selected "$name [busybox]" || return 0
		pre="$bb/case$bb_n"
		# in the background and waited for: bash does not then print
		# "Terminated" for the cases that die of a signal on purpose
		(cd "$bb" && exec "${run_env[@]}" "PATH=$bb/bin" timeout "$timeout_s" \
			"$@" -c "$script" </dev/null >"$pre.native.out" 2>"$pre.native.err") &
		wait $!
		local ns=$?
		if [ "$ns" -eq 124 ]; then
			fail "$name [busybox]" "native run failed: status $(status_text "$ns")" "$pre.native.err"
			return 0
		fi
		(cd "$bb" && exec "${run_env[@]}" "PATH=$bb/bin" timeout "$timeout_s" "$pagemu" -- \
			"$@" -c "$script" </dev/null >"$pre.pagemu.out" 2>"$pre.pagemu.err")
		local es=$?
		compare "$name [busybox]" "$pre.native" "$ns" "$pre.pagemu" "$es"
	}
	sh_case() {
		shell_case "busybox sh" "$1" "$2" "$busybox" sh
	}

	sh_case "pipeline" 'seq 1 1000 | sort -r | head -3'
	sh_case "command substitution" 'echo $(echo hi) "$(seq 3 | wc -l) lines" $(echo $(echo nested))'
	sh_case "arithmetic of a substitution" 'echo $(( $(echo 6) * 7 ))'
	sh_case "find | xargs" 'find lsdir -type f | sort | xargs cat'
	sh_case "xargs -n" 'seq 1 7 | xargs -n 3 echo'
	sh_case "find -exec" 'find lsdir -name "*.txt" -exec cat {} \;'
	sh_case "tar round trip" 'rm -rf rt && mkdir rt && tar cf - lsdir | tar xf - -C rt && diff -r lsdir rt/lsdir && echo same; rm -rf rt'
	sh_case "tar z round trip" 'tar czf - lsdir | tar tzf - | sort'
	sh_case "gzip | gunzip" 'gzip -c big.bin | gunzip | md5sum'
	sh_case "while read (poll)" 'seq 1 5 | while read l; do echo "line $l"; done'
	sh_case "read in a subshell" 'echo "a b c" | (read x y z; echo "$z$y$x")'
	sh_case "gzip -9 | gunzip -c" 'seq 1 5000 | gzip -9 | gunzip -c | tail -2'
	sh_case "loop into a pipe" 'for i in 1 2 3; do echo line $i; done | sort -r'
	sh_case "pipeline status" 'false | true; echo $?; true | false; echo $?'
	sh_case "subshell status" '(exit 3); echo sub=$?; sh -c "exit 4"; echo sh=$?'
	sh_case "exit status" 'echo before; exit 5'
	sh_case "limits" 'ulimit -n; ulimit -s; ulimit -Hn'
	# The guest's own fd table in /proc/self/fd and /dev/fd: listing, the
	# links, stat and lstat through them; fds inherited by the shell
	# (make's jobserver pipe, say) are listed on both sides alike.
	sh_case "/proc/self/fd" 'exec 7<lsdir/alpha; ls /proc/self/fd /dev/fd/; cat /dev/fd/7; readlink /proc/self/fd/7 | sed "s|.*/||"; stat -c %F /proc/self/fd/7 /dev/fd/7; stat -L -c "%F %s" /dev/fd/7; exec 7<&-; ls /dev/fd'
	sh_case "20 execs" 'x=0; while [ $x -lt 20 ]; do x=$((x+1)); /bin/busybox true; done; echo $x'
	sh_case "background and wait" 'sleep 0.1 & wait $!; echo bg=$?; sleep 0.05 & sleep 0.05 & wait; echo all'
	sh_case "trap a signal" 'trap "echo trapped" USR1; kill -USR1 $$; echo after'
	sh_case "killed by a signal" 'echo before; kill -TERM $$; echo survived'
	sh_case "a child killed" 'sh -c "kill -KILL \$\$"; echo status=$?'
	sh_case "exec" 'exec echo replaced; echo not reached'
	sh_case "grep -c" 'cat words.txt | grep -c fox'
	sh_case "ls | wc" 'ls lsdir | wc -l'
	sh_case "tr | rev | sed" 'echo abc | tr a-z A-Z | rev | sed s/C/c/'
	sh_case "awk" 'awk "BEGIN { print 6 * 7 }"; seq 5 | awk "{ s += \$1 } END { print s }"'
	sh_case "command not found" 'no-such-command-here; echo $?'
	sh_case "not executable" './lsdir/alpha; echo $?'
	sh_case "#! script" 'printf "#!/bin/busybox sh\necho from script \$1\n" >s.sh; chmod +x s.sh; ./s.sh arg; echo $?; rm s.sh'
	sh_case "script without #!" 'printf "echo no shebang \$0\n" >n.sh; chmod +x n.sh; ./n.sh; echo $?; rm n.sh'
	sh_case "yes | head" 'yes | head -5'
	sh_case "head -c | wc" 'head -c 100000 big.bin | wc -c'
	sh_case "umask in a subshell" 'umask 027; (umask); umask'
	sh_case "cd in a subshell" '(cd lsdir && pwd | sed "s|.*/||"); pwd | sed "s|.*/||"'
	sh_case "env -i" 'env -i A=1 B=2 env | sort'
	sh_case "timeout" 'timeout 5 sleep 0.1; echo $?'
	sh_case "here document" 'cat <<EOF | wc -w
one two three
EOF'
	sh_case "glob loop" 'for f in lsdir/*; do [ -f "$f" ] && echo "file ${f##*/}"; done'
	sh_case "redirections" 'echo hello >f.txt; echo again >>f.txt; cat <f.txt; rm f.txt'
	sh_case "fd 3" 'exec 3>out.txt; echo via fd3 >&3; exec 3>&-; cat out.txt; rm out.txt'
	sh_case "substitutions of pipelines" 'echo $(ls lsdir | wc -l) $(cat words.txt | wc -l)'
	sh_case "sh -c with \$0" 'sh -c "echo \$0 \$1" zero one'
	sh_case "sort | uniq -c" 'cut -c1 sort.txt | sort | uniq -c | sort -rn | head -3'
	sh_case "1 MiB through cat" 'cat big.bin | cat | md5sum'
	sh_case "set -e" 'set -e; echo one; false; echo not reached'
	sh_case "nested shells" 'sh -c "sh -c \"echo deep; exit 7\""; echo $?'
	sh_case "xargs sh -c" 'seq 3 | xargs -I{} sh -c "echo item {}"'

	# Debian's bash-static, scripted the same way (issue 4's bar).
	bash_static=${BASH_STATIC:-/bin/bash-static}
	if [ -x "$bash_static" ]; then
		bash_case() {
			shell_case "bash-static" "$1" "$2" "$bash_static"
		}
		bash_case "pipeline" 'seq 1 500 | sort -rn | head -3'
		bash_case "subshell status" '(exit 7); echo "sub=$?"; ( cd lsdir && ls ) | wc -l'
		bash_case "trap EXIT" 'trap "echo bye" EXIT; echo hi'
		bash_case "trap ERR and set -e" 'set -e; trap "echo err \$LINENO" ERR; true; false; echo never'
		bash_case "arrays and [[ ]]" 'a=(x y z); [[ ${#a[@]} -eq 3 && ${a[1]} == y ]] && echo "${a[*]}"'
		bash_case "functions and local" 'f() { local v=$1; echo $((v * 2)); }; echo $(f 21)'
		bash_case "pipefail" 'set -o pipefail; false | true; echo $?'
		bash_case "process substitution" 'diff <(seq 1 3) <(seq 1 3) && echo same'
		bash_case "here-string and read" 'read a b <<< "one two"; echo "$b $a"'
		bash_case "while read from a pipe" 'seq 1 4 | while read n; do echo "n$n"; done'
		bash_case "background job and wait" 'sleep 0.1 & wait $!; echo "waited $?"'
		bash_case "command substitution nesting" 'echo "$(echo "$(echo deep)")"'
		bash_case "kill a child" 'sleep 5 & kill $!; wait $!; echo "status $?"'
	else
		echo "SKIP: bash-static cases ($bash_static not found; scripts/setup.sh installs it)"
	fi
	zsh_static=${ZSH_STATIC:-/bin/zsh-static}
	if [ -x "$zsh_static" ]; then
		zsh_case() {
			shell_case "zsh-static" "$1" "$2" "$zsh_static"
		}
		zsh_case "pipeline" 'seq 1 200 | sort -rn | head -2'
		zsh_case "arrays and expansion flags" 'a=(b c a); print -l ${(o)a}; print ${#a}'
		zsh_case "subshell and status" '(exit 4); print "st=$?"'
		zsh_case "trap and function" 'TRAPEXIT() { print bye }; f() { print "f $1" }; f 1'
		zsh_case "command substitution" 'x=$(print -n nested); print "<$x>"'
	else
		echo "SKIP: zsh-static cases ($zsh_static not found; scripts/setup.sh installs it)"
	fi
else
	echo "SKIP: busybox comparison ($busybox not found)"
fi

# ------------------------------------------------------------- fault tests
# guest-tests/faults: programs that die of one fault each (null page,
# write to text/rodata, NX stack/heap, the non-canonical hole, the kernel
# half, guard holes and gaps, the vsyscall page, PROT_NONE, accesses that
# cross into a bad page, privileged instructions, ud2/int3/div0, VEX,
# SIGBUS).  Every CASE.expect there names
# the program (faults/PROG.c), its arguments and the expected fault; see
# guest-tests/faults/README.  For each case and variant:
#   native    the program must die of the expected signal; when ptrace works
#             (the tools/siginfo.c helper) si_code, si_addr and RIP are
#             checked against the .expect too (for the host's paging mode)
#   paging=4, paging=5
#             `$PAGEMU --paging=N --no-aslr --fault-json=F`: exit status
#             128+signo and the JSON fields as the .expect says
# A case with `signal=none` is compared with the native run instead
# (stdout and exit status), under both paging modes.  Checks listed in
# faults/PENDING are reported as `SKIP: ... (pending: reason)`; with
# GT_PENDING=1 the PENDING file is ignored and everything is checked.
fdir="$top/guest-tests/faults"
if [ -d "$fdir" ]; then
	fwork="$work/faults"
	mkdir -p "$fwork" || exit 99
	fpending="$fdir/PENDING"
	[ "${GT_PENDING:-0}" = 1 ] && fpending=/dev/null

	# check.py needs python3; the interpreter itself is called, not a
	# wrapper such as a pyenv shim, which can cost 0.15 s per start.
	fpy=""
	if command -v python3 >/dev/null 2>&1; then
		fpy=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
		[ -x "$fpy" ] || fpy=python3
	else
		echo "SKIP: fault JSON and siginfo checks (python3 not found): the fault tests check exit statuses only"
	fi
	fcheck() { "$fpy" "$fdir/check.py" "$@"; }

	# fexpect FILE KEY: the plain (not per-mode) value of KEY in a .expect.
	fexpect() {
		awk -v k="$2" '
			/^[ \t]*#/ { next }
			{
				i = index($0, "=")
				if (i == 0) next
				key = substr($0, 1, i - 1); val = substr($0, i + 1)
				gsub(/^[ \t]+|[ \t]+$/, "", key)
				gsub(/^[ \t]+|[ \t]+$/, "", val)
				if (key == k) { print val; exit }
			}' "$1"
	}

	# fsigno NAME: the number of a signal= value (none -> 0).
	fsigno() {
		case $1 in
		none) echo 0 ;;
		SIGILL) echo 4 ;;
		SIGTRAP) echo 5 ;;
		SIGBUS) echo 7 ;;
		SIGFPE) echo 8 ;;
		SIGSEGV) echo 11 ;;
		*[!0-9]* | "") return 1 ;;
		*) echo "$1" ;;
		esac
	}

	# pending_reason CASE: the reason when the whole case is pending.
	pending_reason() {
		[ -f "$fpending" ] || return 0
		awk -v c="$1" '$1 == c { $1 = ""; sub(/^ +/, ""); print; exit }' "$fpending"
	}

	# The host kernel's paging mode decides the native expectations
	# (the .4 or .5 values); la57 shows in cpuinfo only when it is in use.
	native_mode=4
	if grep -qw la57 /proc/cpuinfo 2>/dev/null; then
		native_mode=5
	fi

	# The host's vsyscall mode: --xp is the default, execute-only (calls
	# emulated, data reads fault); `needs=vsyscall-xonly` cases rely on it.
	host_vsyscall=$(awk '$NF == "[vsyscall]" { print $2 }' /proc/self/maps 2>/dev/null)

	# The native siginfo helper (ptrace); without it, only the signal.
	siginfo="$fwork/siginfo"
	if [ ! -x "$siginfo" ] || [ ! "$siginfo" -nt "$fdir/tools/siginfo.c" ]; then
		rm -f "$siginfo"
		$CC -O2 -o "$siginfo" "$fdir/tools/siginfo.c" >"$fwork/siginfo.log" 2>&1 || rm -f "$siginfo"
	fi
	if [ -x "$siginfo" ]; then
		"$siginfo" "$fwork/probe.si" /bin/sh -c 'kill -SEGV $$' >/dev/null 2>&1
		if [ $? -ne 139 ] || ! grep -q '^signo=11 code=0 ' "$fwork/probe.si"; then
			siginfo=""
		fi
	else
		siginfo=""
	fi
	if [ -z "$siginfo" ]; then
		echo "SKIP: native si_code/si_addr/rip checks of the fault tests (the ptrace helper does not work here); native runs check the signal only"
	fi

	# fbuild PROG VARIANT: compile guest-tests/faults/PROG.c (as build()).
	fbuild() {
		local src="$fdir/$1.c" out="$fwork/$2/$1" cmd
		cmd=$(variant_cmd "$2")
		mkdir -p "$fwork/$2"
		if [ -x "$out" ] && [ "$out" -nt "$src" ] && [ "$out" -nt "$fdir/ft.h" ] &&
			[ "$(cat "$out.cmd" 2>/dev/null)" = "$cmd" ]; then
			return 0
		fi
		rm -f "$out" "$out.cmd"
		# shellcheck disable=SC2086 # $cmd is a command line on purpose
		if $cmd -I"$fdir" -o "$out" "$src" >"$out.log" 2>&1; then
			echo "$cmd" >"$out.cmd"
			return 0
		fi
		return 1
	}

	# fverdict NAME PREFIX: PREFIX.chk (check.py's records) -> PASS, FAIL,
	# SKIP and NOTE lines; no PREFIX.chk means check.py itself failed.
	fverdict() {
		local name=$1 chk="$2.chk" kind a b
		if [ ! -f "$chk" ]; then
			fail "$name" "check.py failed" "$fcheck_log"
			return
		fi
		while IFS=$'\t' read -r kind a b; do
			case $kind in
			SKIP) echo "SKIP: $name check $a (pending: $b)" ;;
			NOTE) echo "NOTE: $name: $a" ;;
			esac
		done <"$chk"
		if grep -q '^FAIL' "$chk"; then
			grep '^FAIL' "$chk" | cut -f2- >"$chk.detail"
			fail "$name" "$(head -n 1 "$chk.detail")" "$chk.detail"
		else
			pass "$name"
		fi
	}

	# fstatus NAME STATUS WANT PREFIX: false (and FAIL) unless STATUS = WANT.
	fstatus() {
		[ "$2" -eq "$3" ] && return 0
		{
			echo "stdout (tail):"
			tail -n 4 "$4.out"
			echo "stderr (tail):"
			tail -n 6 "$4.err"
		} >"$4.detail"
		fail "$1" "exit status $(status_text "$2"), expected $(status_text "$3")" "$4.detail"
		return 1
	}

	for exp in "$fdir"/*.expect; do
		[ -e "$exp" ] || continue
		case=$(basename "$exp" .expect)
		reason=$(pending_reason "$case")
		if [ -n "$reason" ]; then
			selected "fault $case" && echo "SKIP: fault $case (pending: $reason)"
			continue
		fi
		prog=$(fexpect "$exp" prog)
		[ -n "$prog" ] || prog=$case
		native=$(fexpect "$exp" native)
		native_why="native=skip in $case.expect"
		needs=$(fexpect "$exp" needs)
		if [ "$needs" = vsyscall-xonly ] && [ "$host_vsyscall" != "--xp" ]; then
			native=skip
			native_why="the host's vsyscall page is not execute-only: ${host_vsyscall:-none}"
		elif [ "$needs" = no-avx512 ] && grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
			native=skip
			native_why="the host CPU has AVX-512 (avx512f): the instruction runs natively"
		fi
		read -r -a args <<<"$(fexpect "$exp" args)"
		read -r -a popts <<<"$(fexpect "$exp" options)"
		if ! signo=$(fsigno "$(fexpect "$exp" signal)") || [ ! -f "$fdir/$prog.c" ]; then
			echo "signal=$(fexpect "$exp" signal), prog=$prog" >"$fwork/$case.bad"
			fail "fault $case" "bad .expect file: no signal= or no $prog.c" "$fwork/$case.bad"
			continue
		fi
		want=$((signo == 0 ? 0 : 128 + signo))

		for v in "${variants[@]}"; do
			selected "fault $case [$v]" || continue
			name="fault $case [$v"
			if ! fbuild "$prog" "$v"; then
				fail "$name]" "compile failed" "$fwork/$v/$prog.log"
				continue
			fi
			bin="$fwork/$v/$prog"
			pre="$fwork/$v/$case"

			# The runs; each one whose status is right becomes a check.py
			# task (name in tnames, KIND:MODE:PREFIX in tasks).
			tnames=()
			tasks=()

			# -- natively
			ns=""
			if [ "$native" = skip ]; then
				echo "SKIP: $name native] ($native_why)"
			elif [ "$signo" -eq 0 ] || [ -z "$siginfo" ]; then
				# (bash's "Segmentation fault" job notice to /dev/null)
				{ run "$pre.native" /dev/null "$bin" ${args[@]+"${args[@]}"}; } 2>/dev/null
				ns=$?
				if fstatus "$name native]" "$ns" "$want" "$pre.native" &&
					[ "$signo" -ne 0 ]; then
					pass "$name native]"
				fi
			else
				rm -f "$pre.native.si"
				run "$pre.native" /dev/null "$siginfo" "$pre.native.si" "$bin" ${args[@]+"${args[@]}"}
				ns=$?
				if ! fstatus "$name native]" "$ns" "$want" "$pre.native"; then
					:
				elif [ -n "$fpy" ]; then
					tnames+=("$name native]")
					tasks+=("native:$native_mode:$pre.native")
				else
					pass "$name native]"
				fi
			fi

			# -- under pagemu, both paging modes
			for m in 4 5; do
				mpre="$pre.paging$m"
				rm -f "$mpre.json"
				run "$mpre" /dev/null "$pagemu" --paging="$m" --no-aslr \
					--fault-json="$mpre.json" ${popts[@]+"${popts[@]}"} -- "$bin" ${args[@]+"${args[@]}"}
				es=$?
				if [ "$signo" -eq 0 ]; then
					# not a fault: compare with the native run
					if [ -z "$ns" ]; then
						fstatus "$name paging=$m]" "$es" 0 "$mpre" && pass "$name paging=$m]"
					elif [ "$ns" -eq 0 ]; then
						compare "$name paging=$m]" "$pre.native" "$ns" "$mpre" "$es"
					fi
				elif fstatus "$name paging=$m]" "$es" "$want" "$mpre"; then
					if [ -n "$fpy" ]; then
						tnames+=("$name paging=$m]")
						tasks+=("pagemu:$m:$mpre")
					else
						pass "$name paging=$m]"
					fi
				fi
			done

			# -- the .expect against what was seen, one check.py call
			[ ${#tasks[@]} -gt 0 ] || continue
			for t in "${tasks[@]}"; do
				rm -f "${t#*:*:}.chk"
			done
			fcheck_log="$pre.check.log"
			fcheck check "$exp" "$fpending" "${tasks[@]}" >"$fcheck_log" 2>&1
			for i in "${!tasks[@]}"; do
				fverdict "${tnames[$i]}" "${tasks[$i]#*:*:}"
			done
		done
	done
fi

echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
