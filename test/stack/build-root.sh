#!/usr/bin/env bash
# Build (or reuse) the cached Debian trixie root of the stack tests.
#
#   test/stack/build-root.sh [--force]
#
# stdout: two lines, MW_ROOT=<dir> and MW_BUILT=0|1 (everything else goes to stderr).
# The root lives in test/stack/.cache/trixie-<hash>, where <hash> covers packages.txt and this
# script: editing either one makes a new root. A build goes to a temporary directory that is
# renamed when complete, so an interrupted build never leaves a half root behind.
# Env: MW_MIRROR overrides the mirror (default: the one this machine's apt sources name),
#      MW_STACK_CACHE overrides the cache directory.
set -euo pipefail

suite=trixie
hostname=debian # what the Debian installer proposes: a fresh box's host name before the wizard
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${MW_STACK_CACHE:-$here/.cache}
force=0
[[ ${1:-} == --force ]] && force=1

log() { printf '[build-root] %s\n' "$*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# The Debian mirror this machine already uses: the first enabled "deb" source of a base suite
# (no "-security"/"-updates"), from deb822 .sources files, else from one-line .list files.
find_mirror() {
  local uri=''
  shopt -s nullglob
  local sources=(/etc/apt/sources.list.d/*.sources) lists=(/etc/apt/sources.list /etc/apt/sources.list.d/*.list)
  shopt -u nullglob
  if ((${#sources[@]})); then
    uri=$(awk 'BEGIN { RS = "" }
      {
        types = uris = suites = ""; enabled = "yes"
        n = split($0, lines, "\n")
        for (i = 1; i <= n; i++) {
          l = lines[i]; if (l ~ /^[ \t]*#/) continue
          if (l ~ /^Types:/)   types = substr(l, 7)
          if (l ~ /^URIs:/)    uris = substr(l, 6)
          if (l ~ /^Suites:/)  suites = " " substr(l, 8) " "
          if (l ~ /^Enabled:/) enabled = substr(l, 9)
        }
        split(uris, u, " ")
        if (enabled !~ /no/ && types ~ /(^| )deb( |$)/ && suites ~ / [a-z]+ / && u[1] != "") { print u[1]; exit }
      }' "${sources[@]}")
  fi
  if [[ -z $uri && ${#lists[@]} -gt 0 ]]; then
    uri=$(cat "${lists[@]}" 2>/dev/null | sed 's/\[[^]]*\]//' |
      awk '$1 == "deb" && $3 ~ /^[a-z]+$/ { print $2; exit }')
  fi
  [[ -n $uri ]] || { log "no Debian mirror found in /etc/apt (set MW_MIRROR)"; exit 1; }
  echo "$uri"
}

packages=$(sed 's/#.*//' "$here/packages.txt" | tr -s ' \t\n' '\n' | sed '/^$/d' | paste -sd, -)
hash=$(cat "$here/packages.txt" "$here/build-root.sh" | sha256sum | cut -c1-16)
root=$cache/$suite-$hash

mkdir -p "$cache"
# One build at a time (vitest may start several workers that all want the root).
exec 9>"$cache/.lock"
flock 9

if [[ -d $root && $force == 0 ]]; then
  printf 'MW_ROOT=%s\nMW_BUILT=0\n' "$root"
  exit 0
fi

# Leftovers of interrupted builds. --one-file-system: never follow a mount out of the tree.
for old in "$cache"/.tmp-*; do
  [[ -e $old ]] && { log "removing leftover $old"; rm -rf --one-file-system "$old"; }
done

mirror=${MW_MIRROR:-$(find_mirror)}
# Downloaded .debs are kept across builds: a changed package list then fetches only what is new.
mkdir -p "$cache/debs"
tmp=$(mktemp -d "$cache/.tmp-$suite-XXXXXX")
cleanup() {
  local rc=$?
  # debootstrap's own log is the only explanation of a failed build: show it before deleting.
  ((rc)) && [[ -f $tmp/debootstrap/debootstrap.log ]] && tail -n 40 "$tmp/debootstrap/debootstrap.log" >&2
  rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
t0=$(now)
log "debootstrap $suite from $mirror into $tmp"
log "packages: $packages"

# Own mount and PID namespaces: the /proc and /sys that debootstrap mounts, and any daemon a
# postinst might start, vanish with debootstrap instead of lingering on this machine. Own UTS
# namespace: postinsts that read the host name (ssl-cert's snakeoil certificate) see the root's
# neutral one, not this machine's.
unshare --mount --pid --uts --fork --kill-child --propagation private -- \
  sh -c 'hostname "$0" && exec "$@"' "$hostname" \
  debootstrap --variant=minbase --components=main --include="$packages" \
  --cache-dir="$cache/debs" "$suite" "$tmp" "$mirror" >&2
log "debootstrap took $(since "$t0") s"

# debootstrap copies this machine's hostname and resolver; neither means anything in the test
# host (whose network is two namespaces), so give every root the same neutral ones. With no
# "nameserver" line the resolver asks 127.0.0.1, which fails fast inside the namespace.
echo "$hostname" >"$tmp/etc/hostname"
printf '# test host: no resolver (tests write their own)\n' >"$tmp/etc/resolv.conf"
# Downloaded .debs are only weight for every per-test copy.
rm -f "$tmp"/var/cache/apt/archives/*.deb
# debootstrap writes its own policy-rc.d (deny every start) and removes it at the end; make sure
# none survives, or init scripts could not start daemons later.
rm -f "$tmp/usr/sbin/policy-rc.d"

log "versions: $(chroot "$tmp" dpkg-query -W -f '${Package}=${Version} ' \
  opensmtpd opensmtpd-filter-rspamd dovecot-core rspamd redis-server nodejs openssl)"
log "size: $(du -sh --one-file-system "$tmp" | cut -f1)"

rm -rf --one-file-system "$root"
mv "$tmp" "$root"
trap - EXIT
# Roots made from an older package list or script are dead weight now.
for old in "$cache/$suite"-*; do
  [[ $old != "$root" && -d $old ]] && rm -rf --one-file-system "$old"
done
log "root ready in $(since "$t0") s: $root"
printf 'MW_ROOT=%s\nMW_BUILT=1\n' "$root"
