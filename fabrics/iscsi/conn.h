// SPDX-License-Identifier: GPL-2.0
/*
 * fabrics/iscsi/conn.h: one iSCSI connection and its session (RFC 7143 full feature phase).
 *
 * Threading (docs/design.md "iSCSI threading"): every connection has one kernel thread, which
 * receives PDUs straight into their final buffers (a SCSI command's data-out lands in the
 * command's buffer, no intermediate copy) and executes each command inline: the core's
 * submit() runs the command and calls queue_response() on the same thread, which sends Data-In
 * and status at once, zero-copy from the command's pages. No hand-off to another thread and no
 * context switch per PDU; connections spread over the CPUs of cpus_allowed_list.
 *
 * Sessions: one connection per session (MaxConnections=1 is what is negotiated; LIO's default),
 * ErrorRecoveryLevel 0: a connection that fails ends its session; the initiator logs in again
 * (session reinstatement with the same ISID closes what is left of the old one).
 */
#ifndef LIO_FABRICS_ISCSI_CONN_H
#define LIO_FABRICS_ISCSI_CONN_H

#include "core/fabric.h"
#include "fabrics/iscsi/config.h"
#include "fabrics/iscsi/login.h"
#include "fabrics/iscsi/pdu.h"
#include "lio/atomic.h"
#include "lio/list.h"
#include "lio/lock.h"

struct iscsi_glue_conn;
struct iscsi_glue_thread;

namespace lio::fabrics::iscsi {

class IscsiConn;
class IscsiAcl;
struct SessionView;
class IscsiTpg;
class Portal;

// A command's data buffer: page-backed chunks (zero-copy send, direct receive).
class CmdBuffer final {
  public:
	static constexpr u32 kChunk = 32768;
	CmdBuffer() = default;
	~CmdBuffer();
	CmdBuffer(const CmdBuffer &) = delete;
	CmdBuffer &operator=(const CmdBuffer &) = delete;

	Result<void> allocate(u32 length);
	u32 length() const { return length_; }
	DataBuf view() const { return DataBuf(Span<const DataSegment>(segs_, count_)); }
	Span<const DataSegment> segments() const { return Span<const DataSegment>(segs_, count_); }
	// The pieces of [off, off + len) into out (at most max); their count, 0 if more needed.
	u32 gather(u32 off, u32 len, DataSegment *out, u32 max) const;

  private:
	DataSegment *segs_ = nullptr;
	u32 count_ = 0;
	u32 length_ = 0;
};

// One SCSI command of a connection.
class IscsiCmd final : public core::FabricCmd {
  public:
	explicit IscsiCmd(IscsiConn &conn) : conn_(conn) {}
	~IscsiCmd() = default;

	void queue_response() override;
	void aborted() override;

	IscsiConn &conn_;
	u64 lun_field = 0; // as the initiator sent it (echoed)
	u32 itt = 0;
	u32 cmd_sn = 0;
	CmdBuffer buf;
	// Data-out state (writes). Each byte of the buffer belongs to exactly one data sequence:
	// the immediate data, the unsolicited Data-Out, or one R2T's; each sequence arrives in
	// order (DataPDUInOrder=Yes), sequences of different R2Ts may interleave.
	struct R2tState {
		u32 ttt = kReservedTag; // kReservedTag: the slot is free
		u32 offset = 0;         // what the R2T asked for: [offset, offset + length)
		u32 length = 0;
		u32 received = 0; // bytes of its sequence in, from offset
		u32 data_sn = 0;  // the next DataSN expected in its sequence
	};
	// R2Ts outstanding at once per command: min(MaxOutstandingR2T, this); more are sent as
	// earlier ones complete.
	static constexpr u32 kMaxR2ts = 16;
	R2tState *find_r2t(u32 ttt);

