// SPDX-License-Identifier: GPL-2.0
// configfs/device_tree.cpp: HBA and device directories (see device_tree.h). Formats, defaults
// and write validation follow LIO's target_core_configfs.c; every refused write logs one line.
#include "configfs/device_tree.h"

#include "configfs/node.h"
#include "core/alua_tg_pt_group.h"
#include "core/device_lu.h"
#include "core/hba.h"
#include "kabi/modules.h"
#include "lio/alloc.h"
#include "lio/log.h"
#include "lio/string.h"

namespace lio::cfs {

namespace {

using core::Device;
using core::DeviceAttrib;
using core::DeviceConfig;
using core::Hba;
using core::TargetCore;

// attrib/ and wwn/ changes reach the SCSI engine through a new snapshot of the settings
// (enabled devices only: the logical unit exists from enable on).
void publish_settings_locked(Device &dev) {
	if (dev.lu)
		dev.lu->refresh_locked(dev, dev.config_locked());
}

constexpr s32 kEoverflow = 75; // EOVERFLOW (LIO's answer to over-long INQUIRY strings)
constexpr const char kCoreVersion[] = "v5.0";

#define SHOW(...) kabi_snprintf(reinterpret_cast<char *>(out.data()), out.size(), __VA_ARGS__)

// LIO's "%.*s" of a written value, for log lines.
#define VAL_ARGS(v) static_cast<int>((v).size()), (v).data()

Error refuse(s32 err) { return Error::from_errno(err); }

// kstrtou32(page, 0): one optional trailing newline; EINVAL or ERANGE, one log line.
Result<u32> store_u32(const Device &dev, const char *attr, const StoreInput &in) {
	Result<u32> v = parse_u32(StrView(in.data, in.len), 0);
	if (v.is_error())
		log_err("%s/%s: %s: \"%.*s\" is not a number from 0 to 4294967295\n",
			dev.hba().name(), dev.name(), attr, VAL_ARGS(in.value()));
	return v;
}

// kstrtoul(page, 0) (unsigned long is 64 bits here).
Result<u64> store_u64(const Device &dev, const char *attr, const StoreInput &in) {
	Result<u64> v = parse_u64(StrView(in.data, in.len), 0);
	if (v.is_error())
		log_err("%s/%s: %s: \"%.*s\" is not an unsigned number\n", dev.hba().name(),
			dev.name(), attr, VAL_ARGS(in.value()));
	return v;
}

// kstrtobool: decided by the first character (1/y/Y, 0/n/N) or the first two (on, of[f]).
Result<bool> store_bool(const Device &dev, const char *attr, const StoreInput &in) {
	const char *s = in.data;
	if (in.len >= 1) {
		switch (s[0]) {
		case '1': case 'y': case 'Y':
			return true;
		case '0': case 'n': case 'N':
			return false;
		case 'o': case 'O':
			if (in.len >= 2) {
				if (s[1] == 'n' || s[1] == 'N')
					return true;
				if (s[1] == 'f' || s[1] == 'F')
					return false;
			}
			break;
		default:
			break;
		}
	}
	log_err("%s/%s: %s: \"%.*s\" is not a boolean (0/1, y/n, on/off)\n", dev.hba().name(),
		dev.name(), attr, VAL_ARGS(in.value()));
	return refuse(KABI_EINVAL);
}

Result<void> check_not_exported(const DeviceConfig &cfg, const Device &dev, const char *attr) {
	if (cfg.export_count) {
		log_err("%s/%s: cannot change %s while %u exports exist\n", dev.hba().name(),
			dev.name(), attr, cfg.export_count);
		return refuse(KABI_EINVAL);
	}
	return {};
}

// A node of a device's subtree: released before the device directory that owns the Device.
class DeviceSubNode : public Node {
  protected:
	explicit DeviceSubNode(Device &dev) : dev_(dev) {}
	Device &dev_;
};

// ---- <device>/attrib ----

#define LIO_DEV_ATTRIBS(X)                                                                 \
	X(alua_support, 0644)                                                              \
	X(block_size, 0644)                                                                \
	X(emulate_3pc, 0644)                                                               \
	X(emulate_caw, 0644)                                                               \
	X(emulate_dpo, 0644)                                                               \
	X(emulate_fua_read, 0644)                                                          \
	X(emulate_fua_write, 0644)                                                         \
	X(emulate_model_alias, 0644)                                                       \
	X(emulate_pr, 0644)                                                                \
	X(emulate_rest_reord, 0644)                                                        \
	X(emulate_rsoc, 0644)                                                              \
	X(emulate_tas, 0644)                                                               \
	X(emulate_tpu, 0644)                                                               \
	X(emulate_tpws, 0644)                                                              \
	X(emulate_ua_intlck_ctrl, 0644)                                                    \
	X(emulate_write_cache, 0644)                                                       \
	X(enforce_pr_isids, 0644)                                                          \
	X(force_pr_aptpl, 0644)                                                            \
	X(hw_block_size, 0444)                                                             \
	X(hw_max_sectors, 0444)                                                            \
	X(hw_pi_prot_type, 0444)                                                           \
	X(hw_queue_depth, 0444)                                                            \
	X(is_nonrot, 0644)                                                                 \
	X(max_unmap_block_desc_count, 0644)                                                \
	X(max_unmap_lba_count, 0644)                                                       \
	X(max_write_same_len, 0644)                                                        \
	X(optimal_sectors, 0644)                                                           \
	X(pgr_support, 0644)                                                               \
	X(pi_prot_format, 0644)                                                            \
	X(pi_prot_type, 0644)                                                              \
	X(pi_prot_verify, 0644)                                                            \
	X(queue_depth, 0644)                                                               \
	X(submit_type, 0644)                                                               \
	X(unmap_granularity, 0644)                                                         \
	X(unmap_granularity_alignment, 0644)                                               \
	X(unmap_zeroes_data, 0644)

enum AttribId : u32 {
#define X(n, m) kAttr_##n,
	LIO_DEV_ATTRIBS(X)
#undef X
};
constexpr kabi_cfs_attr kAttribAttrs[] = {
#define X(n, m) {#n, m},
    LIO_DEV_ATTRIBS(X)
#undef X
};
constinit NodeType dev_attrib_type("dev_attrib", kAttribAttrs);

// A passthrough device's attrib/ (pscsi): LIO's passthrough_attrib_attrs only (6.12's set,
// with submit_type, as the rest of the tree), served by the same code through their indices
// in kAttribAttrs.
constexpr u32 kPassthroughAttribIds[] = {kAttr_alua_support,   kAttr_emulate_pr,
					 kAttr_hw_block_size,  kAttr_hw_max_sectors,
					 kAttr_hw_pi_prot_type, kAttr_hw_queue_depth,
					 kAttr_pgr_support,    kAttr_submit_type};
constexpr kabi_cfs_attr kPassthroughAttribAttrs[] = {
    kAttribAttrs[kAttr_alua_support],	kAttribAttrs[kAttr_emulate_pr],
    kAttribAttrs[kAttr_hw_block_size],	kAttribAttrs[kAttr_hw_max_sectors],
    kAttribAttrs[kAttr_hw_pi_prot_type], kAttribAttrs[kAttr_hw_queue_depth],
    kAttribAttrs[kAttr_pgr_support],	kAttribAttrs[kAttr_submit_type],
};
static_assert(sizeof(kPassthroughAttribIds) / sizeof(kPassthroughAttribIds[0]) ==
	      sizeof(kPassthroughAttribAttrs) / sizeof(kPassthroughAttribAttrs[0]));
constinit NodeType dev_attrib_pt_type("dev_attrib_passthrough", kPassthroughAttribAttrs);

class AttribNode final : public DeviceSubNode {
  public:
	explicit AttribNode(Device &dev, bool passthrough = false)
	    : DeviceSubNode(dev), passthrough_(passthrough) {}

	s64 show(u32 index, MutableBytes out) override {
		index = full_index(index);
		if (index == ~0u)
			return -KABI_EACCES;
		LockGuard guard(dev_.lock());
		const DeviceAttrib &a = dev_.config_locked().attrib;
		u32 v = 0;
		switch (index) {
#define X(n, m)                                                                            \
	case kAttr_##n:                                                                    \
		v = value_of_##n(a);                                                       \
		break;
			LIO_DEV_ATTRIBS(X)
#undef X
		default:
			return -KABI_EACCES;
		}
		if (index == kAttr_alua_support || index == kAttr_pgr_support)
			return SHOW("%d\n", static_cast<int>(v));
		return SHOW("%u\n", v);
	}

	Result<void> store(u32 index, const StoreInput &in) override {
		index = full_index(index);
		if (index == ~0u)
			return refuse(KABI_EACCES);
		LockGuard guard(dev_.lock());
		TRY(store_locked(index, in, dev_.config_locked()));
		publish_settings_locked(dev_);
		return {};
	}

