// SPDX-License-Identifier: GPL-2.0
// core/session.cpp: an I_T nexus; command and task-management execution (see session.h).
#include "core/session.h"

#include "core/scsi/opcode_table.h"
#include "core/tpg.h"
#include "lio/alloc.h"
#include "lio/log.h"

namespace lio::core {

namespace {

constinit LockClass session_lock_class("lio_session");
constinit LockClass session_drain_class("lio_session_drain");
constinit LockClass tmf_wait_class("lio_tmf_wait");

Atomic<u64> g_next_nexus_id{1};

// ---- copy offload ----
// A copy target held for an EXTENDED COPY: its LUN's get_io() (the LUN keeps its device, an
// unlink waits) and the view of the LU as the session sees it (its write protection).
class SessionHeldLu final : public scsi::HeldLu {
  public:
	SessionHeldLu(RefPtr<Lun> lun, DeviceLu &dlu, RefPtr<LuSnapshot> snap, bool read_only)
	    : lun_(static_cast<RefPtr<Lun> &&>(lun)),
	      clu_(dlu, static_cast<RefPtr<LuSnapshot> &&>(snap), read_only) {}
	~SessionHeldLu() { lun_->put_io(); }
	scsi::LogicalUnit &lu() override { return clu_; }
	void release() override { delete this; }

  private:
	RefPtr<Lun> lun_; // with get_io()
	CommandLu clu_;
};

// LUN numbers of a LUN map: counts them, and records up to `cap`.
class LunCollector final : public scsi::LunVisitor {
  public:
	LunCollector(u64 *out, usize cap) : out_(out), cap_(cap) {}
	void visit(u64 lun) override {
		if (n_ < cap_)
			out_[n_] = lun;
		n_++;
	}
	usize count() const { return n_ < cap_ ? n_ : cap_; }
	usize seen() const { return n_; }

  private:
	u64 *out_;
	usize cap_;
	usize n_ = 0;
};

// REPORT LUNS through the session's TPG; copy targets among the LUNs the session sees.
class SessionLunMap final : public scsi::LunMap {
  public:
	explicit SessionLunMap(const Session &s) : s_(s) {}
	void for_each_lun(scsi::LunVisitor &v) const override { s_.tpg().for_each_lun(s_, v); }

	// ---- copy offload ----
	// Only the session's own LUN map is searched (ACL mapped LUNs, or the TPG's LUNs in
	// demo mode): a device exported elsewhere but not to this nexus is never found. The
	// numbers are collected first (under the TPG's map lock), then each LUN is looked up
	// again, held and matched with no lock held.
	scsi::HeldLu *hold_lu(const scsi::LuMatcher &m) const override {
		LunCollector counter(nullptr, 0);
		s_.tpg().for_each_lun(s_, counter);
		usize cap = counter.seen();
		if (!cap)
			return nullptr;
		u64 *numbers = static_cast<u64 *>(alloc_raw(cap * sizeof(u64), Gfp::Kernel));
		if (!numbers)
			return nullptr;
		LunCollector collect(numbers, cap);
		s_.tpg().for_each_lun(s_, collect);
		scsi::HeldLu *found = nullptr;
		for (usize i = 0; i < collect.count() && !found; i++)
			found = hold_if_match(numbers[i], m);
		free_raw(numbers);
		return found;
	}

  private:
	scsi::HeldLu *hold_if_match(u64 number, const scsi::LuMatcher &m) const {
		bool read_only = false;
		RefPtr<Lun> lun = s_.tpg().lookup_lun(s_, number, &read_only);
		if (!lun || !lun->get_io())
			return nullptr;
		DeviceLu *dlu = lun->device().lu;
		if (!dlu) {
			lun->put_io();
			return nullptr;
		}
		RefPtr<LuSnapshot> snap = dlu->snapshot();
		CommandLu probe(*dlu, snap, read_only);
		if (!m.matches(probe)) {
			lun->put_io();
			return nullptr;
		}
		auto *held = new (Gfp::Kernel) SessionHeldLu(static_cast<RefPtr<Lun> &&>(lun), *dlu,
							     static_cast<RefPtr<LuSnapshot> &&>(snap),
							     read_only);
		if (!held)
			lun->put_io(); // not moved from when the allocation failed
		return held;
	}

