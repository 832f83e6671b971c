// SPDX-License-Identifier: GPL-2.0
/*
 * core/device.h: a storage object (LIO's se_device) and the backend (S-HAL control side)
 * that makes it.
 *
 * A Device is created by mkdir core/<hba>/<name> and owned by its configfs directory
 * (configfs/device_tree.cpp). Its configuration (attrib/, wwn/, alias, ...) is plain data
 * guarded by lock(); the backend adds its own parameters (control) and the storage behind
 * it, made when the device is enabled.
 *
 * Block I/O API (what the SCSI engine calls; byte ranges, all bounds-checked against
 * size_bytes(); EINVAL outside, ENODEV before enable, EIO on a backend failure). Data travels
 * as scatter-gather views (lio/data_buf.h) that the caller owns for the call:
 *   read(offset, out)            fills out (out.size() bytes from offset)
 *   write(offset, data, fua)     fua: durable on return (a range sync unless every write
 *                                is already stable, as fileio's O_DSYNC mode)
 *   flush()
 *   unmap(offset, len)           the range reads back as zeroes afterwards (ramdisk)
 *   write_zeroes(offset, len)
 * These may be called concurrently with each other (no ordering between overlapping
 * writes, as a disk), never concurrently with enable or the device's destruction.
 */
#ifndef LIO_CORE_DEVICE_H
#define LIO_CORE_DEVICE_H

#include "core/alua_lu_group.h"
#include "core/scsi/command.h"
#include "lio/alloc.h"
#include "lio/data_buf.h"
#include "lio/list.h"
#include "lio/lock.h"
#include "lio/result.h"
#include "lio/span.h"
#include "lio/string.h"
#include "lio/types.h"

namespace lio::core {

class Hba;
class Device;
class DeviceLu;
class TgPtGroupSet;

// LIO's limits (target_core_base.h).
inline constexpr u32 kInquiryVendorLen = 8;
inline constexpr u32 kInquiryModelLen = 16;
inline constexpr u32 kInquiryRevisionLen = 4;
inline constexpr u32 kInquiryVpdSerialLen = 254;
inline constexpr u32 kDevAliasLen = 512;   // SE_DEV_ALIAS_LEN
inline constexpr u32 kUdevPathLen = 512;   // SE_UDEV_PATH_LEN
inline constexpr u32 kDeviceNameMax = 256; // configfs names are shorter than this
inline constexpr u32 kHbaNameMax = 64;     // TARGET_CORE_NAME_MAX_LEN

// attrib/ (se_dev_attrib). Values before enable are LIO's: the hw_* ones and block_size,
// queue_depth, optimal_sectors are 0 until the backend configures the device.
struct DeviceAttrib {
	u32 emulate_model_alias = 1;
	u32 emulate_dpo = 1;
	u32 emulate_fua_write = 1;
	u32 emulate_fua_read = 1;
	u32 emulate_write_cache = 0;
	u32 emulate_ua_intlck_ctrl = 0;
	u32 emulate_tas = 1;
	u32 emulate_tpu = 0;
	u32 emulate_tpws = 0;
	u32 emulate_caw = 1;
	u32 emulate_3pc = 1;
	u32 emulate_pr = 1;
	u32 emulate_rsoc = 1;
	u32 pi_prot_type = 0;
	u32 hw_pi_prot_type = 0;
	u32 pi_prot_verify = 0;
	u32 enforce_pr_isids = 1;
	u32 force_pr_aptpl = 0;
	u32 is_nonrot = 0;
	u32 emulate_rest_reord = 0;
	u32 hw_block_size = 0;
	u32 block_size = 0;
	u32 hw_max_sectors = 0;
	u32 optimal_sectors = 0;
	u32 hw_queue_depth = 0;
	u32 queue_depth = 0;
	u32 max_unmap_lba_count = 0;
	u32 max_unmap_block_desc_count = 0;
	u32 unmap_granularity = 0;
	u32 unmap_granularity_alignment = 0;
	u32 unmap_zeroes_data = 0;
	u32 max_write_same_len = 0;
	u32 submit_type = 0;
	bool alua_support = true; // !TRANSPORT_FLAG_PASSTHROUGH_ALUA
	bool pgr_support = true;  // !TRANSPORT_FLAG_PASSTHROUGH_PGR
};

// wwn/ (t10_wwn).
struct DeviceWwn {
	char vendor[kInquiryVendorLen + 1] = "LIO-ORG";
	char model[kInquiryModelLen + 1] = {};
	char revision[kInquiryRevisionLen + 1] = {};
	char unit_serial[kInquiryVpdSerialLen] = {};
	u32 company_id = 0x001405; // OpenFabrics IEEE company id
};

// Everything configfs shows and changes, under Device::lock().
struct DeviceConfig {
	DeviceAttrib attrib;
	DeviceWwn wwn;
	char alias[kDevAliasLen] = {};
	char udev_path[kUdevPathLen] = {};
	bool using_alias = false;
	bool using_udev_path = false;
	bool configured = false; // enabled (LIO's DF_CONFIGURED)
	u32 queue_depth = 0;     // se_device::queue_depth ("Max Queue Depth" in info)
	u32 export_count = 0;    // LUNs exporting the device (none until fabrics exist)
	u32 dev_index = 0;       // statistics indx, assigned at enable
	LuGroup *lu_group = nullptr; // ALUA LU group, joined at enable (default_lu_gp)
};

// A backend type ("rd_mcp", later "fileio", "iblock", "pscsi"): the control side of the
// S-HAL. Instances are static data of the module that provides the backend.
class Backend {
  public:
	constexpr Backend(const char *name, const char *inquiry_prod, const char *inquiry_rev)
	    : name_(name), inquiry_prod_(inquiry_prod), inquiry_rev_(inquiry_rev) {}