  private:
	// The index in kAttribAttrs of this directory's attribute `index`; ~0u if none.
	u32 full_index(u32 index) const {
		if (!passthrough_)
			return index;
		constexpr u32 n = sizeof(kPassthroughAttribIds) / sizeof(kPassthroughAttribIds[0]);
		return index < n ? kPassthroughAttribIds[index] : ~0u;
	}
	bool passthrough_;

#define X(n, m)                                                                            \
	static u32 value_of_##n(const DeviceAttrib &a) { return field_##n(a); }
	// alua_support/pgr_support are bools; pi_prot_format always reads 0 (as LIO).
	static u32 field_alua_support(const DeviceAttrib &a) { return a.alua_support ? 1 : 0; }
	static u32 field_pgr_support(const DeviceAttrib &a) { return a.pgr_support ? 1 : 0; }
	static u32 field_pi_prot_format(const DeviceAttrib &) { return 0; }
#define F(n)                                                                               \
	static u32 field_##n(const DeviceAttrib &a) { return a.n; }
	F(block_size) F(emulate_3pc) F(emulate_caw) F(emulate_dpo) F(emulate_fua_read)
	F(emulate_fua_write) F(emulate_model_alias) F(emulate_pr) F(emulate_rest_reord)
	F(emulate_rsoc) F(emulate_tas) F(emulate_tpu) F(emulate_tpws) F(emulate_ua_intlck_ctrl)
	F(emulate_write_cache) F(enforce_pr_isids) F(force_pr_aptpl) F(hw_block_size)
	F(hw_max_sectors) F(hw_pi_prot_type) F(hw_queue_depth) F(is_nonrot)
	F(max_unmap_block_desc_count) F(max_unmap_lba_count) F(max_write_same_len)
	F(optimal_sectors) F(pi_prot_type) F(pi_prot_verify) F(queue_depth) F(submit_type)
	F(unmap_granularity) F(unmap_granularity_alignment) F(unmap_zeroes_data)
#undef F
	LIO_DEV_ATTRIBS(X)
#undef X

	void log_refusal(const char *attr, const char *why) {
		log_err("%s/%s: %s: %s\n", dev_.hba().name(), dev_.name(), attr, why);
	}

	// ---- T10-PI ----
	// pi_prot_type: 0..3 (LIO refuses 2 with ENOSYS; we take it: the engine has the 32-byte
	// CDBs type 2 needs); a value set on hardware PI (hw_pi_prot_type) is ignored; backends without
	// protection information take 0 only (ENOSYS); otherwise the device must be enabled
	// (ENODEV) and not exported (EINVAL). 0 -> n makes the backend's PI storage
	// (formatted where new), n -> 0 releases it; pi_prot_verify follows the type.
	Result<void> store_pi_prot_type(const char *attr, const StoreInput &in, DeviceConfig &cfg) {
		DeviceAttrib &a = cfg.attrib;
		u32 v = TRY(store_u32(dev_, attr, in));
		if (v > 3) {
			log_refusal(attr, "must be 0, 1, 2 or 3");
			return refuse(KABI_EINVAL);
		}
		if (a.hw_pi_prot_type) {
			log_warn("%s/%s: DIF protection enabled on underlying hardware, ignoring "
				 "pi_prot_type\n",
				 dev_.hba().name(), dev_.name());
			return {};
		}
		if (!dev_.pi_supported()) {
			if (v == 0)
				return {};
			log_refusal(attr, "DIF protection is not supported by this backend");
			return refuse(KABI_ENOSYS);
		}
		if (!cfg.configured) {
			log_refusal(attr, "DIF protection requires the device to be enabled");
			return refuse(KABI_ENODEV);
		}
		TRY(check_not_exported(cfg, dev_, attr));
		u32 old = a.pi_prot_type;
		if (v && !old) {
			// The backend logs its own failure.
			Result<void> r = dev_.pi_setup_locked(a.block_size ? a.block_size : 512);
			if (r.is_error())
				return refuse(r.error().errno_value());
		} else if (!v && old) {
			dev_.pi_release_locked();
		}
		a.pi_prot_type = v;
		a.pi_prot_verify = v ? 1 : 0;
		return {};
	}

	// pi_prot_format: reads 0 always; 1 formats every tuple (all 0xff, the escape) on an
	// enabled, unexported device with pi_prot_type set (LIO: ENOSYS without backend
	// support, ENODEV before enable or without a type, EINVAL while exported).
	Result<void> store_pi_prot_format(const char *attr, const StoreInput &in,
					  DeviceConfig &cfg) {
		bool flag = TRY(store_bool(dev_, attr, in));
		if (!flag)
			return {};
		if (!dev_.pi_supported()) {
			log_refusal(attr, "DIF protection format is not supported by this backend");
			return refuse(KABI_ENOSYS);
		}
		if (!cfg.configured) {
			log_refusal(attr, "DIF protection format requires the device to be enabled");
			return refuse(KABI_ENODEV);
		}
		TRY(check_not_exported(cfg, dev_, attr));
		if (!cfg.attrib.pi_prot_type) {
			log_refusal(attr, "cannot format protection information while pi_prot_type is 0");
			return refuse(KABI_ENODEV);
		}
		Result<void> r = dev_.pi_format_locked(); // logs its own failure
		if (r.is_error())
			return refuse(r.error().errno_value());
		return {};
	}

