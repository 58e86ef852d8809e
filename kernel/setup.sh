#!/bin/sh
# npm run setup:kernel — install the Debian packages the kernel harness needs
# (kernel/packages.txt): QEMU and Debian's kernel (with headers, to build
# modules such as tcp_brutal for it), iperf3, iproute2, ethtool,
# busybox-static for the VM's initramfs, and a C compiler for the LD_PRELOAD
# shim and the sampler. `sh kernel/setup.sh test/env/packages.txt` adds the
# packages only the tests need (npm run setup:test).
set -e
cd "$(dirname "$0")/.."
PKGS=$(cat kernel/packages.txt "$@" | sed 's/#.*//' | tr -s ' \n' ' ')
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update -q
# shellcheck disable=SC2086 # PKGS is a list of words
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $PKGS
