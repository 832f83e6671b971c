# SPDX-License-Identifier: GPL-2.0
# Objects of the device model, the core/<hba>/<device> configfs tree and the ramdisk backstore,
# linked into target_core_mod.
lio-device-objs := core/hba.o configfs/device_tree.o \
	backstores/ramdisk/ramdisk.o