	Result<void> store_locked(u32 index, const StoreInput &in, DeviceConfig &cfg) {
		DeviceAttrib &a = cfg.attrib;
		const char *attr = index < sizeof(kAttribAttrs) / sizeof(kAttribAttrs[0])
				       ? kAttribAttrs[index].name
				       : "?";
		switch (index) {
		// Plain booleans.
		case kAttr_emulate_fua_write:
			a.emulate_fua_write = TRY(store_bool(dev_, attr, in));
			return {};
		case kAttr_emulate_caw:
			a.emulate_caw = TRY(store_bool(dev_, attr, in));
			return {};
		case kAttr_emulate_3pc:
			a.emulate_3pc = TRY(store_bool(dev_, attr, in));
			return {};
		case kAttr_emulate_pr:
			a.emulate_pr = TRY(store_bool(dev_, attr, in));
			return {};
		case kAttr_emulate_rsoc:
			a.emulate_rsoc = TRY(store_bool(dev_, attr, in));
			return {};
		case kAttr_enforce_pr_isids:
			a.enforce_pr_isids = TRY(store_bool(dev_, attr, in));
			return {};
		case kAttr_is_nonrot:
			a.is_nonrot = TRY(store_bool(dev_, attr, in));
			return {};
		case kAttr_emulate_write_cache: {
			// Backends that report their own cache (iblock) refuse 1, as LIO's
			// get_write_cache backends; the ramdisk and fileio emulate it.
			bool flag = TRY(store_bool(dev_, attr, in));
			if (flag && dev_.device_write_cache() >= 0) {
				log_refusal(attr, "the backing device reports its own write cache");
				return refuse(KABI_EINVAL);
			}
			a.emulate_write_cache = flag;
			return {};
		}
		// Plain numbers.
		case kAttr_max_unmap_lba_count:
			a.max_unmap_lba_count = TRY(store_u32(dev_, attr, in));
			return {};
		case kAttr_max_unmap_block_desc_count:
			a.max_unmap_block_desc_count = TRY(store_u32(dev_, attr, in));
			return {};
		case kAttr_unmap_granularity:
			a.unmap_granularity = TRY(store_u32(dev_, attr, in));
			return {};
		case kAttr_unmap_granularity_alignment:
			a.unmap_granularity_alignment = TRY(store_u32(dev_, attr, in));
			return {};
		case kAttr_max_write_same_len:
			a.max_write_same_len = TRY(store_u32(dev_, attr, in));
			return {};
		// Deprecated: LIO accepts and ignores any value.
		case kAttr_emulate_dpo:
		case kAttr_emulate_fua_read:
			log_warn("%s/%s: ignoring deprecated %s attribute\n", dev_.hba().name(),
				 dev_.name(), attr);
			return {};
		case kAttr_emulate_model_alias: {
			TRY(check_not_exported(cfg, dev_, attr));
			bool flag = TRY(store_bool(dev_, attr, in));
			StrView model = flag ? StrView(dev_.name(),
						       min(str_len(dev_.name()),
							   static_cast<usize>(core::kInquiryModelLen - 1)))
					     : str_view(dev_.hba().backend().inquiry_prod());
			(void)str_copy(Span<char>(cfg.wwn.model, sizeof(cfg.wwn.model)), model);
			a.emulate_model_alias = flag;
			return {};
		}
		case kAttr_emulate_ua_intlck_ctrl: {
			u32 v = TRY(store_u32(dev_, attr, in));
			if (v > 2) {
				log_refusal(attr, "must be 0, 1 or 2");
				return refuse(KABI_EINVAL);
			}
			TRY(check_not_exported(cfg, dev_, attr));
			a.emulate_ua_intlck_ctrl = v;
			return {};
		}
		case kAttr_emulate_tas:
		case kAttr_force_pr_aptpl: {
			bool flag = TRY(store_bool(dev_, attr, in));
			TRY(check_not_exported(cfg, dev_, attr));
			(index == kAttr_emulate_tas ? a.emulate_tas : a.force_pr_aptpl) = flag;
			return {};
		}
		case kAttr_emulate_tpu:
		case kAttr_emulate_tpws: {
			bool flag = TRY(store_bool(dev_, attr, in));
			if (flag && !a.max_unmap_block_desc_count) {
				log_refusal(attr, "thin provisioning needs max_unmap_block_desc_count "
						  "set first (the backend does not report discard)");
				return refuse(KABI_ENOSYS);
			}
			(index == kAttr_emulate_tpu ? a.emulate_tpu : a.emulate_tpws) = flag;
			return {};
		}
		case kAttr_unmap_zeroes_data: {
			bool flag = TRY(store_bool(dev_, attr, in));
			TRY(check_not_exported(cfg, dev_, attr));
			if (flag && !a.max_unmap_block_desc_count) {
				log_refusal(attr, "LBPRZ needs max_unmap_block_desc_count set first");
				return refuse(KABI_ENOSYS);
			}
			a.unmap_zeroes_data = flag;
			return {};
		}
		case kAttr_emulate_rest_reord: {
			bool flag = TRY(store_bool(dev_, attr, in));
			if (flag) {
				log_refusal(attr, "restricted reordering is not implemented");
				return refuse(KABI_ENOSYS);
			}
			a.emulate_rest_reord = 0;
			return {};
		}
		// ---- T10-PI (LIO's pi_prot_type_store / pi_prot_format_store /
		// pi_prot_verify_store): see store_pi_*() below.
		case kAttr_pi_prot_type:
			return store_pi_prot_type(attr, in, cfg);
		case kAttr_pi_prot_format:
			return store_pi_prot_format(attr, in, cfg);
		case kAttr_pi_prot_verify: {
			bool flag = TRY(store_bool(dev_, attr, in));
			if (flag && a.hw_pi_prot_type) {
				log_warn("%s/%s: DIF protection enabled on underlying hardware, "
					 "ignoring pi_prot_verify\n",
					 dev_.hba().name(), dev_.name());
				return {};
			}
			if (flag && !a.pi_prot_type) {
				log_warn("%s/%s: DIF protection not enabled, ignoring pi_prot_verify\n",
					 dev_.hba().name(), dev_.name());
				return {};
			}
			a.pi_prot_verify = flag;
			return {};
		}
		case kAttr_queue_depth: {
			u32 v = TRY(store_u32(dev_, attr, in));
			TRY(check_not_exported(cfg, dev_, attr));
			if (!v) {
				log_refusal(attr, "0 is not a queue depth");
				return refuse(KABI_EINVAL);
			}
			if (v > a.queue_depth && v > a.hw_queue_depth) {
				log_err("%s/%s: queue_depth: %u exceeds hw_queue_depth %u\n",
					dev_.hba().name(), dev_.name(), v, a.hw_queue_depth);
				return refuse(KABI_EINVAL);
			}
			a.queue_depth = v;
			cfg.queue_depth = v;
			return {};
		}
		case kAttr_optimal_sectors: {
			u32 v = TRY(store_u32(dev_, attr, in));
			TRY(check_not_exported(cfg, dev_, attr));
			if (v > a.hw_max_sectors) {
				log_err("%s/%s: optimal_sectors: %u exceeds hw_max_sectors %u\n",
					dev_.hba().name(), dev_.name(), v, a.hw_max_sectors);
				return refuse(KABI_EINVAL);
			}
			a.optimal_sectors = v;
			return {};
		}
		case kAttr_block_size: {
			u32 v = TRY(store_u32(dev_, attr, in));
			TRY(check_not_exported(cfg, dev_, attr));
			if (v != 512 && v != 1024 && v != 2048 && v != 4096) {
				log_err("%s/%s: block_size: %u is not 512, 1024, 2048 or 4096\n",
					dev_.hba().name(), dev_.name(), v);
				return refuse(KABI_EINVAL);
			}
			a.block_size = v;
			return {};
		}
		case kAttr_alua_support:
		case kAttr_pgr_support: {
			bool flag = TRY(store_bool(dev_, attr, in));
			bool cur = index == kAttr_alua_support ? a.alua_support : a.pgr_support;
			if (flag != cur) {
				log_refusal(attr, "fixed for this backend");
				return refuse(KABI_ENOSYS);
			}
			return {};
		}
		case kAttr_submit_type: {
			u32 v = TRY(store_u32(dev_, attr, in));
			if (v > 2) {
				log_refusal(attr, "must be 0 (fabric default), 1 (direct) or 2 (queue)");
				return refuse(KABI_EINVAL);
			}
			a.submit_type = v;
			return {};
		}
		}
		return refuse(KABI_EACCES); // hw_*: read-only (configfs refuses the open first)
	}
};

// ---- <device>/wwn ----

constexpr kabi_cfs_attr kWwnAttrs[] = {
    {"vendor_id", 0644},
    {"product_id", 0644},
    {"revision", 0644},
    {"company_id", 0644},
    {"vpd_unit_serial", 0644},
    {"vpd_protocol_identifier", 0444},
    {"vpd_assoc_logical_unit", 0444},
    {"vpd_assoc_target_port", 0444},
    {"vpd_assoc_scsi_target_device", 0444},
};
enum WwnAttr : u32 {
	kWwnVendor,
	kWwnProduct,
	kWwnRevision,
	kWwnCompanyId,
	kWwnUnitSerial,
	kWwnProtocolId,
	kWwnAssocLu,
	kWwnAssocPort,
	kWwnAssocTarget,
};
constinit NodeType dev_wwn_type("dev_wwn", kWwnAttrs);

bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// strstrip: without leading and trailing white space.
StrView strip(StrView s) {
	usize b = 0, e = s.size();
	while (b < e && is_space(s.data()[b]))
		b++;
	while (e > b && is_space(s.data()[e - 1]))
		e--;
	return StrView(s.data() + b, e - b);
}

class WwnNode final : public DeviceSubNode {
  public:
	explicit WwnNode(Device &dev) : DeviceSubNode(dev) {}

	s64 show(u32 index, MutableBytes out) override {
		LockGuard guard(dev_.lock());
		const core::DeviceWwn &w = dev_.config_locked().wwn;
		switch (index) {
		case kWwnVendor:
			return SHOW("%s\n", w.vendor);
		case kWwnProduct:
			return SHOW("%s\n", w.model);
		case kWwnRevision:
			return SHOW("%s\n", w.revision);
		case kWwnCompanyId:
			return SHOW("%#08x\n", w.company_id);
		case kWwnUnitSerial:
			return SHOW("T10 VPD Unit Serial Number: %s\n", w.unit_serial);
		case kWwnProtocolId:
		case kWwnAssocLu:
		case kWwnAssocPort:
		case kWwnAssocTarget: {
			// VPD identifiers from firmware: only pscsi has them.
			using V = Device::VpdView;
			V view = index == kWwnProtocolId ? V::kProtocolIds
				 : index == kWwnAssocLu	   ? V::kAssocLogicalUnit
				 : index == kWwnAssocPort  ? V::kAssocTargetPort
							   : V::kAssocTargetDevice;
			return dev_.show_vpd_identifiers_locked(
			    view, reinterpret_cast<char *>(out.data()), out.size());
		}
		}
		return -KABI_EACCES;
	}

	Result<void> store(u32 index, const StoreInput &in) override {
		LockGuard guard(dev_.lock());
		TRY(store_wwn_locked(index, in));
		publish_settings_locked(dev_);
		return {};
	}

