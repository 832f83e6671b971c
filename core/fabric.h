// SPDX-License-Identifier: GPL-2.0
/*
 * core/fabric.h: the F-HAL, the interface between target_core_mod and a fabric module
 * (tcm_loop, iscsi_target_mod, vhost_scsi, tcm_fc, ib_srpt, tcm_qla2xxx, usb_f_tcm).
 *
 * Two halves, kept apart:
 *   - control: Fabric (one static object per fabric module, registered at module load) makes
 *     the fabric's part of each configfs object (FabricWwn, FabricTpg, FabricNp, FabricAcl)
 *     and names the fabric-specific attribute files (FabricAttrs);
 *   - data path: a fabric submits FabricCmd / FabricTmf objects on a SessionPort (an I_T
 *     nexus) and the core answers through a handful of virtual calls on them.
 *
 * Module boundary rule: a fabric module links only against target_core_mod's exported C
 * symbols (kabi_*). C++ calls cross the boundary as virtual calls only: the core calls the
 * fabric through the classes below that the fabric derives from, and the fabric calls the core
 * through TpgPort / SessionPort, which the core implements. Everything in this header is
 * therefore inline or pure virtual; nothing here may need a core .cpp symbol.
 *
 * What every fabric needs and where it is (LIO's fabric ops for reference):
 *   name, module, version, WWN check  Fabric::name/module_name/version/make_wwn
 *   TPGs, portals, ACL names          Fabric::make_tpg, make_np, check_initiator_name
 *   demo mode and its write protect   FabricTpg::demo_mode / demo_mode_write_protect (the
 *                                     generic tpgt_N/attrib values, fabric defaults)
 *   SCSI transport protocol id        Fabric::protocol_id (VPD 0x83 relative port, PR)
 *   write_pending                     FabricCmd::fetch_data_out (R2T, XFER_RDY, RDMA READ)
 *   queue_data_in + queue_status      FabricCmd::queue_response
 *   queue_tm_rsp                      FabricTmf::queue_response
 *   aborted_task                      FabricCmd::aborted
 *   check_stop_free/release_cmd       SessionPort::release (the fabric frees its own memory)
 *   close_session, sess list          SessionPort::close
 */
#ifndef LIO_CORE_FABRIC_H
#define LIO_CORE_FABRIC_H

#include "core/scsi/command.h"
#include "lio/data_buf.h"
#include "lio/list.h"
#include "lio/own_ptr.h"
#include "lio/result.h"
#include "lio/span.h"
#include "lio/string.h"
#include "lio/types.h"

struct kabi_module;

namespace lio::core {

class Fabric;
class FabricCmd;
class FabricTmf;
class FabricWwn;
class FabricTpg;
class FabricNp;
class FabricAcl;
class SessionPort;
class TpgPort;

// ---------------------------------------------------------------- control side

// One fabric-specific attribute file in a configfs directory of kind Obj. show() formats
// into out (a configfs page) and returns the length or a negative errno; store() gets the
// value with its trailing newline removed. A null store makes the file read-only.
template <typename Obj> struct FabricAttr {
	const char *name;
	u16 mode; // 0444, 0644, 0200, ...
	s64 (*show)(Obj &obj, MutableBytes out);
	Result<void> (*store)(Obj &obj, StrView value);
};

template <typename Obj> struct FabricAttrTable {
	const FabricAttr<Obj> *attrs = nullptr;
	u32 count = 0;

	constexpr FabricAttrTable() = default;
	template <u32 N>
	constexpr FabricAttrTable(const FabricAttr<Obj> (&a)[N]) : attrs(a), count(N) {}
};

// A fabric-specific directory (a configfs default group) with its attribute files, made by the
// core below one of its own directories (LIO's fabric_stat_group children: iSCSI's
// fabric_statistics/iscsi_instance, ...).
template <typename Obj> struct FabricGroup {
	const char *name;
	FabricAttrTable<Obj> attrs;
};

template <typename Obj> using FabricGroupList = Span<const FabricGroup<Obj>>;

// The fabric-specific files of each kind of directory (LIO's tfc_*_attrs), appended after the
// core's generic files of that directory. Every table may be empty.
struct FabricAttrs {
	FabricAttrTable<Fabric> fabric_root;    // target/<fabric>/ (e.g. version, lio_version)
	FabricAttrTable<Fabric> discovery_auth; // target/<fabric>/discovery_auth/
	FabricAttrTable<FabricWwn> wwn;         // target/<fabric>/<wwn>/
	FabricAttrTable<FabricTpg> tpg;         // .../tpgt_N/ (e.g. tcm_loop's nexus, address)
	FabricAttrTable<FabricTpg> tpg_attrib;  // .../tpgt_N/attrib/
	FabricAttrTable<FabricTpg> tpg_auth;    // .../tpgt_N/auth/
	FabricAttrTable<FabricTpg> tpg_param;   // .../tpgt_N/param/
	FabricAttrTable<FabricNp> np;           // .../tpgt_N/np/<portal>/
	FabricAttrTable<FabricAcl> acl;         // .../acls/<initiator>/
	FabricAttrTable<FabricAcl> acl_attrib;  // .../acls/<initiator>/attrib/
	FabricAttrTable<FabricAcl> acl_auth;    // .../acls/<initiator>/auth/
	FabricAttrTable<FabricAcl> acl_param;   // .../acls/<initiator>/param/
	// Directories in target/<fabric>/<wwn>/fabric_statistics/ and in
	// .../acls/<initiator>/fabric_statistics/, in this order (their files get the FabricWwn /
	// FabricAcl of the directory above; a null FabricAcl makes their files fail with ENODEV).
	FabricGroupList<FabricWwn> wwn_fabric_stats;
	FabricGroupList<FabricAcl> acl_fabric_stats;
};

// SPC-4 7.6.1 PROTOCOL IDENTIFIER values.
enum class ProtocolId : u8 {
	kFcp = 0x0,
	kSrp = 0x4,
	kIscsi = 0x5,
	kSas = 0x6, // tcm_loop reports itself as SAS, as LIO does
	kUas = 0x9,
};

// target/<fabric>/<wwn>/: the fabric's object for one target WWN. Owned by the core's
// directory object; destroyed (virtual destructor, the fabric module's code) after its TPGs.
class FabricWwn {
  public:
	virtual ~FabricWwn() = default;
	FabricWwn(const FabricWwn &) = delete;
	FabricWwn &operator=(const FabricWwn &) = delete;

