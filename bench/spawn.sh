# spawn.sh - a fork+exec-heavy shell loop for bench/run.sh: the shell forks
# and execs BUSYBOX true N times, then prints N.
#
# Usage:  BUSYBOX sh spawn.sh N BUSYBOX [PREFIX...]
#
# PREFIX, if given, is put before every child's command line.  qemu-user
# needs it: its execve() hands the new program to the host kernel, which
# runs a native x86-64 program natively, so without the prefix only the
# shell itself would be emulated; with `qemu-x86_64-static -cpu qemu64` as
# the prefix every child is emulated too.  pagemu needs none: a guest's
# execve re-executes pagemu on the new program.
n=$1
bb=$2
shift 2
i=0
while [ "$i" -lt "$n" ]; do
	"$@" "$bb" true
	i=$((i + 1))
done
echo "$i"