	Result<void> store_wwn_locked(u32 index, const StoreInput &in) {
		DeviceConfig &cfg = dev_.config_locked();
		switch (index) {
		case kWwnVendor:
			return store_inquiry(cfg, in, "vendor_id", cfg.wwn.vendor,
					     sizeof(cfg.wwn.vendor));
		case kWwnProduct:
			return store_inquiry(cfg, in, "product_id", cfg.wwn.model,
					     sizeof(cfg.wwn.model));
		case kWwnRevision:
			return store_inquiry(cfg, in, "revision", cfg.wwn.revision,
					     sizeof(cfg.wwn.revision));
		case kWwnCompanyId: {
			u32 v = TRY(store_u32(dev_, "company_id", in));
			if (v >= 0x1000000) {
				log_err("%s/%s: company_id: %#x is not a 24-bit OUI\n",
					dev_.hba().name(), dev_.name(), v);
				return refuse(kEoverflow);
			}
			TRY(check_not_exported(cfg, dev_, "company_id"));
			cfg.wwn.company_id = v;
			return {};
		}
		case kWwnUnitSerial: {
			usize n = str_nlen(in.data, in.len);
			if (n >= core::kInquiryVpdSerialLen) {
				log_err("%s/%s: vpd_unit_serial: longer than %u bytes\n",
					dev_.hba().name(), dev_.name(), core::kInquiryVpdSerialLen - 1);
				return refuse(kEoverflow);
			}
			TRY(check_not_exported(cfg, dev_, "vpd_unit_serial"));
			StrView v = strip(StrView(in.data, n));
			(void)str_copy(Span<char>(cfg.wwn.unit_serial, sizeof(cfg.wwn.unit_serial)), v);
			return {};
		}
		}
		return refuse(KABI_EACCES);
	}

  private:
	// LIO: the value (up to the first NUL) without surrounding white space must fit and be
	// printable ASCII; EOVERFLOW when too long, EINVAL when not printable.
	Result<void> store_inquiry(DeviceConfig &cfg, const StoreInput &in, const char *attr,
				   char *field, usize field_size) {
		usize max = field_size - 1;
		usize n = str_nlen(in.data, in.len);
		StrView v = n < max + 2 ? strip(StrView(in.data, n)) : StrView(in.data, n);
		if (v.size() > max) {
			log_err("%s/%s: %s: longer than %llu characters\n", dev_.hba().name(),
				dev_.name(), attr, static_cast<unsigned long long>(max));
			return refuse(kEoverflow);
		}
		for (char c : v) {
			if (c < 0x20 || c > 0x7e) {
				log_err("%s/%s: %s: INQUIRY data must be printable ASCII\n",
					dev_.hba().name(), dev_.name(), attr);
				return refuse(KABI_EINVAL);
			}
		}
		TRY(check_not_exported(cfg, dev_, attr));
		(void)str_copy(Span<char>(field, field_size), v);
		return {};
	}
};

// ---- <device>/pr ----

constexpr kabi_cfs_attr kPrAttrs[] = {
    {"res_holder", 0444},
    {"res_pr_all_tgt_pts", 0444},
    {"res_pr_generation", 0444},
    {"res_pr_holder_tg_port", 0444},
    {"res_pr_registered_i_pts", 0444},
    {"res_pr_type", 0444},
    {"res_type", 0444},
    {"res_aptpl_active", 0444},
    {"res_aptpl_metadata", 0644},
};
enum PrAttr : u32 {
	kPrHolder,
	kPrAllTgtPts,
	kPrGeneration,
	kPrHolderTgPort,
	kPrRegistered,
	kPrType,
	kPrResType,
	kPrAptplActive,
	kPrAptplMetadata,
};
constinit NodeType dev_pr_type("dev_pr", kPrAttrs);

// ---- persistent reservations ----
// Live state in LIO's formats: the SPC-2 holder (from the LU's nexuses) and the SPC-4
// registrations and reservation (LuState::pr()). Before the device is enabled there is no
// logical unit and so no reservation: LIO's texts for none.
const char *pr_type_text(scsi::PrType t) {
	using T = scsi::PrType;
	switch (t) {
	case T::kWriteExclusive:
		return "Write Exclusive Access";
	case T::kExclusiveAccess:
		return "Exclusive Access";
	case T::kWriteExclusiveRegOnly:
		return "Write Exclusive Access, Registrants Only";
	case T::kExclusiveAccessRegOnly:
		return "Exclusive Access, Registrants Only";
	case T::kWriteExclusiveAllReg:
		return "Write Exclusive Access, All Registrants";
	case T::kExclusiveAccessAllReg:
		return "Exclusive Access, All Registrants";
	default:
		return "Unknown SPC-3 PR Type";
	}
}

class PrNode final : public DeviceSubNode {
  public:
	explicit PrNode(Device &dev) : DeviceSubNode(dev) {}

	// The PR mutex is never taken under Device::lock() (a PR OUT takes TargetCore's dbroot
	// lock inside it, and dbroot's lock is outer to Device::lock()): the settings and a
	// reference to the LU are taken under the device's lock, the PR state after it.
	s64 show(u32 index, MutableBytes out) override {
		bool emulate, passthrough;
		RefPtr<core::DeviceLu> lu;
		{
			LockGuard guard(dev_.lock());
			emulate = dev_.config_locked().attrib.emulate_pr != 0;
			passthrough = !dev_.config_locked().attrib.pgr_support;
			if (dev_.lu)
				lu = RefPtr<core::DeviceLu>::retain(dev_.lu);
		}
		u64 spc2 = lu ? lu->state().reservation_holder() : 0;
		switch (index) {
		case kPrHolder:
			if (!emulate)
				return SHOW("SPC_RESERVATIONS_DISABLED\n");
			if (passthrough)
				return SHOW("Passthrough\n");
			if (spc2) {
				char name[scsi::kMaxInitiatorName + 1] = {};
				char fabric[scsi::kMaxFabricName + 1] = {};
				lu->describe_nexus(spc2, Span<char>(name, sizeof(name)),
						   Span<char>(fabric, sizeof(fabric)));
				return SHOW("SPC-2 Reservation: %s Initiator: %s\n", fabric, name);
			}
			break;
		case kPrResType:
			if (!emulate)
				return SHOW("SPC_RESERVATIONS_DISABLED\n");
			if (passthrough)
				return SHOW("SPC_PASSTHROUGH\n");
			if (spc2)
				return SHOW("SPC2_RESERVATIONS\n");
			return SHOW("SPC3_PERSISTENT_RESERVATIONS\n");
		case kPrAptplActive:
		case kPrAptplMetadata:
			if (!emulate || passthrough)
				return 0;
			break;
		default:
			break;
		}
		if (!lu)
			return show_state(index, out, nullptr);
		scsi::PrState &pr = lu->state().pr();
		LockGuard pr_guard(pr.mutex());
		return show_state(index, out, &pr);
	}

	Result<void> store(u32 index, const StoreInput &in) override {
		if (index != kPrAptplMetadata)
			return refuse(KABI_EACCES);
		RefPtr<core::DeviceLu> lu;
		{
			LockGuard guard(dev_.lock());
			const DeviceConfig &cfg = dev_.config_locked();
			// As LIO: ignored without PR emulation, under passthrough or an SPC-2
			// reservation.
			if (!cfg.attrib.emulate_pr || !cfg.attrib.pgr_support)
				return {};
			TRY(check_not_exported(cfg, dev_, "res_aptpl_metadata"));
			if (dev_.lu)
				lu = RefPtr<core::DeviceLu>::retain(dev_.lu);
		}
		if (!lu) {
			log_err("%s/%s: res_aptpl_metadata: the device is not enabled\n",
				dev_.hba().name(), dev_.name());
			return refuse(KABI_EINVAL);
		}
		if (lu->state().reservation_holder())
			return {};
		scsi::PrState &pr = lu->state().pr();
		LockGuard pr_guard(pr.mutex());
		Result<void> r = pr.restore_aptpl_record(in.value());
		if (r.is_error()) {
			log_err("%s/%s: res_aptpl_metadata: illegal APTPL registration (error %d)\n",
				dev_.hba().name(), dev_.name(), r.error().errno_value());
			return refuse(r.error().errno_value());
		}
		return {};
	}

  private:
	// The registration LIO calls the holder: the reserving one, or for all-registrants
	// types the first registrant.
	static scsi::PrRegistration *holder(scsi::PrState *pr) {
		if (!pr || pr->type() == scsi::PrType::kNone)
			return nullptr;
		return pr->holder() ? pr->holder() : pr->registrations().front();
	}
	static const char *isid_prefix(const scsi::PrRegistration &r) {
		return r.port.isid[0] ? ",i,0x" : "";
	}