  protected:
	FabricWwn() = default;
};

// target/<fabric>/<wwn>/tpgt_N/: the fabric's object for one target portal group.
class FabricTpg {
  public:
	virtual ~FabricTpg() = default;
	FabricTpg(const FabricTpg &) = delete;
	FabricTpg &operator=(const FabricTpg &) = delete;

	// The core's TPG, set by the core right after make_tpg and valid until this object is
	// destroyed: how the fabric opens sessions and reads the TPG's generic state.
	TpgPort *port() const { return port_; }
	void set_port(TpgPort *port) { port_ = port; }

	// `enable` was written (only for fabrics whose has_tpg_enable() is true). EINVAL/EBUSY etc.
	virtual Result<void> set_enabled(bool enable) {
		(void)enable;
		return {};
	}
	// The TPG is about to go (rmdir): close sessions, stop listening. After this returns no
	// new session may be opened on port().
	virtual void shutdown() {}
	// A LUN appeared in / is leaving this TPG (symlink made / about to be removed). tcm_loop
	// adds or removes the SCSI device at once, so no rescan is needed; called in process
	// context with no core lock held. lun_unlinking is called before the LUN stops accepting
	// commands, so the fabric may still flush I/O.
	virtual void lun_linked(u64 lun) { (void)lun; }
	virtual void lun_unlinking(u64 lun) { (void)lun; }
	// LIO's tpg_get_inst_index (statistics inst/indx of the transport and of ACL LUNs).
	virtual u32 inst_index() const { return 1; }

  protected:
	FabricTpg() = default;

  private:
	TpgPort *port_ = nullptr;
};

// .../tpgt_N/np/<address>/: a network portal (iSCSI, iSER).
class FabricNp {
  public:
	virtual ~FabricNp() = default;
	FabricNp(const FabricNp &) = delete;
	FabricNp &operator=(const FabricNp &) = delete;

  protected:
	FabricNp() = default;
};

// .../acls/<initiator>/: the fabric's part of a node ACL (iSCSI: CHAP secrets, per-ACL
// session parameters). Fabrics without ACL state return a null FabricAcl from make_acl.
class FabricAcl {
  public:
	virtual ~FabricAcl() = default;
	FabricAcl(const FabricAcl &) = delete;
	FabricAcl &operator=(const FabricAcl &) = delete;

  protected:
	FabricAcl() = default;
};

// One fabric module's description and factory. A static object of the fabric module,
// registered with kabi_fabric_register() from its init and unregistered at exit (configfs
// pins the module while any directory of the fabric exists).
class Fabric {
  public:
	Fabric(const Fabric &) = delete;
	Fabric &operator=(const Fabric &) = delete;

	// The configfs directory name: "loopback", "iscsi", "vhost", "fc", "srpt", "qla2xxx",
	// "usb_gadget".
	virtual const char *name() const = 0;
	virtual ProtocolId protocol_id() const = 0;
	virtual const FabricAttrs &attrs() const = 0;