	const Session &s_;
};

// The logical unit of a LUN number nothing is mapped at: only REPORT LUNS runs against it.
class AbsentLu final : public scsi::LogicalUnit {
  public:
	u32 block_size() const override { return 512; }
	u64 num_blocks() const override { return 0; }
	scsi::LuIdentity identity() const override { return {}; }
	scsi::LuAttributes attributes() const override { return {}; }
	bool read_only() const override { return true; }
	Result<void> read(u64, u32, const DataBuf &) override { return no_lun(); }
	Result<void> write(u64, u32, const DataBuf &, bool) override { return no_lun(); }
	Result<void> flush(u64, u64) override { return no_lun(); }
	Result<void> unmap(u64, u64) override { return no_lun(); }
	Result<void> write_zeroes(u64, u64) override { return no_lun(); }
	scsi::LuState &state() override { return state_; }
	void post_unit_attention_others(const scsi::ItlNexus *, scsi::SenseReason) override {}

  private:
	static Error no_lun() { return scsi::sense_error(scsi::SenseReason::kLunNotSupported); }
	scsi::LuState state_;
};

DataBuf data_in_of(const FabricCmd &cmd) {
	if (cmd.dir != DataDir::kFromDevice && cmd.dir != DataDir::kBidi)
		return DataBuf();
	usize n = min(static_cast<usize>(cmd.expected_length), cmd.data.size());
	return cmd.data.slice(0, n);
}

DataBuf data_out_of(const FabricCmd &cmd) {
	if (cmd.dir != DataDir::kToDevice)
		return DataBuf();
	usize n = min(static_cast<usize>(cmd.expected_length), cmd.data.size());
	return cmd.data.slice(0, n);
}

} // namespace

Session::Session(Tpg &tpg, RefPtr<NodeAcl> acl, StrView initiator, StrView session_id)
    : tpg_(tpg), acl_(static_cast<RefPtr<NodeAcl> &&>(acl)),
      id_(g_next_nexus_id.fetch_add(1, MemoryOrder::Relaxed)), lock_(session_lock_class),
      drained_(session_drain_class) {
	(void)str_copy(Span<char>(initiator_, sizeof(initiator_)), initiator);
	(void)str_copy(Span<char>(session_id_, sizeof(session_id_)), session_id);
}

Session::~Session() {
	LIO_ASSERT(active_.is_empty());
	LIO_ASSERT(entries_.is_empty());
}

Result<RefPtr<Session>> Session::create(Tpg &tpg, RefPtr<NodeAcl> acl, StrView initiator,
					StrView session_id) {
	if (initiator.size() == 0 || initiator.size() >= kMaxInitiatorName ||
	    session_id.size() >= kMaxSessionId)
		return Error::from_errno(KABI_EINVAL);
	Session *s = new (Gfp::Kernel)
	    Session(tpg, static_cast<RefPtr<NodeAcl> &&>(acl), initiator, session_id);
	if (!s)
		return Error::from_errno(KABI_ENOMEM);
	return RefPtr<Session>::adopt(s);
}

// ---- commands ----

void Session::fail(FabricCmd &cmd, scsi::ScsiStatus status, scsi::SenseReason reason) {
	cmd.status = status;
	cmd.data_length = 0;
	cmd.residual = scsi::Residual::kNone;
	cmd.residual_count = 0;
	cmd.sense_length = 0;
	if (reason != scsi::SenseReason::kNone) {
		scsi::SenseDetail detail;
		usize n = scsi::SenseData::build(MutableBytes(cmd.sense, sizeof(cmd.sense)), reason,
						 detail, false);
		cmd.sense_length = static_cast<u8>(min(n, sizeof(cmd.sense)));
	}
	if (cmd.expected_length) {
		cmd.residual = scsi::Residual::kUnderflow;
		cmd.residual_count = cmd.expected_length;
	}
	cmd.queue_response();
}

void Session::submit(FabricCmd &cmd) {
	cmd.core = FabricCmd::CoreState();
	{
		// A nexus that is going starts nothing new (BUSY: the initiator retries elsewhere).
		LockGuard guard(lock_);
		cmd.core.flags |= kCmdActive;
		active_.push_back(cmd);
		if (closing_)
			cmd.core.flags |= kCmdAborted;
	}
	if (cmd.core.flags & kCmdAborted) {
		fail(cmd, scsi::ScsiStatus::kBusy, scsi::SenseReason::kNone);
		return;
	}

	bool read_only = false;
	RefPtr<Lun> lun = tpg_.lookup_lun(*this, cmd.lun, &read_only);
	if (!lun || !lun->get_io()) {
		answer_without_lun(cmd);
		return;
	}
	Device &dev = lun->device();
	DeviceLu *dlu = dev.lu;
	ItlEntry *entry = dlu ? entry_for(*lun, cmd.lun, *dlu) : nullptr;
	if (!entry) {
		lun->put_io();
		fail(cmd, scsi::ScsiStatus::kCheckCondition,
		     dlu ? scsi::SenseReason::kInsufficientResources
			 : scsi::SenseReason::kLunNotSupported);
		return;
	}
	cmd.core.lun = lun.leak_ref(); // with get_io(): both given back by release()
	cmd.core.nexus = entry;
	cmd.core.read_only = read_only;

	if (cmd.dir == DataDir::kToDevice && cmd.expected_length)
		cmd.fetch_data_out(*this);
	else
		execute(cmd);
}

void Session::data_out_ready(FabricCmd &cmd) { execute(cmd); }

void Session::execute(FabricCmd &cmd) {
	auto *entry = static_cast<ItlEntry *>(cmd.core.nexus);
	auto *lun = static_cast<Lun *>(cmd.core.lun);
	DeviceLu &dlu = entry->device_lu();

	if (!dlu.task_begin(cmd)) {
		dlu.task_end(cmd);
		if (cmd.core.flags & kCmdSendTas)
			fail(cmd, scsi::ScsiStatus::kTaskAborted, scsi::SenseReason::kNone);
		else
			cmd.aborted();
		return;
	}

	RefPtr<LuSnapshot> snap = dlu.snapshot();
	CommandLu clu(dlu, static_cast<RefPtr<LuSnapshot> &&>(snap), cmd.core.read_only);
	scsi::Command sc(Bytes(cmd.cdb, cmd.cdb_length), data_in_of(cmd), data_out_of(cmd));
	SessionLunMap luns(*this);
	scsi::execute(sc, clu, entry, &luns);
	dlu.task_end(cmd);

	u64 in = sc.data_in_length();
	u64 out = cmd.dir == DataDir::kToDevice && sc.status() == scsi::ScsiStatus::kGood
		      ? data_out_of(cmd).size()
		      : 0;
	lun->count_command(in, out);
	dlu.count_command(in, out);

	if (cmd.core.flags & kCmdAborted) {
		if (cmd.core.flags & kCmdSendTas)
			fail(cmd, scsi::ScsiStatus::kTaskAborted, scsi::SenseReason::kNone);
		else
			cmd.aborted();
		return;
	}
	finish(cmd, sc);
}

void Session::finish(FabricCmd &cmd, const scsi::Command &sc) {
	cmd.status = sc.status();
	cmd.data_length = static_cast<u32>(sc.data_in_length());
	cmd.residual = sc.residual();
	cmd.residual_count = static_cast<u32>(min(sc.residual_count(), static_cast<u64>(~0u)));
	Bytes sense = sc.sense();
	usize n = min(sense.size(), sizeof(cmd.sense));
	for (usize i = 0; i < n; i++)
		cmd.sense[i] = sense.data()[i];
	cmd.sense_length = static_cast<u8>(n);
	cmd.queue_response();
}

// GOOD with `data` (clipped to the buffer) as data-in.
void Session::answer_data(FabricCmd &cmd, Bytes data) {
	DataBuf in = data_in_of(cmd);
	usize n = min(data.size(), in.size());
	in.copy_from(0, Bytes(data.data(), n));
	cmd.status = scsi::ScsiStatus::kGood;
	cmd.data_length = static_cast<u32>(n);
	cmd.sense_length = 0;
	cmd.residual = n < cmd.expected_length ? scsi::Residual::kUnderflow : scsi::Residual::kNone;
	cmd.residual_count = static_cast<u32>(cmd.expected_length - n);
	cmd.queue_response();
}

// No LUN at this number for this nexus (SPC-4 6.6.2, SAM-5 5.9.6): INQUIRY answers with
// peripheral qualifier 011b, REPORT LUNS and REQUEST SENSE work, anything else is LOGICAL
// UNIT NOT SUPPORTED.
void Session::answer_without_lun(FabricCmd &cmd) {
	u8 opcode = cmd.cdb_length ? cmd.cdb[0] : 0xff;
	if (opcode == 0x12 && cmd.cdb_length >= 6) { // INQUIRY
		u8 data[36] = {};
		data[0] = 0x7f; // qualifier 011b, type 1Fh: no logical unit here
		bool evpd = cmd.cdb[1] & 1;
		usize len;
		if (evpd) {
			data[1] = cmd.cdb[2];
			len = 4;
		} else {
			data[2] = 0x06; // SPC-4
			data[3] = 0x02; // response data format 2
			data[4] = 31;
			const char *id = "LIO-ORG ";
			for (usize i = 0; i < 8; i++)
				data[8 + i] = static_cast<u8>(id[i]);
			for (usize i = 16; i < 36; i++)
				data[i] = ' ';
			len = 36;
		}
		usize alloc = (static_cast<usize>(cmd.cdb[3]) << 8) | cmd.cdb[4];
		answer_data(cmd, Bytes(data, min(len, alloc)));
		return;
	}
	if (opcode == 0xa0) { // REPORT LUNS
		AbsentLu absent;
		scsi::Command sc(Bytes(cmd.cdb, cmd.cdb_length), data_in_of(cmd), DataBuf());
		SessionLunMap luns(*this);
		scsi::execute(sc, absent, nullptr, &luns);
		finish(cmd, sc);
		return;
	}
	if (opcode == 0x03 && cmd.cdb_length >= 6) { // REQUEST SENSE: the reason, as data
		u8 data[scsi::SenseData::kMaxLength] = {};
		bool desc = cmd.cdb[1] & 1;
		usize len = scsi::SenseData::build(MutableBytes(data, sizeof(data)),
						   scsi::SenseReason::kLunNotSupported,
						   scsi::SenseDetail(), desc);
		answer_data(cmd, Bytes(data, min(len, static_cast<usize>(cmd.cdb[4]))));
		return;
	}
	fail(cmd, scsi::ScsiStatus::kCheckCondition, scsi::SenseReason::kLunNotSupported);
}

ItlEntry *Session::entry_for(Lun &lun_obj, u64 lun, DeviceLu &lu) {
	ItlEntry *stale = nullptr;
	{
		LockGuard guard(lock_);
		for (ItlEntry &e : entries_) {
			if (e.lun() != lun)
				continue;
			if (&e.device_lu() == &lu && e.alua_lun() == &lun_obj)
				return &e;
			// Another device, or another LUN object (ALUA: its own target port group), is at
			// this LUN number now: its pending conditions go.
			entries_.remove(e);
			stale = &e;
			break;
		}
	}
	if (stale) {
		stale->device_lu().remove_nexus(*stale);
		delete stale;
	}
	scsi::TargetPortInfo port;
	port.relative_port_id = lun_obj.rtpi();
	port.tpg_tag = tpg_.tag();
	port.protocol_id = static_cast<u8>(tpg_.fabric().protocol_id());
	port.target_name = str_view(tpg_.wwn_name());
	// The port group comes from the LUN's ALUA group (ItlEntry::alua_port_state).
	port.has_port_group = false;
	// ---- persistent reservations ----
	port.fabric_name = str_view(tpg_.fabric().fabric_name());
	port.target_lun = lun_obj.number();
	port.mapped_lun = lun;
	ItlEntry *e =
	    new (Gfp::Kernel) ItlEntry(id_, lun, RefPtr<DeviceLu>::retain(&lu), port);
	if (!e)
		return nullptr;
	// ---- persistent reservations ----
	// The initiator port: the fabric's protocol, the initiator name and, for iSCSI, the
	// ISID (the session id the iSCSI fabric passes is the ISID in 12 hex digits).
	scsi::InitiatorPort ip;
	ip.protocol_id = port.protocol_id;
	ip.name = str_view(initiator_);
	if (port.protocol_id == scsi::kProtoIscsi)
		ip.isid = str_view(session_id_);
	e->set_initiator_port(ip);
	e->set_alua_lun(RefPtr<Lun>::retain(&lun_obj)); // ---- ALUA ----
	// A new I_T_L nexus starts with a reset condition (SAM-5 6.3.2).
	e->unit_attentions().post(scsi::SenseReason::kPowerOnResetOccurred);
	ItlEntry *raced = nullptr;
	{
		LockGuard guard(lock_);
		for (ItlEntry &x : entries_)
			if (x.lun() == lun && &x.device_lu() == &lu && x.alua_lun() == &lun_obj)
				raced = &x;
		if (!raced)
			entries_.push_back(*e);
	}
	if (raced) {
		delete e;
		return raced;
	}
	lu.add_nexus(*e);
	return e;
}

void Session::release(FabricCmd &cmd) {
	if (auto *lun = static_cast<Lun *>(cmd.core.lun)) {
		cmd.core.lun = nullptr;
		lun->put_io();
		lun->unref();
	}
	LockGuard guard(lock_);
	if (cmd.core.flags & kCmdActive) {
		active_.remove(cmd);
		cmd.core.flags &= ~kCmdActive;
	}
	// Under the lock: close() takes it once after waking, so the session cannot be freed
	// while this call still touches it.
	if (closing_ && active_.is_empty())
		drained_.complete_all();
}

u32 Session::active_commands() const {
	LockGuard guard(lock_);
	return static_cast<u32>(active_.size());
}

void Session::luns_changed() {
	LockGuard guard(lock_);
	for (ItlEntry &e : entries_)
		e.unit_attentions().post(scsi::SenseReason::kReportedLunsDataChanged);
}

void Session::shutdown() {
	LockGuard guard(lock_);
	closing_ = true;
}

void Session::close() {
	bool wait;
	{
		LockGuard guard(lock_);
		closing_ = true;
		wait = !active_.is_empty();
	}
	if (wait) {
		// Commands already submitted finish normally; the fabric releases them.
		while (!drained_.wait_for_ms(10000))
			log_warn("lio: session %s: still waiting for %u commands to be released\n",
				 initiator_, active_commands());
		LockGuard barrier(lock_); // the last release() has left
	}
	// Unregister the I_T_L nexuses; the SPC-2 reservations this nexus held go with it.
	for (;;) {
		ItlEntry *e;
		{
			LockGuard guard(lock_);
			e = entries_.pop_front();
		}
		if (!e)
			break;
		DeviceLu &dlu = e->device_lu();
		if (dlu.state().reservation_holder() == id_)
			dlu.state().release(id_);
		dlu.remove_nexus(*e);
		delete e;
	}
	tpg_.session_closed(*this); // drops the TPG's reference: *this may be gone
}

// ---- task management ----

template <typename Match> void Session::mark_aborted(Match &&match) {
	LockGuard guard(lock_);
	for (FabricCmd &c : active_)
		if (match(c))
			c.core.flags |= kCmdAborted;
}

template <typename Pred> void Session::wait_until(Pred &&pred) {
	Completion nap(tmf_wait_class);
	while (!pred())
		(void)nap.wait_for_ms(5);
}

u32 Session::clear_task_set(DeviceLu &dlu, u64 lun_no, ItlEntry **mine) {
	mark_aborted([lun_no](const FabricCmd &c) { return c.lun == lun_no; });
	*mine = nullptr;
	{
		LockGuard guard(lock_);
		for (ItlEntry &e : entries_)
			if (e.lun() == lun_no && &e.device_lu() == &dlu)
				*mine = &e;
	}
	u64 my_id = id_;
	bool tas = dlu.snapshot()->attributes.emulate_tas;
	// Tasks of other nexuses end with TASK ABORTED when TAS is set; without it they get no
	// response and their nexuses a unit attention.
	dlu.abort_tasks([lun_no, my_id](const FabricCmd &c) {
		auto *e = static_cast<ItlEntry *>(c.core.nexus);
		return e && e->it_nexus_id() == my_id && c.lun == lun_no;
	});
	u32 others = dlu.abort_tasks([](const FabricCmd &) { return true; },
				     tas ? static_cast<u32>(kCmdSendTas) : 0u);
	wait_until([&] { return !dlu.any_task([](const FabricCmd &) { return true; }); });
	return others;
}

void Session::reset_lu(DeviceLu &dlu, ItlEntry *mine) {
	dlu.stat_resets.fetch_add(1, MemoryOrder::Relaxed);
	dlu.state().clear_reservation();
	dlu.post_unit_attention(mine, scsi::SenseReason::kPowerOnResetOccurred);
}

bool Session::reset_target() {
	// The LUN numbers first (under the TPG's map lock), then each LU reset with no lock held.
	LunCollector counter(nullptr, 0);
	tpg_.for_each_lun(*this, counter);
	usize cap = counter.seen();
	if (!cap)
		return true;
	u64 *numbers = static_cast<u64 *>(alloc_raw(cap * sizeof(u64), Gfp::Kernel));
	DeviceLu **done = static_cast<DeviceLu **>(alloc_raw(cap * sizeof(DeviceLu *), Gfp::Kernel));
	if (!numbers || !done) {
		free_raw(numbers);
		free_raw(done);
		log_err("lio: session %s: target reset: out of memory\n", initiator_);
		return false;
	}
	LunCollector collect(numbers, cap);
	tpg_.for_each_lun(*this, collect);
	usize n_done = 0;
	for (usize i = 0; i < collect.count(); i++) {
		bool ro;
		RefPtr<Lun> lun = tpg_.lookup_lun(*this, numbers[i], &ro);
		if (!lun || !lun->get_io())
			continue; // gone meanwhile
		DeviceLu *dlu = lun->device().lu;
		bool seen = !dlu;
		for (usize k = 0; k < n_done && !seen; k++)
			seen = done[k] == dlu;
		if (!seen) {
			RefPtr<DeviceLu> hold = RefPtr<DeviceLu>::retain(dlu);
			ItlEntry *mine = nullptr;
			(void)clear_task_set(*dlu, numbers[i], &mine);
			reset_lu(*dlu, mine);
			done[n_done++] = dlu;
		}
		lun->put_io();
	}
	free_raw(numbers);
	free_raw(done);
	return true;
}

void Session::task_management(FabricTmf &tmf) {
	using F = TmfFunction;
	tmf.response = TmfResponse::kFunctionComplete;

	switch (tmf.function) {
	case F::kClearAca:
	case F::kQueryAsyncEvent:
		// No ACA, no asynchronous event reporting.
		tmf.response = TmfResponse::kFunctionRejected;
		tmf.queue_response();
		return;
	case F::kTargetReset:
		// SAM-5 dropped TARGET RESET, but iSCSI keeps TARGET WARM/COLD RESET (LIO refuses
		// both as not authorized): every LU the initiator knows is reset.
		if (!reset_target())
			tmf.response = TmfResponse::kFunctionRejected;
		break;
	case F::kItNexusReset: {
		// Every task of this nexus goes; its I_T_L nexuses see a reset condition and its
		// SPC-2 reservations are released.
		mark_aborted([](const FabricCmd &) { return true; });
		{
			LockGuard guard(lock_);
			for (ItlEntry &e : entries_)
				e.device_lu().abort_tasks([this](const FabricCmd &c) {
					return static_cast<ItlEntry *>(c.core.nexus)->it_nexus_id() == id_;
				});
		}
		wait_until([this] {
			LockGuard guard(lock_);
			for (FabricCmd &c : active_)
				if (c.core.flags & kCmdInTaskSet)
					return false;
			return true;
		});
		LockGuard guard(lock_);
		for (ItlEntry &e : entries_) {
			if (e.device_lu().state().reservation_holder() == id_)
				e.device_lu().state().release(id_);
			e.unit_attentions().post(scsi::SenseReason::kPowerOnResetOccurred);
		}
		break;
	}
	default: {
		bool ro;
		RefPtr<Lun> lun = tpg_.lookup_lun(*this, tmf.lun, &ro);
		if (!lun || !lun->get_io()) {
			tmf.response = TmfResponse::kIncorrectLun;
			break;
		}
		DeviceLu *dlu = lun->device().lu;
		if (!dlu) {
			lun->put_io();
			tmf.response = TmfResponse::kIncorrectLun;
			break;
		}
		RefPtr<DeviceLu> lu_ref = RefPtr<DeviceLu>::retain(dlu);
		u64 lun_no = tmf.lun;
		u64 my_id = id_;
		auto mine_on_lun = [lun_no, my_id](const FabricCmd &c) {
			auto *e = static_cast<ItlEntry *>(c.core.nexus);
			return e && e->it_nexus_id() == my_id && c.lun == lun_no;
		};
		bool tas = dlu->snapshot()->attributes.emulate_tas;

		switch (tmf.function) {
		case F::kAbortTask: {
			FabricCmd *target = nullptr;
			{
				LockGuard guard(lock_);
				for (FabricCmd &c : active_)
					if (c.tag == tmf.ref_tag && c.lun == lun_no &&
					    !(c.core.flags & kCmdAborted)) {
						target = &c;
						c.core.flags |= kCmdAborted;
						break;
					}
			}
			if (!target) {
				dlu->stat_aborts_no_task.fetch_add(1, MemoryOrder::Relaxed);
				tmf.response = TmfResponse::kTaskDoesNotExist;
				break;
			}
			dlu->stat_aborts_complete.fetch_add(1, MemoryOrder::Relaxed);
			dlu->abort_tasks([target](const FabricCmd &c) { return &c == target; });
			wait_until([&] {
				return !dlu->any_task([target](const FabricCmd &c) {
					return &c == target;
				});
			});
			break;
		}
		case F::kAbortTaskSet:
			mark_aborted([lun_no](const FabricCmd &c) { return c.lun == lun_no; });
			dlu->abort_tasks(mine_on_lun);
			wait_until([&] { return !dlu->any_task(mine_on_lun); });
			break;
		case F::kClearTaskSet:
		case F::kLunReset: {
			ItlEntry *mine = nullptr;
			u32 others = clear_task_set(*dlu, lun_no, &mine);
			if (tmf.function == F::kLunReset) {
				reset_lu(*dlu, mine);
			} else if (others && !tas) {
				dlu->post_unit_attention(
				    mine, scsi::SenseReason::kCommandsClearedByAnotherInitiator);
			}
			break;
		}
		case F::kQueryTask: {
			LockGuard guard(lock_);
			for (FabricCmd &c : active_)
				if (c.tag == tmf.ref_tag && c.lun == lun_no)
					tmf.response = TmfResponse::kFunctionSucceeded;
			break;
		}
		case F::kQueryTaskSet:
			if (dlu->any_task(mine_on_lun))
				tmf.response = TmfResponse::kFunctionSucceeded;
			break;
		default:
			tmf.response = TmfResponse::kFunctionRejected;
			break;
		}
		lun->put_io();
		break;
	}
	}
	tmf.queue_response();
}

} // namespace lio::core
