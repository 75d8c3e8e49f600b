#!/bin/sh
# Boots one test machine: run by testhost.ts as pid 1 of fresh mount/pid/uts/ipc namespaces,
# inside a network namespace:
#
#   ip netns exec NS unshare --mount --pid --uts --ipc --fork --kill-child --propagation private \
#     -- machine.sh LOWER DIR HOSTNAME [SRC:TARGET[:ro] ...]
#
# LOWER is the cached root (never written), DIR holds this machine's upper/work/root directories.
# Every mount below lives only in this mount namespace, so the kernel removes them all when the
# machine's last process dies: a crashed test leaves no mounts behind on this machine.
set -eu
lower=$1 dir=$2 name=$3
shift 3
r=$dir/root

# A copy-on-write view of the cached root: starting a machine copies nothing.
mkdir -p "$dir/upper" "$dir/work" "$r"
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$dir/upper,workdir=$dir/work" "$r"

# /proc of this pid namespace: tools see only the machine's own processes.
mount -t proc -o nosuid,nodev,noexec proc "$r/proc"
# sysfs mounted from inside the network namespace shows only its interfaces.
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$r/sys"

# A minimal /dev instead of this machine's: the usual character devices and a private devpts.
mount -t tmpfs -o mode=755,nosuid,size=1m dev "$r/dev"
mknod -m 666 "$r/dev/null" c 1 3
mknod -m 666 "$r/dev/zero" c 1 5
mknod -m 666 "$r/dev/full" c 1 7
mknod -m 666 "$r/dev/random" c 1 8
mknod -m 666 "$r/dev/urandom" c 1 9
mknod -m 666 "$r/dev/tty" c 5 0
ln -s /proc/self/fd "$r/dev/fd"
ln -s /proc/self/fd/0 "$r/dev/stdin"
ln -s /proc/self/fd/1 "$r/dev/stdout"
ln -s /proc/self/fd/2 "$r/dev/stderr"
mkdir "$r/dev/pts" "$r/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$r/dev/pts"
ln -s pts/ptmx "$r/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev shm "$r/dev/shm"

# /run is a tmpfs on a booted Debian: daemons must create their run directories themselves.
mount -t tmpfs -o mode=755,nosuid,nodev,size=64m run "$r/run"
mkdir -m 1777 "$r/run/lock"

# Extra bind mounts, e.g. the wizard's checkout.
for spec in "$@"; do
  src=${spec%%:*} rest=${spec#*:}
  target=${rest%%:*} ro=${rest#"$target"}
  mkdir -p "$r$target"
  mount --bind "$src" "$r$target"
  [ "$ro" = ":ro" ] && mount -o remount,bind,ro "$r$target"
done

hostname "$name"

# pid 1: reaps orphans and listens on /dev/log (see init.py).
exec chroot "$r" /usr/bin/python3 -c "$(cat "$(dirname "$0")/init.py")"