	s64 show_state(u32 index, MutableBytes out, scsi::PrState *pr) {
		scsi::PrRegistration *h = holder(pr);
		switch (index) {
		case kPrHolder:
			if (!h)
				return SHOW("No SPC-3 Reservation holder\n");
			return SHOW("SPC-3 Reservation: %s Initiator: %s%s%s\n", h->target.fabric,
				    h->port.name, isid_prefix(*h), h->port.isid);
		case kPrAllTgtPts:
			if (!h)
				return SHOW("No SPC-3 Reservation holder\n");
			return SHOW("SPC-3 Reservation: %s registration\n",
				    h->all_tg_pt ? "All Target Ports" : "Single Target Port");
		case kPrHolderTgPort:
			if (!h)
				return SHOW("No SPC-3 Reservation holder\n");
			return SHOW("SPC-3 Reservation: %s Target Node Endpoint: %s\n"
				    "SPC-3 Reservation: Relative Port Identifier Tag: %u %s Portal "
				    "Group Tag: %u %s Logical Unit: %llu\n",
				    h->target.fabric, h->target.target_node,
				    static_cast<unsigned>(h->rtpi), h->target.fabric,
				    static_cast<unsigned>(h->target.tpgt), h->target.fabric,
				    static_cast<unsigned long long>(h->target.target_lun));
		case kPrType:
			if (!h)
				return SHOW("No SPC-3 Reservation holder\n");
			return SHOW("SPC-3 Reservation Type: %s\n", pr_type_text(pr->type()));
		case kPrGeneration:
			return SHOW("0x%08x\n", pr ? pr->generation() : 0u);
		case kPrRegistered: {
			usize len = static_cast<usize>(SHOW("SPC-3 PR Registrations:\n"));
			unsigned count = 0;
			if (pr) {
				for (scsi::PrRegistration &r : pr->registrations()) {
					char line[scsi::kMaxInitiatorName + 128];
					int n = kabi_snprintf(
					    line, sizeof(line),
					    "%s Node: %s%s%s Key: 0x%016llx PRgen: 0x%08x\n",
					    r.target.fabric, r.port.name, isid_prefix(r), r.port.isid,
					    static_cast<unsigned long long>(r.key), r.generation);
					if (n < 0 || len + static_cast<usize>(n) >= out.size())
						break; // a page's worth, as LIO
					__builtin_memcpy(out.data() + len, line, static_cast<usize>(n));
					len += static_cast<usize>(n);
					count++;
				}
			}
			if (!count)
				len += static_cast<usize>(kabi_snprintf(
				    reinterpret_cast<char *>(out.data()) + len, out.size() - len,
				    "None\n"));
			return static_cast<s64>(len);
		}
		case kPrAptplActive:
			return SHOW("APTPL Bit Status: %s\n",
				    pr && pr->aptpl() ? "Activated" : "Disabled");
		case kPrAptplMetadata:
			return SHOW("Ready to process PR APTPL metadata..\n");
		}
		return -KABI_EACCES;
	}
};

// ---- <device>/alua/default_tg_pt_gp ----

constexpr kabi_cfs_attr kTgPtGpAttrs[] = {
    {"alua_access_state", 0644},
    {"alua_access_status", 0644},
    {"alua_access_type", 0644},
    {"alua_support_transitioning", 0644},
    {"alua_support_offline", 0644},
    {"alua_support_lba_dependent", 0644},
    {"alua_support_unavailable", 0644},
    {"alua_support_standby", 0644},
    {"alua_support_active_optimized", 0644},
    {"alua_support_active_nonoptimized", 0644},
    {"alua_write_metadata", 0644},
    {"nonop_delay_msecs", 0644},
    {"trans_delay_msecs", 0644},
    {"implicit_trans_secs", 0644},
    {"preferred", 0644},
    {"tg_pt_gp_id", 0644},
    {"members", 0444},
};
enum TgPtGpAttr : u32 {
	kTgState,
	kTgStatus,
	kTgType,
	kTgSupT,
	kTgSupO,
	kTgSupLbd,
	kTgSupU,
	kTgSupS,
	kTgSupAo,
	kTgSupAn,
	kTgWriteMetadata,
	kTgNonopDelay,
	kTgTransDelay,
	kTgImplicitTrans,
	kTgPreferred,
	kTgId,
	kTgMembers,
};
constinit NodeType tg_pt_gp_type("tg_pt_gp", kTgPtGpAttrs);

// ---- ALUA ----
// A target port group (core/alua_tg_pt_group.h): default_tg_pt_gp, or one made by mkdir
// under alua/ (owned by this node). Formats and checks as LIO's target_core_configfs.c.
class TgPtGpNode final : public DeviceSubNode {
  public:
	// default_tg_pt_gp
	TgPtGpNode(Device &dev, core::TgPtGroup &group) : DeviceSubNode(dev), g_(group) {}
	// mkdir alua/<name>
	TgPtGpNode(Device &dev, OwnPtr<core::TgPtGroup> owned)
	    : DeviceSubNode(dev), g_(*owned), owned_(move(owned)) {}

	void retire() {
		if (owned_)
			g_.set().retire(g_);
	}

	s64 show(u32 index, MutableBytes out) override {
		core::TgPtGroupSet &set = g_.set();
		if (index == kTgMembers)
			return set.format_members(g_, reinterpret_cast<char *>(out.data()), out.size());
		LockGuard guard(set.lock());
		switch (index) {
		case kTgState:
			return SHOW("%d\n", static_cast<int>(g_.state));
		case kTgStatus:
			return SHOW("%s\n", core::TgPtGroupSet::status_name(g_.status));
		case kTgType:
			return SHOW("%s\n", g_.access_type == 3   ? "Implicit and Explicit"
					    : g_.access_type == 1 ? "Implicit"
					    : g_.access_type == 2 ? "Explicit"
								  : "None");
		case kTgSupT:
		case kTgSupO:
		case kTgSupLbd:
		case kTgSupU:
		case kTgSupS:
		case kTgSupAo:
		case kTgSupAn:
			return SHOW("%d\n", (g_.supported & support_bit(index)) ? 1 : 0);
		case kTgWriteMetadata:
			return SHOW("%d\n", g_.write_metadata ? 1 : 0);
		case kTgNonopDelay:
			return SHOW("%u\n", static_cast<u32>(g_.nonop_delay_ms));
		case kTgTransDelay:
			return SHOW("%u\n", static_cast<u32>(g_.trans_delay_ms));
		case kTgImplicitTrans:
			return SHOW("%u\n", static_cast<u32>(g_.implicit_trans_secs));
		case kTgPreferred:
			return SHOW("%d\n", g_.preferred ? 1 : 0);
		case kTgId:
			return g_.has_id ? SHOW("%u\n", static_cast<u32>(g_.id)) : 0;
		}
		return -KABI_EACCES;
	}

	Result<void> store(u32 index, const StoreInput &in) override {
		const char *attr = index < sizeof(kTgPtGpAttrs) / sizeof(kTgPtGpAttrs[0])
				       ? kTgPtGpAttrs[index].name
				       : "?";
		core::TgPtGroupSet &set = g_.set();
		if (index == kTgMembers)
			return refuse(KABI_EACCES);
		if (index == kTgId)
			return set.set_id(g_, TRY(store_u64(dev_, attr, in)));
		if (index == kTgState)
			return store_state(in);
		u64 v = TRY(store_u64(dev_, attr, in));
		u64 max = 1;
		bool needs_id = false;
		switch (index) {
		case kTgStatus:
			max = 2;
			needs_id = true;
			break;
		case kTgType:
			max = 3;
			break;
		case kTgNonopDelay:
			max = core::TgPtGroup::kMaxNonopDelayMs;
			break;
		case kTgTransDelay:
			max = core::TgPtGroup::kMaxTransDelayMs;
			break;
		case kTgImplicitTrans:
			max = core::TgPtGroup::kMaxImplicitTransSecs;
			break;
		case kTgWriteMetadata:
		case kTgPreferred:
			break;
		default: // alua_support_*
			needs_id = true;
			break;
		}
		LockGuard guard(set.lock());
		if (needs_id && !g_.has_id) {
			log_err("%s/%s: alua/%s: %s: the group has no tg_pt_gp_id yet\n",
				dev_.hba().name(), dev_.name(), g_.name(), attr);
			return refuse(KABI_EINVAL);
		}
		if (v > max) {
			log_err("%s/%s: alua/%s: %s: %llu is out of range (0-%llu)\n", dev_.hba().name(),
				dev_.name(), g_.name(), attr, static_cast<unsigned long long>(v),
				static_cast<unsigned long long>(max));
			return refuse(KABI_EINVAL);
		}
		switch (index) {
		case kTgStatus:
			g_.status = static_cast<u8>(v);
			break;
		case kTgType:
			g_.access_type = static_cast<u8>(v);
			set.publish_locked(g_);
			break;
		case kTgWriteMetadata:
			g_.write_metadata = v != 0;
			break;
		case kTgNonopDelay:
			g_.nonop_delay_ms = static_cast<u16>(v);
			set.publish_locked(g_);
			break;
		case kTgTransDelay:
			g_.trans_delay_ms = static_cast<u16>(v);
			break;
		case kTgImplicitTrans:
			g_.implicit_trans_secs = static_cast<u8>(v);
			break;
		case kTgPreferred:
			g_.preferred = v != 0;
			break;
		default:
			g_.supported = static_cast<u8>(v ? (g_.supported | support_bit(index))
							 : (g_.supported & ~support_bit(index)));
			break;
		}
		return {};
	}

