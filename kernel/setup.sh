#!/bin/sh
# npm run setup:kernel — install the Debian packages the kernel harness needs:
# QEMU and Debian's kernel (with headers, to build modules such as tcp_brutal
# for it), iperf3, iproute2, ethtool, busybox-static for the VM's initramfs,
# and a C compiler for the LD_PRELOAD shim and the sampler.
set -e
PKGS="qemu-system-x86 linux-image-amd64 linux-headers-amd64 iperf3 iproute2 ethtool busybox-static gcc make"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $PKGS