	const char *name() const { return name_; }
	const char *inquiry_prod() const { return inquiry_prod_; }
	const char *inquiry_rev() const { return inquiry_rev_; }

	// Makes an unconfigured device named `name` on `hba`.
	virtual Result<OwnPtr<Device>> create_device(Hba &hba, StrView name) const = 0;

  protected:
	~Backend() = default;

  private:
	const char *name_;
	const char *inquiry_prod_;
	const char *inquiry_rev_;
};

// Every device's lock is of this class. An inline variable, so each module that makes devices
// (target_core_mod for rd_mcp, target_core_file for fileio) holds its own instance: lockdep
// keys must live in the module's static data, and C++ symbols do not cross modules.
inline constinit LockClass device_lock_class("lio_device");

class Device {
  public:
	Device(const Device &) = delete;
	Device &operator=(const Device &) = delete;
	virtual ~Device() = default;

	Hba &hba() const { return hba_; }
	const char *name() const { return name_; }
	Mutex &lock() { return lock_; }
	// Under lock().
	DeviceConfig &config_locked() {
		lock_.assert_held();
		return config_;
	}

	// ---- backend control (called under lock()) ----

	// One "key=value" of a control write (value without the newline). EINVAL for unknown
	// keys and malformed values (one log line), EBUSY when the key cannot change any more.
	virtual Result<void> control_locked(StrView key, StrView value) = 0;
	// enable: allocate storage and set the hw_* attributes. Returns an errno (one log line).
	virtual Result<void> configure_locked(DeviceConfig &cfg) = 0;
	// The backend's part of `info`, appended after LIO's common status line.
	virtual s64 show_params_locked(char *buf, usize size) = 0;

	// What the storage itself says, where LIO's attributes would otherwise emulate it (read
	// under lock() whenever the engine's settings are published):
	// read_only(): every medium-writing command fails with DATA PROTECT, WRITE PROTECTED
	// (LIO's DF_READ_ONLY: iblock's readonly=1 or a read-only block device).
	virtual bool read_only() const { return false; }
	// -1: the write cache is emulated (attrib/emulate_write_cache); 0 or 1: the storage has
	// its own (iblock: the queue's volatile write cache), which MODE SENSE's WCE reports and
	// emulate_write_cache=1 cannot override (LIO's get_write_cache backends).
	virtual s32 device_write_cache() const { return -1; }
	// wwn/vpd_protocol_identifier and wwn/vpd_assoc_*: the designators the device's firmware
	// reports in VPD 0x83 (pscsi), formatted as LIO's; other backends have none (empty).
	enum class VpdView : u8 { kProtocolIds, kAssocLogicalUnit, kAssocTargetPort, kAssocTargetDevice };
	virtual s64 show_vpd_identifiers_locked(VpdView view, char *buf, usize size) {
		(void)view;
		(void)buf;
		(void)size;
		return 0;
	}

	// ---- passthrough (S-HAL): pscsi ----
	// A passthrough device runs the CDBs itself. The core keeps what must stay in the target
	// (scsi::execute with a passthrough LU): REPORT LUNS (the LUN map is the target's), unit
	// attentions of the I_T_L nexus, the nexus's write protection (a write-protected mapped
	// LUN refuses the medium-writing commands the engine knows), task attributes and task
	// management (the session's task set), and, once they exist, ALUA access states and
	// persistent-reservation admission (issue 6; a pscsi device reports alua_support=0 and
	// pgr_support=0, as LIO's TRANSPORT_FLAG_PASSTHROUGH_ALUA/_PGR, so RTPG, PERSISTENT
	// RESERVE IN/OUT and RESERVE/RELEASE reach the device). Every other CDB goes to
	// passthrough(), which completes cmd with the device's status, sense as the device gave
	// it, data-in length and residual (Command::complete_passthrough) and returns kNone, or
	// returns the reason the core fails it with (the device removed, offline: LOGICAL UNIT
	// COMMUNICATION FAILURE). Called in command context, concurrently with itself, never
	// with the device's lock held. (A reason, not complete_check_condition: sense is built
	// by target_core_mod, whose C++ a backend module cannot call.)
	virtual bool is_passthrough() const { return false; }
	virtual scsi::SenseReason passthrough(scsi::Command &cmd) {
		(void)cmd;
		return scsi::SenseReason::kInvalidOpcode;
	}

