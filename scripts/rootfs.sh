#!/bin/sh
# Builds a busybox root filesystem in $1 from Debian's busybox-static.
# Idempotent: a tree that is already complete is left as it is.
set -eu
root=${1:?usage: rootfs.sh DIR}

if ! [ -x /bin/busybox ] || ! /bin/busybox --list >/dev/null 2>&1 \
    || ! file -L /bin/busybox 2>/dev/null | grep -q 'statically linked'; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static file >/dev/null
fi

# Bump when the tree's layout changes, so older trees are rebuilt.
layout=2
if [ "$(cat "$root/.complete" 2>/dev/null)" = "$layout" ] && cmp -s /bin/busybox "$root/bin/busybox"; then
    exit 0
fi

rm -rf "$root"
mkdir -p "$root"
cd "$root"
mkdir -p bin sbin usr/bin usr/sbin etc root tmp proc sys dev home var/tmp
chmod 1777 tmp var/tmp
chmod 700 root
cp /bin/busybox bin/busybox
for applet in $(bin/busybox --list-full); do
    [ -e "$applet" ] || ln -s /bin/busybox "$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > etc/passwd
printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n' > etc/group
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' > etc/hosts
echo "$layout" > .complete
