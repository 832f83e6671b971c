// SPDX-License-Identifier: GPL-2.0
/*
 * target_core_iblock: module glue of the iblock backstore and its block-device boundary
 * (kabi/bdev.h). The backend is C++ (backstores/iblock/iblock.cpp); this file alone includes
 * kernel headers: claiming the device by path (6.1 and 6.12 differ), bios over a command's
 * scatter-gather list, flush, discard and write-zeroes.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/completion.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kdev_t.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/version.h>

#include "kabi/bdev.h"
#include "kabi/modules.h"

#define KABI_BDEV_POOL 16

struct kabi_bdev {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	struct file *file; /* bdev_file_open_by_path: the claim lives with the file */
#else
	fmode_t mode;      /* blkdev_get_by_path: blkdev_put needs the same mode */
#endif
	struct block_device *bd;
	struct bio_set bs;
};

int32_t kabi_bdev_open(const char *path, bool write, void *holder, struct kabi_bdev **out)
{
	struct kabi_bdev *b;
	int ret;

	if (!path || path[0] != '/' || !holder)
		return -EINVAL;
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	ret = bioset_init(&b->bs, KABI_BDEV_POOL, 0, BIOSET_NEED_BVECS);
	if (ret)
		goto out_free;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	b->file = bdev_file_open_by_path(path, BLK_OPEN_READ | (write ? BLK_OPEN_WRITE : 0),
					 holder, NULL);
	if (IS_ERR(b->file)) {
		ret = PTR_ERR(b->file);
		goto out_bioset;
	}
	b->bd = file_bdev(b->file);
#else
	b->mode = FMODE_READ | FMODE_EXCL | (write ? FMODE_WRITE : 0);
	b->bd = blkdev_get_by_path(path, b->mode, holder);
	if (IS_ERR(b->bd)) {
		ret = PTR_ERR(b->bd);
		goto out_bioset;
	}
#endif
	*out = b;
	return 0;

out_bioset:
	bioset_exit(&b->bs);
out_free:
	kfree(b);
	return ret;
}

void kabi_bdev_close(struct kabi_bdev *b)
{
	if (!b)
		return;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	fput(b->file);
#else
	blkdev_put(b->bd, b->mode);
#endif
	bioset_exit(&b->bs);
	kfree(b);
}

int32_t kabi_bdev_get_info(struct kabi_bdev *b, struct kabi_bdev_info *out)
{
	struct block_device *bd = b->bd;
	struct request_queue *q = bdev_get_queue(bd);

	memset(out, 0, sizeof(*out));
	out->size = bdev_nr_bytes(bd);
	out->logical_block_size = bdev_logical_block_size(bd);
	out->max_hw_sectors = queue_max_hw_sectors(q);
	out->nr_requests = q->nr_requests;
	out->max_discard_sectors = bdev_max_discard_sectors(bd);
	out->discard_granularity = bdev_discard_granularity(bd);
	out->discard_alignment = bdev_discard_alignment(bd);
	out->max_write_zeroes_sectors = bdev_write_zeroes_sectors(bd);
	out->major = MAJOR(bd->bd_dev);
	out->minor = MINOR(bd->bd_dev);
	out->nonrot = bdev_nonrot(bd);
	out->write_cache = bdev_write_cache(bd);
	out->read_only = bdev_read_only(bd);
	snprintf(out->name, sizeof(out->name), "%pg", bd);
	return 0;
}

/* A bio's status after the disk went away says little (-EIO): say -ENODEV instead. */
static int kabi_bdev_error(struct kabi_bdev *b, int err)
{
	if (err && !disk_live(b->bd->bd_disk))
		return -ENODEV;
	return err;
}

/* Every bio of one kabi_bdev_rw call: the count of those in flight (plus one for the
 * submitter), the first failure, and the completion the submitter waits on. */
struct kabi_bdev_io {
	atomic_t pending;
	int error;
	struct completion done;
};

static void kabi_bdev_end_io(struct bio *bio)
{
	struct kabi_bdev_io *io = bio->bi_private;

	if (bio->bi_status)
		cmpxchg(&io->error, 0, blk_status_to_errno(bio->bi_status));
	bio_put(bio);
	if (atomic_dec_and_test(&io->pending))
		complete(&io->done);
}

static struct page *kabi_bdev_page(const u8 *p)
{
	if (is_vmalloc_addr(p))
		return vmalloc_to_page(p);
	return virt_to_page(p);
}

