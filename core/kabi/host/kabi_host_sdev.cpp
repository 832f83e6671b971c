// SPDX-License-Identifier: GPL-2.0
// kabi/scsi_pt.h on the host: there is no SCSI midlayer, so no device can be found.
#include <cerrno>

#include "kabi/scsi_pt.h"

extern "C" {

int32_t kabi_sdev_open(uint32_t, uint32_t, uint32_t, uint64_t, struct kabi_sdev **) {
	return -ENODEV;
}

void kabi_sdev_close(struct kabi_sdev *) {}

int32_t kabi_sdev_get_info(struct kabi_sdev *, struct kabi_sdev_info *) { return -ENODEV; }

int32_t kabi_sdev_execute(struct kabi_sdev *, const uint8_t *, uint32_t, uint32_t, void *,
			  uint32_t, uint32_t, uint32_t, struct kabi_sdev_result *) {
	return -ENODEV;
}

} // extern "C"
