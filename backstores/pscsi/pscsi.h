// SPDX-License-Identifier: GPL-2.0
/*
 * backstores/pscsi/pscsi.h: LIO's pscsi backend (module target_core_pscsi): a SCSI device of
 * the local midlayer exported as it is, every CDB but what the core keeps (core/device.h,
 * "passthrough") run on it through the block layer's passthrough requests (kabi/scsi_pt.h).
 *
 * control keys (before enable; ',' or newline separated, as LIO's), each a number from 0 to
 * 2147483647: scsi_host_id=, scsi_channel_id=, scsi_target_id=, scsi_lun_id= (rtslib writes
 * all four from the device's H:C:T:L). Others, malformed numbers, and any key once enabled are
 * refused (EINVAL / EBUSY, one log line).
 *
 * enable looks the device up (ENODEV if absent) and holds a reference to it until the device
 * directory goes. Attributes as LIO's: hw_block_size = min_not_zero(sector size, 512),
 * hw_max_sectors = min_not_zero(host max_sectors, queue max_hw_sectors), hw_queue_depth = the
 * device's queue depth; alua_support and pgr_support are 0 (fixed), and attrib/ holds only
 * LIO's passthrough attributes. wwn/vendor_id, product_id and revision are the device's
 * INQUIRY fields; vpd_unit_serial its VPD page 0x80 when it has one.
 *
 * Data: a non-contiguous scatter-gather buffer is bounced through one allocation (at most
 * kMaxTransfer bytes, hw_max_sectors permitting). A device that has gone (deleted, offline)
 * fails commands with HARDWARE ERROR, LOGICAL UNIT COMMUNICATION FAILURE; so does a command
 * the midlayer could not deliver (a host byte other than DID_OK); the object stays valid until
 * the directory is removed.
 */
#ifndef LIO_BACKSTORES_PSCSI_PSCSI_H
#define LIO_BACKSTORES_PSCSI_PSCSI_H

#include "core/device.h"
#include "kabi/scsi_pt.h"
#include "lio/atomic.h"

namespace lio::backstores {

class PscsiBackend final : public core::Backend {
  public:
	constexpr PscsiBackend() : Backend("pscsi", "PSCSI", "4.0") {}
	Result<OwnPtr<core::Device>> create_device(core::Hba &hba, StrView name) const override;
};

extern constinit const PscsiBackend g_pscsi_backend;

class PscsiDevice final : public core::Device {
  public:
	static constexpr u32 kTimeoutDiskMs = 15000;   // LIO's PS_TIMEOUT_DISK
	static constexpr u32 kTimeoutOtherMs = 500000; // PS_TIMEOUT_OTHER (tapes, changers)
	static constexpr u32 kRetries = 5;             // PS_RETRY
	static constexpr u32 kMaxTransfer = 4u << 20;  // bounce limit (one kmalloc)

	PscsiDevice(core::Hba &hba, StrView name);
	~PscsiDevice() override;

	Result<void> control_locked(StrView key, StrView value) override;
	Result<void> configure_locked(core::DeviceConfig &cfg) override;
	s64 show_params_locked(char *buf, usize size) override;
	s64 show_vpd_identifiers_locked(VpdView view, char *buf, usize size) override;

	bool is_passthrough() const override { return true; }
	scsi::SenseReason passthrough(scsi::Command &cmd) override;

	// Block I/O never reaches a passthrough device (the engine does not emulate it).
	u64 size_bytes() const override { return 0; }
	Result<void> read(u64, const DataBuf &) override { return unsupported(); }
	Result<void> write(u64, const DataBuf &, bool) override { return unsupported(); }
	Result<void> flush() override { return unsupported(); }
	Result<void> unmap(u64, u64) override { return unsupported(); }
	Result<void> write_zeroes(u64, u64) override { return unsupported(); }

  private:
	static Result<void> unsupported() { return Error::from_errno(KABI_EOPNOTSUPP); }
	s32 inquiry_vpd(u8 page, u8 *buf, u32 len);
	bool read_unit_serial(core::DeviceConfig &cfg, u8 *buf, u32 len);
	void read_device_identifiers(u8 *buf);

	s32 ids_[4] = {-1, -1, -1, -1}; // host, channel, target, lun (-1: not given)
	kabi_sdev_info info_{};
	static constexpr u32 kVpdLen = 254; // INQUIRY_VPD_DEVICE_IDENTIFIER_LEN
	u8 page83_[kVpdLen] = {};           // VPD 0x83 as read at enable
	u32 page83_len_ = 0;
	u32 timeout_ms_ = kTimeoutOtherMs;
	kabi_sdev *sdev_ = nullptr; // from enable to destruction
	Atomic<bool> ready_{false};
	Atomic<bool> gone_logged_{false}; // "cannot be reached" logged once
};

} // namespace lio::backstores

#endif // LIO_BACKSTORES_PSCSI_PSCSI_H