	u32 received = 0;          // bytes of data-out in buf (all sequences)
	u32 unsolicited_next = 0;  // the next offset of the unsolicited sequence
	u32 unsolicited_end = 0;   // immediate + unsolicited data end here
	u32 unsolicited_data_sn = 0;
	u32 next_r2t_offset = 0;   // the next R2T asks from here
	u32 r2t_sn = 0;
	u32 outstanding_r2t = 0;
	R2tState r2ts[kMaxR2ts];
	ListNode pending_node;   // IscsiConn::pending_ while waiting for data-out
	ListNode held_node;      // IscsiConn::held_ while behind a CmdSN gap
};

class IscsiConn final : public LoginHost {
  public:
	// From the portal's accept thread: makes the connection and starts its thread.
	static s32 accept(Portal &portal, iscsi_glue_conn *glue);
	~IscsiConn();

	// Any thread: ends the connection (its thread sees the socket shut down and tears down).
	void stop();
	// Frees finished connections (joins their threads); stop_all: first stops every one.
	static void reap(bool stop_all);

	// The TPG this connection logged in to (or resolves to), null before resolve; under the
	// registry lock.
	IscsiTpg *tpg = nullptr;
	bool finished = false; // thread done (registry lock)
	ListNode registry_node;

	// Used by IscsiCmd callbacks (the connection's own thread).
	void send_command_response(IscsiCmd &cmd);
	void command_aborted(IscsiCmd &cmd);

	// LoginHost.
	LoginStatus resolve(const LoginIdentity &identity, LoginConfig &cfg) override;
	LoginStatus attach(const LoginIdentity &identity, const SessionParams &params,
			   u16 *tsih) override;

	// For configfs / session reinstatement (registry lock).
	const LoginIdentity *identity() const { return identity_; }
	u16 tsih() const { return tsih_; }
	bool in_session() const { return port_ != nullptr; }
	void view(SessionView *out) const;

	// Statistics (read by configfs at any time).
	Atomic<u64> stat_cmd_pdus{0};
	Atomic<u64> stat_rsp_pdus{0};
	Atomic<u64> stat_tx_octets{0};
	Atomic<u64> stat_rx_octets{0};
	Atomic<u32> stat_digest_errors{0};
	Atomic<u32> stat_timeout_errors{0};
	u32 sid = 0; // LIO's session id, shown in info (set once before in_session())

  private:
	IscsiConn(Portal &portal, iscsi_glue_conn *glue);
	static void thread_main(void *arg);
	void run();
	bool login();
	void full_feature();
	void teardown();

	// Receiving.
	Result<void> recv_exact(void *buf, u32 len);
	Result<void> recv_header(Bhs &bhs);
	// The data segment of the PDU whose header is `bhs` (DataSegmentLength bytes, padding
	// and digest consumed and checked) into the segments [off, off+len) of `into`, or
	// into scratch_ when into is null.
	Result<void> recv_data(const Bhs &bhs, const CmdBuffer *into, u32 off);
	Result<void> discard_data(const Bhs &bhs);
	void on_idle();

	// Sending (tx lock).
	Result<void> send_pdu(Bhs &bhs, const DataSegment *data, u32 nseg, u32 data_len);
	Result<void> send_pdu(Bhs &bhs, Bytes data) {
		DataSegment s{const_cast<u8 *>(data.data()), data.size()};
		return send_pdu(bhs, &s, data.size() ? 1 : 0, static_cast<u32>(data.size()));
	}
	void set_sn_fields(Bhs &bhs, bool advance_stat_sn);
	bool header_digest() const { return full_feature_ && params_.header_digest; }
	bool data_digest() const { return full_feature_ && params_.data_digest; }
	Result<void> send_reject(RejectReason reason, const Bhs &bad);
	Result<void> send_r2ts(IscsiCmd &cmd);

