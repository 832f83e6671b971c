// SPDX-License-Identifier: GPL-2.0
// core/device_lu.cpp: a device as a SCSI logical unit (see device_lu.h).
#include "core/device_lu.h"

#include "core/scsi/pi.h"
#include "core/hba.h"
#include "core/target_core.h"
#include "kabi/file.h"
#include "core/alua_tg_pt_group.h"

#include "lio/alloc.h"
#include "lio/log.h"

namespace lio::core {

namespace {
constinit LockClass snapshot_lock_class("lio_lu_snapshot");
constinit LockClass nexus_lock_class("lio_lu_nexuses");
constinit LockClass task_lock_class("lio_lu_task_set");
constinit LockClass task_wait_class("lio_lu_task_wait");

template <usize N> void copy_text(char (&dst)[N], const char *src) {
	(void)str_copy(Span<char>(dst, N), str_view(src));
}
} // namespace

// ---- LuSnapshot ----

RefPtr<LuSnapshot> LuSnapshot::capture_locked(Device &dev, DeviceConfig &cfg) {
	LuSnapshot *s = new (Gfp::Kernel) LuSnapshot();
	if (!s)
		return nullptr;
	const DeviceAttrib &a = cfg.attrib;
	s->block_size = a.block_size ? a.block_size : 512;
	s->num_blocks = dev.size_bytes() / s->block_size;
	scsi::LuAttributes &la = s->attributes;
	la.emulate_tpu = a.emulate_tpu != 0;
	la.emulate_tpws = a.emulate_tpws != 0;
	s32 wc = dev.device_write_cache();
	la.emulate_write_cache = wc >= 0 ? wc != 0 : a.emulate_write_cache != 0;
	la.emulate_fua_write = a.emulate_fua_write != 0;
	la.emulate_caw = a.emulate_caw != 0;
	la.emulate_3pc = a.emulate_3pc != 0;
	la.emulate_tas = a.emulate_tas != 0;
	la.emulate_model_alias = a.emulate_model_alias != 0;
	la.alua_supported = a.alua_support;
	la.is_nonrot = a.is_nonrot != 0;
	la.unmap_zeroes_data = a.unmap_zeroes_data != 0;
	la.max_unmap_lba_count = a.max_unmap_lba_count;
	la.max_unmap_block_desc_count = a.max_unmap_block_desc_count;
	la.unmap_granularity = a.unmap_granularity;
	la.unmap_granularity_alignment = a.unmap_granularity_alignment;
	la.max_write_same_len = a.max_write_same_len;
	la.optimal_sectors = a.optimal_sectors;
	la.hw_max_sectors = a.hw_max_sectors;
	la.pi_prot_type = static_cast<u8>(a.pi_prot_type);
	la.pi_prot_verify = a.pi_prot_verify != 0;
	// ---- persistent reservations ----
	la.emulate_pr = a.emulate_pr != 0;
	la.enforce_pr_isids = a.enforce_pr_isids != 0;
	la.force_pr_aptpl = a.force_pr_aptpl != 0;
	copy_text(s->vendor, cfg.wwn.vendor);
	copy_text(s->product, cfg.wwn.model);
	copy_text(s->revision, cfg.wwn.revision);
	copy_text(s->serial, cfg.wwn.unit_serial);
	s->company_id = cfg.wwn.company_id;
	s->read_only = dev.read_only();
	s->passthrough = dev.is_passthrough();
	return RefPtr<LuSnapshot>::adopt(s);
}

// ---- ItlEntry ----

ItlEntry::ItlEntry(u64 it_nexus_id, u64 lun, RefPtr<DeviceLu> lu,
		   const scsi::TargetPortInfo &port)
    : it_nexus_id_(it_nexus_id), lun_(lun), lu_(static_cast<RefPtr<DeviceLu> &&>(lu)),
      port_(port) {}

ItlEntry::~ItlEntry() { LIO_ASSERT(!lu_node.is_linked() && !session_node.is_linked()); }

// ---- DeviceLu ----

DeviceLu::DeviceLu(Device &dev)
    : device_(&dev), snapshot_lock_(snapshot_lock_class), nexus_lock_(nexus_lock_class),
      task_lock_(task_lock_class) {}

DeviceLu::~DeviceLu() {
	LIO_ASSERT(nexuses_.is_empty());
	LIO_ASSERT(tasks_.is_empty());
}

Result<RefPtr<DeviceLu>> DeviceLu::create_locked(Device &dev, DeviceConfig &cfg) {
	DeviceLu *lu = new (Gfp::Kernel) DeviceLu(dev);
	if (!lu)
		return Error::from_errno(KABI_ENOMEM);
	RefPtr<DeviceLu> ref = RefPtr<DeviceLu>::adopt(lu);
	RefPtr<LuSnapshot> snap = LuSnapshot::capture_locked(dev, cfg);
	if (!snap)
		return Error::from_errno(KABI_ENOMEM);
	lu->snapshot_ = static_cast<RefPtr<LuSnapshot> &&>(snap);
	return ref;
}

void DeviceLu::refresh_locked(Device &dev, DeviceConfig &cfg) {
	RefPtr<LuSnapshot> snap = LuSnapshot::capture_locked(dev, cfg);
	if (!snap) {
		// The old snapshot stays: commands keep seeing the previous values.
		log_err("lio: %s: out of memory publishing the device's new settings\n", dev.name());
		return;
	}
	RefPtr<LuSnapshot> old;
	{
		LockGuard guard(snapshot_lock_);
		old = static_cast<RefPtr<LuSnapshot> &&>(snapshot_);
		snapshot_ = static_cast<RefPtr<LuSnapshot> &&>(snap);
	}
	// `old` is dropped here, outside the spinlock.
}

void DeviceLu::detach() { device_ = nullptr; }

RefPtr<LuSnapshot> DeviceLu::snapshot() const {
	LockGuard guard(snapshot_lock_);
	return snapshot_;
}

void DeviceLu::add_nexus(ItlEntry &e) {
	LockGuard guard(nexus_lock_);
	nexuses_.push_back(e);
}

void DeviceLu::remove_nexus(ItlEntry &e) {
	LockGuard guard(nexus_lock_);
	if (e.lu_node.is_linked())
		nexuses_.remove(e);
}

void DeviceLu::post_unit_attention(const scsi::ItlNexus *except, scsi::SenseReason reason) {
	LockGuard guard(nexus_lock_);
	for (ItlEntry &e : nexuses_)
		if (&e != except)
			e.unit_attentions().post(reason);
}

// ---- persistent reservations ----

void DeviceLu::post_unit_attention_if(const scsi::LogicalUnit::NexusFilter &filter,
				      scsi::SenseReason reason) {
	LockGuard guard(nexus_lock_);
	for (ItlEntry &e : nexuses_)
		if (filter.matches(e))
			e.unit_attentions().post(reason);
}

void DeviceLu::abort_tasks_if(const scsi::LogicalUnit::NexusFilter &filter, bool tas) {
	abort_tasks(
	    [&filter](const FabricCmd &c) {
		    auto *e = static_cast<const ItlEntry *>(c.core.nexus);
		    return e && filter.matches(*e);
	    },
	    tas ? static_cast<u32>(kCmdSendTas) : 0u);
}

void DeviceLu::describe_nexus(u64 it_nexus_id, Span<char> name, Span<char> fabric) {
	LockGuard guard(nexus_lock_);
	for (ItlEntry &e : nexuses_) {
		if (e.it_nexus_id() != it_nexus_id)
			continue;
		(void)str_copy(name, e.initiator_port().name);
		(void)str_copy(fabric, e.target_port()->fabric_name);
		return;
	}
}

void DeviceLu::save_pr_metadata(Bytes metadata, const char *serial) {
	Device *dev = device_;
	if (!dev)
		return;
	constexpr usize kPathMax = DbRoot::kMaxLen + 64; // "/pr/aptpl_" + the serial
	char *path = static_cast<char *>(alloc_raw(kPathMax, Gfp::Kernel));
	if (!path) {
		log_err("lio: %s: APTPL metadata: out of memory\n", dev->name());
		return;
	}
	write_pr_metadata(*dev, path, kPathMax, metadata, serial);
	free_raw(path);
}

void DeviceLu::write_pr_metadata(Device &dev, char *path, usize path_max, Bytes metadata,
				 const char *serial) {
	u32 n = dev.hba().core().read_dbroot(path, static_cast<u32>(path_max));
	if (n == 0 || n >= DbRoot::kMaxLen)
		return;
	kabi_snprintf(path + n, path_max - n, "/pr");
	int32_t ret = kabi_mkdir(path);
	if (ret && ret != -KABI_EEXIST) {
		log_err("lio: %s: APTPL metadata: cannot create %s (error %d)\n", dev.name(), path,
			ret);
		return;
	}
	kabi_snprintf(path + n, path_max - n, "/pr/aptpl_%s", serial);
	kabi_file *file = nullptr;
	ret = kabi_file_open(path, KABI_FILE_WRITE | KABI_FILE_CREATE, &file);
	if (ret == 0) {
		ret = kabi_file_truncate(file, 0);
		if (ret == 0) {
			s64 w = kabi_file_pwrite(file, metadata.data(), metadata.size(), 0);
			ret = w < 0 ? static_cast<int32_t>(w)
				    : (static_cast<usize>(w) == metadata.size() ? 0 : -KABI_EIO);
		}
		kabi_file_close(file);
	}
	if (ret)
		log_err("lio: %s: APTPL metadata: cannot write %s (error %d)\n", dev.name(), path,
			ret);
}

// ---- ALUA ----

void DeviceLu::post_unit_attention_lun(const Lun &lun, const scsi::ItlNexus *except,
				       scsi::SenseReason reason) {
	LockGuard guard(nexus_lock_);
	for (ItlEntry &e : nexuses_)
		if (&e != except && e.alua_lun() == &lun)
			e.unit_attentions().post(reason);
}

scsi::AluaPortState ItlEntry::alua_port_state() const {
	if (!alua_lun_)
		return {};
	return TgPtGroupSet::unpack(alua_lun_->alua_port.load(MemoryOrder::Acquire),
				    alua_lun_->alua_offline.load(MemoryOrder::Relaxed) != 0);
}

// A command holds the LUN's get_io(): its device and the device's groups stay.
scsi::AluaPortGroups *ItlEntry::alua_port_groups() {
	if (!alua_lun_ || !alua_lun_->device_or_null() || !alua_lun_->device().alua_groups)
		return nullptr;
	return (alua_lun_->alua_port.load(MemoryOrder::Acquire) & 1) ? this : nullptr;
}

void ItlEntry::report(scsi::AluaReportVisitor &v) { alua_lun_->device().alua_groups->report(v); }

u8 ItlEntry::implicit_transition_secs() {
	TgPtGroupSet &set = *alua_lun_->device().alua_groups;
	LockGuard guard(set.lock());
	return alua_lun_->alua_group ? alua_lun_->alua_group->implicit_trans_secs : 0;
}

scsi::SenseReason ItlEntry::set_target_port_groups(Span<const scsi::AluaSetDescriptor> descs,
						   const scsi::ItlNexus &origin) {
	return alua_lun_->device().alua_groups->set_target_port_groups(*alua_lun_, descs, origin);
}

// ---- task set ----

bool DeviceLu::admissible_locked(const FabricCmd &cmd) const {
	switch (cmd.task_attr) {
	case TaskAttr::kHeadOfQueue:
		return true;
	case TaskAttr::kOrdered:
		return waiting_ == 0 && running_simple_ + running_ordered_ + running_hoq_ == 0;
	case TaskAttr::kSimple:
	case TaskAttr::kAca:
		break;
	}
	// A SIMPLE command may not pass a waiting command (an ORDERED one, or a SIMPLE one held
	// behind it).
	return waiting_ == 0 && running_ordered_ == 0;
}

void DeviceLu::start_locked(FabricCmd &cmd) {
	cmd.core.flags |= kCmdRunning;
	switch (cmd.task_attr) {
	case TaskAttr::kHeadOfQueue:
		running_hoq_++;
		break;
	case TaskAttr::kOrdered:
		running_ordered_++;
		break;
	case TaskAttr::kSimple:
	case TaskAttr::kAca:
		running_simple_++;
		break;
	}
}

bool DeviceLu::task_begin(FabricCmd &cmd) {
	{
		LockGuard guard(task_lock_);
		cmd.core.flags |= kCmdInTaskSet;
		if (cmd.task_attr == TaskAttr::kHeadOfQueue)
			tasks_.push_front(cmd);
		else
			tasks_.push_back(cmd);
		if (cmd.core.flags & kCmdAborted)
			return false;
		if (admissible_locked(cmd)) {
			start_locked(cmd);
			return true;
		}
		cmd.core.flags |= kCmdWaiting;
		waiting_++;
	}
	return wait_for_admission(cmd);
}

// The slow path of task_begin: cmd is queued (kCmdWaiting). admit_waiters_locked may admit it
// before its waiter exists; then there is nothing to wait for.
bool DeviceLu::wait_for_admission(FabricCmd &cmd) {
	Completion wake(task_wait_class);
	{
		LockGuard guard(task_lock_);
		if (!(cmd.core.flags & kCmdWaiting))
			return (cmd.core.flags & kCmdAborted) == 0; // admitted meanwhile
		if (!(cmd.core.flags & kCmdAborted))
			cmd.core.waiter = &wake;
	}
	if (cmd.core.waiter)
		wake.wait();
	LockGuard guard(task_lock_);
	cmd.core.waiter = nullptr;
	if (cmd.core.flags & kCmdWaiting) {
		// Aborted, not admitted.
		cmd.core.flags &= ~kCmdWaiting;
		waiting_--;
		admit_waiters_locked();
		return false;
	}
	return (cmd.core.flags & kCmdAborted) == 0;
}

void DeviceLu::task_end(FabricCmd &cmd) {
	LockGuard guard(task_lock_);
	if (!(cmd.core.flags & kCmdInTaskSet))
		return;
	if (cmd.core.flags & kCmdRunning) {
		switch (cmd.task_attr) {
		case TaskAttr::kHeadOfQueue:
			running_hoq_--;
			break;
		case TaskAttr::kOrdered:
			running_ordered_--;
			break;
		case TaskAttr::kSimple:
		case TaskAttr::kAca:
			running_simple_--;
			break;
		}
	}
	cmd.core.flags &= ~(kCmdInTaskSet | kCmdRunning);
	tasks_.remove(cmd);
	admit_waiters_locked();
}

// Admits waiting commands in arrival order: SIMPLE ones while no ORDERED command runs or
// waits before them, an ORDERED one only when nothing runs, and nothing after it.
void DeviceLu::admit_waiters_locked() {
	for (FabricCmd &c : tasks_) {
		if (!(c.core.flags & kCmdWaiting) || (c.core.flags & kCmdAborted))
			continue;
		bool ok;
		if (c.task_attr == TaskAttr::kOrdered)
			ok = running_simple_ + running_ordered_ + running_hoq_ == 0;
		else
			ok = running_ordered_ == 0;
		if (!ok)
			return;
		waiting_--;
		c.core.flags &= ~kCmdWaiting;
		start_locked(c);
		if (c.core.waiter)
			static_cast<Completion *>(c.core.waiter)->complete();
		if (c.task_attr == TaskAttr::kOrdered)
			return;
	}
}

// ---- CommandLu ----

scsi::LuIdentity CommandLu::identity() const {
	scsi::LuIdentity id;
	id.vendor = str_view(snap_->vendor);
	id.product = str_view(snap_->product);
	id.revision = str_view(snap_->revision);
	id.unit_serial = str_view(snap_->serial);
	id.company_id = snap_->company_id;
	return id;
}

namespace {
// Byte range of [lba, lba + blocks) or EINVAL on overflow (the engine has range-checked).
Result<void> byte_range(u64 lba, u64 blocks, u32 block_size, u64 *off, u64 *len) {
	if (blocks > ~0ull / block_size || lba > ~0ull / block_size)
		return Error::from_errno(KABI_EINVAL);
	*off = lba * block_size;
	*len = blocks * block_size;
	return {};
}
} // namespace

Result<void> CommandLu::read(u64 lba, u32 blocks, const DataBuf &dst) {
	Device *dev = lu_.device();
	if (!dev)
		return Error::from_errno(KABI_ENODEV);
	u64 off, len;
	TRY(byte_range(lba, blocks, snap_->block_size, &off, &len));
	if (dst.size() < len)
		return Error::from_errno(KABI_EINVAL);
	return dev->read(off, dst.slice(0, len));
}

Result<void> CommandLu::write(u64 lba, u32 blocks, const DataBuf &src, bool fua) {
	Device *dev = lu_.device();
	if (!dev)
		return Error::from_errno(KABI_ENODEV);
	u64 off, len;
	TRY(byte_range(lba, blocks, snap_->block_size, &off, &len));
	if (src.size() < len)
		return Error::from_errno(KABI_EINVAL);
	TRY(dev->write(off, src.slice(0, len), fua));
	if (snap_->attributes.pi_prot_type) {
		DataBuf data = src.slice(0, len);
		return store_generated_pi(*dev, lba, blocks, &data, false, fua);
	}
	return {};
}

scsi::SenseReason CommandLu::pass_through(scsi::Command &cmd) {
	Device *dev = lu_.device();
	if (!dev)
		return scsi::SenseReason::kLunCommunicationFailure;
	return dev->passthrough(cmd);
}

Result<void> CommandLu::flush(u64 lba, u64 blocks) {
	(void)lba;
	(void)blocks;
	Device *dev = lu_.device();
	if (!dev)
		return Error::from_errno(KABI_ENODEV);
	return dev->flush();
}

Result<void> CommandLu::unmap(u64 lba, u64 blocks) {
	Device *dev = lu_.device();
	if (!dev)
		return Error::from_errno(KABI_ENODEV);
	u64 off, len;
	TRY(byte_range(lba, blocks, snap_->block_size, &off, &len));
	TRY(dev->unmap(off, len));
	if (snap_->attributes.pi_prot_type)
		return store_generated_pi(*dev, lba, blocks, nullptr, true, false);
	return {};
}

Result<void> CommandLu::write_zeroes(u64 lba, u64 blocks) {
	Device *dev = lu_.device();
	if (!dev)
		return Error::from_errno(KABI_ENODEV);
	u64 off, len;
	TRY(byte_range(lba, blocks, snap_->block_size, &off, &len));
	TRY(dev->write_zeroes(off, len));
	if (snap_->attributes.pi_prot_type)
		return store_generated_pi(*dev, lba, blocks, nullptr, false, false);
	return {};
}

// ---- T10-PI ----

Result<void> CommandLu::read_pi(u64 lba, u32 blocks, MutableBytes pi) {
	Device *dev = lu_.device();
	if (!dev)
		return Error::from_errno(KABI_ENODEV);
	if (!snap_->attributes.pi_prot_type || pi.size() != u64(blocks) * scsi::kPiTupleSize)
		return Error::from_errno(KABI_EINVAL);
	return dev->read_pi(lba, pi);
}

Result<void> CommandLu::write_pi(u64 lba, u32 blocks, const DataBuf &src, Bytes pi, bool fua) {
	Device *dev = lu_.device();
	if (!dev)
		return Error::from_errno(KABI_ENODEV);
	u64 off, len;
	TRY(byte_range(lba, blocks, snap_->block_size, &off, &len));
	if (!snap_->attributes.pi_prot_type || src.size() < len ||
	    pi.size() != u64(blocks) * scsi::kPiTupleSize)
		return Error::from_errno(KABI_EINVAL);
	TRY(dev->write(off, src.slice(0, len), fua));
	return dev->write_pi(lba, pi, fua);
}

// Tuples go out in chunks of kPiChunk blocks through a stack buffer. The guard of a block
// of `src` is the CRC of its bytes, segment by segment; a zero block's CRC is 0.
Result<void> CommandLu::store_generated_pi(Device &dev, u64 lba, u64 blocks, const DataBuf *src,
					   bool escape, bool fua) {
	constexpr u32 kPiChunk = 64;
	u8 tuples[kPiChunk * scsi::kPiTupleSize];
	u32 bs = snap_->block_size;
	u8 type = snap_->attributes.pi_prot_type;
	for (u64 done = 0; done < blocks;) {
		u32 n = static_cast<u32>(min<u64>(kPiChunk, blocks - done));
		for (u32 i = 0; i < n; i++) {
			u8 *t = tuples + i * scsi::kPiTupleSize;
			if (escape) {
				__builtin_memset(t, 0xff, scsi::kPiTupleSize);
				continue;
			}
			scsi::PiTuple tuple;
			if (src) {
				u16 crc = 0;
				(void)src->slice((done + i) * bs, bs).for_each_segment([&](MutableBytes m) {
					crc = scsi::crc_t10dif(crc, m.data(), m.size());
					return Result<void>();
				});
				tuple.guard = crc;
			}
			tuple.ref = scsi::pi_generated_ref(type, lba + done + i);
			tuple.store(t);
		}
		TRY(dev.write_pi(lba + done, Bytes(tuples, usize(n) * scsi::kPiTupleSize), fua));
		done += n;
	}
	return {};
}

} // namespace lio::core
