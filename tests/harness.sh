#!/bin/sh
# harness.sh - the embedding example (examples/harness.c) works end to end:
# persistent runs of snapguest's fuzz_one with a snapshot restored between
# inputs; a crash in the middle shows the fault report and the inputs
# after it run from a clean state again.
set -u
b=${top_builddir:-.}
h=$b/examples/harness
g=$b/snapguest
[ -x "$h" ] && [ -x "$g" ] || { echo "SKIP: $h or $g not built"; exit 77; }
d=$(mktemp -d) || exit 99
trap 'rm -rf "$d"' EXIT
printf 'hello' >"$d/a"
printf 'CRASH' >"$d/b"
printf 'hi' >"$d/c"
"$h" "$g" fuzz_one "$d/a" "$d/b" "$d/c" "$d/a" >"$d/out" 2>"$d/err"
st=$?
fail=0
# fuzz_one returns counter + len + a bss bit, counter starting at 5 again
# each time: "hello" gives 10 + 5 + 0 = 15, "hi" 7 + 2 + 1 = 10.
want="$d/a: returned 15
$d/b: crashed, signal 11 at rip 0x"
if ! head -n 2 "$d/out" | sed 's/ at rip 0x.*/ at rip 0x/' | cmp -s - /dev/stdin <<EOF2
$want
EOF2
then
	echo "FAIL: harness output:"; cat "$d/out"; fail=1
fi
tail -n 2 "$d/out" | grep -q "^$d/c: returned 10\$" || { echo "FAIL: third input"; cat "$d/out"; fail=1; }
tail -n 1 "$d/out" | grep -q "^$d/a: returned 15\$" || { echo "FAIL: state leaked between inputs"; cat "$d/out"; fail=1; }
grep -q "NULL pointer dereference" "$d/err" || { echo "FAIL: no fault report"; cat "$d/err"; fail=1; }
[ "$st" -eq 1 ] || { echo "FAIL: exit status $st, want 1 (one crash)"; fail=1; }
[ $fail -eq 0 ] && echo "PASS: harness: 4 inputs, 1 crash with report, state restored"
exit $fail
