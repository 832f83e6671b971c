// SPDX-License-Identifier: GPL-2.0
#include "backstores/iblock/iblock.h"

#include "core/hba.h"
#include "core/scsi/sense.h"
#include "kabi/modules.h"
#include "lio/alloc.h"
#include "lio/log.h"
#include "lio/utility.h"

namespace lio::backstores {

constinit const IblockBackend g_iblock_backend;

Result<OwnPtr<core::Device>> IblockBackend::create_device(core::Hba &hba, StrView name) const {
	OwnPtr<IblockDevice> dev = TRY(try_make<IblockDevice>(Gfp::Kernel, hba, name));
	return OwnPtr<core::Device>(move(dev));
}

IblockDevice::IblockDevice(core::Hba &hba, StrView name) : Device(hba, name, g_iblock_backend) {}

IblockDevice::~IblockDevice() {
	ready_.store(false, MemoryOrder::Relaxed);
	kabi_bdev_close(bdev_);
	bdev_ = nullptr;
}

Result<void> IblockDevice::control_locked(StrView key, StrView value) {
	if (ready_.load(MemoryOrder::Relaxed)) {
		log_err("iblock: %s/%s: control parameters cannot change once the device is enabled\n",
			hba().name(), name());
		return Error::from_errno(KABI_EBUSY);
	}
	if (str_equal(key, "udev_path")) {
		if (value.size() == 0 || value.size() >= kMaxPath || value.data()[0] != '/') {
			log_err("iblock: %s/%s: control: udev_path must be an absolute path of 1 to "
				"%u bytes\n",
				hba().name(), name(), kMaxPath - 1);
			return Error::from_errno(KABI_EINVAL);
		}
		for (usize i = 0; i < value.size(); i++) {
			if (value.data()[i] == '\0') {
				log_err("iblock: %s/%s: control: udev_path holds a NUL byte\n",
					hba().name(), name());
				return Error::from_errno(KABI_EINVAL);
			}
		}
		(void)str_copy(Span<char>(path_, sizeof(path_)), value); // bounded above
		has_path_ = true;
		return {};
	}
	if (str_equal(key, "readonly")) {
		Result<u32> v = parse_u32(value, 0);
		if (v.is_error() || v.value() > 1) {
			log_err("iblock: %s/%s: control: readonly=%.*s (0 or 1)\n", hba().name(),
				name(), static_cast<int>(value.size()), value.data());
			return Error::from_errno(KABI_EINVAL);
		}
		readonly_ = v.value() == 1;
		return {};
	}
	if (str_equal(key, "force"))
		return {}; // LIO accepts and ignores it
	log_err("iblock: %s/%s: control: unknown parameter \"%.*s\" (udev_path, readonly, force)\n",
		hba().name(), name(), static_cast<int>(key.size()), key.data());
	return Error::from_errno(KABI_EINVAL);
}

Result<void> IblockDevice::configure_locked(core::DeviceConfig &cfg) {
	if (!has_path_) {
		log_err("iblock: %s/%s: write udev_path=<block device> to control before enabling\n",
			hba().name(), name());
		return Error::from_errno(KABI_EINVAL);
	}
	kabi_bdev *bdev = nullptr;
	s32 ret = kabi_bdev_open(path_, !readonly_, this, &bdev);
	if (ret < 0) {
		log_err("iblock: %s/%s: cannot claim %s%s: %d\n", hba().name(), name(), path_,
			readonly_ ? " read-only" : "", ret);
		return Error::from_kernel(ret);
	}
	kabi_bdev_info info{};
	ret = kabi_bdev_get_info(bdev, &info);
	u32 bs = info.logical_block_size;
	if (ret == 0 && (bs < 512 || bs > 65536 || (bs & (bs - 1)) || info.size < bs))
		ret = -KABI_EINVAL;
	if (ret < 0) {
		log_err("iblock: %s/%s: %s: unusable geometry (%llu bytes of %u-byte blocks): %d\n",
			hba().name(), name(), path_, static_cast<unsigned long long>(info.size), bs,
			ret);
		kabi_bdev_close(bdev);
		return Error::from_kernel(ret);
	}
	u32 shift = static_cast<u32>(__builtin_ctz(bs)) - 9; // 512-byte sectors per block, log2
	core::DeviceAttrib &a = cfg.attrib;
	a.hw_block_size = bs;
	a.hw_max_sectors = info.max_hw_sectors >> shift;
	a.hw_queue_depth = info.nr_requests;
	a.max_write_same_len =
	    info.max_write_zeroes_sectors ? info.max_write_zeroes_sectors >> shift : kNoWriteZeroesLen;
	if (info.nonrot)
		a.is_nonrot = 1;
	if (info.max_discard_sectors) {
		a.max_unmap_lba_count = info.max_discard_sectors >> shift;
		a.max_unmap_block_desc_count = 1;
		a.unmap_granularity = info.discard_granularity / bs;
		a.unmap_granularity_alignment = info.discard_alignment / bs;
	}
	info_ = info;
	bdev_ = bdev;
	size_ = info.size - info.size % bs;
	ready_.store(true, MemoryOrder::Release);
	return {};
}

// LIO's format: "iBlock device: <name>  UDEV PATH: <path>  readonly: <0|1>" and the major and
// minor numbers on a second line, "CLAIMED: IBLOCK" once the device is claimed.
s64 IblockDevice::show_params_locked(char *buf, usize size) {
	bool claimed = ready_.load(MemoryOrder::Acquire);
	s64 n = 0;
	auto put = [&](s64 r) {
		if (r > 0)
			n += r;
		if (static_cast<usize>(n) > size)
			n = static_cast<s64>(size);
	};
	if (claimed)
		put(kabi_snprintf(buf + n, size - static_cast<usize>(n), "iBlock device: %s",
				  info_.name));
	if (has_path_)
		put(kabi_snprintf(buf + n, size - static_cast<usize>(n), "  UDEV PATH: %s", path_));
	put(kabi_snprintf(buf + n, size - static_cast<usize>(n), "  readonly: %d\n",
			  readonly_ ? 1 : 0));
	if (claimed)
		put(kabi_snprintf(buf + n, size - static_cast<usize>(n),
				  "        Major: %u Minor: %u  CLAIMED: IBLOCK\n", info_.major,
				  info_.minor));
	else
		put(kabi_snprintf(buf + n, size - static_cast<usize>(n),
				  "        Major: 0 Minor: 0\n"));
	return n;
}

u64 IblockDevice::size_bytes() const {
	if (!ready_.load(MemoryOrder::Acquire))
		return 0;
	return size_;
}

Result<void> IblockDevice::begin_io(u64 offset, u64 len) const {
	if (!ready_.load(MemoryOrder::Acquire))
		return Error::from_errno(KABI_ENODEV);
	return check_range(offset, len);
}

Error IblockDevice::error_for(s32 ret, bool write) {
	using scsi::SenseReason;
	SenseReason r;
	switch (-ret) {
	case KABI_ENOLINK:    // BLK_STS_TRANSPORT
	case KABI_EBADE:      // BLK_STS_NEXUS
	case KABI_EREMOTEIO:  // BLK_STS_TARGET
	case KABI_ETIMEDOUT:  // BLK_STS_TIMEOUT
	case KABI_ENODEV:     // the disk is gone (BLK_STS_OFFLINE, deleted)
	case KABI_ENXIO:
		r = SenseReason::kLunCommunicationFailure;
		break;
	case KABI_EOPNOTSUPP: // BLK_STS_NOTSUPP
		r = SenseReason::kInvalidOpcode;
		break;
	case KABI_ENOSPC:     // BLK_STS_NOSPC
		r = SenseReason::kSpaceAllocationFailedWriteProtect;
		break;
	case KABI_EILSEQ:     // BLK_STS_PROTECTION
		r = SenseReason::kLogicalBlockGuardCheckFailed;
		break;
	case KABI_ENOMEM:     // BLK_STS_RESOURCE
	case KABI_EBUSY:      // BLK_STS_DEV_RESOURCE
	case KABI_EAGAIN:     // BLK_STS_AGAIN
		r = SenseReason::kInsufficientResources;
		break;
	case KABI_EROFS:
		r = SenseReason::kWriteProtected;
		break;
	default:              // BLK_STS_MEDIUM (-ENODATA), BLK_STS_IOERR and the rest
		r = write ? SenseReason::kWriteError : SenseReason::kUnrecoveredReadError;
		break;
	}
	return scsi::sense_error(r);
}

Result<void> IblockDevice::fail_io(const char *op, s32 ret, u64 offset, u64 len,
				   bool write) const {
	log_err("iblock: %s/%s: %s of %llu bytes at %llu on %s failed: %d\n", hba().name(), name(),
		op, static_cast<unsigned long long>(len), static_cast<unsigned long long>(offset),
		path_, ret);
	return error_for(ret, write);
}

namespace {
constexpr u32 kStackSegs = 16;
} // namespace

// One command's data in one call: the segments of buf as an array (on the stack when few).
Result<void> IblockDevice::rw(u64 offset, const DataBuf &buf, u32 flags) {
	bool write = (flags & KABI_BDEV_WRITE) != 0;
	TRY(begin_io(offset, buf.size()));
	if (buf.empty())
		return {};
	u32 count = 0;
	(void)buf.for_each_segment([&](MutableBytes) -> Result<void> {
		count++;
		return {};
	});
	kabi_bdev_segment stack[kStackSegs];
	kabi_bdev_segment *segs = stack;
	if (count > kStackSegs) {
		segs = static_cast<kabi_bdev_segment *>(
		    alloc_raw(sizeof(kabi_bdev_segment) * count, Gfp::NoIo));
		if (!segs)
			return scsi::sense_error(scsi::SenseReason::kInsufficientResources);
	}
	u32 i = 0;
	(void)buf.for_each_segment([&](MutableBytes m) -> Result<void> {
		segs[i++] = {m.data(), m.size()};
		return {};
	});
	s32 ret = kabi_bdev_rw(bdev_, flags, offset, segs, count);
	if (segs != stack)
		free_raw(segs);
	if (ret < 0)
		return fail_io(write ? "write" : "read", ret, offset, buf.size(), write);
	return {};
}

Result<void> IblockDevice::read(u64 offset, const DataBuf &out) { return rw(offset, out, 0); }

Result<void> IblockDevice::write(u64 offset, const DataBuf &data, bool fua) {
	u32 flags = KABI_BDEV_WRITE;
	if (fua)
		flags |= KABI_BDEV_FUA;
	return rw(offset, data, flags);
}

Result<void> IblockDevice::flush() {
	if (!ready_.load(MemoryOrder::Acquire))
		return Error::from_errno(KABI_ENODEV);
	s32 ret = kabi_bdev_flush(bdev_);
	if (ret < 0)
		return fail_io("flush", ret, 0, size_, true);
	return {};
}

Result<void> IblockDevice::unmap(u64 offset, u64 len) {
	TRY(begin_io(offset, len));
	if (len == 0)
		return {};
	s32 ret = kabi_bdev_discard(bdev_, offset, len);
	if (ret < 0)
		return fail_io("discard", ret, offset, len, true);
	return {};
}

Result<void> IblockDevice::write_zeroes(u64 offset, u64 len) {
	TRY(begin_io(offset, len));
	if (len == 0)
		return {};
	s32 ret = kabi_bdev_write_zeroes(bdev_, offset, len);
	if (ret < 0)
		return fail_io("write of zeroes", ret, offset, len, true);
	return {};
}

} // namespace lio::backstores

// Module entry points (backstores/iblock/target_core_iblock.c).
extern "C" int32_t lio_iblock_init(struct kabi_module *self) {
	auto *backend = reinterpret_cast<struct lio_backend *>(
	    const_cast<lio::core::Backend *>(
		static_cast<const lio::core::Backend *>(&lio::backstores::g_iblock_backend)));
	return kabi_backend_register(backend, self);
}

extern "C" void lio_iblock_exit(void) {
	auto *backend = reinterpret_cast<struct lio_backend *>(
	    const_cast<lio::core::Backend *>(
		static_cast<const lio::core::Backend *>(&lio::backstores::g_iblock_backend)));
	kabi_backend_unregister(backend);
}
