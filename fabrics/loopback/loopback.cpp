// SPDX-License-Identifier: GPL-2.0
#include "fabrics/loopback/loopback.h"

#include "kabi/log.h"
#include "kabi/modules.h"
#include "lio/alloc.h"
#include "lio/log.h"
#include "lio/placement_new.h"
#include "lio/string.h"
#include "lio/utility.h"

namespace lio::fabrics::loopback {

constinit LoopFabric g_loop_fabric;

namespace {

constinit LockClass g_tpgs_lock_class("tcm_loop_wwn_tpgs");
constinit LockClass g_tpg_ctl_class("tcm_loop_tpg_ctl");

constexpr const char kVersion[] = "v2.1-rc2"; // TCM_LOOP_VERSION

const char *protocol_name(PortProtocol p) {
	switch (p) {
	case PortProtocol::kSas:
		return "SAS";
	case PortProtocol::kFcp:
		return "FCP";
	case PortProtocol::kIscsi:
		return "iSCSI";
	}
	return "Unknown";
}

// LIO finds the prefixes with strstr(): anywhere in the name, not only at its start.
bool contains(StrView s, const char *needle) {
	StrView n = str_view(needle);
	if (n.size() > s.size())
		return false;
	for (usize i = 0; i + n.size() <= s.size(); i++) {
		if (str_equal(StrView(s.data() + i, n.size()), n))
			return true;
	}
	return false;
}

char *page(MutableBytes out) { return reinterpret_cast<char *>(out.data()); }

// ---------------------------------------------------------------- the data path

// One SCSI command from the local initiator, in the scsi_cmnd's private area. Segment arrays
// up to kInlineSegs entries live inside; longer ones are allocated (GFP_NOIO: the block layer
// is waiting on us).
class LoopCmd final : public core::FabricCmd {
  public:
	static constexpr u32 kInlineSegs = 8;

	explicit LoopCmd(tcm_loop_scmd *scmd) : scmd_(scmd) {}
	~LoopCmd() {
		if (segs_ != inline_segs_)
			free_raw(segs_);
	}

	// Takes the gate of tpg (entered by the caller) with it.
	u8 start(LoopTpg &tpg, const tcm_loop_request &req) {
		tpg_ = &tpg;
		lun = req.lun;
		tag = req.tag;
		task_attr = core::TaskAttr::kSimple; // LIO's tcm_loop sends every command SIMPLE
		switch (req.dir) {
		case TCM_LOOP_DIR_WRITE:
			dir = core::DataDir::kToDevice;
			break;
		case TCM_LOOP_DIR_READ:
			dir = core::DataDir::kFromDevice;
			break;
		case TCM_LOOP_DIR_BIDI:
			dir = core::DataDir::kBidi;
			break;
		default:
			dir = core::DataDir::kNone;
			break;
		}
		expected_length = req.bufflen;
		usize n = min<usize>(req.cdb_len, sizeof(cdb));
		__builtin_memcpy(cdb, req.cdb, n);
		// A longer CDB keeps its length so that the core refuses it.
		cdb_length = static_cast<u8>(min<u32>(req.cdb_len, 255));

		if (req.sg_count > kInlineSegs) {
			void *p = alloc_raw(sizeof(DataSegment) * req.sg_count, Gfp::NoIo);
			if (!p)
				return TCM_LOOP_HOST_REQUEUE;
			segs_ = static_cast<DataSegment *>(p);
		}
		if (req.sg_count) {
			tcm_loop_glue_sg_fill(scmd_, reinterpret_cast<tcm_loop_seg *>(segs_),
					      req.sg_count);
			data = DataBuf(Span<const DataSegment>(segs_, req.sg_count));
		}
		return TCM_LOOP_HOST_OK;
	}

	void queue_response() override {
		tcm_loop_response rsp = {};
		rsp.host_byte = TCM_LOOP_HOST_OK;
		rsp.status = static_cast<u8>(status);
		if (sense_length) {
			rsp.sense = sense;
			rsp.sense_len = min<u8>(sense_length, sizeof(sense));
		}
		if (residual != scsi::Residual::kNone)
			rsp.resid = residual_count;
		else if (dir == core::DataDir::kFromDevice && data_length < expected_length)
			rsp.resid = expected_length - data_length;
		tcm_loop_glue_respond(scmd_, &rsp);
		tcm_loop_glue_finish(scmd_);
	}