static unsigned short kabi_bdev_vecs(uint64_t left)
{
	return min_t(uint64_t, DIV_ROUND_UP(left, PAGE_SIZE) + 1, BIO_MAX_VECS);
}

int32_t kabi_bdev_rw(struct kabi_bdev *b, uint32_t flags, uint64_t off,
		     const struct kabi_bdev_segment *segs, uint32_t count)
{
	blk_opf_t opf = (flags & KABI_BDEV_WRITE) ? REQ_OP_WRITE : REQ_OP_READ;
	struct kabi_bdev_io io;
	struct blk_plug plug;
	struct bio *bio = NULL;
	uint64_t total = 0, left, pos = off;
	uint32_t i;
	int ret = 0;

	for (i = 0; i < count; i++)
		total += segs[i].len;
	if ((off | total) & (SECTOR_SIZE - 1))
		return -EINVAL;
	if (!total)
		return 0;
	if (flags & KABI_BDEV_WRITE) {
		if (flags & KABI_BDEV_FUA)
			opf |= REQ_FUA;
		opf |= REQ_SYNC | REQ_IDLE;
	}
	atomic_set(&io.pending, 1);
	io.error = 0;
	init_completion(&io.done);
	left = total;

	blk_start_plug(&plug);
	for (i = 0; i < count && !ret; i++) {
		const u8 *p = segs[i].base;
		uint64_t n = segs[i].len;

		while (n) {
			unsigned int in_page = min_t(uint64_t, n, PAGE_SIZE - offset_in_page(p));

			if (bio && bio_add_page(bio, kabi_bdev_page(p), in_page,
						offset_in_page(p)) == in_page)
				goto added;
			if (bio) { /* full: it must end on a sector boundary */
				if (bio->bi_iter.bi_size & (SECTOR_SIZE - 1)) {
					bio_put(bio);
					bio = NULL;
					ret = -EINVAL;
					break;
				}
				atomic_inc(&io.pending);
				submit_bio(bio);
			}
			bio = bio_alloc_bioset(b->bd, kabi_bdev_vecs(left), opf, GFP_NOIO, &b->bs);
			bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
			bio->bi_private = &io;
			bio->bi_end_io = kabi_bdev_end_io;
			if (bio_add_page(bio, kabi_bdev_page(p), in_page, offset_in_page(p)) !=
			    in_page) {
				bio_put(bio);
				bio = NULL;
				ret = -EIO;
				break;
			}
added:
			p += in_page;
			n -= in_page;
			pos += in_page;
			left -= in_page;
		}
	}
	if (bio) {
		atomic_inc(&io.pending);
		submit_bio(bio);
	}
	blk_finish_plug(&plug);
	if (!atomic_dec_and_test(&io.pending))
		wait_for_completion_io(&io.done);
	if (ret)
		return ret;
	return kabi_bdev_error(b, io.error);
}

int32_t kabi_bdev_flush(struct kabi_bdev *b)
{
	return kabi_bdev_error(b, blkdev_issue_flush(b->bd));
}

int32_t kabi_bdev_discard(struct kabi_bdev *b, uint64_t off, uint64_t len)
{
	if ((off | len) & (SECTOR_SIZE - 1))
		return -EINVAL;
	if (!bdev_max_discard_sectors(b->bd))
		return -EOPNOTSUPP;
	return kabi_bdev_error(b, blkdev_issue_discard(b->bd, off >> SECTOR_SHIFT,
						       len >> SECTOR_SHIFT, GFP_KERNEL));
}

int32_t kabi_bdev_write_zeroes(struct kabi_bdev *b, uint64_t off, uint64_t len)
{
	if ((off | len) & (SECTOR_SIZE - 1))
		return -EINVAL;
	return kabi_bdev_error(b, blkdev_issue_zeroout(b->bd, off >> SECTOR_SHIFT,
						       len >> SECTOR_SHIFT, GFP_KERNEL,
						       BLKDEV_ZERO_NOUNMAP));
}

static int __init target_core_iblock_init(void)
{
	int ret = lio_iblock_init((struct kabi_module *)THIS_MODULE);

	if (ret)
		pr_err("target_core_iblock: initialisation failed: %d\n", ret);
	return ret;
}

static void __exit target_core_iblock_exit(void)
{
	lio_iblock_exit();
}

module_init(target_core_iblock_init);
module_exit(target_core_iblock_exit);

MODULE_DESCRIPTION("lio-cxx IBLOCK backstore (LIO-compatible)");
MODULE_AUTHOR("lio-cxx developers");
MODULE_LICENSE("GPL");
MODULE_VERSION("lio-cxx-0.1");