	// Validates a target WWN (the mkdir name; one log line and EINVAL when malformed) and
	// makes the fabric's object for it.
	virtual Result<OwnPtr<FabricWwn>> make_wwn(StrView name) = 0;
	// tpgt_N: tag N (1..65535, parsed by the core). EINVAL/EEXIST/ENOSPC as the fabric
	// allows (tcm_loop: one TPG per WWN is not required, any tag works).
	virtual Result<OwnPtr<FabricTpg>> make_tpg(FabricWwn &wwn, u16 tag) = 0;
	// np/<name>: EPERM (the default) for fabrics without network portals.
	virtual Result<OwnPtr<FabricNp>> make_np(FabricTpg &tpg, StrView name) {
		(void)tpg;
		(void)name;
		return Error::from_errno(KABI_EPERM);
	}
	// acls/<name>: validates the initiator name; may return a null FabricAcl.
	virtual Result<OwnPtr<FabricAcl>> make_acl(FabricTpg &tpg, StrView initiator) = 0;

	// LIO's fabric_name, shown in statistics ("<name>Port#N", "scsiTransport<name>"):
	// iSCSI's is "iSCSI"; the default is name().
	virtual const char *fabric_name() const { return name(); }
	// <wwn>/param (LIO 6.12): default_submit_type (1 direct, 2 queue) and
	// direct_submit_supported.
	virtual u32 default_submit_type() const { return 2; }
	virtual bool direct_submit_supported() const { return false; }

	// Whether tpgt_N has an `enable` file (LIO: fabric_enable_tpg is set).
	virtual bool has_tpg_enable() const { return false; }
	// Defaults of the generic tpgt_N/attrib files for a new TPG (demo mode etc.).
	virtual bool default_generate_node_acls() const { return false; }
	virtual bool default_demo_mode_write_protect() const { return true; }
	virtual bool default_cache_dynamic_acls() const { return false; }

  protected:
	constexpr Fabric() = default;
	~Fabric() = default;
};

// ---------------------------------------------------------------- data path

enum class TaskAttr : u8 { kSimple, kOrdered, kHeadOfQueue, kAca };

enum class DataDir : u8 { kNone, kToDevice /* WRITE */, kFromDevice /* READ */, kBidi };

// An I_T nexus as the fabric sees it; implemented by the core. Methods may sleep
// (process context) unless said otherwise.
class SessionPort {
  public:
	// Starts a command; every outcome reaches the command's callbacks (even a malformed CDB or
	// an unknown LUN: CHECK CONDITION). May execute before returning.
	virtual void submit(FabricCmd &cmd) = 0;
	// The data-out of a command is in cmd.data (after fetch_data_out).
	virtual void data_out_ready(FabricCmd &cmd) = 0;
	// The fabric is done with cmd (after queue_response or aborted).
	virtual void release(FabricCmd &cmd) = 0;
	// Executes a task-management function; answers through tmf.queue_response() (may wait for
	// aborted commands to finish first).
	virtual void task_management(FabricTmf &tmf) = 0;
	// The I_T nexus ends (logout, connection loss, tcm_loop nexus removal): new submits fail,
	// outstanding commands are allowed to finish and be released, then the session's
	// reference is dropped. The SessionPort must not be used after close() returns.
	virtual void close() = 0;

	// The initiator port name (the ACL name or the dynamic one), NUL-terminated.
	virtual const char *initiator_name() const = 0;

  protected:
	~SessionPort() = default;
};

// One SCSI command, embedded in the fabric's own per-command object (one allocation per I/O).
// Life: the fabric fills the request fields and calls SessionPort::submit(); the core calls
// back fetch_data_out() (writes), then exactly one of queue_response() or aborted(); the
// fabric, once it has sent the response (or given up), calls SessionPort::release(); after
// release returns the core no longer touches the object and the fabric may free it.
class FabricCmd {
  public:
	FabricCmd(const FabricCmd &) = delete;
	FabricCmd &operator=(const FabricCmd &) = delete;

	// ---- request: set by the fabric before submit ----
	u64 lun = 0;          // LUN number as the fabric decoded it (flat/peripheral: 0..16383)
	u64 tag = 0;          // the initiator's task tag (ITT, tag of ABORT TASK)
	TaskAttr task_attr = TaskAttr::kSimple;
	DataDir dir = DataDir::kNone;
	u32 expected_length = 0; // expected data transfer length (bytes)
	u8 cdb[scsi::Command::kMaxCdbLength] = {};
	u8 cdb_length = 0;
	// The data buffer (data-in for reads, data-out for writes), expected_length bytes. For
	// fabrics that receive data into their own buffers (tcm_loop: the initiator's
	// scatterlist; iSCSI: pages it allocated) it is set before submit.
	DataBuf data;