	// LIO's tcm_loop does nothing here and completes the scsi_cmnd on release; the SCSI
	// error handler owns such a command, so the completion is ignored by the midlayer.
	void aborted() override {
		tcm_loop_response rsp = {};
		rsp.host_byte = TCM_LOOP_HOST_ABORT;
		tcm_loop_glue_respond(scmd_, &rsp);
		tcm_loop_glue_finish(scmd_);
	}

	// After the response: give the command back to the core, then leave the TPG's gate.
	void finish() {
		LoopTpg *tpg = tpg_;
		tpg->session()->release(*this);
		tpg->leave();
	}

	LoopTpg *tpg() const { return tpg_; }

  private:
	tcm_loop_scmd *scmd_;
	LoopTpg *tpg_ = nullptr;
	DataSegment *segs_ = inline_segs_;
	DataSegment inline_segs_[kInlineSegs];
};

static_assert(sizeof(tcm_loop_seg) == sizeof(DataSegment));
static_assert(__builtin_offsetof(tcm_loop_seg, data) == __builtin_offsetof(DataSegment, data));
static_assert(__builtin_offsetof(tcm_loop_seg, len) == __builtin_offsetof(DataSegment, len));
static_assert(alignof(LoopCmd) <= 8);

// One task-management request of the SCSI error handler, in memory of the glue that waits.
class LoopTmf final : public core::FabricTmf {
  public:
	LoopTmf(tcm_loop_tmr *waiter, LoopTpg &tpg) : waiter_(waiter), tpg_(tpg) {}
	~LoopTmf() = default;

	void queue_response() override {
		done_response_ = response;
		tcm_loop_glue_tmr_done(waiter_); // the waiter may destroy us from here on
	}

	u8 finish() {
		u8 r = done_response_ == core::TmfResponse::kFunctionComplete ? TCM_LOOP_TMR_COMPLETE
									       : TCM_LOOP_TMR_FAILED;
		tpg_.leave();
		return r;
	}

