# lib.sh - what the shell tests share; sourced, not run.
#
#   . "$(dirname "$0")/lib.sh"
#   test_init NAME guest-tests/SUBDIR/FILE [PAGEMU]
#
# sets script_dir, build_dir, top (the source tree: $top_srcdir as automake
# exports it, else the script's parent), src (top/FILE, which must exist:
# else exit 99) and pagemu (an absolute path: $3, $PAGEMU, ./pagemu,
# ./cli/pagemu or the source tree's; none is a SKIP, exit 77), and the
# PASS/FAIL counters below.

test_init() {
	local name=$1 file=$2 c
	script_dir=$(cd "$(dirname "$0")" && pwd)
	build_dir=$(pwd)
	top="${top_srcdir:-$script_dir/..}"
	src="$top/$file"
	if [ ! -f "$src" ]; then
		echo "$name: cannot find $src (set top_srcdir)" >&2
		exit 99
	fi
	pagemu="${3:-${PAGEMU:-}}"
	if [ -z "$pagemu" ]; then
		for c in "$build_dir/pagemu" "$build_dir/cli/pagemu" "$script_dir/../pagemu"; do
			if [ -x "$c" ]; then
				pagemu=$c
				break
			fi
		done
	fi
	if [ -z "$pagemu" ] || [ ! -x "$pagemu" ]; then
		echo "SKIP: pagemu binary not found"
		exit 77
	fi
	pagemu="$(cd "$(dirname "$pagemu")" && pwd)/$(basename "$pagemu")"
	npass=0
	nfail=0
}

# need CMD WHY: SKIP (exit 77) unless CMD is installed.
need() {
	if ! command -v "$1" >/dev/null 2>&1; then
		echo "SKIP: $1 not found ($2)"
		exit 77
	fi
}

pass() { npass=$((npass + 1)); echo "PASS: $1"; }

# fail NAME REASON [DETAIL-FILE]: the detail's first lines, indented.
fail() {
	nfail=$((nfail + 1))
	echo "FAIL: $1 ($2)"
	if [ $# -ge 3 ] && [ -s "$3" ]; then
		sed -n '1,14p' "$3" | sed 's/^/    | /'
	fi
}

# fail_lines NAME [LINE...]: a failure whose detail is given as lines.
fail_lines() {
	nfail=$((nfail + 1))
	echo "FAIL: $1"
	shift
	[ $# -gt 0 ] && printf '  %s\n' "$@"
	return 0
}

# test_done: the totals; exit 0, or 1 if anything failed.
test_done() {
	echo "$npass passed, $nfail failed"
	[ "$nfail" -eq 0 ]
	exit $?
}