  private:
	static u8 support_bit(u32 index) {
		switch (index) {
		case kTgSupT:
			return scsi::kAluaSupT;
		case kTgSupO:
			return scsi::kAluaSupO;
		case kTgSupLbd:
			return scsi::kAluaSupLbd;
		case kTgSupU:
			return scsi::kAluaSupU;
		case kTgSupS:
			return scsi::kAluaSupS;
		case kTgSupAo:
			return scsi::kAluaSupAo;
		case kTgSupAn:
			return scsi::kAluaSupAn;
		}
		return 0;
	}

	// An implicit transition (LIO's checks, in its order).
	Result<void> store_state(const StoreInput &in) {
		core::TgPtGroupSet &set = g_.set();
		u8 type;
		{
			LockGuard guard(set.lock());
			if (!g_.has_id) {
				log_err("%s/%s: alua/%s: alua_access_state: the group has no "
					"tg_pt_gp_id yet\n",
					dev_.hba().name(), dev_.name(), g_.name());
				return refuse(KABI_EINVAL);
			}
			type = g_.access_type;
		}
		bool configured;
		{
			LockGuard guard(dev_.lock());
			configured = dev_.config_locked().configured;
		}
		if (!configured) {
			log_err("%s/%s: alua_access_state: the device is not enabled\n",
				dev_.hba().name(), dev_.name());
			return refuse(KABI_ENODEV);
		}
		u64 v = TRY(store_u64(dev_, "alua_access_state", in));
		if (!(type & scsi::kAluaImplicit)) {
			log_err("%s/%s: alua/%s: alua_access_state: implicit ALUA is disabled "
				"(alua_access_type)\n",
				dev_.hba().name(), dev_.name(), g_.name());
			return refuse(KABI_EINVAL);
		}
		if ((type & scsi::kAluaExplicit) && v == 4) {
			log_err("%s/%s: alua/%s: alua_access_state: LBA dependent is refused while "
				"explicit ALUA is enabled\n",
				dev_.hba().name(), dev_.name(), g_.name());
			return refuse(KABI_EINVAL);
		}
		if (v > 0xf) {
			log_err("%s/%s: alua/%s: alua_access_state: %llu is not an access state\n",
				dev_.hba().name(), dev_.name(), g_.name(),
				static_cast<unsigned long long>(v));
			return refuse(KABI_EINVAL);
		}
		return set.transition(g_, static_cast<scsi::AluaState>(v), false, nullptr);
	}

	core::TgPtGroup &g_;
	OwnPtr<core::TgPtGroup> owned_;
};

// ---- <device>/statistics/* ----

constexpr kabi_cfs_attr kStatDevAttrs[] = {
    {"inst", 0444}, {"indx", 0444}, {"role", 0444}, {"ports", 0444}};
constexpr kabi_cfs_attr kStatTgtAttrs[] = {
    {"inst", 0444},	      {"indx", 0444},	{"num_lus", 0444},
    {"status", 0444},	      {"non_access_lus", 0444}, {"resets", 0444},
    {"aborts_complete", 0444}, {"aborts_no_task", 0444}};
constexpr kabi_cfs_attr kStatLuAttrs[] = {
    {"inst", 0444},	   {"dev", 0444},	    {"indx", 0444},	     {"lun", 0444},
    {"lu_name", 0444},	   {"vend", 0444},	    {"prod", 0444},	     {"rev", 0444},
    {"dev_type", 0444},	   {"status", 0444},	    {"state_bit", 0444},     {"num_cmds", 0444},
    {"read_mbytes", 0444}, {"write_mbytes", 0444}, {"resets", 0444},	     {"full_stat", 0444},
    {"hs_num_cmds", 0444}, {"creation_time", 0444}};
constinit NodeType stat_dev_type("stat_scsi_dev", kStatDevAttrs);
constinit NodeType stat_tgt_type("stat_scsi_tgt_dev", kStatTgtAttrs);
constinit NodeType stat_lu_type("stat_scsi_lu", kStatLuAttrs);

enum class StatKind : u8 { Dev, TgtDev, Lu };

class StatNode final : public DeviceSubNode {
  public:
	StatNode(Device &dev, StatKind kind) : DeviceSubNode(dev), kind_(kind) {}

	s64 show(u32 index, MutableBytes out) override {
		LockGuard guard(dev_.lock());
		const DeviceConfig &cfg = dev_.config_locked();
		u32 inst = dev_.hba().scsi_index();
		// Counters live in the logical unit (from enable on); 0 before.
		const core::DeviceLu *lu = dev_.lu;
		auto stat = [lu](Atomic<u64> core::DeviceLu::*c) -> unsigned long long {
			return lu ? (lu->*c).load(MemoryOrder::Relaxed) : 0;
		};
		// Every kind starts with inst and the device index (indx / dev).
		if (index == 0)
			return SHOW("%u\n", inst);
		if (index == 1)
			return SHOW("%u\n", cfg.dev_index);
		switch (kind_) {
		case StatKind::Dev:
			switch (index) {
			case 2:
				return SHOW("Target\n");
			case 3:
				return SHOW("%u\n", cfg.export_count);
			}
			break;
		case StatKind::TgtDev:
			switch (index) {
			case 2:
				return SHOW("%u\n", 1u); // LU_COUNT
			case 3:
				return SHOW("%s", cfg.export_count ? "activated" : "deactivated");
			case 4:
				return SHOW("%u\n", cfg.export_count ? 0u : 1u);
			case 5:
				return SHOW("%llu\n", stat(&core::DeviceLu::stat_resets));
			case 6:
				return SHOW("%llu\n", stat(&core::DeviceLu::stat_aborts_complete));
			case 7:
				return SHOW("%llu\n", stat(&core::DeviceLu::stat_aborts_no_task));
			}
			break;
		case StatKind::Lu:
			switch (index) {
			case 2:
				return SHOW("%u\n", 1u); // SCSI_LU_INDEX
			case 3:
				return SHOW("%llu\n", 0ull);
			case 4:
				return SHOW("%s\n", cfg.wwn.unit_serial[0] ? cfg.wwn.unit_serial : "None");
			case 5:
				return SHOW("%-8s\n", cfg.wwn.vendor);
			case 6:
				return SHOW("%-16s\n", cfg.wwn.model);
			case 7:
				return SHOW("%-4s\n", cfg.wwn.revision);
			case 8:
				return SHOW("%u\n", 0u); // TYPE_DISK
			case 9:
				return SHOW("%s\n", cfg.export_count ? "available" : "notavailable");
			case 10:
				return SHOW("exposed\n");
			case 11:
				return SHOW("%llu\n", stat(&core::DeviceLu::stat_cmds));
			case 12: // LIO: whole MiB
				return SHOW("%llu\n", stat(&core::DeviceLu::stat_read_bytes) >> 20);
			case 13:
				return SHOW("%llu\n", stat(&core::DeviceLu::stat_written_bytes) >> 20);
			case 14:
				return SHOW("%llu\n", stat(&core::DeviceLu::stat_resets));
			case 15:
			case 16:
				return SHOW("%u\n", 0u);
			case 17:
				return SHOW("%u\n", 0u); // creation time: no jiffies across the boundary
			}
			break;
		}
		return -KABI_EACCES;
	}

  private:
	StatKind kind_;
};

// ---- <device> ----

constexpr kabi_cfs_attr kDevAttrs[] = {
    {"info", 0444},	  {"control", 0200},	{"alias", 0644},   {"udev_path", 0644},
    {"enable", 0644}, {"alua_lu_gp", 0644}, {"lba_map", 0644},
};
enum DevAttr : u32 { kDevInfo, kDevControl, kDevAlias, kDevUdevPath, kDevEnable, kDevLuGp, kDevLbaMap };
constinit NodeType dev_type("device", kDevAttrs);
constinit NodeType dev_action_type("dev_action");
constinit NodeType dev_alua_type("dev_alua");
constinit NodeType dev_stat_type("dev_stat");

class PlainSubNode final : public DeviceSubNode {
  public:
	explicit PlainSubNode(Device &dev) : DeviceSubNode(dev) {}
};

// ---- ALUA: <device>/alua: mkdir makes a target port group ----
class AluaDirNode final : public DeviceSubNode {
  public:
	AluaDirNode(Device &dev, core::TgPtGroupSet &set) : DeviceSubNode(dev), set_(set) {}

