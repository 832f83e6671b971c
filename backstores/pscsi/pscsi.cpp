// SPDX-License-Identifier: GPL-2.0
#include "backstores/pscsi/pscsi.h"

#include "core/hba.h"
#include "kabi/modules.h"
#include "lio/alloc.h"
#include "lio/log.h"
#include "lio/utility.h"

namespace lio::backstores {

constinit const PscsiBackend g_pscsi_backend;

namespace {

constexpr const char *kIdKeys[4] = {"scsi_host_id", "scsi_channel_id", "scsi_target_id",
				    "scsi_lun_id"};
constexpr u32 kTypeDisk = 0x00;

template <usize N> void copy_text(char (&dst)[N], const char *src) {
	(void)str_copy(Span<char>(dst, N), str_view(src));
}

} // namespace

Result<OwnPtr<core::Device>> PscsiBackend::create_device(core::Hba &hba, StrView name) const {
	OwnPtr<PscsiDevice> dev = TRY(try_make<PscsiDevice>(Gfp::Kernel, hba, name));
	return OwnPtr<core::Device>(move(dev));
}

PscsiDevice::PscsiDevice(core::Hba &hba, StrView name) : Device(hba, name, g_pscsi_backend) {
	// LIO's TRANSPORT_FLAG_PASSTHROUGH_ALUA / _PGR: fixed for this backend.
	LockGuard guard(lock());
	config_locked().attrib.alua_support = false;
	config_locked().attrib.pgr_support = false;
}

PscsiDevice::~PscsiDevice() {
	ready_.store(false, MemoryOrder::Relaxed);
	kabi_sdev_close(sdev_);
	sdev_ = nullptr;
}

Result<void> PscsiDevice::control_locked(StrView key, StrView value) {
	if (ready_.load(MemoryOrder::Relaxed)) {
		log_err("pscsi: %s/%s: control parameters cannot change once the device is enabled\n",
			hba().name(), name());
		return Error::from_errno(KABI_EBUSY);
	}
	for (u32 i = 0; i < 4; i++) {
		if (!str_equal(key, kIdKeys[i]))
			continue;
		Result<u32> v = parse_u32(value, 0);
		if (v.is_error() || v.value() > 0x7fffffffu) {
			log_err("pscsi: %s/%s: control: %s=%.*s is not a number from 0 to "
				"2147483647\n",
				hba().name(), name(), kIdKeys[i], static_cast<int>(value.size()),
				value.data());
			return Error::from_errno(KABI_EINVAL);
		}
		ids_[i] = static_cast<s32>(v.value());
		return {};
	}
	log_err("pscsi: %s/%s: control: unknown parameter \"%.*s\" (scsi_host_id, "
		"scsi_channel_id, scsi_target_id, scsi_lun_id)\n",
		hba().name(), name(), static_cast<int>(key.size()), key.data());
	return Error::from_errno(KABI_EINVAL);
}

Result<void> PscsiDevice::configure_locked(core::DeviceConfig &cfg) {
	for (u32 i = 0; i < 4; i++) {
		if (ids_[i] < 0) {
			log_err("pscsi: %s/%s: write %s=<n> to control before enabling (all of "
				"scsi_host_id, scsi_channel_id, scsi_target_id, scsi_lun_id)\n",
				hba().name(), name(), kIdKeys[i]);
			return Error::from_errno(KABI_EINVAL);
		}
	}
	kabi_sdev *sdev = nullptr;
	s32 ret = kabi_sdev_open(static_cast<u32>(ids_[0]), static_cast<u32>(ids_[1]),
				 static_cast<u32>(ids_[2]), static_cast<u64>(ids_[3]), &sdev);
	if (ret < 0) {
		log_err("pscsi: %s/%s: no SCSI device %d:%d:%d:%d: %d\n", hba().name(), name(),
			ids_[0], ids_[1], ids_[2], ids_[3], ret);
		return Error::from_kernel(ret);
	}
	kabi_sdev_info info{};
	ret = kabi_sdev_get_info(sdev, &info);
	if (ret < 0 || !info.online) {
		log_err("pscsi: %s/%s: SCSI device %d:%d:%d:%d is not online\n", hba().name(),
			name(), ids_[0], ids_[1], ids_[2], ids_[3]);
		kabi_sdev_close(sdev);
		return Error::from_errno(KABI_ENODEV);
	}
	core::DeviceAttrib &a = cfg.attrib;
	a.hw_block_size = info.sector_size && info.sector_size < 512 ? info.sector_size : 512;
	a.hw_max_sectors = info.max_hw_sectors;
	a.hw_queue_depth = info.queue_depth ? info.queue_depth : 1;
	copy_text(cfg.wwn.vendor, info.vendor);
	copy_text(cfg.wwn.model, info.model);
	copy_text(cfg.wwn.revision, info.rev);
	info_ = info;
	sdev_ = sdev;
	timeout_ms_ = info.type == kTypeDisk ? kTimeoutDiskMs : kTimeoutOtherMs;
	ready_.store(true, MemoryOrder::Release);
	// As LIO: the device identification page is read only when the serial page answered.
	constexpr u32 kLen = 255; // the larger of the two pages' allocation lengths
	u8 *buf = static_cast<u8 *>(alloc_raw(kLen, Gfp::Kernel));
	if (buf && read_unit_serial(cfg, buf, kLen))
		read_device_identifiers(buf);
	free_raw(buf);
	return {};
}

// INQUIRY for VPD page `page` into buf[0, len), zeroed first. The bytes the device returned,
// or -1 when it did not answer with that page.
s32 PscsiDevice::inquiry_vpd(u8 page, u8 *buf, u32 len) {
	for (u32 i = 0; i < len; i++)
		buf[i] = 0;
	u8 cdb[6] = {0x12, 0x01, page, 0x00, static_cast<u8>(len), 0x00};
	kabi_sdev_result r{};
	s32 ret = kabi_sdev_execute(sdev_, cdb, sizeof(cdb), KABI_SDEV_FROM_DEVICE, buf, len,
				    timeout_ms_, 1, &r);
	if (ret != 0 || r.host_byte != 0 || r.status != 0 || buf[1] != page)
		return -1;
	return static_cast<s32>(r.resid < len ? len - r.resid : 0);
}

// VPD page 0x80 (Unit Serial Number), as LIO reads it at configure time; left empty when the
// device has none.
bool PscsiDevice::read_unit_serial(core::DeviceConfig &cfg, u8 *buf, u32 len) {
	if (inquiry_vpd(0x80, buf, len) < 0)
		return false;
	u32 n = (static_cast<u32>(buf[2]) << 8) | buf[3];
	n = min(n, min(len - 4, static_cast<u32>(sizeof(cfg.wwn.unit_serial) - 1)));
	u32 j = 0;
	for (u32 i = 0; i < n; i++) {
		u8 c = buf[4 + i];
		if (c >= 0x20 && c < 0x7f)
			cfg.wwn.unit_serial[j++] = static_cast<char>(c);
	}
	cfg.wwn.unit_serial[j] = 0;
	while (j && cfg.wwn.unit_serial[j - 1] == ' ')
		cfg.wwn.unit_serial[--j] = 0;
	return true;
}

// VPD page 0x83 (Device Identification), kept as read; formatted when configfs asks.
void PscsiDevice::read_device_identifiers(u8 *buf) {
	s32 got = inquiry_vpd(0x83, buf, kVpdLen);
	if (got < 0)
		return;
	for (s32 i = 0; i < got; i++)
		page83_[i] = buf[i];
	page83_len_ = static_cast<u32>(got);
}

namespace {

const char *protocol_name(u8 id) {
	switch (id) {
	case 0x00: return "Fibre Channel";
	case 0x10: return "Parallel SCSI";
	case 0x20: return "SSA";
	case 0x30: return "IEEE 1394";
	case 0x40: return "SCSI Remote Direct Memory Access Protocol";
	case 0x50: return "Internet SCSI (iSCSI)";
	case 0x60: return "SAS Serial SCSI Protocol";
	case 0x70: return "Automation/Drive Interface Transport Protocol";
	case 0x80: return "AT Attachment Interface ATA/ATAPI";
	}
	return nullptr;
}

const char *designator_type_name(u8 type) {
	switch (type) {
	case 0x0: return "Vendor specific";
	case 0x1: return "T10 Vendor ID based";
	case 0x2: return "EUI-64 based";
	case 0x3: return "NAA";
	case 0x4: return "Relative target port identifier";
	case 0x8: return "SCSI name string";
	}
	return nullptr; // LIO keeps no other type
}

const char *code_set_name(u8 code_set) {
	switch (code_set) {
	case 0x1: return "Binary";
	case 0x2: return "ASCII";
	case 0x3: return "UTF-8";
	}
	return nullptr;
}

} // namespace

// LIO's presentation: for each designator it keeps (a known type, a binary/ASCII/UTF-8 code
// set), its protocol when PIV is set; or, per association, three lines: the association, the
// type and the identifier (binary: the type's hex digit, then the bytes in hex).
s64 PscsiDevice::show_vpd_identifiers_locked(VpdView view, char *buf, usize size) {
	if (page83_len_ < 4)
		return 0;
	u32 end = min(page83_len_, 4 + ((static_cast<u32>(page83_[2]) << 8) | page83_[3]));
	s64 n = 0;
	auto put = [&](const char *fmt, auto... args) {
		if (static_cast<usize>(n) >= size)
			return;
		s64 r = kabi_snprintf(buf + n, size - static_cast<usize>(n), fmt, args...);
		if (r > 0)
			n = min(n + r, static_cast<s64>(size));
	};
	for (u32 off = 4; off + 4 <= end;) {
		const u8 *d = page83_ + off;
		u32 len = d[3];
		if (!len || off + 4 + len > end)
			break;
		off += 4 + len;
		u8 code_set = d[0] & 0x0f, proto = d[0] & 0xf0, assoc = d[1] & 0x30;
		u8 type = d[1] & 0x0f;
		const char *type_name = designator_type_name(type);
		const char *set_name = code_set_name(code_set);
		if (!type_name || !set_name)
			continue;
		if (view == VpdView::kProtocolIds) {
			if (!(d[1] & 0x80))
				continue;
			if (const char *p = protocol_name(proto))
				put("T10 VPD Protocol Identifier: %s\n", p);
			else
				put("T10 VPD Protocol Identifier: Unknown 0x%02x\n", proto);
			continue;
		}
		u8 want = view == VpdView::kAssocLogicalUnit  ? 0x00
			  : view == VpdView::kAssocTargetPort ? 0x10
							      : 0x20;
		if (assoc != want)
			continue;
		put("T10 VPD Identifier Association: %s\n",
		    want == 0x00 ? "addressed logical unit"
		    : want == 0x10 ? "target port"
				   : "SCSI target device");
		put("T10 VPD Identifier Type: %s\n", type_name);
		char ident[2 * kVpdLen + 2];
		u32 j = 0;
		if (code_set == 0x1) {
			static constexpr char kHex[] = "0123456789abcdef";
			ident[j++] = kHex[type];
			for (u32 i = 0; i < len && j + 2 < sizeof(ident); i++) {
				ident[j++] = kHex[d[4 + i] >> 4];
				ident[j++] = kHex[d[4 + i] & 0xf];
			}
		} else {
			// (as a C string: it ends at a NUL, as LIO shows it)
			for (u32 i = 0; i < len && d[4 + i] && j + 1 < sizeof(ident); i++)
				ident[j++] = static_cast<char>(d[4 + i]);
		}
		ident[j] = 0;
		put("T10 VPD %s Device Identifier: %s\n", set_name, ident);
	}
	return n;
}

// LIO's format.
s64 PscsiDevice::show_params_locked(char *buf, usize size) {
	auto id = [&](u32 i) { return ids_[i] < 0 ? 0 : ids_[i]; };
	s64 n = kabi_snprintf(buf, size,
			      "SCSI Device Bus Location: Channel ID: %d Target ID: %d LUN: %d "
			      "Host ID: %d\n",
			      id(1), id(2), id(3), id(0));
	if (n < 0 || static_cast<usize>(n) >= size || !ready_.load(MemoryOrder::Acquire))
		return n < 0 ? 0 : min(n, static_cast<s64>(size));
	s64 m = kabi_snprintf(buf + n, size - static_cast<usize>(n),
			      "        Vendor: %s Model: %s Rev: %s\n", info_.vendor, info_.model,
			      info_.rev);
	return min(n + (m > 0 ? m : 0), static_cast<s64>(size));
}

scsi::SenseReason PscsiDevice::passthrough(scsi::Command &cmd) {
	using scsi::SenseReason;
	if (!ready_.load(MemoryOrder::Acquire))
		return SenseReason::kLunCommunicationFailure;
	DataBuf out = cmd.data_out();
	DataBuf in = cmd.data_in();
	u32 dir = KABI_SDEV_NONE;
	DataBuf data;
	if (out.size()) {
		dir = KABI_SDEV_TO_DEVICE;
		data = out;
	} else if (in.size()) {
		dir = KABI_SDEV_FROM_DEVICE;
		data = in;
	}
	if (data.size() > kMaxTransfer)
		return SenseReason::kInvalidFieldInCdb;
	u32 len = static_cast<u32>(data.size());
	u8 *bounce = nullptr;
	void *p = nullptr;
	if (len) {
		if (data.contiguous()) {
			p = data.contiguous_bytes().data();
		} else {
			bounce = static_cast<u8 *>(alloc_raw(len, Gfp::NoIo));
			if (!bounce)
				return SenseReason::kInsufficientResources;
			if (dir == KABI_SDEV_TO_DEVICE)
				data.copy_to(0, MutableBytes(bounce, len));
			p = bounce;
		}
	}
	u8 cdb[scsi::Command::kMaxCdbLength];
	u32 cdb_len = static_cast<u32>(min(cmd.cdb_length(), sizeof(cdb)));
	for (u32 i = 0; i < cdb_len; i++)
		cdb[i] = cmd.cdb()[i];
	kabi_sdev_result r{};
	s32 ret = kabi_sdev_execute(sdev_, cdb, cdb_len, dir, p, len, timeout_ms_, kRetries, &r);
	if (ret < 0 || r.host_byte != 0) {
		free_raw(bounce);
		// Once per device: a removed device fails every command the same way.
		if (!gone_logged_.exchange(true, MemoryOrder::Relaxed))
			log_err("pscsi: %s/%s: SCSI device %d:%d:%d:%d cannot be reached (%d, host "
				"byte %u): commands fail with LOGICAL UNIT COMMUNICATION FAILURE\n",
				hba().name(), name(), ids_[0], ids_[1], ids_[2], ids_[3], ret,
				r.host_byte);
		return ret == -KABI_ENOMEM ? SenseReason::kInsufficientResources
					   : SenseReason::kLunCommunicationFailure;
	}
	usize got = 0;
	scsi::Residual residual = scsi::Residual::kNone;
	u64 resid = 0;
	if (dir == KABI_SDEV_FROM_DEVICE) {
		got = r.resid < len ? len - r.resid : 0;
		if (bounce && got)
			data.copy_from(0, Bytes(bounce, got));
		if (got < len) {
			residual = scsi::Residual::kUnderflow;
			resid = len - got;
		}
	}
	free_raw(bounce);
	cmd.complete_passthrough(static_cast<scsi::ScsiStatus>(r.status),
				 Bytes(r.sense, min(r.sense_len, static_cast<u32>(sizeof(r.sense)))),
				 got, residual, resid);
	return SenseReason::kNone;
}

} // namespace lio::backstores

// Module entry points (backstores/pscsi/target_core_pscsi.c).
extern "C" int32_t lio_pscsi_init(struct kabi_module *self) {
	auto *backend = reinterpret_cast<struct lio_backend *>(
	    const_cast<lio::core::Backend *>(
		static_cast<const lio::core::Backend *>(&lio::backstores::g_pscsi_backend)));
	return kabi_backend_register(backend, self);
}

extern "C" void lio_pscsi_exit(void) {
	auto *backend = reinterpret_cast<struct lio_backend *>(
	    const_cast<lio::core::Backend *>(
		static_cast<const lio::core::Backend *>(&lio::backstores::g_pscsi_backend)));
	kabi_backend_unregister(backend);
}