  private:
	tcm_loop_tmr *waiter_;
	LoopTpg &tpg_;
	core::TmfResponse done_response_ = core::TmfResponse::kFunctionRejected;
};

static_assert(alignof(LoopTmf) <= 8);

// ---------------------------------------------------------------- configfs attributes

s64 version_show(core::Fabric &, MutableBytes out) {
	return kabi_snprintf(page(out), out.size(), "TCM Loopback Fabric module %s\n", kVersion);
}

s64 nexus_show(core::FabricTpg &tpg, MutableBytes out) {
	return static_cast<LoopTpg &>(tpg).show_nexus(out);
}

// "NULL" drops the nexus; otherwise an initiator port whose prefix matches the target port's
// protocol (naa. for SAS, fc. for FCP, iqn. for iSCSI), checked as LIO checks it.
Result<void> nexus_store(core::FabricTpg &base, StrView value) {
	LoopTpg &tpg = static_cast<LoopTpg &>(base);
	value = strip_newline(value);
	if (starts_with(value, str_view("NULL")))
		return tpg.drop_nexus();
	if (value.size() >= LoopWwn::kMaxAddrLen) {
		log_err("tcm_loop: Emulated NAA Sas Address: %.*s, exceeds max: %u\n",
			static_cast<int>(value.size()), value.data(), LoopWwn::kMaxAddrLen);
		return Error::from_errno(KABI_EINVAL);
	}
	PortProtocol want;
	StrView port = value;
	if (contains(value, "naa.")) {
		want = PortProtocol::kSas;
	} else if (contains(value, "fc.")) {
		want = PortProtocol::kFcp;
		port = value.size() >= 3 ? StrView(value.data() + 3, value.size() - 3) : value;
	} else if (contains(value, "iqn.")) {
		want = PortProtocol::kIscsi;
	} else {
		log_err("tcm_loop: Unable to locate prefix for emulated Initiator Port: %.*s\n",
			static_cast<int>(value.size()), value.data());
		return Error::from_errno(KABI_EINVAL);
	}
	if (want != tpg.wwn().protocol()) {
		log_err("tcm_loop: Passed %s Initiator Port %.*s does not match target port "
			"protoid: %s\n",
			protocol_name(want), static_cast<int>(value.size()), value.data(),
			protocol_name(tpg.wwn().protocol()));
		return Error::from_errno(KABI_EINVAL);
	}
	return tpg.make_nexus(port);
}

s64 transport_status_show(core::FabricTpg &tpg, MutableBytes out) {
	const char *state = static_cast<LoopTpg &>(tpg).online() ? "online" : "offline";
	return kabi_snprintf(page(out), out.size(), "%s\n", state);
}

// LIO compares the first 6/7 bytes only ("online", "offline").
Result<void> transport_status_store(core::FabricTpg &base, StrView value) {
	LoopTpg &tpg = static_cast<LoopTpg &>(base);
	if (starts_with(value, str_view("online"))) {
		tpg.set_online(true);
		return {};
	}
	if (starts_with(value, str_view("offline"))) {
		// LIO also queues an I_T NEXUS LOSS unit attention here; the F-HAL has no way to.
		tpg.set_online(false);
		return {};
	}
	return Error::from_errno(KABI_EINVAL);
}

s64 address_show(core::FabricTpg &base, MutableBytes out) {
	LoopTpg &tpg = static_cast<LoopTpg &>(base);
	return kabi_snprintf(page(out), out.size(), "%d:0:%u\n",
			     tcm_loop_glue_host_no(tpg.wwn().host()), static_cast<u32>(tpg.tag()));
}

s64 fabric_prot_type_show(core::FabricTpg &tpg, MutableBytes out) {
	u32 type = static_cast<LoopTpg &>(tpg).prot_type();
	return kabi_snprintf(page(out), out.size(), "%u\n", type);
}

// kstrtoul base 0; 0 (none), 1 (DIF type 1) or 3 (type 3).
Result<void> fabric_prot_type_store(core::FabricTpg &tpg, StrView value) {
	Result<u64> v = parse_u64(value, 0);
	if (v.is_error()) {
		log_err("tcm_loop: kstrtoul() returned %d for fabric_prot_type\n",
			v.error().to_kernel());
		return v.release_error();
	}
	if (v.value() != 0 && v.value() != 1 && v.value() != 3) {
		log_err("tcm_loop: Invalid fabric_prot_type: %llu\n",
			static_cast<unsigned long long>(v.value()));
		return Error::from_errno(KABI_EINVAL);
	}
	static_cast<LoopTpg &>(tpg).set_prot_type(static_cast<u32>(v.value()));
	return {};
}

constexpr core::FabricAttr<core::Fabric> kRootAttrs[] = {
	{"version", 0444, version_show, nullptr},
};
constexpr core::FabricAttr<core::FabricTpg> kTpgAttrs[] = {
	{"nexus", 0644, nexus_show, nexus_store},
	{"transport_status", 0644, transport_status_show, transport_status_store},
	{"address", 0444, address_show, nullptr},
};
constexpr core::FabricAttr<core::FabricTpg> kTpgAttribAttrs[] = {
	{"fabric_prot_type", 0644, fabric_prot_type_show, fabric_prot_type_store},
};

constinit const core::FabricAttrs g_attrs = [] {
	core::FabricAttrs a;
	a.fabric_root = kRootAttrs;
	a.tpg = kTpgAttrs;
	a.tpg_attrib = kTpgAttribAttrs;
	return a;
}();

} // namespace

// ---------------------------------------------------------------- Fabric

const core::FabricAttrs &LoopFabric::attrs() const { return g_attrs; }

Result<OwnPtr<core::FabricWwn>> LoopFabric::make_wwn(StrView name) {
	return OwnPtr<core::FabricWwn>(TRY(LoopWwn::create(name)));
}

Result<OwnPtr<core::FabricTpg>> LoopFabric::make_tpg(core::FabricWwn &base, u16 tag) {
	LoopWwn &wwn = static_cast<LoopWwn &>(base);
	if (tag >= LoopWwn::kMaxTpgs) {
		log_err("tcm_loop: Passed tpgt: %u exceeds TL_TPGS_PER_HBA: %u\n",
			static_cast<u32>(tag), LoopWwn::kMaxTpgs);
		return Error::from_errno(KABI_EINVAL);
	}
	tcm_loop_gate *gate = tcm_loop_glue_gate_alloc();
	if (!gate)
		return Error::from_errno(KABI_ENOMEM);
	OwnPtr<LoopTpg> tpg = make<LoopTpg>(Gfp::Kernel, wwn, tag, gate);
	if (!tpg) {
		tcm_loop_glue_gate_free(gate);
		return Error::from_errno(KABI_ENOMEM);
	}
	TRY(wwn.add_tpg(*tpg, tag));
	return OwnPtr<core::FabricTpg>(move(tpg));
}

// Demo mode only: an ACL directory has no loopback state.
Result<OwnPtr<core::FabricAcl>> LoopFabric::make_acl(core::FabricTpg &, StrView) {
	return OwnPtr<core::FabricAcl>();
}

// ---------------------------------------------------------------- LoopWwn

LoopWwn::LoopWwn(PortProtocol proto) : proto_(proto), tpgs_lock_(g_tpgs_lock_class) {}

// The protocol comes from the name as LIO's tcm_loop_make_scsi_hba finds it: "naa." (SAS),
// else "fc." (FCP), else "iqn." (iSCSI), anywhere in the name; names of 256 bytes or more
// are refused.
Result<OwnPtr<LoopWwn>> LoopWwn::create(StrView name) {
	PortProtocol proto;
	if (contains(name, "naa.")) {
		proto = PortProtocol::kSas;
	} else if (contains(name, "fc.")) {
		proto = PortProtocol::kFcp;
	} else if (contains(name, "iqn.")) {
		proto = PortProtocol::kIscsi;
	} else {
		log_err("tcm_loop: Unable to locate prefix for emulated Target Port: %.*s\n",
			static_cast<int>(name.size()), name.data());
		return Error::from_errno(KABI_EINVAL);
	}
	if (name.size() >= kMaxAddrLen) {
		log_err("tcm_loop: Emulated %s Address: %.*s, exceeds max: %u\n",
			protocol_name(proto), static_cast<int>(name.size()), name.data(),
			kMaxAddrLen);
		return Error::from_errno(KABI_EINVAL);
	}
	OwnPtr<LoopWwn> wwn = adopt_own(new (Gfp::Kernel) LoopWwn(proto));
	if (!wwn)
		return Error::from_errno(KABI_ENOMEM);
	s32 ret = tcm_loop_glue_host_create(wwn->as_c(), &wwn->host_);
	if (ret)
		return Error::from_kernel(ret);
	log_debug("tcm_loop: Allocated emulated Target %s Address: %.*s at Linux/SCSI Host ID: "
		  "%d\n",
		  protocol_name(proto), static_cast<int>(name.size()), name.data(),
		  tcm_loop_glue_host_no(wwn->host_));
	return wwn;
}

// Every TPG is gone (the core destroys them first), so no command can find us once the host
// is removed; scsi_remove_host waits for the commands in flight.
LoopWwn::~LoopWwn() {
	if (host_)
		tcm_loop_glue_host_destroy(host_);
}

Result<void> LoopWwn::add_tpg(LoopTpg &tpg, u16 tag) {
	LockGuard<SpinLock> guard(tpgs_lock_);
	if (tpgs_[tag])
		return Error::from_errno(KABI_EEXIST);
	tpgs_[tag] = &tpg;
	return {};
}

void LoopWwn::remove_tpg(LoopTpg &tpg, u16 tag) {
	LockGuard<SpinLock> guard(tpgs_lock_);
	if (tpgs_[tag] == &tpg) // not when make_tpg failed with EEXIST
		tpgs_[tag] = nullptr;
}

LoopTpg *LoopWwn::enter_tpg(u32 id, u8 *host_byte) {
	LockGuard<SpinLock> guard(tpgs_lock_);
	LoopTpg *tpg = id < kMaxTpgs ? tpgs_[id] : nullptr;
	if (!tpg) {
		*host_byte = TCM_LOOP_HOST_NO_CONNECT;
		return nullptr;
	}
	if (!tpg->online()) {
		*host_byte = TCM_LOOP_HOST_TRANSPORT_DISRUPTED;
		return nullptr;
	}
	if (!tpg->try_enter()) {
		*host_byte = TCM_LOOP_HOST_ERROR; // no I_T nexus
		return nullptr;
	}
	return tpg;
}

void LoopWwn::set_online(u32 id) {
	LockGuard<SpinLock> guard(tpgs_lock_);
	if (id < kMaxTpgs && tpgs_[id])
		tpgs_[id]->set_online(true);
}

// ---------------------------------------------------------------- LoopTpg

LoopTpg::LoopTpg(LoopWwn &wwn, u16 tag, tcm_loop_gate *gate)
    : wwn_(wwn), tag_(tag), gate_(gate), ctl_(g_tpg_ctl_class) {}

LoopTpg::~LoopTpg() {
	shutdown();
	while (luns_) {
		LinkedLun *l = luns_;
		luns_ = l->next;
		delete l;
	}
	tcm_loop_glue_gate_free(gate_);
}

// rmdir tpgt_N: LIO drops the nexus (its LUNs are gone by now: configfs removed them first).
void LoopTpg::shutdown() {
	{
		LockGuard guard(ctl_);
		if (shut_down_)
			return;
		shut_down_ = true;
		if (session_.load(MemoryOrder::Relaxed)) {
			for (LinkedLun *l = luns_; l; l = l->next)
				tcm_loop_glue_remove_device(wwn_.host(), tag_, l->lun);
			close_nexus_locked();
		}
	}
	wwn_.remove_tpg(*this, tag_);
}

// LIO's tcm_loop_port_link: the LUN becomes a SCSI device at once (no rescan needed).
void LoopTpg::lun_linked(u64 lun) {
	LockGuard guard(ctl_);
	LinkedLun *l = new (Gfp::Kernel) LinkedLun{lun, luns_};
	if (!l) {
		log_err("tcm_loop: tpgt_%u: out of memory tracking LUN %llu\n",
			static_cast<u32>(tag_), static_cast<unsigned long long>(lun));
		return;
	}
	luns_ = l;
	lun_count_++;
	if (session_.load(MemoryOrder::Relaxed)) {
		s32 ret = tcm_loop_glue_add_device(wwn_.host(), tag_, lun);
		if (ret)
			log_err("tcm_loop: scsi_add_device %d:0:%u:%llu failed: %d\n",
				tcm_loop_glue_host_no(wwn_.host()), static_cast<u32>(tag_),
				static_cast<unsigned long long>(lun), ret);
	}
}

// LIO's tcm_loop_port_unlink: the SCSI device goes while the LUN still answers (sd flushes
// its cache on the way out).
void LoopTpg::lun_unlinking(u64 lun) {
	LockGuard guard(ctl_);
	for (LinkedLun **p = &luns_; *p; p = &(*p)->next) {
		if ((*p)->lun != lun)
			continue;
		LinkedLun *l = *p;
		*p = l->next;
		delete l;
		lun_count_--;
		break;
	}
	if (session_.load(MemoryOrder::Relaxed) &&
	    !tcm_loop_glue_remove_device(wwn_.host(), tag_, lun))
		log_err("tcm_loop: Unable to locate struct scsi_device for %d:%u:%llu\n", 0,
			static_cast<u32>(tag_), static_cast<unsigned long long>(lun));
}

Result<void> LoopTpg::make_nexus(StrView initiator) {
	LockGuard guard(ctl_);
	if (shut_down_)
		return Error::from_errno(KABI_ENODEV);
	if (session_.load(MemoryOrder::Relaxed)) {
		log_debug("tcm_loop: tpgt_%u: I_T nexus already exists\n", static_cast<u32>(tag_));
		return Error::from_errno(KABI_EEXIST);
	}
	char name[LoopWwn::kMaxAddrLen];
	TRY(str_copy(Span<char>(name, sizeof(name)), initiator));
	core::SessionPort *s = TRY(port()->open_session(str_view(name), StrView()));
	__builtin_memcpy(initiator_, name, sizeof(name));
	session_.store(s, MemoryOrder::Release);
	tcm_loop_glue_gate_open(gate_);
	log_debug("tcm_loop: Established I_T Nexus to emulated %s Initiator Port: %s\n",
		  protocol_name(wwn_.protocol()), initiator_);
	// LUNs linked before the nexus existed appear now.
	for (LinkedLun *l = luns_; l; l = l->next) {
		s32 ret = tcm_loop_glue_add_device(wwn_.host(), tag_, l->lun);
		if (ret)
			log_err("tcm_loop: scsi_add_device %d:0:%u:%llu failed: %d\n",
				tcm_loop_glue_host_no(wwn_.host()), static_cast<u32>(tag_),
				static_cast<unsigned long long>(l->lun), ret);
	}
	return {};
}

// As LIO: ENODEV without a nexus, EPERM while LUNs are linked (their SCSI devices use it).
Result<void> LoopTpg::drop_nexus() {
	LockGuard guard(ctl_);
	if (!session_.load(MemoryOrder::Relaxed))
		return Error::from_errno(KABI_ENODEV);
	if (lun_count_) {
		log_err("tcm_loop: Unable to remove TCM_Loop I_T Nexus with active TPG port count: "
			"%u\n",
			lun_count_);
		return Error::from_errno(KABI_EPERM);
	}
	close_nexus_locked();
	return {};
}

void LoopTpg::close_nexus_locked() {
	ctl_.assert_held();
	core::SessionPort *s = session_.load(MemoryOrder::Relaxed);
	log_debug("tcm_loop: Removing I_T Nexus to emulated %s Initiator Port: %s\n",
		  protocol_name(wwn_.protocol()), initiator_);
	// Every command and TMF entered the gate before using the session and leaves it after
	// its release: once the gate is drained nothing is outstanding on the session.
	tcm_loop_glue_gate_close_wait(gate_);
	session_.store(nullptr, MemoryOrder::Relaxed);
	initiator_[0] = '\0';
	s->close();
}

// LIO: ENODEV without a nexus.
s64 LoopTpg::show_nexus(MutableBytes out) {
	LockGuard guard(ctl_);
	if (!session_.load(MemoryOrder::Relaxed))
		return -KABI_ENODEV;
	return kabi_snprintf(page(out), out.size(), "%s\n", initiator_);
}

} // namespace lio::fabrics::loopback

