/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Block devices opened by path, for the iblock backstore (module target_core_iblock): open
 * with an exclusive claim, the queue's limits, data as bios built from a scatter-gather list,
 * flush, discard and write-zeroes.
 *
 * The kernel side is the iblock module's own C glue (backstores/iblock/target_core_iblock.c),
 * not target_core_mod's exported boundary: nothing else uses it. It absorbs the open API's
 * change (6.1 blkdev_get_by_path/blkdev_put, 6.12 bdev_file_open_by_path/fput). The host side
 * (core/kabi/host/kabi_host_bdev.cpp) runs the same calls over a regular file, with error
 * injection for tests.
 *
 * All calls sleep (process context, no spinlock held). Errors are negative errnos; a failed
 * bio reports its block status as the kernel's blk_status_to_errno does: -ENODATA (medium
 * error), -ENOLINK (transport), -EOPNOTSUPP, -ENOSPC, -EILSEQ (protection information),
 * -ETIMEDOUT, -EBADE (nexus), -EREMOTEIO (target), -ENOMEM/-EBUSY/-EAGAIN (resources),
 * -EIO; and -ENODEV when the disk is gone (deleted, hot-unplugged) by the time it failed.
 */
#ifndef KABI_BDEV_H
#define KABI_BDEV_H

#include "kabi/types.h"

KABI_BEGIN_DECLS

struct kabi_bdev; /* an open, exclusively claimed block device */

/* Opens path (absolute) read-write, or read-only when !write, claimed exclusively by holder
 * (-EBUSY when another holder has it: a mounted file system, another iblock device). */
int32_t kabi_bdev_open(const char *path, bool write, void *holder, struct kabi_bdev **out);
void kabi_bdev_close(struct kabi_bdev *bdev);

struct kabi_bdev_info {
	uint64_t size;                     /* bytes */
	uint32_t logical_block_size;       /* bytes */
	uint32_t max_hw_sectors;           /* 512-byte sectors per request */
	uint32_t nr_requests;              /* the queue's depth */
	uint32_t max_discard_sectors;      /* 0: no discard */
	uint32_t discard_granularity;      /* bytes */
	uint32_t discard_alignment;        /* bytes */
	uint32_t max_write_zeroes_sectors; /* 0: no REQ_OP_WRITE_ZEROES (zeroout writes pages) */
	uint32_t major;
	uint32_t minor;
	bool nonrot;
	bool write_cache; /* volatile write cache: flushes matter */
	bool read_only;   /* the block device itself is read-only (BLKROSET, ro media) */
	char name[32];    /* the kernel's name of it: "ram0", "sdb1", "vda" */
};
int32_t kabi_bdev_get_info(struct kabi_bdev *bdev, struct kabi_bdev_info *out);

struct kabi_bdev_segment {
	void *base; /* kernel memory: the direct map or vmalloc */
	uint64_t len;
};

enum kabi_bdev_rw_flags {
	KABI_BDEV_WRITE = 1u << 0, /* else read */
	KABI_BDEV_FUA = 1u << 1,   /* REQ_FUA on every bio of the write */
};

/* Reads into or writes from the segments, in order one byte range from off (a multiple of
 * 512): every page piece is added to a bio (bio_add_page), a full bio is submitted and the
 * next one starts where it ended, all under one plug; returns when every bio has completed:
 * 0 or the first failure (see above). The total length is a multiple of 512 bytes, and so is
 * every point where one bio ends (-EINVAL otherwise: segments of odd lengths). */
int32_t kabi_bdev_rw(struct kabi_bdev *bdev, uint32_t flags, uint64_t off,
		     const struct kabi_bdev_segment *segs, uint32_t count);
/* An empty REQ_PREFLUSH write: the device's volatile cache is on stable media after it. */
int32_t kabi_bdev_flush(struct kabi_bdev *bdev);
/* Discards [off, off + len) (512-byte units): -EOPNOTSUPP without discard support. */
int32_t kabi_bdev_discard(struct kabi_bdev *bdev, uint64_t off, uint64_t len);
/* Zeroes [off, off + len): REQ_OP_WRITE_ZEROES where supported, else written zero pages;
 * the range stays allocated (BLKDEV_ZERO_NOUNMAP). */
int32_t kabi_bdev_write_zeroes(struct kabi_bdev *bdev, uint64_t off, uint64_t len);

KABI_END_DECLS

#endif /* KABI_BDEV_H */
