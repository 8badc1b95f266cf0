#!/usr/bin/env bash
# Install everything pagemu needs on a fresh Debian bookworm machine (as root).
#
# Unicorn >= 2.1 (UC_TLB_VIRTUAL) and Capstone 5 come from Debian trixie,
# added as an apt source pinned at priority 100 so that nothing else on the
# machine moves to trixie; only the named packages are taken from it with
# `-t trixie`.  Everything else comes from bookworm.  See shared DESIGN.md
# ("Why not Debian bookworm's Unicorn 2.0.1").
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" -ne 0 ]; then
    echo "setup.sh: must run as root (apt-get install)" >&2
    exit 1
fi

need_trixie=1
if [ -f /etc/apt/sources.list.d/pagemu-trixie.sources ]; then
    need_trixie=0
fi
if [ "$need_trixie" = 1 ]; then
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    cat > /etc/apt/sources.list.d/pagemu-trixie.sources <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: $keyring
SRC
fi
cat > /etc/apt/preferences.d/pagemu-trixie <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN

apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    build-essential autoconf automake libtool pkg-config check \
    musl-tools busybox-static bash-static zsh-static qemu-user-static file ca-certificates python3 \
    >/dev/null
apt-get install -y -qq --no-install-recommends -t trixie \
    libunicorn-dev libcapstone-dev >/dev/null
# afl-fuzz for tests/afl-fuzz.sh and the README's fuzzing session: bookworm's
# afl++ 4.04c (the trixie pin keeps 4.21c out).  It depends on clang-14,
# which pagemu itself does not use.
apt-get install -y -qq --no-install-recommends afl++ >/dev/null

pkg-config --modversion unicorn capstone check | paste -sd' ' \
    | sed 's/^/setup.sh: unicorn capstone check = /'
dpkg-query -W -f='setup.sh: afl++ = ${Version}\n' afl++
