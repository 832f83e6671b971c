// SPDX-License-Identifier: GPL-2.0
/*
 * core/alua_tg_pt_group.h: ALUA target port groups of one device (LIO's t10_alua_tg_pt_gp,
 * core/<hba>/<dev>/alua/<group>).
 *
 * Every device has `default_tg_pt_gp` (id 0); mkdir under alua/ makes more, which have no
 * id until tg_pt_gp_id is written (as LIO: until then they are not listed, cannot be joined
 * and reject state changes). A LUN that links the device joins default_tg_pt_gp; a write
 * of a group name to its alua_tg_pt_gp moves it. Removing a group moves its members back to
 * default_tg_pt_gp (LIO's behaviour; configfs never lets default_tg_pt_gp go).
 *
 * Data path: a command reads its LUN's `alua_port` word (id, state, access type, non-optimized
 * delay, packed by publish_locked() whenever one of them changes) with one atomic load, and
 * the LUN's alua_offline flag; no lock. Everything else is under the set's lock.
 *
 * Transitions (implicit: a configfs write of alua_access_state; explicit: SET TARGET PORT
 * GROUPS) are serialised per device by transition_lock_. As LIO: the group reports
 * TRANSITIONING and ASYMMETRIC ACCESS STATE CHANGED is posted, the transition waits
 * trans_delay_msecs (at most 30 s, cut short when the group is removed), the new state is set
 * and the unit attention is posted again. The nexus that sent the STPG gets none.
 *
 * Lock order: transition_lock_ -> lock_ -> DeviceLu's nexus lock.
 */
#ifndef LIO_CORE_ALUA_TG_PT_GROUP_H
#define LIO_CORE_ALUA_TG_PT_GROUP_H

#include "core/lun.h"
#include "core/scsi/nexus.h"
#include "lio/list.h"
#include "lio/lock.h"
#include "lio/result.h"
#include "lio/span.h"
#include "lio/string.h"
#include "lio/types.h"

namespace lio::core {

class Device;
class TgPtGroupSet;

class TgPtGroup final {
  public:
	static constexpr u32 kNameMax = 256; // TG_PT_GROUP_NAME_BUF
	// LIO's limits and defaults (target_core_alua.h).
	static constexpr u32 kMaxNonopDelayMs = 10000;
	static constexpr u32 kMaxTransDelayMs = 30000;
	static constexpr u32 kMaxImplicitTransSecs = 255;
	static constexpr u8 kDefaultSupported = scsi::kAluaSupT | scsi::kAluaSupO |
						scsi::kAluaSupU | scsi::kAluaSupS |
						scsi::kAluaSupAn | scsi::kAluaSupAo;

	TgPtGroup(TgPtGroupSet &set, StrView name);
	~TgPtGroup();
	TgPtGroup(const TgPtGroup &) = delete;
	TgPtGroup &operator=(const TgPtGroup &) = delete;

	TgPtGroupSet &set() const { return set_; }
	const char *name() const { return name_; }

	// Configuration and state, under set().lock().
	bool has_id = false;
	u16 id = 0;
	scsi::AluaState state = scsi::AluaState::kActiveOptimized;
	u8 status = 0; // 0 none, 1 altered by explicit STPG, 2 altered by implicit ALUA
	u8 access_type = scsi::kAluaImplicit | scsi::kAluaExplicit;
	u8 supported = kDefaultSupported;
	bool write_metadata = false;
	u16 nonop_delay_ms = 100;
	u16 trans_delay_ms = 0;
	u8 implicit_trans_secs = 0;
	bool preferred = false;
	u32 member_count = 0;
	IntrusiveList<Lun, &Lun::alua_node> members;
	ListNode set_node; // in the set's list once it has an id (LIO lists only those)
	bool retired = false;

  private:
	TgPtGroupSet &set_;
	char name_[kNameMax];
};

class TgPtGroupSet final {
  public:
	explicit TgPtGroupSet(Device &dev);
	~TgPtGroupSet();
	TgPtGroupSet(const TgPtGroupSet &) = delete;
	TgPtGroupSet &operator=(const TgPtGroupSet &) = delete;

	Device &device() const { return dev_; }
	TgPtGroup &default_group() { return default_; }
	Mutex &lock() { return lock_; }

	// tg_pt_gp_id: once per group; 0 picks the next free id (as LIO). EINVAL when the group
	// has an id or another group has this one, ENOSPC when 65535 groups exist.
	Result<void> set_id(TgPtGroup &g, u64 id);
	// rmdir of a group: unlisted, members back to default_tg_pt_gp, a pending transition
	// delay cut short. The group may be freed once this returns.
	void retire(TgPtGroup &g);

	// A LUN links/unlinks the device (Lun::link/unlink; no command runs on it).
	void attach(Lun &lun);
	void detach(Lun &lun);
	// alua_tg_pt_gp: moves the LUN to the group named `name` ("NULL": default_tg_pt_gp).
	// ENODEV when no listed group has that name.
	Result<void> move(Lun &lun, StrView name);

	// A primary state transition of `g`. explicit_stpg: SET TARGET PORT GROUPS from
	// `origin` (no unit attention for it); otherwise implicit (configfs). EINVAL: the group
	// has no id, the state is unknown or not supported, or TRANSITIONING was asked
	// explicitly.
	Result<void> transition(TgPtGroup &g, scsi::AluaState state, bool explicit_stpg,
				const scsi::ItlNexus *origin);
	// The secondary (offline) state of a LUN's target port: alua_tg_pt_offline and STPG.
	// EINVAL when the LUN is in no group.
	Result<void> set_offline(Lun &lun, bool offline, bool explicit_stpg);

	// Republish each member's alua_port word (after id, state, access type or delay
	// changed). Under lock().
	void publish_locked(TgPtGroup &g);

	// RTPG, STPG (scsi::AluaPortGroups for the nexus of `lun`).
	void report(scsi::AluaReportVisitor &v);
	scsi::SenseReason set_target_port_groups(Lun &lun, Span<const scsi::AluaSetDescriptor> d,
						 const scsi::ItlNexus &origin);

	// members: "<fabric>/<wwn>/tpgt_<N>/lun_<M>\n" per LUN, clipped to whole lines.
	s64 format_members(TgPtGroup &g, char *buf, usize size);
	// A LUN's alua_tg_pt_gp file (empty when the LUN is in no group).
	s64 format_lun_info(Lun &lun, char *buf, usize size);

	// The packed word and what it says.
	static u64 pack(const TgPtGroup &g);
	static scsi::AluaPortState unpack(u64 word, bool offline);

	static const char *state_name(scsi::AluaState s);
	static const char *status_name(u32 status);

  private:
	TgPtGroup *find_listed_locked(StrView name);
	void join_locked(Lun &lun, TgPtGroup &g);
	void leave_locked(Lun &lun);
	void post_locked(TgPtGroup &g, const scsi::ItlNexus *except, scsi::SenseReason reason);

	Device &dev_;
	Mutex transition_lock_;
	Mutex lock_;
	Completion cut_short_; // completed by retire(): a sleeping transition stops waiting
	IntrusiveList<TgPtGroup, &TgPtGroup::set_node> groups_; // under lock_, ids set
	u32 next_id_ = 1; // LIO's alua_tg_pt_gps_counter (default_tg_pt_gp took 0)
	TgPtGroup default_;
};

} // namespace lio::core

#endif // LIO_CORE_ALUA_TG_PT_GROUP_H
