// SPDX-License-Identifier: GPL-2.0
#include "backstores/fileio/fileio.h"

#include "core/hba.h"
#include "kabi/modules.h"
#include "lio/log.h"
#include "lio/utility.h"

namespace lio::backstores {

constinit const FileioBackend g_fileio_backend;

Result<OwnPtr<core::Device>> FileioBackend::create_device(core::Hba &hba, StrView name) const {
	OwnPtr<FileioDevice> dev = TRY(try_make<FileioDevice>(Gfp::Kernel, hba, name));
	return OwnPtr<core::Device>(move(dev));
}

FileioDevice::FileioDevice(core::Hba &hba, StrView name) : Device(hba, name, g_fileio_backend) {}

FileioDevice::~FileioDevice() {
	pi_release_locked();
	ready_.store(false, MemoryOrder::Relaxed);
	kabi_file_close(file_);
	file_ = nullptr;
}

namespace {

// LIO's fd_buffered_io / fd_async_io: match_int, and only 1 is accepted.
Result<void> control_one(const core::Device &dev, StrView key, StrView value) {
	Result<u32> v = parse_u32(value, 10);
	if (v.is_error() || v.value() != 1) {
		log_err("fileio: %s/%s: control: bogus %.*s=%.*s value (only 1 is valid)\n",
			dev.hba().name(), dev.name(), static_cast<int>(key.size()), key.data(),
			static_cast<int>(value.size()), value.data());
		return Error::from_errno(KABI_EINVAL);
	}
	return {};
}

} // namespace

Result<void> FileioDevice::control_locked(StrView key, StrView value) {
	if (ready_.load(MemoryOrder::Relaxed)) {
		log_err("fileio: %s/%s: control parameters cannot change once the device is enabled\n",
			hba().name(), name());
		return Error::from_errno(KABI_EBUSY);
	}
	if (str_equal(key, "fd_dev_name")) {
		if (value.size() == 0 || value.size() >= kMaxDevName || value.data()[0] != '/') {
			log_err("fileio: %s/%s: control: fd_dev_name must be an absolute path of 1 to "
				"%u bytes\n",
				hba().name(), name(), kMaxDevName - 1);
			return Error::from_errno(KABI_EINVAL);
		}
		for (usize i = 0; i < value.size(); i++) {
			if (value.data()[i] == '\0') {
				log_err("fileio: %s/%s: control: fd_dev_name holds a NUL byte\n",
					hba().name(), name());
				return Error::from_errno(KABI_EINVAL);
			}
		}
		(void)str_copy(Span<char>(path_, sizeof(path_)), value); // bounded above
		has_path_ = true;
		return {};
	}
	if (str_equal(key, "fd_dev_size")) {
		Result<u64> v = parse_u64(value, 0);
		if (v.is_error()) {
			log_err("fileio: %s/%s: control: fd_dev_size=%.*s is not a number of bytes\n",
				hba().name(), name(), static_cast<int>(value.size()), value.data());
			return Error::from_errno(KABI_EINVAL);
		}
		dev_size_ = v.value();
		has_size_ = true;
		return {};
	}
	if (str_equal(key, "fd_buffered_io")) {
		TRY(control_one(*this, key, value));
		buffered_ = true;
		return {};
	}
	if (str_equal(key, "fd_async_io")) {
		TRY(control_one(*this, key, value));
		async_ = true;
		return {};
	}
	log_err("fileio: %s/%s: control: unknown parameter \"%.*s\" (fd_dev_name, fd_dev_size, "
		"fd_buffered_io, fd_async_io)\n",
		hba().name(), name(), static_cast<int>(key.size()), key.data());
	return Error::from_errno(KABI_EINVAL);
}

Result<void> FileioDevice::configure_locked(core::DeviceConfig &cfg) {
	if (!has_path_) {
		log_err("fileio: %s/%s: write fd_dev_name=<path> to control before enabling\n",
			hba().name(), name());
		return Error::from_errno(KABI_EINVAL);
	}
	u32 flags = KABI_FILE_WRITE | KABI_FILE_CREATE;
	if (!buffered_)
		flags |= KABI_FILE_DSYNC; // LIO's default: stable writes, no write cache
	kabi_file *file = nullptr;
	s32 ret = kabi_file_open(path_, flags, &file);
	if (ret < 0) {
		log_err("fileio: %s/%s: cannot open %s: %d\n", hba().name(), name(), path_, ret);
		return Error::from_kernel(ret);
	}
	kabi_file_info info{};
	ret = kabi_file_get_info(file, &info);
	if (ret < 0) {
		log_err("fileio: %s/%s: cannot query %s: %d\n", hba().name(), name(), path_, ret);
		kabi_file_close(file);
		return Error::from_kernel(ret);
	}
	u64 size;
	u32 block_size;
	if (info.is_block_device) {
		block_size = info.logical_block_size ? info.logical_block_size : kBlockSize;
		size = info.size;
		cfg.attrib.max_write_same_len = 0xffff;
	} else {
		if (!has_size_) {
			log_err("fileio: %s/%s: missing fd_dev_size= parameter, and %s is not a "
				"block device\n",
				hba().name(), name(), path_);
			kabi_file_close(file);
			return Error::from_errno(KABI_EINVAL);
		}
		block_size = kBlockSize;
		size = dev_size_;
		if (info.size < dev_size_) {
			ret = kabi_file_truncate(file, dev_size_);
			if (ret < 0) {
				log_err("fileio: %s/%s: cannot grow %s to %llu bytes: %d\n",
					hba().name(), name(), path_,
					static_cast<unsigned long long>(dev_size_), ret);
				kabi_file_close(file);
				return Error::from_kernel(ret);
			}
		}
		cfg.attrib.max_write_same_len = 0x1000;
	}
	size -= size % block_size;
	if (size == 0) {
		log_err("fileio: %s/%s: %s holds less than one %u-byte block\n", hba().name(), name(),
			path_, block_size);
		kabi_file_close(file);
		return Error::from_errno(KABI_EINVAL);
	}
	cfg.attrib.hw_block_size = block_size;
	cfg.attrib.hw_max_sectors = kMaxBytes / block_size;
	cfg.attrib.hw_queue_depth = kMaxQueueDepth;
	cfg.attrib.max_unmap_lba_count = 0x2000;
	cfg.attrib.max_unmap_block_desc_count = 1;
	cfg.attrib.unmap_granularity = 1;
	cfg.attrib.unmap_granularity_alignment = 0;
	if (buffered_)
		cfg.attrib.emulate_write_cache = 1; // LIO forces it with Buffered-WCE
	file_ = file;
	block_size_ = block_size;
	is_blockdev_ = info.is_block_device;
	size_ = size;
	fd_dev_id_ = hba().next_backend_dev_id();
	ready_.store(true, MemoryOrder::Release);
	return {};
}

s64 FileioDevice::show_params_locked(char *buf, usize size) {
	return kabi_snprintf(buf, size,
			     "TCM FILEIO ID: %u        File: %s  Size: %llu  Mode: %s Async: %d\n",
			     fd_dev_id_, path_, static_cast<unsigned long long>(dev_size_),
			     buffered_ ? "Buffered-WCE" : "O_DSYNC", async_ ? 1 : 0);
}

u64 FileioDevice::size_bytes() const {
	if (!ready_.load(MemoryOrder::Acquire))
		return 0;
	return size_;
}

Result<void> FileioDevice::begin_io(u64 offset, u64 len) const {
	if (!ready_.load(MemoryOrder::Acquire))
		return Error::from_errno(KABI_ENODEV);
	return check_range(offset, len);
}

Result<void> FileioDevice::fail_io(const char *op, s64 ret, u64 offset, u64 len) const {
	log_err("fileio: %s/%s: %s of %llu bytes at %llu in %s failed: %lld\n", hba().name(),
		name(), op, static_cast<unsigned long long>(len),
		static_cast<unsigned long long>(offset), path_, static_cast<long long>(ret));
	return Error::from_errno(KABI_EIO);
}

namespace {

// Segments per vectored call (a bounded stack array) and bytes per call (below the kernel's
// MAX_RW_COUNT). A larger DataBuf takes several calls.
constexpr u32 kMaxVecs = 16;
constexpr u64 kMaxChunk = 1ull << 30;

// Runs io(segs, count, pos, len) -> bytes moved over buf in batches of at most kMaxVecs
// segments and kMaxChunk bytes. Returns the bytes moved in all (short at end of file) or the
// first negative return.
template <typename Io> s64 vectored(const DataBuf &buf, u64 offset, Io &&io) {
	kabi_file_segment vec[kMaxVecs];
	u32 count = 0;
	u64 batch = 0; // bytes in vec
	u64 done = 0;  // bytes moved by earlier batches
	bool short_io = false;
	auto submit = [&]() -> s64 {
		s64 n = io(vec, count, offset + done, batch);
		if (n >= 0 && static_cast<u64>(n) < batch)
			short_io = true;
		if (n > 0)
			done += static_cast<u64>(n);
		count = 0;
		batch = 0;
		return n;
	};
	s64 err = 0;
	Result<void> r = buf.for_each_segment([&](MutableBytes seg) -> Result<void> {
		u64 at = 0;
		while (at < seg.size()) {
			if (count == kMaxVecs || batch == kMaxChunk) {
				s64 n = submit();
				if (n < 0 || short_io) {
					err = n;
					return Error::from_errno(KABI_EIO); // stops the walk
				}
			}
			u64 n = min(seg.size() - at, kMaxChunk - batch);
			vec[count++] = {seg.data() + at, n};
			batch += n;
			at += n;
		}
		return {};
	});
	if (r.is_error())
		return err < 0 ? err : static_cast<s64>(done);
	if (count) {
		s64 n = submit();
		if (n < 0)
			return n;
	}
	return static_cast<s64>(done);
}

} // namespace

Result<void> FileioDevice::read(u64 offset, const DataBuf &out) {
	TRY(begin_io(offset, out.size()));
	s64 got = vectored(out, offset, [&](kabi_file_segment *v, u32 n, u64 pos, u64) {
		return kabi_file_preadv(file_, v, n, pos);
	});
	if (got < 0)
		return fail_io("read", got, offset, out.size());
	// The file was shortened behind our back: the rest reads as zeroes.
	if (static_cast<u64>(got) < out.size())
		out.fill(static_cast<usize>(got), out.size() - static_cast<usize>(got), 0);
	return {};
}

Result<void> FileioDevice::write(u64 offset, const DataBuf &data, bool fua) {
	TRY(begin_io(offset, data.size()));
	s64 put = vectored(data, offset, [&](kabi_file_segment *v, u32 n, u64 pos, u64) {
		return kabi_file_pwritev(file_, v, n, pos);
	});
	if (put < 0 || static_cast<u64>(put) < data.size())
		return fail_io("write", put, offset, data.size());
	// O_DSYNC writes are stable already; buffered ones need the range written back.
	if (fua && buffered_ && data.size()) {
		s32 ret = kabi_file_sync(file_, offset, data.size());
		if (ret < 0)
			return fail_io("sync after FUA write", ret, offset, data.size());
	}
	return {};
}

Result<void> FileioDevice::flush() {
	if (!ready_.load(MemoryOrder::Acquire))
		return Error::from_errno(KABI_ENODEV);
	s32 ret = kabi_file_sync(file_, 0, 0);
	if (ret < 0)
		return fail_io("sync", ret, 0, size_);
	// The protection information is as volatile as the data (Buffered-WCE).
	if (pi_ready_.load(MemoryOrder::Acquire) && buffered_) {
		ret = kabi_file_sync(pi_file_, 0, 0);
		if (ret < 0)
			return fail_io("sync of protection information", ret, 0, 0);
	}
	return {};
}

Result<void> FileioDevice::write_zeroes(u64 offset, u64 len) {
	TRY(begin_io(offset, len));
	static constexpr u64 kSmall = 4096;
	static const u8 small_zeroes[kSmall] = {};
	constexpr u64 kBig = 256 * 1024;
	u8 *big = len > kSmall ? static_cast<u8 *>(zalloc_raw(kBig, Gfp::Kernel)) : nullptr;
	const u8 *zeroes = big ? big : small_zeroes;
	u64 chunk = big ? kBig : kSmall;
	u64 done = 0;
	Result<void> result;
	while (done < len) {
		u64 n = min(len - done, chunk);
		s64 put = kabi_file_pwrite(file_, zeroes, n, offset + done);
		if (put <= 0) {
			result = fail_io("write of zeroes", put, offset + done, n);
			break;
		}
		done += static_cast<u64>(put);
	}
	free_raw(big);
	return result;
}

// LIO: fallocate(PUNCH_HOLE | KEEP_SIZE) on a file, a discard on a block device (the block
// device's fallocate zeroes or discards). Where the file system cannot punch holes, the range
// is written with zeroes so that it still reads back as zeroes.
Result<void> FileioDevice::unmap(u64 offset, u64 len) {
	TRY(begin_io(offset, len));
	if (len == 0)
		return {};
	s32 ret = kabi_file_punch_hole(file_, offset, len);
	if (ret == -KABI_EOPNOTSUPP)
		return write_zeroes(offset, len);
	if (ret < 0)
		return fail_io("unmap", ret, offset, len);
	if (!buffered_) {
		// O_DSYNC covers writes only; make the deallocation stable as well.
		ret = kabi_file_sync(file_, offset, len);
		if (ret < 0)
			return fail_io("sync after unmap", ret, offset, len);
	}
	return {};
}

// ---- protection information ----

Result<void> FileioDevice::fill_pi(u64 from, u64 to) {
	constexpr u64 kChunk = 4096;
	u8 *buf = static_cast<u8 *>(alloc_raw(kChunk, Gfp::Kernel));
	if (!buf)
		return Error::from_errno(KABI_ENOMEM);
	__builtin_memset(buf, 0xff, kChunk);
	Result<void> result;
	for (u64 pos = from; pos < to;) {
		u64 n = min(to - pos, kChunk);
		s64 put = kabi_file_pwrite(pi_file_, buf, n, pos);
		if (put <= 0) {
			result = fail_io("format of protection information", put, pos, n);
			break;
		}
		pos += static_cast<u64>(put);
	}
	free_raw(buf);
	return result;
}

Result<void> FileioDevice::pi_setup_locked(u32 block_size) {
	if (!ready_.load(MemoryOrder::Acquire))
		return Error::from_errno(KABI_ENODEV);
	if (is_blockdev_) {
		log_err("fileio: %s/%s: protection information is kept for regular files only\n",
			hba().name(), name());
		return Error::from_errno(KABI_ENOSYS);
	}
	if (block_size < kBlockSize)
		return Error::from_errno(KABI_EINVAL);
	char pi_path[kMaxDevName + 16];
	s64 len = kabi_snprintf(pi_path, sizeof(pi_path), "%s%s", path_, kPiSuffix);
	if (len < 0 || static_cast<u64>(len) >= sizeof(pi_path))
		return Error::from_errno(KABI_ENAMETOOLONG);
	if (!pi_file_) {
		u32 flags = KABI_FILE_WRITE | KABI_FILE_CREATE;
		if (!buffered_)
			flags |= KABI_FILE_DSYNC;
		s32 ret = kabi_file_open(pi_path, flags, &pi_file_);
		if (ret < 0) {
			log_err("fileio: %s/%s: cannot open %s: %d\n", hba().name(), name(), pi_path,
				ret);
			pi_file_ = nullptr;
			return Error::from_kernel(ret);
		}
	}
	kabi_file_info info{};
	s32 ret = kabi_file_get_info(pi_file_, &info);
	u64 want = size_ / block_size * kPiTupleBytes;
	Result<void> r;
	if (ret < 0)
		r = Error::from_kernel(ret);
	else if (info.size < want)
		r = fill_pi(info.size, want); // first setup: the new tuples are formatted
	if (r.is_error()) {
		log_err("fileio: %s/%s: cannot prepare %s: %d\n", hba().name(), name(), pi_path,
			r.error().errno_value());
		kabi_file_close(pi_file_);
		pi_file_ = nullptr;
		return r;
	}
	pi_block_size_ = block_size;
	pi_ready_.store(true, MemoryOrder::Release);
	return {};
}

void FileioDevice::pi_release_locked() {
	pi_ready_.store(false, MemoryOrder::Release);
	if (pi_file_)
		kabi_file_close(pi_file_);
	pi_file_ = nullptr;
}

Result<void> FileioDevice::pi_format_locked() {
	if (!pi_ready_.load(MemoryOrder::Acquire))
		return Error::from_errno(KABI_ENODEV);
	return fill_pi(0, size_ / pi_block_size_ * kPiTupleBytes);
}

Result<void> FileioDevice::begin_pi(u64 block, u64 bytes) const {
	if (!pi_ready_.load(MemoryOrder::Acquire))
		return Error::from_errno(KABI_ENODEV);
	u64 blocks = size_ / pi_block_size_;
	if (bytes % kPiTupleBytes || block > blocks || bytes / kPiTupleBytes > blocks - block)
		return Error::from_errno(KABI_EINVAL);
	return {};
}

Result<void> FileioDevice::read_pi(u64 block, MutableBytes out) {
	TRY(begin_pi(block, out.size()));
	u64 off = block * kPiTupleBytes;
	s64 got = kabi_file_pread(pi_file_, out.data(), out.size(), off);
	if (got < 0)
		return fail_io("read of protection information", got, off, out.size());
	// A side file shortened behind our back: the rest is unformatted, read as the escape.
	if (static_cast<u64>(got) < out.size())
		__builtin_memset(out.data() + got, 0xff, out.size() - static_cast<u64>(got));
	return {};
}

Result<void> FileioDevice::write_pi(u64 block, Bytes in, bool fua) {
	TRY(begin_pi(block, in.size()));
	u64 off = block * kPiTupleBytes;
	s64 put = kabi_file_pwrite(pi_file_, in.data(), in.size(), off);
	if (put < 0 || static_cast<u64>(put) < in.size())
		return fail_io("write of protection information", put, off, in.size());
	if (fua && buffered_ && in.size()) {
		s32 ret = kabi_file_sync(pi_file_, off, in.size());
		if (ret < 0)
			return fail_io("sync of protection information", ret, off, in.size());
	}
	return {};
}

} // namespace lio::backstores

// Module entry points (backstores/fileio/target_core_file.c).
extern "C" int32_t lio_fileio_init(struct kabi_module *self) {
	auto *backend = reinterpret_cast<struct lio_backend *>(
	    const_cast<lio::core::Backend *>(
		static_cast<const lio::core::Backend *>(&lio::backstores::g_fileio_backend)));
	return kabi_backend_register(backend, self);
}

extern "C" void lio_fileio_exit(void) {
	auto *backend = reinterpret_cast<struct lio_backend *>(
	    const_cast<lio::core::Backend *>(
		static_cast<const lio::core::Backend *>(&lio::backstores::g_fileio_backend)));
	kabi_backend_unregister(backend);
}