// ---------------------------------------------------------------- entry points for the glue

using lio::fabrics::loopback::LoopCmd;
using lio::fabrics::loopback::LoopTmf;
using lio::fabrics::loopback::LoopTpg;
using lio::fabrics::loopback::LoopWwn;

namespace {

lio_fabric *fabric_handle() {
	return reinterpret_cast<lio_fabric *>(
	    static_cast<lio::core::Fabric *>(&lio::fabrics::loopback::g_loop_fabric));
}

} // namespace

extern "C" int32_t lio_tcm_loop_init(struct kabi_module *self) {
	return kabi_fabric_register(fabric_handle(), self);
}

extern "C" void lio_tcm_loop_exit(void) { kabi_fabric_unregister(fabric_handle()); }

extern "C" uint32_t lio_tcm_loop_cmd_size(void) { return sizeof(LoopCmd); }
extern "C" uint32_t lio_tcm_loop_tmr_size(void) { return sizeof(LoopTmf); }

extern "C" uint8_t lio_tcm_loop_submit(struct lio_tcm_loop_wwn *w, void *area,
				       const struct tcm_loop_request *req) {
	uint8_t host_byte = TCM_LOOP_HOST_OK;
	LoopTpg *tpg = LoopWwn::from_c(w).enter_tpg(req->target_id, &host_byte);
	if (!tpg)
		return host_byte;
	LoopCmd *cmd = new (area) LoopCmd(req->scmd);
	host_byte = cmd->start(*tpg, *req);
	if (host_byte != TCM_LOOP_HOST_OK) {
		cmd->~LoopCmd();
		tpg->leave();
		return host_byte;
	}
	tpg->session()->submit(*cmd);
	return TCM_LOOP_HOST_OK;
}

