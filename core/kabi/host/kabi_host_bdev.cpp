// SPDX-License-Identifier: GPL-2.0
// kabi/bdev.h over POSIX: a "block device" is a regular file; its queue limits come from the
// test hooks (host_test_api.h), and failures can be injected.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <vector>

#include "host_test_api.h"
#include "kabi/bdev.h"

struct kabi_bdev {
	int fd;
};

namespace {

std::mutex g_lock;
kabi_bdev_info default_info() {
	kabi_bdev_info i{};
	i.logical_block_size = 512;
	i.max_hw_sectors = 255;
	i.nr_requests = 128;
	i.major = 7;
	return i;
}
kabi_bdev_info g_info = default_info();
uint64_t g_fail_nth = 0;
int32_t g_fail_err = 0;
HostBdevCounts g_counts;

// True when this call is the one chosen to fail.
bool take_failure(int32_t *err) {
	std::lock_guard<std::mutex> g(g_lock);
	if (g_fail_nth == 0)
		return false;
	if (--g_fail_nth)
		return false;
	*err = g_fail_err;
	return true;
}

} // namespace

void kabi_host_bdev_set_info(const kabi_bdev_info &info) {
	std::lock_guard<std::mutex> g(g_lock);
	g_info = info;
}

void kabi_host_bdev_reset() {
	std::lock_guard<std::mutex> g(g_lock);
	g_info = default_info();
	g_fail_nth = 0;
	g_counts = HostBdevCounts();
}

void kabi_host_bdev_fail_nth(uint64_t n, int32_t err) {
	std::lock_guard<std::mutex> g(g_lock);
	g_fail_nth = n;
	g_fail_err = err;
}

HostBdevCounts kabi_host_bdev_counts() {
	std::lock_guard<std::mutex> g(g_lock);
	return g_counts;
}

extern "C" {

int32_t kabi_bdev_open(const char *path, bool write, void *holder, struct kabi_bdev **out) {
	if (!path || path[0] != '/' || !holder)
		return -EINVAL;
	int fd = open(path, O_CLOEXEC | (write ? O_RDWR : O_RDONLY));
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOTBLK;
	}
	*out = new kabi_bdev{fd};
	return 0;
}

void kabi_bdev_close(struct kabi_bdev *bdev) {
	if (!bdev)
		return;
	close(bdev->fd);
	delete bdev;
}

int32_t kabi_bdev_get_info(struct kabi_bdev *bdev, struct kabi_bdev_info *out) {
	struct stat st;
	if (fstat(bdev->fd, &st) != 0)
		return -errno;
	std::lock_guard<std::mutex> g(g_lock);
	*out = g_info;
	out->size = static_cast<uint64_t>(st.st_size);
	snprintf(out->name, sizeof(out->name), "hostblk%d", bdev->fd);
	return 0;
}

int32_t kabi_bdev_rw(struct kabi_bdev *bdev, uint32_t flags, uint64_t off,
		     const struct kabi_bdev_segment *segs, uint32_t count) {
	uint64_t total = 0;
	std::vector<iovec> iov;
	for (uint32_t i = 0; i < count; i++) {
		total += segs[i].len;
		iov.push_back({segs[i].base, segs[i].len});
	}
	if ((off | total) & 511)
		return -EINVAL;
	{
		std::lock_guard<std::mutex> g(g_lock);
		bool write = flags & KABI_BDEV_WRITE;
		(write ? g_counts.writes : g_counts.reads)++;
		if (write && (flags & KABI_BDEV_FUA))
			g_counts.fua_writes++;
		g_counts.segments += count;
	}
	int32_t err;
	if (take_failure(&err))
		return -err;
	uint64_t done = 0;
	size_t first = 0;
	while (done < total && first < iov.size()) {
		ssize_t n = (flags & KABI_BDEV_WRITE)
				? pwritev(bdev->fd, iov.data() + first, static_cast<int>(iov.size() - first),
					  static_cast<off_t>(off + done))
				: preadv(bdev->fd, iov.data() + first, static_cast<int>(iov.size() - first),
					 static_cast<off_t>(off + done));
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; // past the end of the "device"
		done += static_cast<uint64_t>(n);
		uint64_t skip = static_cast<uint64_t>(n);
		while (first < iov.size() && skip >= iov[first].iov_len) {
			skip -= iov[first].iov_len;
			first++;
		}
		if (first < iov.size() && skip) {
			iov[first].iov_base = static_cast<char *>(iov[first].iov_base) + skip;
			iov[first].iov_len -= skip;
		}
	}
	return 0;
}

int32_t kabi_bdev_flush(struct kabi_bdev *bdev) {
	{
		std::lock_guard<std::mutex> g(g_lock);
		g_counts.flushes++;
	}
	int32_t err;
	if (take_failure(&err))
		return -err;
	return fdatasync(bdev->fd) == 0 ? 0 : -errno;
}

int32_t kabi_bdev_discard(struct kabi_bdev *bdev, uint64_t off, uint64_t len) {
	bool supported;
	{
		std::lock_guard<std::mutex> g(g_lock);
		g_counts.discards++;
		supported = g_info.max_discard_sectors != 0;
	}
	if ((off | len) & 511)
		return -EINVAL;
	if (!supported)
		return -EOPNOTSUPP;
	int32_t err;
	if (take_failure(&err))
		return -err;
	if (fallocate(bdev->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(off),
		      static_cast<off_t>(len)) != 0)
		return -errno;
	return 0;
}

int32_t kabi_bdev_write_zeroes(struct kabi_bdev *bdev, uint64_t off, uint64_t len) {
	{
		std::lock_guard<std::mutex> g(g_lock);
		g_counts.zeroes++;
	}
	if ((off | len) & 511)
		return -EINVAL;
	int32_t err;
	if (take_failure(&err))
		return -err;
	static const char zero[4096] = {};
	uint64_t done = 0;
	while (done < len) {
		size_t n = static_cast<size_t>(std::min<uint64_t>(len - done, sizeof(zero)));
		ssize_t w = pwrite(bdev->fd, zero, n, static_cast<off_t>(off + done));
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		done += static_cast<uint64_t>(w);
	}
	return 0;
}

} // extern "C"
