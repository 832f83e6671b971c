/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Files and block devices opened by path, for the fileio backstore: open, size, positional I/O,
 * stable-storage sync and hole punching. The kernel side is filp_open/kernel_read/
 * kernel_write/vfs_iter_read/vfs_iter_write/vfs_fsync_range/vfs_fallocate; the host side is
 * open/pread/pwrite/preadv/pwritev/fdatasync/fallocate. All calls may sleep (process context, no spinlock held).
 */
#ifndef KABI_FILE_H
#define KABI_FILE_H

#include "kabi/types.h"

KABI_BEGIN_DECLS

struct kabi_file; /* an open file or block device */

enum kabi_file_open_flags {
	KABI_FILE_WRITE = 1u << 0,  /* open read-write (else read-only) */
	KABI_FILE_CREATE = 1u << 1, /* create a regular file if missing (0600) */
	KABI_FILE_DIRECT = 1u << 2, /* O_DIRECT: bypass the page cache */
	KABI_FILE_DSYNC = 1u << 3,  /* O_DSYNC: every write is stable when it completes */
};

/* Opens path (absolute). 0 or a negative errno (-ENOENT, -EACCES, -EISDIR, ...). */
int32_t kabi_file_open(const char *path, uint32_t flags, struct kabi_file **out);
void kabi_file_close(struct kabi_file *file);

struct kabi_file_info {
	uint64_t size;               /* bytes: file size or block device capacity */
	uint32_t logical_block_size; /* block device's; 512 for regular files */
	bool is_block_device;
	bool volatile_cache;         /* writes need a flush to be stable (bdev write cache, or a
					regular file opened without DSYNC) */
};
int32_t kabi_file_get_info(struct kabi_file *file, struct kabi_file_info *out);

/* Creates directory path (absolute, mode 0700). 0, -EEXIST when it exists, or another
 * negative errno (-ENOENT: a parent is missing). Process context. */
int32_t kabi_mkdir(const char *path);

/* Grows or shrinks a regular file to size bytes (-EINVAL on a block device). */
int32_t kabi_file_truncate(struct kabi_file *file, uint64_t size);

/* Synchronous positional I/O over a flat buffer. Returns the bytes moved (short only at end
 * of file) or a negative errno. With KABI_FILE_DIRECT, buf, len and off must be aligned to the
 * logical block size (-EINVAL otherwise). */
int64_t kabi_file_pread(struct kabi_file *file, void *buf, uint64_t len, uint64_t off);
int64_t kabi_file_pwrite(struct kabi_file *file, const void *buf, uint64_t len, uint64_t off);

/* Vectored positional I/O: the segments in order are one range starting at off (the kernel
 * side is one iov_iter over kvecs, so a scatter-gather list is one VFS call). Total length at
 * most MAX_RW_COUNT (-EINVAL otherwise). Returns the bytes moved (short only at end of file)
 * or a negative errno. */
struct kabi_file_segment {
	void *base;
	uint64_t len;
};
int64_t kabi_file_preadv(struct kabi_file *file, const struct kabi_file_segment *segs,
			 uint32_t count, uint64_t off);
int64_t kabi_file_pwritev(struct kabi_file *file, const struct kabi_file_segment *segs,
			  uint32_t count, uint64_t off);

/* Makes [off, off + len) stable; len 0 means to the end. */
int32_t kabi_file_sync(struct kabi_file *file, uint64_t off, uint64_t len);

/* Deallocates [off, off + len) keeping the size (reads return zeroes after);
 * -EOPNOTSUPP where the file system or device cannot. */
int32_t kabi_file_punch_hole(struct kabi_file *file, uint64_t off, uint64_t len);

KABI_END_DECLS

#endif /* KABI_FILE_H */