	// ---- response: set by the core before queue_response() ----
	scsi::ScsiStatus status = scsi::ScsiStatus::kGood;
	u32 data_length = 0;   // bytes of data-in to send (<= expected_length)
	scsi::Residual residual = scsi::Residual::kNone;
	u32 residual_count = 0;
	u8 sense[32] = {};
	u8 sense_length = 0;

	// ---- callbacks (the core calls them; never concurrently for one command) ----

	// WRITE: make `data` hold the data-out, then call SessionPort::data_out_ready(*this)
	// (from any process context, possibly before returning). Fabrics whose data is already
	// there (tcm_loop) call it at once. The default does so.
	virtual void fetch_data_out(SessionPort &session) { session.data_out_ready(*this); }
	// Status (and data-in, data_length bytes of `data`) is ready to send.
	virtual void queue_response() = 0;
	// The command was aborted by task management and gets no response (SAM-5 5.6); the
	// fabric cleans up and calls release().
	virtual void aborted() = 0;

	// ---- the core's bookkeeping (fabrics never touch it) ----
	ListNode core_session_node; // the session's active commands
	ListNode core_task_node;    // the logical unit's task set
	struct CoreState {
		void *lun = nullptr;    // core::Lun, get_io() held from submit to release
		void *nexus = nullptr;  // core::ItlEntry
		void *waiter = nullptr; // a Completion while waiting for task-set admission
		u32 flags = 0;          // core::CmdFlag
		bool read_only = false;
	} core;

  protected:
	FabricCmd() = default;
	~FabricCmd() = default;
};

enum class TmfFunction : u8 {
	kAbortTask = 1,
	kAbortTaskSet = 2,
	kClearAca = 3,
	kClearTaskSet = 4,
	kLunReset = 5,
	kTargetReset = 6,
	kItNexusReset = 7,
	kQueryTask = 8,
	kQueryTaskSet = 9,
	kQueryAsyncEvent = 10,
};

// SAM-5 7.10 service responses.
enum class TmfResponse : u8 {
	kFunctionComplete,
	kFunctionSucceeded, // QUERY TASK: the task exists
	kFunctionRejected,  // not supported
	kIncorrectLun,
	kTaskDoesNotExist,  // iSCSI reports it; SAM says FUNCTION COMPLETE
};

// One task-management request; the same life as FabricCmd (queue_response, then release).
class FabricTmf {
  public:
	FabricTmf(const FabricTmf &) = delete;
	FabricTmf &operator=(const FabricTmf &) = delete;

	TmfFunction function = TmfFunction::kAbortTask;
	u64 lun = 0;
	u64 tag = 0;     // the TMF's own tag
	u64 ref_tag = 0; // ABORT TASK / QUERY TASK: the task's tag

	TmfResponse response = TmfResponse::kFunctionComplete;

	virtual void queue_response() = 0;

  protected:
	FabricTmf() = default;
	~FabricTmf() = default;
};

// LIO's generic demo-mode attributes of a TPG (tpgt_N/attrib/generate_node_acls, ...): kept by
// the core, defaulted from the Fabric, shown and changed by fabrics that have those files
// (iSCSI) through TpgPort.
struct TpgDemoMode {
	bool generate_node_acls = false;
	bool cache_dynamic_acls = false;
	bool demo_mode_write_protect = true;
	bool prod_mode_write_protect = false;
};

// The core's side of a TPG, as its fabric sees it.
class TpgPort {
  public:
	// Opens an I_T nexus for `initiator` (the name an ACL would have). EACCES when neither an
	// ACL nor demo mode admits it, ENODEV while the TPG goes away. `session_id` is the
	// fabric's name for the nexus (iSCSI ISID), shown in configfs; may be empty.
	virtual Result<SessionPort *> open_session(StrView initiator, StrView session_id) = 0;
	virtual u16 tag() const = 0;
	// The WWN directory name (e.g. "naa.5001405abcdef012").
	virtual const char *wwn_name() const = 0;
	virtual bool enabled() const = 0;
	virtual TpgDemoMode demo_mode() const = 0;
	// Takes effect for sessions opened afterwards (as LIO).
	virtual void set_demo_mode(const TpgDemoMode &m) = 0;

  protected:
	~TpgPort() = default;
};


} // namespace lio::core

// Registration goes through the C ABI (kabi/modules.h: kabi_fabric_register), which takes
// a Fabric as the opaque struct lio_fabric.

#endif // LIO_CORE_FABRIC_H
