#!/bin/bash
# Build the busybox initramfs used by tools/vm-run for kernel KVER.
# Usage: tools/vm/mkinitramfs.sh KVER OUTPUT.cpio
# The initramfs loads the modules needed for virtio-9p + overlayfs, mounts the host's /
# (9p tag "root", read-only) under a tmpfs upper as overlayfs, and switch_roots into the
# program named by lio_init=PATH on the kernel command line (a script on the host's /).
# The cache key used by vm-run is KVER + the hash of this file: edit this file and every
# cached initramfs is rebuilt.
set -euo pipefail
KVER=$1 OUT=$2
BUSYBOX=/bin/busybox
[ -x $BUSYBOX ] || { echo "mkinitramfs: $BUSYBOX missing (apt-get install busybox-static)" >&2; exit 1; }
file -L $BUSYBOX 2>/dev/null | grep -q 'dynamically linked' && { echo "mkinitramfs: $BUSYBOX is not static" >&2; exit 1; }
[ -d "/lib/modules/$KVER" ] || { echo "mkinitramfs: /lib/modules/$KVER missing" >&2; exit 1; }

TMP=$(mktemp -d "${OUT}.tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
R=$TMP/root
mkdir -p "$R"/bin "$R"/dev "$R"/proc "$R"/sys "$R"/lower "$R"/upper "$R"/newroot "$R"/m
# init's stdin/stdout/stderr: the kernel opens /dev/console of the initramfs before devtmpfs
mknod -m 600 "$R"/dev/console c 5 1 2>/dev/null || true
cp $BUSYBOX "$R"/bin/busybox
for a in sh mount umount insmod mkdir cat echo switch_root poweroff sleep ls; do ln -s busybox "$R"/bin/$a; done

# Modules (in dependency order, each once). Debian 6.12 ships .ko.xz: decompress here so that
# busybox insmod (plain init_module) never has to handle compression.
: > "$R"/m/order
modprobe -a -S "$KVER" --show-depends virtio_pci 9pnet_virtio 9p overlay \
  | awk '$1=="insmod"{print $2}' | awk '!seen[$0]++' | while read -r f; do
    b=$(basename "$f"); b=${b%.xz}; b=${b%.zst}; b=${b%.gz}
    case $f in
        *.ko.xz)  xz -dc "$f" > "$R"/m/"$b" ;;
        *.ko.zst) zstd -qdc "$f" > "$R"/m/"$b" ;;
        *.ko.gz)  gzip -dc "$f" > "$R"/m/"$b" ;;
        *)        cp "$f" "$R"/m/"$b" ;;
    esac
    echo "$b" >> "$R"/m/order
done

cat > "$R"/init <<'INIT'
#!/bin/sh
fail() { echo "lio-vm initramfs: $*" > /dev/console; sleep 1; poweroff -f; sleep 5; }
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1   # in case mknod failed above
# accelerator probe by vm-run: reaching this line proves the kernel boots
case " $(cat /proc/cmdline) " in *" lio_probe "*) echo "LIO-PROBE-OK" > /dev/console; poweroff -f; sleep 5;; esac
for m in $(cat /m/order); do insmod /m/$m || fail "insmod $m failed"; done
LIO_INIT= CACHE=loose
for w in $(cat /proc/cmdline); do
    case $w in lio_init=*) LIO_INIT=${w#lio_init=};; lio_9pcache=*) CACHE=${w#lio_9pcache=};; esac
done
[ -n "$LIO_INIT" ] || fail "no lio_init= on the kernel command line"
# msize: the virtio transport caps it at 500 pages in 6.1; larger values are clamped
mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000,cache=$CACHE root /lower \
    || fail "cannot mount the 9p root (is -virtfs ...,mount_tag=root given?)"
mount -t tmpfs -o mode=0755 upper /upper || fail "tmpfs upper"
mkdir -p /upper/u /upper/w
mount -t overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w,index=off,xino=off,redirect_dir=off,metacopy=off overlay /newroot \
    || fail "overlay mount failed"
[ -x "/newroot$LIO_INIT" ] || fail "$LIO_INIT is not executable in the guest"
umount /proc /sys 2>/dev/null
umount /dev 2>/dev/null
exec switch_root /newroot "$LIO_INIT"
fail "switch_root failed"
INIT
chmod 755 "$R"/init
(cd "$R" && find . -print0 | sort -z | cpio --null -o -H newc --quiet --reproducible) > "$TMP"/out.cpio
mv -f "$TMP"/out.cpio "$OUT"
