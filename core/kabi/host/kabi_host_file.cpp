// SPDX-License-Identifier: GPL-2.0
// kabi/file.h over POSIX: the handle wraps a file descriptor.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <climits>
#include <cstdint>
#include <vector>

#include "kabi/file.h"

struct kabi_file {
	int fd;
	bool dsync;
};

extern "C" {

int32_t kabi_file_open(const char *path, uint32_t flags, struct kabi_file **out) {
	if (!path || path[0] != '/')
		return -EINVAL;
	int oflags = O_CLOEXEC | ((flags & KABI_FILE_WRITE) ? O_RDWR : O_RDONLY);
	if (flags & KABI_FILE_CREATE)
		oflags |= O_CREAT;
	if (flags & KABI_FILE_DIRECT)
		oflags |= O_DIRECT;
	if (flags & KABI_FILE_DSYNC)
		oflags |= O_DSYNC;
	int fd = open(path, oflags, 0600);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) != 0 || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))) {
		int rc = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		close(fd);
		return rc;
	}
	*out = new kabi_file{fd, (flags & KABI_FILE_DSYNC) != 0};
	return 0;
}

int32_t kabi_mkdir(const char *path) {
	if (!path || path[0] != '/')
		return -EINVAL;
	return mkdir(path, 0700) == 0 ? 0 : -errno;
}

void kabi_file_close(struct kabi_file *file) {
	if (!file)
		return;
	close(file->fd);
	delete file;
}

int32_t kabi_file_get_info(struct kabi_file *file, struct kabi_file_info *out) {
	struct stat st;
	if (fstat(file->fd, &st) != 0)
		return -errno;
	out->is_block_device = S_ISBLK(st.st_mode);
	out->logical_block_size = 512;
	out->size = static_cast<uint64_t>(st.st_size);
	if (out->is_block_device) {
		uint64_t bytes = 0;
		int lbs = 0;
		if (ioctl(file->fd, BLKGETSIZE64, &bytes) != 0 || ioctl(file->fd, BLKSSZGET, &lbs) != 0)
			return -errno;
		out->size = bytes;
		out->logical_block_size = static_cast<uint32_t>(lbs);
	}
	out->volatile_cache = !file->dsync;
	return 0;
}

int32_t kabi_file_truncate(struct kabi_file *file, uint64_t size) {
	struct stat st;
	if (fstat(file->fd, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (size > static_cast<uint64_t>(LLONG_MAX))
		return -EFBIG;
	return ftruncate(file->fd, static_cast<off_t>(size)) == 0 ? 0 : -errno;
}

static bool range_ok(uint64_t len, uint64_t off) {
	return off <= static_cast<uint64_t>(LLONG_MAX) && len <= static_cast<uint64_t>(LLONG_MAX) - off &&
	       len <= 0x7ffff000u; // MAX_RW_COUNT, as the kernel
}

// Loops over short transfers so that the result is short only at end of file, as the kernel's.
int64_t kabi_file_pread(struct kabi_file *file, void *buf, uint64_t len, uint64_t off) {
	if (!range_ok(len, off))
		return -EINVAL;
	uint64_t done = 0;
	while (done < len) {
		ssize_t n = pread(file->fd, static_cast<char *>(buf) + done, len - done,
				  static_cast<off_t>(off + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return done ? static_cast<int64_t>(done) : -errno;
		}
		if (n == 0)
			break;
		done += static_cast<uint64_t>(n);
	}
	return static_cast<int64_t>(done);
}

int64_t kabi_file_pwrite(struct kabi_file *file, const void *buf, uint64_t len, uint64_t off) {
	if (!range_ok(len, off))
		return -EINVAL;
	uint64_t done = 0;
	while (done < len) {
		ssize_t n = pwrite(file->fd, static_cast<const char *>(buf) + done, len - done,
				   static_cast<off_t>(off + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return done ? static_cast<int64_t>(done) : -errno;
		}
		done += static_cast<uint64_t>(n);
	}
	return static_cast<int64_t>(done);
}

// As the kernel's: one range over the segments, looping over short transfers.
static int64_t file_rwv(struct kabi_file *file, const struct kabi_file_segment *segs,
			uint32_t count, uint64_t off, bool write) {
	std::vector<iovec> iov;
	uint64_t len = 0;
	for (uint32_t i = 0; i < count; i++) {
		if (segs[i].len > 0x7ffff000u)
			return -EINVAL;
		len += segs[i].len;
		if (segs[i].len)
			iov.push_back(iovec{segs[i].base, static_cast<size_t>(segs[i].len)});
	}
	if (!range_ok(len, off))
		return -EINVAL;
	uint64_t done = 0;
	size_t first = 0;
	while (done < len) {
		int n_iov = static_cast<int>(std::min<size_t>(iov.size() - first, IOV_MAX));
		ssize_t n = write ? pwritev(file->fd, iov.data() + first, n_iov,
					    static_cast<off_t>(off + done))
				  : preadv(file->fd, iov.data() + first, n_iov,
					   static_cast<off_t>(off + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return done ? static_cast<int64_t>(done) : -errno;
		}
		if (n == 0)
			break;
		done += static_cast<uint64_t>(n);
		// Drop what was moved from the front of the vector.
		size_t left = static_cast<size_t>(n);
		while (left && left >= iov[first].iov_len)
			left -= iov[first++].iov_len;
		if (left) {
			iov[first].iov_base = static_cast<char *>(iov[first].iov_base) + left;
			iov[first].iov_len -= left;
		}
	}
	return static_cast<int64_t>(done);
}

int64_t kabi_file_preadv(struct kabi_file *file, const struct kabi_file_segment *segs,
			 uint32_t count, uint64_t off) {
	return file_rwv(file, segs, count, off, false);
}

int64_t kabi_file_pwritev(struct kabi_file *file, const struct kabi_file_segment *segs,
			  uint32_t count, uint64_t off) {
	return file_rwv(file, segs, count, off, true);
}

int32_t kabi_file_sync(struct kabi_file *file, uint64_t off, uint64_t len) {
	if (off > static_cast<uint64_t>(LLONG_MAX))
		return -EINVAL;
	(void)len; // fdatasync covers the whole file: a superset of the range
	return fdatasync(file->fd) == 0 ? 0 : -errno;
}

int32_t kabi_file_punch_hole(struct kabi_file *file, uint64_t off, uint64_t len) {
	if (off > static_cast<uint64_t>(LLONG_MAX) || len > static_cast<uint64_t>(LLONG_MAX) - off)
		return -EINVAL;
	if (fallocate(file->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(off),
		      static_cast<off_t>(len)) != 0)
		return -errno;
	return 0;
}

} // extern "C"