	Result<void> make_child(const char *name, kabi_cfs_group *group) override {
		StrView n = str_view(name);
		if (n.size() >= core::TgPtGroup::kNameMax) {
			log_err("%s/%s: alua/%s: the group name is too long\n", dev_.hba().name(),
				dev_.name(), name);
			return refuse(KABI_ENAMETOOLONG);
		}
		OwnPtr<core::TgPtGroup> g = make<core::TgPtGroup>(Gfp::Kernel, set_, n);
		if (!g)
			return refuse(KABI_ENOMEM);
		OwnPtr<TgPtGpNode> node = make<TgPtGpNode>(Gfp::Kernel, dev_, move(g));
		if (!node)
			return refuse(KABI_ENOMEM);
		bind_child(group, tg_pt_gp_type, node.release());
		return {};
	}

	// Members go back to default_tg_pt_gp (LIO); the node (and group) go at release.
	void drop_child(Node *child) override { static_cast<TgPtGpNode *>(child)->retire(); }

  private:
	core::TgPtGroupSet &set_;
};

class DeviceNode final : public Node {
  public:
	DeviceNode(TargetCore &core, OwnPtr<Device> dev) : core_(core), dev_(move(dev)) {}
	~DeviceNode() override {
		unpublish();
		dev_->alua_groups = nullptr; // ---- ALUA: no LUN links the device any more ----
		// No LUN links the device any more (configfs keeps it while a symlink exists), so
		// no command can reach it: cut the logical unit loose from the storage.
		if (core::DeviceLu *lu = lio::exchange(dev_->lu, nullptr)) {
			lu->detach();
			lu->unref();
		}
	}

	Device &device() { return *dev_; }
	core::Device *as_device() override { return dev_.get(); }

	// Builds the default groups below `group` (bound to this node).
	Result<void> add_defaults(kabi_cfs_group *group) {
		Device &d = *dev_;
		alua_ = make<core::TgPtGroupSet>(Gfp::Kernel, d);
		if (!alua_)
			return refuse(KABI_ENOMEM);
		d.alua_groups = alua_.get();
		TRY(adopt_default(group, "action", dev_action_type, make<PlainSubNode>(Gfp::Kernel, d)));
		if (d.is_passthrough())
			TRY(adopt_default(group, "attrib", dev_attrib_pt_type,
					  make<AttribNode>(Gfp::Kernel, d, true)));
		else
			TRY(adopt_default(group, "attrib", dev_attrib_type,
					  make<AttribNode>(Gfp::Kernel, d)));
		TRY(adopt_default(group, "pr", dev_pr_type, make<PrNode>(Gfp::Kernel, d)));
		TRY(adopt_default(group, "wwn", dev_wwn_type, make<WwnNode>(Gfp::Kernel, d)));
		kabi_cfs_group *alua = TRY(adopt_default(group, "alua", dev_alua_type,
							 make<AluaDirNode>(Gfp::Kernel, d, *alua_)));
		TRY(adopt_default(alua, "default_tg_pt_gp", tg_pt_gp_type,
				  make<TgPtGpNode>(Gfp::Kernel, d, alua_->default_group())));
		kabi_cfs_group *stat = TRY(adopt_default(group, "statistics", dev_stat_type,
							 make<PlainSubNode>(Gfp::Kernel, d)));
		TRY(adopt_default(stat, "scsi_dev", stat_dev_type,
				  make<StatNode>(Gfp::Kernel, d, StatKind::Dev)));
		TRY(adopt_default(stat, "scsi_tgt_dev", stat_tgt_type,
				  make<StatNode>(Gfp::Kernel, d, StatKind::TgtDev)));
		TRY(adopt_default(stat, "scsi_lu", stat_lu_type,
				  make<StatNode>(Gfp::Kernel, d, StatKind::Lu)));
		return {};
	}

	// The device is registered with the core once its directory is complete.
	void publish() {
		core_.device_added(*dev_);
		listed_ = true;
	}
	// rmdir: unlisted at once; the storage goes with the node (release).
	void unpublish() {
		if (!listed_)
			return;
		{
			LockGuard guard(dev_->lock());
			DeviceConfig &cfg = dev_->config_locked();
			cfg.lu_group = nullptr;
			if (cfg.configured)
				dev_->hba().device_disabled();
		}
		core_.device_removed(*dev_);
		listed_ = false;
	}

	s64 show(u32 index, MutableBytes out) override {
		if (index == kDevLuGp) {
			core::LuGroup *group;
			{
				LockGuard guard(dev_->lock());
				group = dev_->config_locked().lu_group;
			}
			if (!group)
				return 0;
			// The id is read under the LU group registry's lock, not the device's.
			return SHOW("LU Group Alias: %s\nLU Group ID: %u\n", "default_lu_gp",
				    static_cast<u32>(group->id()));
		}
		LockGuard guard(dev_->lock());
		DeviceConfig &cfg = dev_->config_locked();
		switch (index) {
		case kDevInfo: {
			s64 n = SHOW("Status: %s  Max Queue Depth: %u  SectorSize: %u  HwMaxSectors: "
				     "%u\n        ",
				     cfg.export_count ? "ACTIVATED" : "DEACTIVATED", cfg.queue_depth,
				     cfg.attrib.block_size, cfg.attrib.hw_max_sectors);
			char *buf = reinterpret_cast<char *>(out.data());
			return n + dev_->show_params_locked(buf + n, out.size() - static_cast<usize>(n));
		}
		case kDevAlias:
			return cfg.using_alias ? SHOW("%s\n", cfg.alias) : 0;
		case kDevUdevPath:
			return cfg.using_udev_path ? SHOW("%s\n", cfg.udev_path) : 0;
		case kDevEnable:
			return SHOW("%d\n", cfg.configured ? 1 : 0);
		case kDevLbaMap:
			return 0; // no LBA map
		}
		return -KABI_EACCES;
	}

	Result<void> store(u32 index, const StoreInput &in) override {
		switch (index) {
		case kDevControl:
			return store_control(in);
		case kDevAlias:
		case kDevUdevPath:
			return store_text(index, in);
		case kDevEnable:
			return enable(in);
		case kDevLuGp:
			return store_lu_gp(in);
		case kDevLbaMap:
			log_err("%s/%s: lba_map: LBA-dependent ALUA maps are not supported yet\n",
				dev_->hba().name(), dev_->name());
			return refuse(KABI_EINVAL);
		}
		return refuse(KABI_EACCES);
	}

  private:
	// "key=value" pairs separated by ',' or newlines (LIO's match_token loop).
	Result<void> store_control(const StoreInput &in) {
		LockGuard guard(dev_->lock());
		usize i = 0;
		while (i < in.len) {
			usize start = i;
			while (i < in.len && in.data[i] != ',' && in.data[i] != '\n')
				i++;
			StrView token(in.data + start, i - start);
			i++; // the separator
			if (token.size() == 0)
				continue;
			usize eq = 0;
			while (eq < token.size() && token.data()[eq] != '=')
				eq++;
			if (eq == token.size()) {
				log_err("%s/%s: control: \"%.*s\" is not key=value\n",
					dev_->hba().name(), dev_->name(), VAL_ARGS(token));
				return refuse(KABI_EINVAL);
			}
			TRY(dev_->control_locked(StrView(token.data(), eq),
						 StrView(token.data() + eq + 1, token.size() - eq - 1)));
		}
		return {};
	}

	Result<void> store_text(u32 index, const StoreInput &in) {
		bool alias = index == kDevAlias;
		usize cap = alias ? core::kDevAliasLen : core::kUdevPathLen;
		if (in.len > cap - 1) {
			log_err("%s/%s: %s: %llu bytes exceed %llu\n", dev_->hba().name(),
				dev_->name(), alias ? "alias" : "udev_path",
				static_cast<unsigned long long>(in.len),
				static_cast<unsigned long long>(cap - 1));
			return refuse(KABI_EINVAL);
		}
		usize n = str_nlen(in.data, in.len);
		if (n > 0 && in.data[n - 1] == '\n')
			n--;
		LockGuard guard(dev_->lock());
		DeviceConfig &cfg = dev_->config_locked();
		char *field = alias ? cfg.alias : cfg.udev_path;
		(void)str_copy(Span<char>(field, cap), StrView(in.data, n));
		(alias ? cfg.using_alias : cfg.using_udev_path) = true;
		return {};
	}

