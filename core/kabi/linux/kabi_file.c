// SPDX-License-Identifier: GPL-2.0
/* kabi/file.h over the VFS. The struct file is the handle: no wrapper allocation. */
#include <linux/blkdev.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/uio.h>
#include <linux/version.h>

#include "kabi/file.h"

#define KFILE(f) ((struct file *)(f))

int32_t kabi_file_open(const char *path, uint32_t flags, struct kabi_file **out)
{
	int oflags = O_LARGEFILE | ((flags & KABI_FILE_WRITE) ? O_RDWR : O_RDONLY);
	struct file *file;
	umode_t mode;

	if (!path || path[0] != '/')
		return -EINVAL;
	if (flags & KABI_FILE_CREATE)
		oflags |= O_CREAT;
	if (flags & KABI_FILE_DIRECT)
		oflags |= O_DIRECT;
	if (flags & KABI_FILE_DSYNC)
		oflags |= O_DSYNC;
	file = filp_open(path, oflags, 0600);
	if (IS_ERR(file))
		return PTR_ERR(file);
	mode = file_inode(file)->i_mode;
	if (!S_ISREG(mode) && !S_ISBLK(mode)) {
		filp_close(file, NULL);
		return S_ISDIR(mode) ? -EISDIR : -EINVAL;
	}
	*out = (struct kabi_file *)file;
	return 0;
}
EXPORT_SYMBOL_GPL(kabi_file_open);

void kabi_file_close(struct kabi_file *file)
{
	if (file)
		filp_close(KFILE(file), NULL);
}
EXPORT_SYMBOL_GPL(kabi_file_close);

int32_t kabi_mkdir(const char *path)
{
	struct dentry *dentry;
	struct path parent;
	int ret;

	if (!path || path[0] != '/')
		return -EINVAL;
	dentry = kern_path_create(AT_FDCWD, path, &parent, LOOKUP_DIRECTORY);
	if (IS_ERR(dentry))
		return PTR_ERR(dentry);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	ret = vfs_mkdir(mnt_idmap(parent.mnt), d_inode(parent.dentry), dentry, 0700);
#else
	ret = vfs_mkdir(mnt_user_ns(parent.mnt), d_inode(parent.dentry), dentry, 0700);
#endif
	done_path_create(&parent, dentry);
	return ret;
}
EXPORT_SYMBOL_GPL(kabi_mkdir);

int32_t kabi_file_get_info(struct kabi_file *file, struct kabi_file_info *out)
{
	struct inode *inode = KFILE(file)->f_mapping->host;

	out->size = i_size_read(inode);
	out->is_block_device = S_ISBLK(inode->i_mode);
	if (out->is_block_device) {
		struct block_device *bdev = I_BDEV(inode);

		out->logical_block_size = bdev_logical_block_size(bdev);
		out->volatile_cache = bdev_write_cache(bdev) && !(KFILE(file)->f_flags & O_DSYNC);
	} else {
		out->logical_block_size = 512;
		out->volatile_cache = !(KFILE(file)->f_flags & O_DSYNC);
	}
	return 0;
}
EXPORT_SYMBOL_GPL(kabi_file_get_info);

int32_t kabi_file_truncate(struct kabi_file *file, uint64_t size)
{
	if (!S_ISREG(file_inode(KFILE(file))->i_mode))
		return -EINVAL;
	if (size > LLONG_MAX)
		return -EFBIG;
	return vfs_truncate(&KFILE(file)->f_path, size);
}
EXPORT_SYMBOL_GPL(kabi_file_truncate);

static int kabi_file_check_range(uint64_t len, uint64_t off)
{
	if (len > MAX_RW_COUNT || off > LLONG_MAX || len > LLONG_MAX - off)
		return -EINVAL;
	return 0;
}

int64_t kabi_file_pread(struct kabi_file *file, void *buf, uint64_t len, uint64_t off)
{
	loff_t pos = off;
	int ret = kabi_file_check_range(len, off);

	if (ret)
		return ret;
	return kernel_read(KFILE(file), buf, len, &pos);
}
EXPORT_SYMBOL_GPL(kabi_file_pread);

int64_t kabi_file_pwrite(struct kabi_file *file, const void *buf, uint64_t len, uint64_t off)
{
	loff_t pos = off;
	int ret = kabi_file_check_range(len, off);

	if (ret)
		return ret;
	return kernel_write(KFILE(file), buf, len, &pos);
}
EXPORT_SYMBOL_GPL(kabi_file_pwrite);

/* The segment array is handed to iov_iter as kvecs: same layout, checked at build time. */
static int64_t kabi_file_rwv(struct kabi_file *file, const struct kabi_file_segment *segs,
			     uint32_t count, uint64_t off, unsigned int dir)
{
	struct iov_iter iter;
	loff_t pos = off;
	uint64_t len = 0, done = 0;
	ssize_t ret;
	uint32_t i;

	BUILD_BUG_ON(sizeof(struct kabi_file_segment) != sizeof(struct kvec));
	BUILD_BUG_ON(offsetof(struct kabi_file_segment, base) != offsetof(struct kvec, iov_base));
	BUILD_BUG_ON(offsetof(struct kabi_file_segment, len) != offsetof(struct kvec, iov_len));
	for (i = 0; i < count; i++) {
		if (segs[i].len > MAX_RW_COUNT)
			return -EINVAL;
		len += segs[i].len;
	}
	ret = kabi_file_check_range(len, off);
	if (ret)
		return ret;
	iov_iter_kvec(&iter, dir, (const struct kvec *)segs, count, len);
	while (iov_iter_count(&iter)) {
		if (dir == ITER_DEST) {
			ret = vfs_iter_read(KFILE(file), &iter, &pos, 0);
		} else {
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
			/* Freeze protection: vfs_iter_write takes it itself from 6.8 on. */
			file_start_write(KFILE(file));
			ret = vfs_iter_write(KFILE(file), &iter, &pos, 0);
			file_end_write(KFILE(file));
#else
			ret = vfs_iter_write(KFILE(file), &iter, &pos, 0);
#endif
		}
		if (ret < 0)
			return done ? (int64_t)done : ret;
		if (ret == 0)
			break;
		done += ret;
	}
	return done;
}

int64_t kabi_file_preadv(struct kabi_file *file, const struct kabi_file_segment *segs,
			 uint32_t count, uint64_t off)
{
	return kabi_file_rwv(file, segs, count, off, ITER_DEST);
}
EXPORT_SYMBOL_GPL(kabi_file_preadv);

int64_t kabi_file_pwritev(struct kabi_file *file, const struct kabi_file_segment *segs,
			  uint32_t count, uint64_t off)
{
	return kabi_file_rwv(file, segs, count, off, ITER_SOURCE);
}
EXPORT_SYMBOL_GPL(kabi_file_pwritev);

int32_t kabi_file_sync(struct kabi_file *file, uint64_t off, uint64_t len)
{
	loff_t end = LLONG_MAX;

	if (off > LLONG_MAX)
		return -EINVAL;
	if (len && len - 1 <= (uint64_t)(LLONG_MAX - off))
		end = off + len - 1;
	return vfs_fsync_range(KFILE(file), off, end, 1);
}
EXPORT_SYMBOL_GPL(kabi_file_sync);

int32_t kabi_file_punch_hole(struct kabi_file *file, uint64_t off, uint64_t len)
{
	if (off > LLONG_MAX || len > LLONG_MAX - off)
		return -EINVAL;
	return vfs_fallocate(KFILE(file), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len);
}
EXPORT_SYMBOL_GPL(kabi_file_punch_hole);
