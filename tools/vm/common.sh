# shellcheck shell=bash
# Helpers for tools/vm-run (sourced, bash).  VM_DIR=tools/vm and VM_CACHE=build/vm must be set.

vm_log() { echo "vm-run: $*" >&2; }

# vm_select_kernel SPEC [MODULES_DIR] -> prints a KVER that has /boot/vmlinuz-KVER and
# /lib/modules/KVER.  SPEC: 6.1 | 6.12 | a full KVER.  With MODULES_DIR, a series SPEC
# prefers the newest KVER that the staging tree has modules for.
vm_select_kernel() {
    local spec=$1 mods=${2:-} k cands=()
    if [ -e "/boot/vmlinuz-$spec" ] && [ -d "/lib/modules/$spec" ]; then echo "$spec"; return 0; fi
    for k in /lib/modules/*; do
        k=${k#/lib/modules/}
        # "6.1" selects 6.1.0-56-amd64 but not 6.12.x: the series must be followed by '.'
        case $k in "$spec".*) ;; *) continue ;; esac
        [ -e "/boot/vmlinuz-$k" ] || continue
        cands+=("$k")
    done
    [ ${#cands[@]} -gt 0 ] || return 1
    if [ -n "$mods" ]; then
        for k in $(printf '%s\n' "${cands[@]}" | sort -uVr); do
            [ -d "$mods/lib/modules/$k" ] && { echo "$k"; return 0; }
        done
    fi
    printf '%s\n' "${cands[@]}" | sort -uV | tail -n 1
}

# vm_initramfs KVER -> prints the path of the cached initramfs, building it if needed.
vm_initramfs() {
    local kver=$1 h f
    h=$(cat "$VM_DIR/mkinitramfs.sh" /bin/busybox | sha256sum | cut -c1-12)
    f=$VM_CACHE/initramfs-$kver-$h.cpio
    if [ ! -s "$f" ]; then
        vm_log "building initramfs for $kver -> ${f#"$REPO"/}"
        rm -f "$VM_CACHE"/initramfs-"$kver"-*.cpio
        "$VM_DIR/mkinitramfs.sh" "$kver" "$f" >&2 || return 1
    fi
    echo "$f"
}

# vm_accel KVER INITRAMFS -> prints "kvm" or "tcg".  env LIO_ACCEL=kvm|tcg|auto (default auto).
# auto: probe KVM once per host boot (cached in build/vm): a firmware-only start that must
# survive 2 s (nested KVM here aborts on an MSR at once), then a real kernel boot (30 s cap).
vm_accel() {
    local kver=$1 initrd=$2 want=${LIO_ACCEL:-auto} key cache rc
    case $want in
        kvm|tcg) echo "$want"; return 0 ;;
        auto|"") ;;
        *) vm_log "LIO_ACCEL must be kvm, tcg or auto (got '$want')"; return 1 ;;
    esac
    if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then echo tcg; return 0; fi
    key=$( { cat /proc/sys/kernel/random/boot_id; uname -r; qemu-system-x86_64 --version | head -1; } | sha256sum | cut -c1-12)
    cache=$VM_CACHE/accel-$key
    if [ -s "$cache" ]; then cat "$cache"; return 0; fi
    rm -f "$VM_CACHE"/accel-*
    local result=tcg
    timeout -s KILL 2 qemu-system-x86_64 -accel kvm -cpu host -m 64 -display none -nodefaults \
        -serial none -monitor none -no-reboot -nic none </dev/null >/dev/null 2>&1
    rc=$?
    if [ $rc = 137 ] || [ $rc = 124 ]; then
        local log
        log=$(mktemp "$VM_CACHE/probe.XXXXXX")
        timeout -s KILL 30 qemu-system-x86_64 -accel kvm -cpu host -m 256 -smp 1 -display none \
            -nodefaults -serial "file:$log" -monitor none -no-reboot -nic none \
            -kernel "/boot/vmlinuz-$kver" -initrd "$initrd" \
            -append "console=ttyS0 panic=-1 quiet lio_probe" </dev/null >/dev/null 2>&1
        grep -q LIO-PROBE-OK "$log" && result=kvm
        rm -f "$log"
    fi
    vm_log "accelerator probe: $result (cached for this host boot in ${cache#"$REPO"/})"
    echo "$result" > "$cache"
    echo "$result"
}

# vm_kernel_image KVER -> prints the image for qemu -kernel: an uncompressed vmlinux extracted
# once into build/vm (booted through its PVH note: ~4 s faster per boot under TCG than the
# bzImage, which decompresses itself in the guest), or /boot/vmlinuz-KVER when that fails or
# env LIO_VM_PVH=0.
vm_kernel_image() {
    local kver=$1 bz=/boot/vmlinuz-$1 elf=$VM_CACHE/vmlinux-$1
    if [ "${LIO_VM_PVH:-1}" = 0 ]; then echo "$bz"; return 0; fi
    if [ ! -s "$elf" ] || [ "$bz" -nt "$elf" ]; then
        vm_log "extracting vmlinux from $bz (once, for PVH boot)"
        if ! "$VM_DIR/extract-vmlinux" "$bz" "$elf" >&2 ||
           ! LC_ALL=C readelf -n "$elf" 2>/dev/null | grep -q 'Xen.*(0x00000012)'; then
            vm_log "no PVH-bootable vmlinux: booting the bzImage"
            rm -f "$elf"; echo "$bz"; return 0
        fi
    fi
    echo "$elf"
}

# vm_depmod KVER MODS DEST: build the module index (modules.dep.bin, modules.alias.bin, ...)
# for the stock tree of KVER plus MODS/lib/modules/KVER/updates, on the host, and copy the
# modules.* files into DEST. depmod inside a TCG guest reads all ~4000 modules over 9p (25 s);
# on the host it takes 0.7 s (6.1) to 6 s (6.12: it must unxz every module). Results are
# cached in build/vm/depmod-KVER-HASH, HASH covering the content of every file in updates/.
# Work dirs are build/vm/depmod-tmp.PID.* ($$ = the vm-run process, which removes its own).
vm_depmod() {
    local kver=$1 mods=$2 dest=$3 h cache base
    h=$( { echo "$kver"; sha256sum "/lib/modules/$kver/modules.order"
           cd "$mods/lib/modules/$kver/updates" && find -L . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum; } \
         | sha256sum | cut -c1-16)
    cache=$VM_CACHE/depmod-$kver-$h
    if [ ! -s "$cache/modules.dep.bin" ]; then
        # never let an empty $base turn the paths below into the host's /lib/modules
        mkdir -p "$VM_CACHE" && base=$(mktemp -d "$VM_CACHE/depmod-tmp.$$.XXXXXX") || return 1
        case $base in "$VM_CACHE"/depmod-tmp.*) ;; *) return 1 ;; esac
        mkdir -p "$base/lib/modules/$kver" || return 1
        ln -sT "/lib/modules/$kver/kernel" "$base/lib/modules/$kver/kernel" || return 1
        ln -sT "$mods/lib/modules/$kver/updates" "$base/lib/modules/$kver/updates" || return 1
        for f in modules.order modules.builtin modules.builtin.modinfo; do
            [ -e "/lib/modules/$kver/$f" ] && cp "/lib/modules/$kver/$f" "$base/lib/modules/$kver/"
        done
        # bounded in time and output: a runaway depmod (e.g. a symlink loop under
        # /lib/modules) once wrote 79 GB of warnings and filled the disk
        timeout --foreground 300 depmod -b "$base" "$kver" 2>&1 | head -c 200000 >"$base/depmod.log"
        if [ "${PIPESTATUS[0]}" != 0 ]; then
            cat "$base/depmod.log" >&2; rm -rf "$base"; return 1
        fi
        # depmod warnings (e.g. unknown symbols) are worth seeing: print them once
        [ -s "$base/depmod.log" ] && sed 's/^/vm-run: depmod: /' "$base/depmod.log" >&2
        mkdir -p "$base/out"
        cp "$base/lib/modules/$kver"/modules.*  "$base/out/"
        rm -f "$base/out/modules.order" "$base/out/modules.builtin" "$base/out/modules.builtin.modinfo"
        if ! mv -T "$base/out" "$cache" 2>/dev/null; then :; fi   # a parallel run may have won
        rm -rf "$base"
        # keep the 6 newest caches
        find "$VM_CACHE" -maxdepth 1 -name 'depmod-*-*' ! -name 'depmod-tmp.*' -printf '%T@ %p\n' \
            | sort -rn | tail -n +7 | cut -d' ' -f2- | xargs -r rm -rf
    fi
    mkdir -p "$dest" && cp "$cache"/modules.* "$dest/"
}
