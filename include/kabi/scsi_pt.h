/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SCSI devices of the local SCSI midlayer, for the pscsi backstore (module target_core_pscsi):
 * look a device up by host/channel/target/LUN, read what the midlayer knows of it, and run one
 * CDB on it as a block-layer passthrough request (scsi_alloc_request, blk_rq_map_kern,
 * blk_execute_rq), returning the status and sense as the device gave them.
 *
 * The kernel side is the pscsi module's own C glue (backstores/pscsi/target_core_pscsi.c);
 * the host side (core/kabi/host/kabi_host_sdev.cpp) has no SCSI devices (-ENODEV). All calls
 * sleep (process context, no spinlock held).
 */
#ifndef KABI_SCSI_PT_H
#define KABI_SCSI_PT_H

#include "kabi/types.h"

KABI_BEGIN_DECLS

struct kabi_sdev; /* a referenced scsi_device (scsi_device_get), valid until close */

/* -ENODEV when no such device exists (or it is being deleted). */
int32_t kabi_sdev_open(uint32_t host, uint32_t channel, uint32_t target, uint64_t lun,
		       struct kabi_sdev **out);
void kabi_sdev_close(struct kabi_sdev *sdev);

struct kabi_sdev_info {
	uint32_t type;           /* peripheral device type (0 disk, 1 tape, 5 cd/dvd, 8 changer) */
	uint32_t sector_size;    /* the midlayer's, 0 if unknown */
	uint32_t max_hw_sectors; /* min_not_zero(host max_sectors, queue max_hw_sectors) */
	uint32_t queue_depth;
	char vendor[9];          /* standard INQUIRY fields, NUL-terminated, not trimmed */
	char model[17];
	char rev[5];
	bool online;             /* accepting commands (SDEV_RUNNING) */
};
int32_t kabi_sdev_get_info(struct kabi_sdev *sdev, struct kabi_sdev_info *out);

enum kabi_sdev_dir {
	KABI_SDEV_NONE = 0,
	KABI_SDEV_FROM_DEVICE = 1, /* data-in: buf receives up to len bytes */
	KABI_SDEV_TO_DEVICE = 2,   /* data-out: buf holds len bytes */
};

struct kabi_sdev_result {
	uint8_t status;     /* SAM status byte as the device returned it */
	uint8_t host_byte;  /* the midlayer's host byte: 0 = the command reached the device */
	uint32_t resid;     /* bytes not transferred */
	uint32_t sense_len; /* bytes of sense (at most sizeof(sense)) */
	uint8_t sense[96];  /* SCSI_SENSE_BUFFERSIZE */
};

/* Runs cdb (1 to 32 bytes) with one contiguous kernel buffer (the direct map or vmalloc; len
 * 0 for none) and waits for it (timeout_ms per try; the midlayer retries up to retries times).
 * 0: the command was issued and *out says how it ended; a negative errno when it could not be
 * issued (-ENOMEM, -EINVAL for a transfer longer than the queue takes, -ENODEV for a device
 * that is gone). */
int32_t kabi_sdev_execute(struct kabi_sdev *sdev, const uint8_t *cdb, uint32_t cdb_len,
			  uint32_t dir, void *buf, uint32_t len, uint32_t timeout_ms,
			  uint32_t retries, struct kabi_sdev_result *out);

KABI_END_DECLS

#endif /* KABI_SCSI_PT_H */