	Result<void> enable(const StoreInput &in) {
		bool has_one = false;
		for (usize i = 0; i < in.len && in.data[i]; i++)
			has_one |= in.data[i] == '1';
		if (!has_one) {
			log_err("%s/%s: enable: the only valid value is 1\n", dev_->hba().name(),
				dev_->name());
			return refuse(KABI_EINVAL);
		}
		// Taken before the device lock: the core's devices lock is outside it (see
		// TargetCore::format_lu_members). A failed enable skips an index, as LIO's
		// cyclic allocation may.
		u32 dev_index = core_.next_dev_index();
		LockGuard guard(dev_->lock());
		DeviceConfig &cfg = dev_->config_locked();
		if (cfg.configured) {
			log_err("%s/%s: enable: the device is already enabled\n", dev_->hba().name(),
				dev_->name());
			return refuse(KABI_EEXIST);
		}
		TRY(dev_->configure_locked(cfg));
		DeviceAttrib &a = cfg.attrib;
		a.block_size = a.hw_block_size;
		a.queue_depth = a.hw_queue_depth;
		// LIO aligns hw_max_sectors down to whole pages of transfer.
		if (a.hw_block_size) {
			u32 align = a.hw_block_size < 4096 ? 4096 / a.hw_block_size : 1;
			a.hw_max_sectors = a.hw_max_sectors / align * align;
		}
		a.optimal_sectors = a.hw_max_sectors;
		cfg.dev_index = dev_index;
		if (a.alua_support)
			cfg.lu_group = core_.default_lu_group();
		RefPtr<core::DeviceLu> lu = TRY(core::DeviceLu::create_locked(*dev_, cfg));
		dev_->lu = lu.leak_ref(); // dropped by ~DeviceNode
		cfg.configured = true;
		dev_->hba().device_enabled();
		return {};
	}

	// Only default_lu_gp exists as a join target until LU groups carry names in the core;
	// "NULL" leaves the group, as in LIO.
	Result<void> store_lu_gp(const StoreInput &in) {
		if (in.len > 256) {
			log_err("%s/%s: alua_lu_gp: name too long\n", dev_->hba().name(), dev_->name());
			return refuse(KABI_EINVAL);
		}
		StrView name = strip(StrView(in.data, str_nlen(in.data, in.len)));
		LockGuard guard(dev_->lock());
		DeviceConfig &cfg = dev_->config_locked();
		if (!cfg.configured)
			return {}; // LIO: no LU group membership before enable; ignored
		if (str_equal(name, "NULL")) {
			cfg.lu_group = nullptr;
			return {};
		}
		if (str_equal(name, "default_lu_gp")) {
			cfg.lu_group = core_.default_lu_group();
			return {};
		}
		log_err("%s/%s: alua_lu_gp: no LU group named %.*s can be joined\n",
			dev_->hba().name(), dev_->name(), VAL_ARGS(name));
		return refuse(KABI_ENODEV);
	}

	TargetCore &core_;
	OwnPtr<Device> dev_;
	OwnPtr<core::TgPtGroupSet> alua_; // ---- ALUA: destroyed before the device ----
	bool listed_ = false;
};

// ---- core/<hba> ----

constexpr kabi_cfs_attr kHbaAttrs[] = {{"hba_info", 0444}, {"hba_mode", 0644}};
enum HbaAttr : u32 { kHbaInfo, kHbaMode };
constinit NodeType hba_type("hba", kHbaAttrs);

class HbaNode final : public Node {
  public:
	HbaNode(TargetCore &core, OwnPtr<Hba> hba) : core_(core), hba_(move(hba)) {}

	s64 show(u32 index, MutableBytes out) override {
		switch (index) {
		case kHbaInfo:
			return SHOW("HBA Index: %u plugin: %s version: %s\n", hba_->hba_id(),
				    hba_->backend().name(), kCoreVersion);
		case kHbaMode:
			return SHOW("%d\n", 0);
		}
		return -KABI_EACCES;
	}

	Result<void> store(u32 index, const StoreInput &) override {
		if (index != kHbaMode)
			return refuse(KABI_EACCES);
		log_err("%s: hba_mode: the %s backend has no passthrough mode\n", hba_->name(),
			hba_->backend().name());
		return refuse(KABI_EINVAL);
	}

	Result<void> make_child(const char *name, kabi_cfs_group *group) override {
		StrView n = str_view(name);
		if (n.size() >= core::kDeviceNameMax) {
			log_err("%s: device name of %llu bytes is too long\n", hba_->name(),
				static_cast<unsigned long long>(n.size()));
			return refuse(KABI_ENAMETOOLONG);
		}
		OwnPtr<Device> dev = TRY(hba_->backend().create_device(*hba_, n));
		OwnPtr<DeviceNode> node = TRY(try_make<DeviceNode>(Gfp::Kernel, core_, move(dev)));
		DeviceNode *raw = node.release();
		bind_child(group, dev_type, raw); // the group owns it now (released on failure)
		TRY(raw->add_defaults(group));
		raw->publish();
		return {};
	}

	void drop_child(Node *child) override { static_cast<DeviceNode *>(child)->unpublish(); }

  private:
	TargetCore &core_;
	OwnPtr<Hba> hba_;
};

NodeType *const kDeviceTypes[] = {
    &hba_type,	       &dev_type,     &dev_action_type, &dev_attrib_type, &dev_attrib_pt_type,
    &dev_pr_type,
    &dev_wwn_type,     &dev_alua_type, &tg_pt_gp_type,	 &dev_stat_type,   &stat_dev_type,
    &stat_tgt_type,    &stat_lu_type,
};
constexpr u32 kDeviceTypeCount = sizeof(kDeviceTypes) / sizeof(kDeviceTypes[0]);

} // namespace

Result<void> register_device_types(kabi_module *owner) {
	return NodeType::register_all(kDeviceTypes, kDeviceTypeCount, owner);
}

void unregister_device_types() { NodeType::unregister_all(kDeviceTypes, kDeviceTypeCount); }

namespace {

// The lio-cxx module that provides a backend kept out of target_core_mod, or null. (Only
// ours: a stock LIO backend module cannot bind to this target_core_mod.)
const char *backend_module(StrView type) {
	if (str_equal(type, "fileio"))
		return "target_core_file";
	if (str_equal(type, "iblock"))
		return "target_core_iblock";
	if (str_equal(type, "pscsi"))
		return "target_core_pscsi";
	return nullptr;
}

} // namespace

Result<void> make_hba(TargetCore &core, const char *name, kabi_cfs_group *group) {
	StrView full = str_view(name);
	if (full.size() >= core::kHbaNameMax) {
		log_err("core: %s: name longer than %u characters\n", name, core::kHbaNameMax - 1);
		return refuse(KABI_ENAMETOOLONG);
	}
	// <backend>_<index>; a backend name may hold one '_' itself (rd_mcp).
	usize first = 0;
	while (first < full.size() && full.data()[first] != '_')
		first++;
	if (first == full.size()) {
		log_err("core: %s: expected <backend>_<index>\n", name);
		return refuse(KABI_EINVAL);
	}
	usize second = first + 1;
	while (second < full.size() && full.data()[second] != '_')
		second++;
	usize split = second < full.size() ? second : first;
	StrView type(full.data(), split);
	StrView index(full.data() + split + 1, full.size() - split - 1);
	Result<u64> id = parse_u64(index, 0);
	if (id.is_error() || (index.size() > 0 && index.data()[index.size() - 1] == '\n')) {
		log_err("core: %s: \"%.*s\" is not an HBA index\n", name, VAL_ARGS(index));
		return id.is_error() ? id.error() : refuse(KABI_EINVAL);
	}
	u32 scsi_index = core.next_scsi_index();
	// The backend's module stays loaded while the HBA exists (released by ~Hba).
	kabi_module *owner = nullptr;
	Result<const core::Backend *> found = core::acquire_backend(type, &owner);
	if (found.is_error() && found.error().errno_value() == KABI_ENOENT) {
		// LIO loads its backend modules when the first HBA is made; here the one asked for
		// is loaded on demand (it registers its backend from its init).
		const char *module = backend_module(type);
		if (module && kabi_request_module(module) == 0)
			found = core::acquire_backend(type, &owner);
	}
	if (found.is_error()) {
		if (found.error().errno_value() == KABI_ENODEV) {
			log_err("core: %s: the %.*s backend is being unloaded\n", name, VAL_ARGS(type));
			return refuse(KABI_ENODEV);
		}
		log_err("core: %s: no backend named %.*s is registered\n", name, VAL_ARGS(type));
		return refuse(KABI_EINVAL);
	}
	const core::Backend *backend = found.value();
	// LIO hands the index to the backend as a u32.
	Result<OwnPtr<Hba>> made = try_make<Hba>(Gfp::Kernel, core, *backend, full,
						 static_cast<u32>(id.value()), core.next_hba_id(),
						 scsi_index, owner);
	if (made.is_error()) {
		kabi_module_put(owner);
		return made.error();
	}
	OwnPtr<Hba> hba = made.release_value();
	OwnPtr<HbaNode> node = TRY(try_make<HbaNode>(Gfp::Kernel, core, move(hba)));
	kabi_cfs_group_bind(group, hba_type.raw(), node.release());
	return {};
}

} // namespace lio::cfs
