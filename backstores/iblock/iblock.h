// SPDX-License-Identifier: GPL-2.0
/*
 * backstores/iblock/iblock.h: LIO's iblock backend (module target_core_iblock): a device whose
 * storage is a block device claimed by path (kabi/bdev.h), data moved as bios built from the
 * command's scatter-gather list.
 *
 * control keys (before enable; ',' or newline separated, as LIO's):
 *   udev_path=<absolute path>   at most 511 bytes (SE_UDEV_PATH_LEN)
 *   readonly=0|1                claim the device read-only; writes get DATA PROTECT
 *   force=<n>                   accepted and ignored, as LIO
 * Unknown keys and other readonly values are refused (EINVAL, one log line); so is any key
 * once enabled (EBUSY).
 *
 * enable claims the device exclusively (EBUSY if mounted or claimed by another device) and
 * derives the attributes from its queue as LIO does: hw_block_size (logical block size),
 * hw_max_sectors (max_hw_sectors in logical blocks), hw_queue_depth (nr_requests), is_nonrot,
 * max_write_same_len (write-zeroes limit, else 0xFFFF), and, only when the queue supports
 * discard, max_unmap_lba_count / max_unmap_block_desc_count = 1 / unmap_granularity /
 * unmap_granularity_alignment, without which emulate_tpu/emulate_tpws cannot be set (so VPD
 * 0xB0/0xB2 advertise provisioning only then). The device's volatile write cache is reported
 * as MODE SENSE's WCE (emulate_write_cache=1 refused, as LIO). A read-only block device makes
 * a read-only LU as readonly=1 does.
 *
 * Errors: a failed bio's status becomes sense: medium error -> MEDIUM ERROR (UNRECOVERED READ
 * ERROR / WRITE ERROR), transport, nexus, target, time-out, or the disk gone -> HARDWARE ERROR
 * LOGICAL UNIT COMMUNICATION FAILURE, not supported -> ILLEGAL REQUEST INVALID COMMAND
 * OPERATION CODE, no space -> DATA PROTECT SPACE ALLOCATION FAILED WRITE PROTECT, protection
 * information -> LOGICAL BLOCK GUARD CHECK FAILED, resources -> INSUFFICIENT RESOURCES, any
 * other I/O error -> MEDIUM ERROR.
 */
#ifndef LIO_BACKSTORES_IBLOCK_IBLOCK_H
#define LIO_BACKSTORES_IBLOCK_IBLOCK_H

#include "core/device.h"
#include "kabi/bdev.h"
#include "lio/atomic.h"

namespace lio::backstores {

class IblockBackend final : public core::Backend {
  public:
	constexpr IblockBackend() : Backend("iblock", "IBLOCK", "4.0") {}
	Result<OwnPtr<core::Device>> create_device(core::Hba &hba, StrView name) const override;
};

extern constinit const IblockBackend g_iblock_backend;

class IblockDevice final : public core::Device {
  public:
	static constexpr u32 kMaxPath = core::kUdevPathLen; // SE_UDEV_PATH_LEN (with the NUL)
	static constexpr u32 kNoWriteZeroesLen = 0xffff;    // WRITE SAME(10)'s 16-bit count

	IblockDevice(core::Hba &hba, StrView name);
	~IblockDevice() override;

	Result<void> control_locked(StrView key, StrView value) override;
	Result<void> configure_locked(core::DeviceConfig &cfg) override;
	s64 show_params_locked(char *buf, usize size) override;
	bool read_only() const override { return readonly_ || info_.read_only; }
	s32 device_write_cache() const override { return info_.write_cache ? 1 : 0; }

	u64 size_bytes() const override;
	Result<void> read(u64 offset, const DataBuf &out) override;
	Result<void> write(u64 offset, const DataBuf &data, bool fua) override;
	Result<void> flush() override;
	Result<void> unmap(u64 offset, u64 len) override;
	Result<void> write_zeroes(u64 offset, u64 len) override;

	// The sense an I/O failure (-errno of kabi/bdev.h) is reported with (see the header).
	static Error error_for(s32 ret, bool write);

  private:
	Result<void> begin_io(u64 offset, u64 len) const;
	Result<void> fail_io(const char *op, s32 ret, u64 offset, u64 len, bool write) const;
	Result<void> rw(u64 offset, const DataBuf &buf, u32 flags);

	char path_[kMaxPath] = {};
	bool has_path_ = false;
	bool readonly_ = false; // readonly=1
	kabi_bdev_info info_{}; // as claimed at enable (read_only: the block device's own)
	u64 size_ = 0;
	kabi_bdev *bdev_ = nullptr;  // claimed from enable to destruction
	Atomic<bool> ready_{false};  // bdev_ and size_ in place
};

} // namespace lio::backstores

#endif // LIO_BACKSTORES_IBLOCK_IBLOCK_H