extern "C" void lio_tcm_loop_finish(void *area) {
	LoopCmd *cmd = static_cast<LoopCmd *>(area);
	cmd->finish();
	cmd->~LoopCmd();
}

extern "C" int32_t lio_tcm_loop_tmr(struct lio_tcm_loop_wwn *w, void *area,
				    struct tcm_loop_tmr *waiter, uint32_t target_id, uint64_t lun,
				    uint8_t function, uint64_t ref_tag) {
	uint8_t host_byte = TCM_LOOP_HOST_OK;
	LoopTpg *tpg = LoopWwn::from_c(w).enter_tpg(target_id, &host_byte);
	if (!tpg) {
		lio::log_err("tcm_loop: Unable to perform device reset without active I_T Nexus\n");
		return -KABI_ENODEV;
	}
	LoopTmf *tmf = new (area) LoopTmf(waiter, *tpg);
	tmf->function = function == TCM_LOOP_TMR_ABORT_TASK ? lio::core::TmfFunction::kAbortTask
							     : lio::core::TmfFunction::kLunReset;
	tmf->lun = lun;
	tmf->tag = 0;
	tmf->ref_tag = ref_tag;
	tpg->session()->task_management(*tmf);
	return 0;
}

extern "C" uint8_t lio_tcm_loop_tmr_finish(void *area) {
	LoopTmf *tmf = static_cast<LoopTmf *>(area);
	uint8_t r = tmf->finish();
	tmf->~LoopTmf();
	return r;
}

extern "C" void lio_tcm_loop_set_online(struct lio_tcm_loop_wwn *w, uint32_t target_id) {
	LoopWwn::from_c(w).set_online(target_id);
}
