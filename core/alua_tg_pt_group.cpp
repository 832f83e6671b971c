// SPDX-License-Identifier: GPL-2.0
// core/alua_tg_pt_group.cpp: ALUA target port groups of one device (see the header).
#include "core/alua_tg_pt_group.h"

#include "core/device.h"
#include "core/device_lu.h"
#include "core/fabric.h"
#include "core/hba.h"
#include "core/tpg.h"
#include "lio/log.h"
#include "lio/printf.h"

namespace lio::core {

using scsi::AluaState;

namespace {
constinit LockClass tg_pt_set_lock_class("lio_tg_pt_gps");
constinit LockClass tg_pt_transition_lock_class("lio_tg_pt_transition");
constinit LockClass tg_pt_cut_short_class("lio_tg_pt_cut_short");

// A primary or secondary state LIO lets be set, given the supported bits (LIO's
// core_alua_check_transition): TRANSITIONING never explicitly.
bool state_allowed(AluaState s, u8 supported, bool explicit_stpg) {
	switch (s) {
	case AluaState::kActiveOptimized:
		return supported & scsi::kAluaSupAo;
	case AluaState::kActiveNonOptimized:
		return supported & scsi::kAluaSupAn;
	case AluaState::kStandby:
		return supported & scsi::kAluaSupS;
	case AluaState::kUnavailable:
		return supported & scsi::kAluaSupU;
	case AluaState::kLbaDependent:
		return supported & scsi::kAluaSupLbd;
	case AluaState::kOffline:
		return supported & scsi::kAluaSupO;
	case AluaState::kTransitioning:
		return (supported & scsi::kAluaSupT) && !explicit_stpg;
	}
	return false;
}

bool known_state(u64 v) {
	return v <= 4 || v == 0xe || v == 0xf;
}
} // namespace

TgPtGroup::TgPtGroup(TgPtGroupSet &set, StrView name) : set_(set), name_{} {
	(void)str_copy(Span<char>(name_, sizeof(name_)), name); // configfs names are shorter
}

TgPtGroup::~TgPtGroup() { LIO_ASSERT(members.is_empty() && !set_node.is_linked()); }

TgPtGroupSet::TgPtGroupSet(Device &dev)
    : dev_(dev), transition_lock_(tg_pt_transition_lock_class), lock_(tg_pt_set_lock_class),
      cut_short_(tg_pt_cut_short_class), default_(*this, str_view("default_tg_pt_gp")) {
	default_.has_id = true;
	default_.id = 0;
	groups_.push_back(default_);
}

TgPtGroupSet::~TgPtGroupSet() {
	LockGuard guard(lock_);
	LIO_ASSERT(default_.members.is_empty());
	groups_.remove(default_);
	LIO_ASSERT(groups_.is_empty());
}

// ---- packing for the data path ----
// bit 0 in a group, 1-16 group id, 17-20 state, 21-22 access type, 23-38 nonop delay.

u64 TgPtGroupSet::pack(const TgPtGroup &g) {
	return 1ull | (static_cast<u64>(g.id) << 1) | (static_cast<u64>(g.state) << 17) |
	       (static_cast<u64>(g.access_type & 3) << 21) |
	       (static_cast<u64>(g.nonop_delay_ms) << 23);
}

scsi::AluaPortState TgPtGroupSet::unpack(u64 w, bool offline) {
	scsi::AluaPortState s;
	s.offline = offline;
	if (!(w & 1))
		return s;
	s.has_group = true;
	s.group_id = static_cast<u16>(w >> 1);
	s.state = static_cast<AluaState>((w >> 17) & 0xf);
	s.access_type = static_cast<u8>((w >> 21) & 3);
	s.nonop_delay_ms = static_cast<u16>(w >> 23);
	return s;
}

void TgPtGroupSet::publish_locked(TgPtGroup &g) {
	lock_.assert_held();
	u64 w = pack(g);
	for (Lun &l : g.members)
		l.alua_port.store(w, MemoryOrder::Release);
}

// ---- names ----

const char *TgPtGroupSet::state_name(AluaState s) {
	switch (s) {
	case AluaState::kActiveOptimized:
		return "Active/Optimized";
	case AluaState::kActiveNonOptimized:
		return "Active/NonOptimized";
	case AluaState::kLbaDependent:
		return "LBA Dependent";
	case AluaState::kStandby:
		return "Standby";
	case AluaState::kUnavailable:
		return "Unavailable";
	case AluaState::kOffline:
		return "Offline";
	case AluaState::kTransitioning:
		return "Transitioning";
	}
	return "Unknown";
}

const char *TgPtGroupSet::status_name(u32 status) {
	switch (status) {
	case 0:
		return "None";
	case 1:
		return "Altered by Explicit STPG";
	case 2:
		return "Altered by Implicit ALUA";
	}
	return "Unknown";
}

// ---- groups ----

Result<void> TgPtGroupSet::set_id(TgPtGroup &g, u64 id) {
	if (id > 0xffff) {
		log_err("alua: %s: tg_pt_gp_id %llu exceeds 65535\n", g.name(),
			static_cast<unsigned long long>(id));
		return Error::from_errno(KABI_EINVAL);
	}
	LockGuard guard(lock_);
	if (g.has_id) {
		log_err("alua: %s already has tg_pt_gp_id %u; ids cannot change\n", g.name(), g.id);
		return Error::from_errno(KABI_EINVAL);
	}
	u32 count = 0;
	for (TgPtGroup &o : groups_) {
		(void)o;
		count++;
	}
	if (count >= 0xffff) {
		log_err("alua: %s: the device has 65535 target port groups already\n", g.name());
		return Error::from_errno(KABI_ENOSPC);
	}
	u16 pick = static_cast<u16>(id);
	for (;;) {
		if (id == 0)
			pick = static_cast<u16>(next_id_++);
		bool taken = false;
		for (TgPtGroup &o : groups_)
			if (o.id == pick)
				taken = true;
		if (!taken)
			break;
		if (id != 0) {
			log_err("alua: %s: tg_pt_gp_id %u is used by another group of %s\n",
				g.name(), pick, dev_.name());
			return Error::from_errno(KABI_EINVAL);
		}
	}
	g.id = pick;
	g.has_id = true;
	groups_.push_back(g);
	return {};
}

void TgPtGroupSet::retire(TgPtGroup &g) {
	LIO_ASSERT(&g != &default_);
	cut_short_.complete_all(); // a transition sleeping now stops waiting
	LockGuard t(transition_lock_);
	LockGuard guard(lock_);
	cut_short_.reinit();
	g.retired = true;
	if (g.set_node.is_linked())
		groups_.remove(g);
	while (Lun *l = g.members.front()) {
		leave_locked(*l);
		join_locked(*l, default_);
	}
}

// ---- membership ----

void TgPtGroupSet::join_locked(Lun &lun, TgPtGroup &g) {
	lun.alua_group = &g;
	g.members.push_back(lun);
	g.member_count++;
	// LIO: INQUIRY DATA HAS CHANGED to the LUN's nexuses (its port group changed), queued
	// before the new group shows.
	if (DeviceLu *dlu = dev_.lu)
		dlu->post_unit_attention_lun(lun, nullptr, scsi::SenseReason::kInquiryDataChanged);
	lun.alua_port.store(pack(g), MemoryOrder::Release);
}

void TgPtGroupSet::leave_locked(Lun &lun) {
	TgPtGroup *g = lun.alua_group;
	if (!g)
		return;
	g->members.remove(lun);
	g->member_count--;
	lun.alua_group = nullptr;
	lun.alua_port.store(0, MemoryOrder::Release);
}

void TgPtGroupSet::attach(Lun &lun) {
	if (dev_.is_passthrough()) // LIO's TRANSPORT_FLAG_PASSTHROUGH_ALUA: no groups
		return;
	LockGuard guard(lock_);
	leave_locked(lun);
	lun.alua_group = &default_;
	default_.members.push_back(lun);
	default_.member_count++;
	lun.alua_port.store(pack(default_), MemoryOrder::Release);
}

void TgPtGroupSet::detach(Lun &lun) {
	LockGuard guard(lock_);
	leave_locked(lun);
}

TgPtGroup *TgPtGroupSet::find_listed_locked(StrView name) {
	for (TgPtGroup &g : groups_)
		if (str_equal(str_view(g.name()), name))
			return &g;
	return nullptr;
}

Result<void> TgPtGroupSet::move(Lun &lun, StrView name) {
	LockGuard guard(lock_);
	TgPtGroup *g = str_equal(name, "NULL") ? &default_ : find_listed_locked(name);
	if (!g) {
		log_err("alua: %s/%s: no target port group named %.*s with an id\n",
			dev_.hba().name(), dev_.name(), static_cast<int>(name.size()), name.data());
		return Error::from_errno(KABI_ENODEV);
	}
	if (!lun.alua_group) {
		log_err("alua: %s/%s: the LUN is not in a target port group\n", dev_.hba().name(),
			dev_.name());
		return Error::from_errno(KABI_ENODEV);
	}
	leave_locked(lun);
	join_locked(lun, *g);
	return {};
}

// ---- transitions ----

void TgPtGroupSet::post_locked(TgPtGroup &g, const scsi::ItlNexus *except,
			       scsi::SenseReason reason) {
	DeviceLu *dlu = dev_.lu;
	if (!dlu)
		return;
	for (Lun &l : g.members)
		dlu->post_unit_attention_lun(l, except, reason);
}

Result<void> TgPtGroupSet::transition(TgPtGroup &g, AluaState state, bool explicit_stpg,
				      const scsi::ItlNexus *origin) {
	LockGuard t(transition_lock_);
	u32 delay;
	{
		LockGuard guard(lock_);
		if (!g.has_id || g.retired) {
			log_err("alua: %s: no ALUA transition for a group without tg_pt_gp_id\n",
				g.name());
			return Error::from_errno(KABI_EINVAL);
		}
		if (!known_state(static_cast<u64>(state)) ||
		    !state_allowed(state, g.supported, explicit_stpg)) {
			log_err("alua: %s: access state %s (0x%02x) is not supported by the group\n",
				g.name(), state_name(state), static_cast<u32>(state));
			return Error::from_errno(KABI_EINVAL);
		}
		if (g.state == state)
			return {};
		g.state = AluaState::kTransitioning;
		g.status = explicit_stpg ? 1 : 2;
		// The unit attention is queued before the state shows: a command that sees the
		// new state has the condition reported first.
		post_locked(g, explicit_stpg ? origin : nullptr,
			    scsi::SenseReason::kAsymmetricAccessStateChanged);
		publish_locked(g);
		if (state == AluaState::kTransitioning)
			return {};
		delay = g.trans_delay_ms;
	}
	if (delay)
		(void)cut_short_.wait_for_ms(delay);
	LockGuard guard(lock_);
	g.state = state;
	post_locked(g, explicit_stpg ? origin : nullptr,
		    scsi::SenseReason::kAsymmetricAccessStateChanged);
	publish_locked(g);
	return {};
}

Result<void> TgPtGroupSet::set_offline(Lun &lun, bool offline, bool explicit_stpg) {
	u32 delay;
	{
		LockGuard guard(lock_);
		if (!lun.alua_group) {
			log_err("alua: %s/%s: the LUN is not in a target port group\n",
				dev_.hba().name(), dev_.name());
			return Error::from_errno(KABI_EINVAL);
		}
		lun.alua_offline.store(offline ? 1 : 0, MemoryOrder::Release);
		lun.alua_status.store(explicit_stpg ? 1 : 2, MemoryOrder::Relaxed);
		delay = lun.alua_group->trans_delay_ms;
	}
	if (delay && !explicit_stpg) // as LIO, the writer waits the transition delay
		(void)cut_short_.wait_for_ms(delay);
	return {};
}

// ---- RTPG / STPG ----

void TgPtGroupSet::report(scsi::AluaReportVisitor &v) {
	LockGuard guard(lock_);
	for (TgPtGroup &g : groups_) {
		if (!g.member_count)
			continue;
		scsi::AluaGroupReport r;
		r.id = g.id;
		r.state = g.state;
		r.supported = g.supported;
		r.preferred = g.preferred;
		r.status = g.status;
		r.port_count = static_cast<u8>(min(g.member_count, 255u));
		v.group(r);
		u32 n = 0;
		for (Lun &l : g.members)
			if (n++ < r.port_count)
				v.port(l.rtpi());
	}
}

scsi::SenseReason TgPtGroupSet::set_target_port_groups(Lun &lun,
						       Span<const scsi::AluaSetDescriptor> descs,
						       const scsi::ItlNexus &origin) {
	using scsi::SenseReason;
	u8 valid;
	{
		// Checked as a whole first: nothing changes when one descriptor is refused.
		LockGuard guard(lock_);
		TgPtGroup *local = lun.alua_group;
		if (!local || !(local->access_type & scsi::kAluaExplicit))
			return SenseReason::kInvalidOpcode; // LIO: explicit ALUA disabled
		valid = local->supported;
		for (const scsi::AluaSetDescriptor &d : descs) {
			if (!state_allowed(d.state, valid, true))
				return SenseReason::kInvalidFieldInParamList;
			if (d.state == AluaState::kOffline) {
				bool found = false;
				for (TgPtGroup &g : groups_)
					for (Lun &l : g.members)
						if (l.rtpi() == d.id)
							found = true;
				if (!found)
					return SenseReason::kInvalidFieldInParamList;
			} else {
				bool found = false;
				for (TgPtGroup &g : groups_)
					if (g.id == d.id)
						found = true;
				if (!found)
					return SenseReason::kInvalidFieldInParamList;
			}
		}
	}
	for (const scsi::AluaSetDescriptor &d : descs) {
		if (d.state == AluaState::kOffline) {
			// The secondary state of every LUN of this device behind that port.
			Lun *targets[16];
			usize n = 0;
			{
				LockGuard guard(lock_);
				for (TgPtGroup &g : groups_)
					for (Lun &l : g.members)
						if (l.rtpi() == d.id && n < 16)
							targets[n++] = &l;
				for (usize i = 0; i < n; i++) {
					targets[i]->alua_offline.store(1, MemoryOrder::Release);
					targets[i]->alua_status.store(1, MemoryOrder::Relaxed);
				}
			}
			continue;
		}
		TgPtGroup *g = nullptr;
		{
			LockGuard guard(lock_);
			for (TgPtGroup &x : groups_)
				if (x.id == d.id)
					g = &x;
		}
		// A group removed meanwhile: transition() refuses a retired one.
		if (!g || transition(*g, d.state, true, &origin).is_error())
			return SenseReason::kInvalidFieldInParamList;
	}
	return SenseReason::kNone;
}

// ---- configfs text ----

s64 TgPtGroupSet::format_members(TgPtGroup &g, char *buf, usize size) {
	LockGuard guard(lock_);
	usize len = 0;
	for (Lun &l : g.members) {
		char line[TgPtGroup::kNameMax];
		s32 n = kabi_snprintf(line, sizeof(line), "%s/%s/tpgt_%u/lun_%llu\n",
				      l.tpg().fabric().fabric_name(), l.tpg().wwn_name(),
				      static_cast<u32>(l.tpg().tag()),
				      static_cast<unsigned long long>(l.number()));
		if (n < 0 || static_cast<usize>(n) + 1 > sizeof(line) || len + n + 1 > size) {
			log_warn("alua: %s: members list does not fit in a page\n", g.name());
			break;
		}
		for (s32 i = 0; i < n; i++)
			buf[len + i] = line[i];
		len += n;
	}
	if (len < size)
		buf[len] = '\0';
	return static_cast<s64>(len);
}

s64 TgPtGroupSet::format_lun_info(Lun &lun, char *buf, usize size) {
	LockGuard guard(lock_);
	TgPtGroup *g = lun.alua_group;
	if (!g)
		return 0;
	u32 offline = lun.alua_offline.load(MemoryOrder::Relaxed);
	return kabi_snprintf(buf, size,
			     "TG Port Alias: %s\nTG Port Group ID: %u\nTG Port Primary Access "
			     "State: %s\nTG Port Primary Access Status: %s\nTG Port Secondary "
			     "Access State: %s\nTG Port Secondary Access Status: %s\n",
			     g->name(), static_cast<u32>(g->id), state_name(g->state),
			     status_name(g->status), offline ? "Offline" : "None",
			     status_name(lun.alua_status.load(MemoryOrder::Relaxed)));
}

} // namespace lio::core