	// ---- protection information (T10-PI, S-HAL) ----
	// Backends that keep 8 bytes of protection information per logical block (LIO's
	// init_prot/free_prot/format_prot): the ramdisk in its own pages, fileio in the side file
	// "<fd_dev_name>.protection". Tuples are addressed by block index for the block size given
	// at setup; the bytes are the engine's (core/scsi/pi.h), the backend only stores them.
	// pi_supported(): attrib/pi_prot_type may be 1..3 (else only 0, ENOSYS).
	// pi_setup_locked(block_size): pi_prot_type went 0 -> non-zero on an enabled, unexported
	//   device: make room for size_bytes() / block_size tuples; tuples that did not exist
	//   before (a new ramdisk area, the part of the side file beyond its old end) are
	//   formatted. Returns an errno (one log line).
	// pi_release_locked(): pi_prot_type went back to 0 (LIO's free_prot: the side file stays).
	// pi_format_locked(): attrib/pi_prot_format=1: every tuple becomes all 0xff (the escape:
	//   application tag 0xFFFF, reference tag 0xFFFFFFFF: never checked).
	// read_pi/write_pi: tuples [block, block + bytes / 8), called as read/write are (command
	//   context, concurrently); fua as for write.
	static constexpr u32 kPiTupleBytes = 8;
	virtual bool pi_supported() const { return false; }
	virtual Result<void> pi_setup_locked(u32 block_size) {
		(void)block_size;
		return Error::from_errno(KABI_ENOSYS);
	}
	virtual void pi_release_locked() {}
	virtual Result<void> pi_format_locked() { return Error::from_errno(KABI_ENOSYS); }
	virtual Result<void> read_pi(u64 block, MutableBytes out) {
		(void)block;
		(void)out;
		return Error::from_errno(KABI_ENOSYS);
	}
	virtual Result<void> write_pi(u64 block, Bytes in, bool fua) {
		(void)block;
		(void)in;
		(void)fua;
		return Error::from_errno(KABI_ENOSYS);
	}

	// ---- block I/O (see the header comment) ----

	virtual u64 size_bytes() const = 0;
	virtual Result<void> read(u64 offset, const DataBuf &out) = 0;
	virtual Result<void> write(u64 offset, const DataBuf &data, bool fua) = 0;
	virtual Result<void> flush() = 0;
	virtual Result<void> unmap(u64 offset, u64 len) = 0;
	virtual Result<void> write_zeroes(u64 offset, u64 len) = 0;

	// Linked in TargetCore's device list (under its devices lock).
	ListNode core_node;
	// The device as a SCSI logical unit (core/device_lu.h): made at enable, a reference held
	// here until the device is destroyed (configfs/device_tree.cpp). Null before enable.
	DeviceLu *lu = nullptr;
	// ---- ALUA ----
	// The device's target port groups (core/alua_tg_pt_group.h), owned by its configfs
	// directory, which outlives every LUN linking the device; null outside configfs.
	TgPtGroupSet *alua_groups = nullptr;

  protected:
	// Inline, with check_range: backends in other modules (fileio) derive from Device and
	// need these without linking a second copy of a core .cpp.
	Device(Hba &hba, StrView name, const Backend &backend)
	    : hba_(hba), name_{}, lock_(device_lock_class) {
		(void)str_copy(Span<char>(name_, sizeof(name_)), name); // callers bound the length
		// LIO: emulate_model_alias (on by default) makes the model the device name, cut to
		// 15 characters; otherwise it is the backend's inquiry product.
		usize n = min(name.size(), static_cast<usize>(kInquiryModelLen - 1));
		(void)str_copy(Span<char>(config_.wwn.model, sizeof(config_.wwn.model)),
			       StrView(name.data(), n));
		(void)str_copy(Span<char>(config_.wwn.revision, sizeof(config_.wwn.revision)),
			       str_view(backend.inquiry_rev()));
	}

	// Checks [offset, offset + len) against size_bytes() (overflow-safe).
	Result<void> check_range(u64 offset, u64 len) const {
		u64 size = size_bytes();
		if (offset > size || len > size - offset)
			return Error::from_errno(KABI_EINVAL);
		return {};
	}

  private:
	Hba &hba_;
	char name_[kDeviceNameMax];
	Mutex lock_;
	DeviceConfig config_; // under lock_
};

} // namespace lio::core

#endif // LIO_CORE_DEVICE_H
