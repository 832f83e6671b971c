// SPDX-License-Identifier: GPL-2.0
#include "backstores/ramdisk/ramdisk.h"

#include "core/hba.h"
#include "lio/log.h"
#include "lio/utility.h"

namespace lio::backstores {

constinit const RamdiskBackend g_ramdisk_backend;

Result<OwnPtr<core::Device>> RamdiskBackend::create_device(core::Hba &hba, StrView name) const {
	OwnPtr<RamdiskDevice> dev = TRY(try_make<RamdiskDevice>(Gfp::Kernel, hba, name));
	return OwnPtr<core::Device>(move(dev));
}

RamdiskDevice::RamdiskDevice(core::Hba &hba, StrView name)
    : Device(hba, name, g_ramdisk_backend) {}

RamdiskDevice::~RamdiskDevice() {
	free_pi();
}

namespace {

// A control value: 0 or more digits as kstrtou32 base 0; anything else is refused.
Result<u32> control_number(const core::Device &dev, StrView key, StrView value) {
	Result<u32> v = parse_u32(value, 0);
	if (v.is_error()) {
		log_err("rd_mcp: %s/%s: control: %.*s=%.*s: not a number from 0 to 4294967295\n",
			dev.hba().name(), dev.name(), static_cast<int>(key.size()), key.data(),
			static_cast<int>(value.size()), value.data());
		return Error::from_errno(KABI_EINVAL);
	}
	return v.value();
}

Result<bool> control_flag(const core::Device &dev, StrView key, StrView value) {
	u32 v = TRY(control_number(dev, key, value));
	if (v > 1) {
		log_err("rd_mcp: %s/%s: control: %.*s must be 0 or 1, not %u\n", dev.hba().name(),
			dev.name(), static_cast<int>(key.size()), key.data(), v);
		return Error::from_errno(KABI_EINVAL);
	}
	return v == 1;
}

} // namespace

Result<void> RamdiskDevice::control_locked(StrView key, StrView value) {
	if (ready_.load(MemoryOrder::Relaxed)) {
		log_err("rd_mcp: %s/%s: control parameters cannot change once the device is enabled\n",
			hba().name(), name());
		return Error::from_errno(KABI_EBUSY);
	}
	if (str_equal(key, "rd_pages")) {
		page_count_ = TRY(control_number(*this, key, value));
		has_page_count_ = true;
		return {};
	}
	if (str_equal(key, "rd_nullio")) {
		nullio_ = TRY(control_flag(*this, key, value));
		return {};
	}
	if (str_equal(key, "rd_dummy")) {
		dummy_ = TRY(control_flag(*this, key, value));
		return {};
	}
	log_err("rd_mcp: %s/%s: control: unknown parameter \"%.*s\" (rd_pages, rd_nullio, "
		"rd_dummy)\n",
		hba().name(), name(), static_cast<int>(key.size()), key.data());
	return Error::from_errno(KABI_EINVAL);
}

bool RamdiskPages::alloc(u32 pages, u8 fill) {
	u32 tables = (pages + kPagesPerTable - 1) / kPagesPerTable;
	tables_ = static_cast<u8 ***>(zalloc_raw(sizeof(u8 **) * tables, Gfp::Kernel));
	if (!tables_)
		return false;
	table_count_ = tables;
	for (u32 t = 0; t < tables; t++) {
		tables_[t] = static_cast<u8 **>(zalloc_raw(sizeof(u8 *) * kPagesPerTable, Gfp::Kernel));
		if (!tables_[t])
			goto nomem;
		u32 first = t * kPagesPerTable;
		u32 n = min(kPagesPerTable, pages - first);
		for (u32 p = 0; p < n; p++) {
			u8 *page = static_cast<u8 *>(alloc_raw(kPageSize, Gfp::Kernel));
			if (!page)
				goto nomem;
			__builtin_memset(page, fill, kPageSize);
			tables_[t][p] = page;
			pages_++;
		}
	}
	return true;

nomem:
	free();
	return false;
}

void RamdiskPages::free() {
	if (tables_) {
		for (u32 t = 0; t < table_count_; t++) {
			if (!tables_[t])
				continue;
			for (u32 p = 0; p < kPagesPerTable; p++)
				free_raw(tables_[t][p]);
			free_raw(tables_[t]);
		}
		free_raw(tables_);
	}
	tables_ = nullptr;
	table_count_ = 0;
	pages_ = 0;
}

void RamdiskPages::fill(u8 value) {
	for (u32 t = 0; t < table_count_; t++)
		for (u32 p = 0; p < kPagesPerTable; p++)
			if (tables_[t][p])
				__builtin_memset(tables_[t][p], value, kPageSize);
}

Result<void> RamdiskDevice::configure_locked(core::DeviceConfig &cfg) {
	if (!has_page_count_) {
		log_err("rd_mcp: %s/%s: write rd_pages=<pages> to control before enabling\n",
			hba().name(), name());
		return Error::from_errno(KABI_EINVAL);
	}
	if (page_count_ == 0) {
		log_err("rd_mcp: %s/%s: illegal page count 0\n", hba().name(), name());
		return Error::from_errno(KABI_EINVAL);
	}
	if (!nullio_) {
		if (!data_.alloc(page_count_, 0)) {
			log_err("rd_mcp: %s/%s: cannot allocate %u pages\n", hba().name(), name(),
				page_count_);
			return Error::from_errno(KABI_ENOMEM);
		}
		sg_table_count_ = page_count_ / kLioSgPerTable + 1;
	}
	cfg.attrib.hw_block_size = 512;
	cfg.attrib.hw_max_sectors = 0xffffffffu;
	cfg.attrib.hw_queue_depth = 128;
	cfg.attrib.is_nonrot = 1;
	rd_dev_id_ = hba().next_backend_dev_id();
	ready_.store(true, MemoryOrder::Release);
	return {};
}

s64 RamdiskDevice::show_params_locked(char *buf, usize size) {
	return kabi_snprintf(buf, size,
			     "TCM RamDisk ID: %u  RamDisk Makeup: rd_mcp\n"
			     "        PAGES/PAGE_SIZE: %u*%llu  SG_table_count: %u  nullio: %d dummy: %d\n",
			     rd_dev_id_, page_count_, static_cast<unsigned long long>(kPageSize),
			     sg_table_count_, nullio_ ? 1 : 0, dummy_ ? 1 : 0);
}

u64 RamdiskDevice::size_bytes() const {
	if (!ready_.load(MemoryOrder::Acquire))
		return 0;
	return static_cast<u64>(page_count_) * kPageSize;
}

Result<void> RamdiskDevice::begin_io(u64 offset, u64 len) const {
	if (!ready_.load(MemoryOrder::Acquire))
		return Error::from_errno(KABI_ENODEV);
	return check_range(offset, len);
}

Result<void> RamdiskDevice::read(u64 offset, const DataBuf &out) {
	TRY(begin_io(offset, out.size()));
	if (nullio_) {
		out.fill(0, out.size(), 0);
		return {};
	}
	u64 pos = offset;
	return out.for_each_segment([&](MutableBytes seg) {
		data_.for_each_piece(pos, seg.size(), [&](u8 *p, u64 at, u64 n) {
			__builtin_memcpy(seg.data() + at, p, n);
		});
		pos += seg.size();
		return Result<void>();
	});
}

// Memory is as durable as it gets: fua needs nothing more.
Result<void> RamdiskDevice::write(u64 offset, const DataBuf &data, bool) {
	TRY(begin_io(offset, data.size()));
	if (nullio_)
		return {};
	u64 pos = offset;
	return data.for_each_segment([&](MutableBytes seg) {
		data_.for_each_piece(pos, seg.size(), [&](u8 *p, u64 at, u64 n) {
			__builtin_memcpy(p, seg.data() + at, n);
		});
		pos += seg.size();
		return Result<void>();
	});
}

Result<void> RamdiskDevice::flush() {
	if (!ready_.load(MemoryOrder::Acquire))
		return Error::from_errno(KABI_ENODEV);
	return {}; // memory: nothing to write back
}

Result<void> RamdiskDevice::write_zeroes(u64 offset, u64 len) {
	TRY(begin_io(offset, len));
	if (nullio_)
		return {};
	data_.for_each_piece(offset, len, [&](u8 *p, u64, u64 n) { __builtin_memset(p, 0, n); });
	return {};
}

// Pages stay allocated (as LIO's ramdisk, which has no unmap): the range reads as zeroes.
Result<void> RamdiskDevice::unmap(u64 offset, u64 len) { return write_zeroes(offset, len); }

// ---- protection information ----

void RamdiskDevice::free_pi() {
	pi_ready_.store(false, MemoryOrder::Release);
	pi_.free();
}

Result<void> RamdiskDevice::pi_setup_locked(u32 block_size) {
	if (!ready_.load(MemoryOrder::Acquire))
		return Error::from_errno(KABI_ENODEV);
	if (block_size < 512)
		return Error::from_errno(KABI_EINVAL);
	pi_block_size_ = block_size;
	if (pi_ready_.load(MemoryOrder::Acquire) || nullio_) {
		pi_ready_.store(true, MemoryOrder::Release);
		return {};
	}
	// 8 bytes per 512-byte sector of the medium: page_count_ * 64 bytes.
	u64 bytes = static_cast<u64>(page_count_) * (kPageSize / 512) * kPiTupleBytes;
	u32 pages = static_cast<u32>((bytes + kPageSize - 1) / kPageSize);
	if (!pi_.alloc(pages, 0xff)) { // formatted: the escape
		log_err("rd_mcp: %s/%s: cannot allocate %u pages of protection information\n",
			hba().name(), name(), pages);
		return Error::from_errno(KABI_ENOMEM);
	}
	pi_ready_.store(true, MemoryOrder::Release);
	return {};
}

void RamdiskDevice::pi_release_locked() { free_pi(); }

Result<void> RamdiskDevice::pi_format_locked() {
	if (!pi_ready_.load(MemoryOrder::Acquire))
		return Error::from_errno(KABI_ENODEV);
	pi_.fill(0xff);
	return {};
}

Result<void> RamdiskDevice::begin_pi(u64 block, u64 bytes) const {
	if (!pi_ready_.load(MemoryOrder::Acquire))
		return Error::from_errno(KABI_ENODEV);
	u64 blocks = size_bytes() / pi_block_size_;
	if (bytes % kPiTupleBytes || block > blocks || bytes / kPiTupleBytes > blocks - block)
		return Error::from_errno(KABI_EINVAL);
	return {};
}

Result<void> RamdiskDevice::read_pi(u64 block, MutableBytes out) {
	TRY(begin_pi(block, out.size()));
	if (nullio_) {
		out.fill(0xff);
		return {};
	}
	pi_.for_each_piece(block * kPiTupleBytes, out.size(), [&](u8 *p, u64 at, u64 n) {
		__builtin_memcpy(out.data() + at, p, n);
	});
	return {};
}

Result<void> RamdiskDevice::write_pi(u64 block, Bytes in, bool) {
	TRY(begin_pi(block, in.size()));
	if (nullio_)
		return {};
	pi_.for_each_piece(block * kPiTupleBytes, in.size(), [&](u8 *p, u64 at, u64 n) {
		__builtin_memcpy(p, in.data() + at, n);
	});
	return {};
}

} // namespace lio::backstores
