#!/usr/bin/env bash
# Installs the Debian packages the test suites use (real daemons, NSD, dig, tmux, debootstrap),
# when they are missing and we are root. Runs before `npm test`; idempotent and quick when all
# is there. Elsewhere it says what is missing, and the suites that need it skip loudly (in CI
# they fail instead).
set -euo pipefail

packages=(
  nsd dnsutils tmux debootstrap iproute2 nftables swaks openssl python3-dkim
  opensmtpd opensmtpd-filter-rspamd dovecot-core dovecot-imapd dovecot-lmtpd dovecot-sieve
  rspamd redis-server ldnsutils
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query --show --showformat='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "test deps: missing ${missing[*]} (install them as root: apt-get install ${missing[*]}); the suites that need them will skip." >&2
  exit 0
fi
echo "test deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Daemons must not start on this machine: tests start their own copies.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && created_policy=1
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ "$created_policy" = 1 ] && rm -f "$policy"
exit 0