	// Full feature phase PDUs.
	Result<void> on_scsi_cmd(const Bhs &bhs, Bytes ahs);
	Result<void> on_data_out(const Bhs &bhs);
	Result<void> on_nop_out(const Bhs &bhs);
	Result<void> on_tmf(const Bhs &bhs);
	Result<void> on_text(const Bhs &bhs);
	Result<void> on_logout(const Bhs &bhs, bool *done);
	enum class SnCheck : u8 { kDeliver, kAhead, kIgnore };
	SnCheck check_cmd_sn(const Bhs &bhs);
	void hold(IscsiCmd &cmd);
	void note_ahead(u32 sn);
	Result<void> deliver_held();
	Result<void> continue_cmd(IscsiCmd &cmd);
	void submit(IscsiCmd &cmd);
	IscsiCmd *find_pending(u32 itt);
	void release_pending();

	u64 portal_id_;
	char portal_name_[64] = {};
	iscsi_glue_conn *glue_;
	iscsi_glue_thread *thread_ = nullptr;
	char local_addr_[64] = {};
	char peer_addr_[64] = {};

	Mutex tx_lock_;
	// The rest belongs to the connection's thread.
	LoginIdentity *identity_ = nullptr; // after login (heap)
	SessionParams params_;
	u32 cmdsn_depth_ = 64;
	u16 tsih_ = 0;
	bool discovery_ = false;
	bool logged_out_ = false;
	bool full_feature_ = false; // after the final Login Response
	core::SessionPort *port_ = nullptr;
	u32 stat_sn_ = 0;
	u32 exp_cmd_sn_ = 0;
	u32 next_ttt_ = 1;
	u32 nopin_timeout_ms_ = 15000;
	u32 nopin_response_timeout_ms_ = 30000;
	u64 nopin_sent_at_ = 0; // 0: no ping outstanding
	u32 nopin_ttt_ = kReservedTag;
	u8 *scratch_ = nullptr; // data segments of non-SCSI PDUs
	u32 scratch_len_ = 0;
	// A text exchange over several PDUs (RFC 7143 10.10, 10.11): the request gathered from
	// Text Requests with C=1, then the answer sent in MaxXmitDataSegmentLength pieces, each
	// asked for by a Text Request carrying the TTT of the piece before.
	u8 *text_request_ = nullptr;
	u32 text_request_len_ = 0;
	u8 *text_pending_ = nullptr;
	u32 text_pending_len_ = 0;
	u32 text_pending_off_ = 0;
	u32 text_itt_ = kReservedTag;
	u32 text_ttt_ = kReservedTag; // the TTT the next Text Request of the exchange carries
	void text_reset();
	usize text_answer(Bytes request, MutableBytes out, usize *written);
	Result<void> send_text_rsp(u32 itt, u32 off, u32 len, u8 flags);
	IntrusiveList<IscsiCmd, &IscsiCmd::pending_node> pending_;
	IntrusiveList<IscsiCmd, &IscsiCmd::held_node> held_; // ascending CmdSN
	struct AheadSn {
		u32 sn = 0;
		bool used = false;
	};
	AheadSn ahead_sns_[16];                               // non-SCSI CmdSNs ahead of a gap
};

// What configfs shows of a live session (acls/<x>/info, param/, fabric_statistics/).
struct SessionView {
	LoginIdentity id;
	SessionParams params;
	u16 tsih = 0;
	u32 sid = 0;
	u32 cmdsn_depth = 0;
	u32 exp_cmd_sn = 0;
	u32 stat_sn = 0;
	char peer_addr[64] = {};
	u64 cmd_pdus = 0;
	u64 rsp_pdus = 0;
	u64 tx_data_octets = 0;
	u64 rx_data_octets = 0;
	u32 digest_errors = 0;
	u32 timeout_errors = 0;
};
// The session of acl's initiator on acl's TPG, if one is logged in: copies it into *out.
bool session_view_for_acl(const IscsiAcl &acl, SessionView *out);

// A session of `initiator` with `isid` on tpg still has a connection: stop it and wait (up to
// 30 s) until it is gone (session reinstatement, RFC 7143 6.3.5).
void reinstate_session(IscsiTpg &tpg, StrView initiator, const u8 *isid, IscsiConn *self);

} // namespace lio::fabrics::iscsi

#endif // LIO_FABRICS_ISCSI_CONN_H
