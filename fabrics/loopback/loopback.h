// SPDX-License-Identifier: GPL-2.0
/*
 * fabrics/loopback/loopback.h: LIO's loopback fabric (module tcm_loop): a SCSI initiator in
 * the same kernel. Each target WWN is an emulated SAS (naa.), FC (fc.) or iSCSI (iqn.) target
 * port with its own Linux Scsi_Host on the tcm_loop pseudo bus, as LIO's; each tpgt_N (N < 32)
 * is SCSI target id N of that host, and each LUN linked into it becomes the SCSI device
 * host:0:N:lun once the TPG has an I_T nexus (written to tpgt_N/nexus).
 *
 * Ownership: the core owns LoopWwn and LoopTpg (through their configfs directories) and
 * destroys a TPG before its WWN. The WWN owns the Scsi_Host: it goes with the WWN, after every
 * TPG, so commands never reach a destroyed LoopWwn. A TPG's I_T nexus (the SessionPort) is
 * guarded by a drain gate: the data path enters the gate before using the session and leaves
 * it after SessionPort::release; dropping the nexus closes the gate and waits.
 *
 * Locks: LoopTpg::ctl_ (mutex; nexus, linked LUNs, SCSI device add/remove; taken with no core
 * lock held, taken before the core's locks through open_session/close), LoopWwn::tpgs_lock_
 * (spinlock; the target id -> TPG table; innermost, held only around a gate enter).
 */
#ifndef LIO_FABRICS_LOOPBACK_LOOPBACK_H
#define LIO_FABRICS_LOOPBACK_LOOPBACK_H

#include "core/fabric.h"
#include "fabrics/loopback/tcm_loop_abi.h"
#include "lio/atomic.h"
#include "lio/lock.h"

namespace lio::fabrics::loopback {

class LoopTpg;

// SPC-4 protocol identifiers of the emulated target port (LIO keeps one per WWN).
enum class PortProtocol : u8 { kSas, kFcp, kIscsi };

class LoopFabric final : public core::Fabric {
  public:
	constexpr LoopFabric() = default;

	const char *name() const override { return "loopback"; }
	core::ProtocolId protocol_id() const override { return core::ProtocolId::kSas; }
	const core::FabricAttrs &attrs() const override;
	Result<OwnPtr<core::FabricWwn>> make_wwn(StrView name) override;
	Result<OwnPtr<core::FabricTpg>> make_tpg(core::FabricWwn &wwn, u16 tag) override;
	Result<OwnPtr<core::FabricAcl>> make_acl(core::FabricTpg &tpg, StrView initiator) override;
	// Demo mode, read-write (LIO: tpg_check_demo_mode 1, demo_mode_write_protect 0).
	bool default_generate_node_acls() const override { return true; }
	bool default_demo_mode_write_protect() const override { return false; }
	bool default_cache_dynamic_acls() const override { return false; }
};

extern constinit LoopFabric g_loop_fabric;

class LoopWwn final : public core::FabricWwn {
  public:
	static constexpr u32 kMaxTpgs = 32;     // TL_TPGS_PER_HBA
	static constexpr u32 kMaxAddrLen = 256; // TL_WWN_ADDR_LEN

	static Result<OwnPtr<LoopWwn>> create(StrView name);
	~LoopWwn() override;

	PortProtocol protocol() const { return proto_; }
	tcm_loop_host *host() const { return host_; }
	lio_tcm_loop_wwn *as_c() { return reinterpret_cast<lio_tcm_loop_wwn *>(this); }
	static LoopWwn &from_c(lio_tcm_loop_wwn *w) { return *reinterpret_cast<LoopWwn *>(w); }

	Result<void> add_tpg(LoopTpg &tpg, u16 tag);
	void remove_tpg(LoopTpg &tpg, u16 tag);
	// The TPG at target id `id` with its gate entered, or null and the host byte to fail with.
	LoopTpg *enter_tpg(u32 id, u8 *host_byte);
	void set_online(u32 id);

  private:
	explicit LoopWwn(PortProtocol proto);

	PortProtocol proto_;
	tcm_loop_host *host_ = nullptr;
	SpinLock tpgs_lock_;
	LoopTpg *tpgs_[kMaxTpgs] = {};
};

class LoopTpg final : public core::FabricTpg {
  public:
	LoopTpg(LoopWwn &wwn, u16 tag, tcm_loop_gate *gate);
	~LoopTpg() override;

	void shutdown() override;
	void lun_linked(u64 lun) override;
	void lun_unlinking(u64 lun) override;

	LoopWwn &wwn() const { return wwn_; }
	u16 tag() const { return tag_; }

	Result<void> make_nexus(StrView initiator);
	Result<void> drop_nexus();
	s64 show_nexus(MutableBytes out);

	bool online() const { return online_.load(MemoryOrder::Relaxed); }
	void set_online(bool v) { online_.store(v, MemoryOrder::Relaxed); }
	u32 prot_type() const { return prot_type_.load(MemoryOrder::Relaxed); }
	void set_prot_type(u32 v) { prot_type_.store(v, MemoryOrder::Relaxed); }

	// Data path: between enter (LoopWwn::enter_tpg) and leave the session is valid.
	bool try_enter() { return tcm_loop_glue_gate_enter(gate_); }
	void leave() { tcm_loop_glue_gate_leave(gate_); }
	core::SessionPort *session() const { return session_.load(MemoryOrder::Acquire); }

  private:
	struct LinkedLun {
		u64 lun;
		LinkedLun *next;
	};

	void close_nexus_locked();

	LoopWwn &wwn_;
	const u16 tag_;
	tcm_loop_gate *gate_;
	Atomic<bool> online_{true};
	Atomic<u32> prot_type_{0};
	Atomic<core::SessionPort *> session_{nullptr};
	bool shut_down_ = false;
	Mutex ctl_;
	// Under ctl_:
	char initiator_[LoopWwn::kMaxAddrLen] = {};
	LinkedLun *luns_ = nullptr;
	u32 lun_count_ = 0;
};

} // namespace lio::fabrics::loopback

#endif // LIO_FABRICS_LOOPBACK_LOOPBACK_H
