// SPDX-License-Identifier: GPL-2.0
#include "fabrics/iscsi/conn.h"

#include "fabrics/iscsi/iscsi.h"
#include "fabrics/iscsi/iscsi_abi.h"
#include "fabrics/iscsi/registry.h"
#include "kabi/log.h"
#include "lio/alloc.h"
#include "lio/log.h"
#include "lio/string.h"
#include "lio/utility.h"

namespace lio::fabrics::iscsi {

namespace {

constinit LockClass g_tx_lock_class("iscsi_conn_tx");

constexpr u32 kMaxTransfer = 16u << 20; // largest EDTL served (bytes)
constexpr u32 kMaxAhs = 255 * 4;
constexpr u32 kTextMax = 1u << 20;      // a text answer (SendTargets of some 9000 targets)
constexpr u32 kTextFallback = 65536;    // the answer when kTextMax bytes cannot be had
constexpr u32 kTextRequestMax = 65536;  // a text request continued over several PDUs
constexpr u32 kLoginDataMax = LoginReply::kMaxReplyData;

u32 digest_of(const DataSegment *segs, u32 n, u32 pad) {
	u32 crc = ~0u;
	for (u32 i = 0; i < n; i++)
		crc = iscsi_glue_crc32c(crc, segs[i].data, segs[i].len);
	static const u8 zeros[4] = {};
	if (pad)
		crc = iscsi_glue_crc32c(crc, zeros, pad);
	return ~crc;
}

void put_le32(u8 *p, u32 v) {
	p[0] = static_cast<u8>(v);
	p[1] = static_cast<u8>(v >> 8);
	p[2] = static_cast<u8>(v >> 16);
	p[3] = static_cast<u8>(v >> 24);
}

u32 get_le32(const u8 *p) {
	return static_cast<u32>(p[0]) | static_cast<u32>(p[1]) << 8 | static_cast<u32>(p[2]) << 16 |
	       static_cast<u32>(p[3]) << 24;
}

// SAM-5 4.6: single-level LUN, peripheral (00b) or flat (01b) addressing. Anything else maps to
// a number no TPG has (the core answers LOGICAL UNIT NOT SUPPORTED).
u64 decode_lun(u64 field) {
	u8 b0 = static_cast<u8>(field >> 56);
	u8 b1 = static_cast<u8>(field >> 48);
	if ((field & 0x0000ffffffffffffULL) != 0)
		return ~0ULL;
	switch (b0 >> 6) {
	case 0: return b0 == 0 ? b1 : ~0ULL;
	case 1: return (static_cast<u64>(b0 & 0x3f) << 8) | b1;
	default: return ~0ULL;
	}
}

// Fixed-format sense (SPC-4 4.5.3) for the checks the fabric makes before the core sees a
// command: ILLEGAL REQUEST / INVALID FIELD IN CDB.
void set_fabric_sense(core::FabricCmd &c, u8 key, u8 asc, u8 ascq) {
	__builtin_memset(c.sense, 0, sizeof(c.sense));
	c.sense[0] = 0x70;
	c.sense[2] = key;
	c.sense[7] = 10;
	c.sense[12] = asc;
	c.sense[13] = ascq;
	c.sense_length = 18;
	c.status = scsi::ScsiStatus::kCheckCondition;
}

} // namespace

// ---------------------------------------------------------------- CmdBuffer

CmdBuffer::~CmdBuffer() {
	for (u32 i = 0; i < count_; i++)
		free_raw(segs_[i].data);
	free_raw(segs_);
}

Result<void> CmdBuffer::allocate(u32 length) {
	LIO_VERIFY(segs_ == nullptr);
	if (length == 0)
		return {};
	u32 n = (length + kChunk - 1) / kChunk;
	segs_ = static_cast<DataSegment *>(zalloc_raw(n * sizeof(DataSegment), Gfp::Kernel));
	if (!segs_)
		return Error::from_errno(KABI_ENOMEM);
	for (u32 i = 0; i < n; i++) {
		u32 len = min(kChunk, length - i * kChunk);
		auto *p = static_cast<u8 *>(alloc_raw(len, Gfp::Kernel));
		if (!p)
			return Error::from_errno(KABI_ENOMEM); // the destructor frees the rest
		segs_[i] = {p, len};
		count_ = i + 1;
	}
	length_ = length;
	return {};
}

u32 CmdBuffer::gather(u32 off, u32 len, DataSegment *out, u32 max) const {
	u32 n = 0;
	u32 i = off / kChunk;
	u32 pos = off % kChunk;
	while (len) {
		if (n == max || i >= count_)
			return 0;
		u32 take = min(len, static_cast<u32>(segs_[i].len) - pos);
		out[n++] = {segs_[i].data + pos, take};
		len -= take;
		pos = 0;
		i++;
	}
	return n;
}

// ---------------------------------------------------------------- IscsiCmd

IscsiCmd::R2tState *IscsiCmd::find_r2t(u32 ttt) {
	for (R2tState &r : r2ts)
		if (r.ttt == ttt && ttt != kReservedTag)
			return &r;
	return nullptr;
}

void IscsiCmd::queue_response() { conn_.send_command_response(*this); }
void IscsiCmd::aborted() { conn_.command_aborted(*this); }

// ---------------------------------------------------------------- life

IscsiConn::IscsiConn(Portal &portal, iscsi_glue_conn *glue)
    : portal_id_(portal.id()), glue_(glue), tx_lock_(g_tx_lock_class) {
	(void)str_copy(Span<char>(portal_name_, sizeof(portal_name_)), str_view(portal.name()))
	    ;
}

IscsiConn::~IscsiConn() {
	if (glue_)
		iscsi_glue_conn_release(glue_);
	free_raw(scratch_);
	free_raw(text_request_);
	free_raw(text_pending_);
	if (identity_)
		adopt_own(identity_);
}

s32 IscsiConn::accept(Portal &portal, iscsi_glue_conn *glue) {
	reap(false);
	static Atomic<u32> spread{0};
	OwnPtr<IscsiConn> c = adopt_own(new (Gfp::Kernel) IscsiConn(portal, glue));
	if (!c)
		return -KABI_ENOMEM;
	c->scratch_ = static_cast<u8 *>(alloc_raw(kLoginDataMax + 8, Gfp::Kernel));
	if (!c->scratch_) {
		c->glue_ = nullptr; // the glue releases it on error
		return -KABI_ENOMEM;
	}
	c->scratch_len_ = kLoginDataMax + 8;
	iscsi_glue_conn_local_addr(glue, c->local_addr_, sizeof(c->local_addr_));
	iscsi_glue_conn_peer_addr(glue, c->peer_addr_, sizeof(c->peer_addr_));
	IscsiConn *raw = c.release();
	registry_add_conn(*raw);
	s32 ret = iscsi_glue_thread_start(thread_main, raw, "iscsi_conn",
					  static_cast<s32>(spread.fetch_add(1)), &raw->thread_);
	if (ret) {
		registry_remove_conn(*raw);
		raw->glue_ = nullptr;
		adopt_own(raw);
		return ret;
	}
	return 0;
}

void IscsiConn::stop() { iscsi_glue_conn_shutdown(glue_); }

void IscsiConn::thread_main(void *arg) { static_cast<IscsiConn *>(arg)->run(); }

void IscsiConn::run() {
	iscsi_glue_conn_set_rcv_timeout(glue_, 15000);
	if (login())
		full_feature();
	teardown();
}

// Finished connections are freed by the next accept or by module exit: a thread cannot join
// itself.
void IscsiConn::reap(bool stop_all) {
	if (stop_all)
		stop_all_connections();
	for (;;) {
		IscsiConn *dead;
		{
			LockGuard guard(registry_lock());
			dead = registry_take_finished_locked();
		}
		if (!dead)
			return;
		iscsi_glue_thread_join(dead->thread_);
		adopt_own(dead);
	}
}

// Commands waiting for data-out or behind a CmdSN gap were never submitted: the core does
// not know them.
void IscsiConn::release_pending() {
	while (IscsiCmd *c = pending_.pop_front())
		adopt_own(c);
	while (IscsiCmd *c = held_.pop_front())
		adopt_own(c);
}

void IscsiConn::teardown() {
	iscsi_glue_conn_shutdown(glue_);
	if (port_ && !logged_out_) {
		LockGuard guard(registry_lock());
		if (tpg)
			tpg->tiqn().stats.logout_abnormal.fetch_add(1);
	}
	release_pending();
	if (port_) {
		port_->close();
		port_ = nullptr;
	}
	LockGuard guard(registry_lock());
	if (tpg) {
		if (sid)
			tpg->tiqn().stats.sessions.fetch_sub(1);
		tpg->users--;
		tpg = nullptr;
	}
	finished = true;
}

void IscsiConn::view(SessionView *out) const {
	if (identity_)
		out->id = *identity_;
	out->params = params_;
	out->tsih = tsih_;
	out->sid = sid;
	out->cmdsn_depth = cmdsn_depth_;
	out->exp_cmd_sn = __atomic_load_n(&exp_cmd_sn_, __ATOMIC_RELAXED);
	out->stat_sn = __atomic_load_n(&stat_sn_, __ATOMIC_RELAXED);
	(void)str_copy(Span<char>(out->peer_addr, sizeof(out->peer_addr)), str_view(peer_addr_));
	out->cmd_pdus = stat_cmd_pdus.load(MemoryOrder::Relaxed);
	out->rsp_pdus = stat_rsp_pdus.load(MemoryOrder::Relaxed);
	out->tx_data_octets = stat_tx_octets.load(MemoryOrder::Relaxed);
	out->rx_data_octets = stat_rx_octets.load(MemoryOrder::Relaxed);
	out->digest_errors = stat_digest_errors.load(MemoryOrder::Relaxed);
	out->timeout_errors = stat_timeout_errors.load(MemoryOrder::Relaxed);
}

// ---------------------------------------------------------------- receiving

Result<void> IscsiConn::recv_exact(void *buf, u32 len) {
	u8 *p = static_cast<u8 *>(buf);
	u64 stuck_since = 0;
	while (len) {
		u64 got = 0;
		s32 r = iscsi_glue_conn_recv(glue_, p, len, &got);
		p += got;
		len -= static_cast<u32>(got);
		if (r == 0)
			return {};
		if (r != -KABI_ETIMEDOUT)
			return Error::from_errno(-r);
		if (!port_ && !discovery_)
			return Error::from_errno(KABI_ETIMEDOUT); // login_timeout
		on_idle();
		if (got)
			stuck_since = 0;
		else if (!stuck_since)
			stuck_since = iscsi_glue_now_ms();
		if (nopin_sent_at_ &&
		    iscsi_glue_now_ms() - nopin_sent_at_ > nopin_response_timeout_ms_) {
			stat_timeout_errors.fetch_add(1);
			if (tpg)
				tpg->tiqn().stats.cxn_timeout_errors.fetch_add(1);
			log_err("iscsi: %s: no NOP-Out answer within %u s, dropping the connection\n",
				peer_addr_, nopin_response_timeout_ms_ / 1000);
			return Error::from_errno(KABI_ETIMEDOUT);
		}
	}
	return {};
}

// Nothing arrived for a while in full feature phase: ping (RFC 7143 11.19, LIO's nopin).
void IscsiConn::on_idle() {
	if (nopin_sent_at_ || nopin_timeout_ms_ == 0 || !identity_)
		return;
	Bhs h = Bhs::make(Opcode::kNopIn);
	h.set_flags(kFlagFinal);
	h.set_itt(kReservedTag);
	nopin_ttt_ = next_ttt_++;
	if (nopin_ttt_ == kReservedTag)
		nopin_ttt_ = next_ttt_++;
	h.set_be32(20, nopin_ttt_);
	set_sn_fields(h, false);
	nopin_sent_at_ = iscsi_glue_now_ms();
	(void)send_pdu(h, Bytes());
}

Result<void> IscsiConn::recv_header(Bhs &bhs) {
	return recv_exact(bhs.bytes().data(), kBhsLength);
}

Result<void> IscsiConn::recv_data(const Bhs &bhs, const CmdBuffer *into, u32 off) {
	u32 len = bhs.data_segment_length();
	u32 pad = pad4(len) - len;
	u32 crc = ~0u;
	if (into) {
		// Straight into the command's chunks.
		u32 left = len;
		u32 pos = off;
		for (const DataSegment &s : into->segments()) {
			if (!left)
				break;
			if (pos >= s.len) {
				pos -= static_cast<u32>(s.len);
				continue;
			}
			u32 n = min(left, static_cast<u32>(s.len) - pos);
			TRY(recv_exact(s.data + pos, n));
			if (data_digest())
				crc = iscsi_glue_crc32c(crc, s.data + pos, n);
			left -= n;
			pos = 0;
		}
		LIO_VERIFY(left == 0);
	} else {
		LIO_VERIFY(len <= scratch_len_);
		TRY(recv_exact(scratch_, len));
		if (data_digest())
			crc = iscsi_glue_crc32c(crc, scratch_, len);
	}
	u8 tail[8];
	if (pad) {
		TRY(recv_exact(tail, pad));
		if (data_digest())
			crc = iscsi_glue_crc32c(crc, tail, pad);
	}
	if (data_digest() && len) {
		TRY(recv_exact(tail, kDigestLength));
		if (get_le32(tail) != ~crc) {
			if (tpg)
				tpg->tiqn().stats.digest_errors.fetch_add(1);
			stat_digest_errors.fetch_add(1);
			log_err("iscsi: %s: data digest error (ITT 0x%08x), dropping the connection "
				"(ErrorRecoveryLevel 0)\n",
				peer_addr_, bhs.itt());
			return Error::from_errno(KABI_EIO);
		}
	}
	return {};
}

Result<void> IscsiConn::discard_data(const Bhs &bhs) {
	u32 len = bhs.data_segment_length();
	u32 total = pad4(len) + (data_digest() && len ? kDigestLength : 0);
	while (total) {
		u32 n = min(total, scratch_len_);
		TRY(recv_exact(scratch_, n));
		total -= n;
	}
	return {};
}

// ---------------------------------------------------------------- sending

void IscsiConn::set_sn_fields(Bhs &bhs, bool advance_stat_sn) {
	bhs.set_be32(24, advance_stat_sn ? stat_sn_++ : stat_sn_);
	bhs.set_be32(28, exp_cmd_sn_);
	bhs.set_be32(32, exp_cmd_sn_ + cmdsn_depth_ - 1);
}

Result<void> IscsiConn::send_pdu(Bhs &bhs, const DataSegment *data, u32 nseg, u32 data_len) {
	bhs.set_data_segment_length(data_len);
	iscsi_iovec iov[20];
	u32 n = 0;
	u8 hdig[4];
	u8 ddig[4];
	static const u8 zeros[4] = {};
	iov[n++] = {bhs.bytes().data(), kBhsLength};
	if (header_digest()) {
		DataSegment h{bhs.bytes().data(), kBhsLength};
		put_le32(hdig, digest_of(&h, 1, 0));
		iov[n++] = {hdig, 4};
	}
	u32 pad = pad4(data_len) - data_len;
	LockGuard guard(tx_lock_);
	// Long scatter lists go in several sends (MSG_MORE between them).
	for (u32 i = 0; i < nseg; i++) {
		if (n == 18) {
			s32 r = iscsi_glue_conn_send(glue_, iov, n, ISCSI_GLUE_SEND_MORE);
			if (r)
				return Error::from_errno(-r);
			n = 0;
		}
		iov[n++] = {data[i].data, data[i].len};
	}
	if (pad)
		iov[n++] = {zeros, pad};
	if (data_digest() && data_len) {
		put_le32(ddig, digest_of(data, nseg, pad));
		iov[n++] = {ddig, 4};
	}
	s32 r = iscsi_glue_conn_send(glue_, iov, n, 0);
	if (r)
		return Error::from_errno(-r);
	return {};
}

Result<void> IscsiConn::send_reject(RejectReason reason, const Bhs &bad) {
	Bhs h = Bhs::make(Opcode::kReject);
	h.set_flags(kFlagFinal);
	h.set_u8(2, static_cast<u8>(reason));
	h.set_itt(kReservedTag);
	set_sn_fields(h, true);
	if (tpg)
		tpg->tiqn().stats.pdu_format_errors.fetch_add(1);
	return send_pdu(h, bad.bytes());
}

// ---------------------------------------------------------------- login

LoginStatus IscsiConn::resolve(const LoginIdentity &id, LoginConfig &cfg) {
	LockGuard guard(registry_lock());
	if (id.discovery) {
		DiscoveryConfig &d = discovery_config();
		LockGuard dg(d.lock);
		cfg.secrets = d.auth;
		cfg.params.set_authentication(d.enforce_discovery_auth);
		cfg.tpgt = 1;
		cfg.cmdsn_depth = 64;
	} else {
		IscsiTpg *t = find_tpg_locked(str_view(id.target_name), portal_id_);
		if (!t) {
			log_err("iscsi: login from %s (%s): target %s not found on portal %s\n",
				id.initiator_name, peer_addr_, id.target_name, portal_name_);
			return LoginStatus::kNotFound;
		}
		if (!t->enabled || t->shutting_down) {
			log_err("iscsi: login from %s to %s: TPG %u is not enabled\n",
				id.initiator_name, id.target_name, t->tag());
			return LoginStatus::kServiceUnavailable;
		}
		if (id.tsih != 0) {
			// A connection for an existing session: MaxConnections is 1 and connection
			// recovery needs ErrorRecoveryLevel 2, so there is nothing to join.
			bool live = session_exists_locked(*t, str_view(id.initiator_name), id.isid,
							  id.tsih);
			log_err("iscsi: login from %s with TSIH %u: %s\n", id.initiator_name, id.tsih,
				live ? "the session has its one connection already"
				     : "no such session");
			return live ? LoginStatus::kTooManyConnections
				    : LoginStatus::kSessionDoesNotExist;
		}
		IscsiAcl *acl = find_acl_locked(*t, str_view(id.initiator_name));
		core::TpgDemoMode demo = t->port()->demo_mode();
		if (!acl && !demo.generate_node_acls) {
			log_err("iscsi: login from %s to %s refused: no ACL for the initiator\n",
				id.initiator_name, id.target_name);
			t->tiqn().stats.login_authorize_fails.fetch_add(1);
			t->tiqn().stats.last_fail_type.store(2);
			t->tiqn().stats.last_fail_time.store(iscsi_glue_now_ms());
			return LoginStatus::kForbidden;
		}
		u32 tpg_auth;
		{
			LockGuard tg(t->config.lock);
			cfg.params = t->config.params;
			tpg_auth = t->config.attribs.authentication;
			cfg.cmdsn_depth = t->config.attribs.default_cmdsn_depth;
			if (!acl)
				cfg.secrets = t->config.auth;
		}
		u32 nopin = 15, nopin_rsp = 30;
		if (acl) {
			LockGuard ag(acl->config.lock);
			cfg.secrets = acl->config.auth;
			cfg.cmdsn_depth = acl->config.attribs.cmdsn_depth;
			if (acl->config.attribs.authentication >= 0)
				cfg.params.set_authentication(acl->config.attribs.authentication != 0);
			else
				cfg.params.set_authentication(tpg_auth != 0);
			nopin = acl->config.attribs.nopin_timeout;
			nopin_rsp = acl->config.attribs.nopin_response_timeout;
		}
		nopin_timeout_ms_ = nopin * 1000;
		nopin_response_timeout_ms_ = nopin_rsp * 1000;
		cfg.tpgt = t->tag();
		tpg = t;
		t->users++;
	}
	iscsi_glue_random(&cfg.initial_stat_sn, sizeof(cfg.initial_stat_sn));
	cmdsn_depth_ = cfg.cmdsn_depth ? cfg.cmdsn_depth : 1;
	return LoginStatus::kSuccess;
}

LoginStatus IscsiConn::attach(const LoginIdentity &id, const SessionParams &params, u16 *tsih) {
	// What configfs shows is in place before the session is visible (in_session()).
	params_ = params;
	if (!identity_)
		identity_ = make<LoginIdentity>(Gfp::Kernel, id).release();
	if (!identity_)
		return LoginStatus::kOutOfResources;
	if (id.discovery) {
		*tsih = 0x8000 | (static_cast<u16>(next_ttt_) & 0x7fff);
		tsih_ = *tsih;
		return LoginStatus::kSuccess;
	}
	// resolve() refused TSIH != 0: this is a new session (or reinstates one).
	IscsiTpg *t;
	{
		LockGuard guard(registry_lock());
		t = tpg;
	}
	if (!t)
		return LoginStatus::kTargetError;
	reinstate_session(*t, str_view(id.initiator_name), id.isid, this);

	char isid_text[16];
	kabi_snprintf(isid_text, sizeof(isid_text), "%02x%02x%02x%02x%02x%02x", id.isid[0],
		      id.isid[1], id.isid[2], id.isid[3], id.isid[4], id.isid[5]);
	Result<core::SessionPort *> port =
	    t->port()->open_session(str_view(id.initiator_name), str_view(isid_text));
	if (port.is_error()) {
		log_err("iscsi: login from %s: the core refused the session: %d\n",
			id.initiator_name, port.error().errno_value());
		return port.error().errno_value() == KABI_EACCES ? LoginStatus::kForbidden
							   : LoginStatus::kOutOfResources;
	}
	static Atomic<u32> next_tsih{1};
	u16 v;
	do {
		v = static_cast<u16>(next_tsih.fetch_add(1));
	} while (v == 0);
	*tsih = v;
	tsih_ = v;
	static Atomic<u32> next_sid{1};
	sid = next_sid.fetch_add(1);
	t->tiqn().stats.sessions.fetch_add(1);
	__atomic_store_n(&port_, port.value(), __ATOMIC_RELEASE);
	return LoginStatus::kSuccess;
}

bool IscsiConn::login() {
	OwnPtr<IscsiLogin> lg = make<IscsiLogin>(Gfp::Kernel, *this);
	auto *reply = static_cast<LoginReply *>(alloc_raw(sizeof(LoginReply), Gfp::Kernel));
	if (!lg || !reply) {
		free_raw(reply);
		return false;
	}
	bool ok = false;
	for (;;) {
		Bhs req;
		if (recv_header(req).is_error())
			break;
		if (req.opcode() != Opcode::kLoginReq) {
			// RFC 7143 6.1.3 / 11.12: only Login Requests before full feature phase.
			log_err("iscsi: %s: opcode 0x%02x during login, dropping the connection\n",
				peer_addr_, static_cast<u32>(req.opcode()));
			break;
		}
		u32 dsl = req.data_segment_length();
		if (req.total_ahs_words() || dsl > kLoginDataMax) {
			Bhs r = Bhs::make(Opcode::kLoginRsp);
			r.set_be48(8, req.be48(8));
			r.set_itt(req.itt());
			r.set_u8(36, 0x02);
			r.set_u8(37, 0x00);
			log_err("iscsi: %s: login request with %u data bytes / AHS, refused\n",
				peer_addr_, dsl);
			(void)send_pdu(r, Bytes());
			break;
		}
		if (recv_data(req, nullptr, 0).is_error())
			break;
		LoginOutcome o = lg->receive(req, Bytes(scratch_, dsl), *reply);
		if (send_pdu(reply->bhs, Bytes(reply->data, reply->data_length)).is_error())
			break;
		if (o == LoginOutcome::kFailed) {
			if (tpg) {
				LockGuard guard(registry_lock());
				if (tpg) {
					tpg->tiqn().stats.login_other_fails.fetch_add(1);
					tpg->tiqn().stats.last_fail_time.store(iscsi_glue_now_ms());
				}
			}
			break;
		}
		if (o == LoginOutcome::kFullFeature) {
			ok = true;
			break;
		}
	}
	free_raw(reply);
	if (!ok)
		return false;
	// attach() stored params_ and identity_ (what the login established) already.
	if (!identity_)
		return false;
	discovery_ = identity_->discovery;
	stat_sn_ = lg->next_stat_sn();
	exp_cmd_sn_ = identity_->cmd_sn;
	if (tpg)
		tpg->tiqn().stats.login_accepts.fetch_add(1);
	// The data segments of non-SCSI PDUs (text, NOP-Out ping data) go to scratch_.
	u32 need = max(params_.max_recv_dsl, kLoginDataMax) + 8;
	if (need > scratch_len_) {
		u8 *s = static_cast<u8 *>(alloc_raw(need, Gfp::Kernel));
		if (!s)
			return false;
		free_raw(scratch_);
		scratch_ = s;
		scratch_len_ = need;
	}
	iscsi_glue_conn_set_rcv_timeout(glue_, nopin_timeout_ms_ ? nopin_timeout_ms_ : 5000);
	// Digests start with the first PDU after the final Login Response (RFC 7143 13.1).
	full_feature_ = true;
	if (discovery_)
		log_info("iscsi: discovery session from %s (%s) on %s\n", identity_->initiator_name,
			 peer_addr_, portal_name_);
	else
		log_info("iscsi: session to %s from %s (%s) on %s, TSIH %u, digests %s/%s\n",
			 identity_->target_name, identity_->initiator_name, peer_addr_, portal_name_,
			 tsih_, params_.header_digest ? "CRC32C" : "None",
			 params_.data_digest ? "CRC32C" : "None");
	return true;
}

// ---------------------------------------------------------------- full feature phase

void IscsiConn::full_feature() {
	u8 ahs[kMaxAhs];
	for (;;) {
		Bhs h;
		if (recv_header(h).is_error())
			return;
		u32 ahs_len = h.total_ahs_words() * 4u;
		if (ahs_len && recv_exact(ahs, ahs_len).is_error())
			return;
		if (header_digest()) {
			u8 d[4];
			if (recv_exact(d, 4).is_error())
				return;
			DataSegment segs[2] = {{h.bytes().data(), kBhsLength}, {ahs, ahs_len}};
			if (get_le32(d) != digest_of(segs, 2, 0)) {
				log_err("iscsi: %s: header digest error, dropping the connection "
					"(ErrorRecoveryLevel 0)\n",
					peer_addr_);
				if (tpg)
					tpg->tiqn().stats.digest_errors.fetch_add(1);
				return;
			}
		}
		nopin_sent_at_ = 0; // anything received counts as alive
		if (h.data_segment_length() > params_.max_recv_dsl) {
			log_err("iscsi: %s: DataSegmentLength %u > MaxRecvDataSegmentLength %u\n",
				peer_addr_, h.data_segment_length(), params_.max_recv_dsl);
			(void)send_reject(RejectReason::kProtocolError, h);
			return;
		}
		Result<void> r;
		bool done = false;
		Opcode op = h.opcode();
		if (discovery_ && op != Opcode::kTextReq && op != Opcode::kLogoutReq &&
		    op != Opcode::kNopOut) {
			log_err("iscsi: %s: opcode 0x%02x in a discovery session\n", peer_addr_,
				static_cast<u32>(op));
			if (discard_data(h).is_error())
				return;
			r = send_reject(RejectReason::kProtocolError, h);
			if (r.is_error())
				return;
			continue;
		}
		switch (op) {
		case Opcode::kScsiCmd: r = on_scsi_cmd(h, Bytes(ahs, ahs_len)); break;
		case Opcode::kDataOut: r = on_data_out(h); break;
		case Opcode::kNopOut: r = on_nop_out(h); break;
		case Opcode::kTmfReq: r = on_tmf(h); break;
		case Opcode::kTextReq: r = on_text(h); break;
		case Opcode::kLogoutReq: r = on_logout(h, &done); break;
		case Opcode::kLoginReq:
			// RFC 7143 6.1.3: a login request in full feature phase is a protocol error.
			log_err("iscsi: %s: Login Request in full feature phase\n", peer_addr_);
			(void)discard_data(h);
			(void)send_reject(RejectReason::kProtocolError, h);
			return;
		case Opcode::kSnackReq:
			// SNACK needs ErrorRecoveryLevel > 0, which is never negotiated here.
			r = discard_data(h);
			if (r.is_ok())
				r = send_reject(RejectReason::kProtocolError, h);
			break;
		default:
			log_err("iscsi: %s: unknown opcode 0x%02x, rejected\n", peer_addr_,
				static_cast<u32>(op));
			r = discard_data(h);
			if (r.is_ok())
				r = send_reject(RejectReason::kCommandNotSupported, h);
			break;
		}
		if (r.is_error() || done)
			return;
	}
}

// RFC 7143 4.2.2.1: a non-immediate command outside [ExpCmdSN, MaxCmdSN] is ignored; one
// ahead of ExpCmdSN (a gap: an earlier command is still to come) does not move ExpCmdSN.
IscsiConn::SnCheck IscsiConn::check_cmd_sn(const Bhs &h) {
	u32 sn = h.be32(24);
	if (h.immediate())
		return SnCheck::kDeliver;
	u32 max_sn = exp_cmd_sn_ + cmdsn_depth_ - 1;
	if (sn_lt(sn, exp_cmd_sn_) || sn_lt(max_sn, sn)) {
		log_warn("iscsi: %s: CmdSN %u outside [%u, %u], ignored\n", peer_addr_, sn,
			 exp_cmd_sn_, max_sn);
		return SnCheck::kIgnore;
	}
	if (sn != exp_cmd_sn_)
		return SnCheck::kAhead;
	exp_cmd_sn_ = sn + 1;
	return SnCheck::kDeliver;
}

// SCSI commands held behind a CmdSN gap go to the SCSI layer in CmdSN order once the gap is
// filled (RFC 7143 3.2.2.1).
void IscsiConn::hold(IscsiCmd &cmd) {
	for (IscsiCmd &c : held_)
		if (sn_lt(cmd.cmd_sn, c.cmd_sn)) {
			held_.insert_before(c, cmd);
			return;
		}
	held_.push_back(cmd);
}

// A NOP-Out, Text or TMF request ahead of a gap is answered at once; its CmdSN is remembered
// so that ExpCmdSN passes it when the gap fills.
void IscsiConn::note_ahead(u32 sn) {
	for (AheadSn &a : ahead_sns_)
		if (!a.used) {
			a = {sn, true};
			return;
		}
	log_warn("iscsi: %s: too many commands ahead of CmdSN %u\n", peer_addr_, exp_cmd_sn_);
}

Result<void> IscsiConn::deliver_held() {
	for (;;) {
		bool moved = false;
		for (AheadSn &a : ahead_sns_)
			if (a.used && a.sn == exp_cmd_sn_) {
				a.used = false;
				exp_cmd_sn_++;
				moved = true;
			}
		IscsiCmd *c = held_.front();
		if (c && c->cmd_sn == exp_cmd_sn_) {
			held_.remove(*c);
			exp_cmd_sn_++;
			TRY(continue_cmd(*c));
			moved = true;
		}
		if (!moved)
			return {};
	}
}

IscsiCmd *IscsiConn::find_pending(u32 itt) {
	for (IscsiCmd &c : pending_)
		if (c.itt == itt)
			return &c;
	return nullptr;
}

Result<void> IscsiConn::on_scsi_cmd(const Bhs &h, Bytes ahs) {
	SnCheck sn = check_cmd_sn(h);
	if (sn == SnCheck::kIgnore)
		return discard_data(h);
	u8 flags = h.flags();
	bool is_read = flags & kCmdRead;
	bool is_write = flags & kCmdWrite;
	u32 edtl = h.be32(20);
	u32 dsl = h.data_segment_length();
	// F=0: unsolicited Data-Out follows, which only a write may send when InitialR2T=No.
	bool unsolicited_follows = !(flags & kFlagFinal);
	if ((dsl && !is_write) || (is_write && dsl > edtl) ||
	    (dsl && !params_.immediate_data) || (edtl && !is_read && !is_write) ||
	    (is_write && dsl > params_.first_burst_length) ||
	    (unsolicited_follows && (!is_write || params_.initial_r2t || dsl >= edtl))) {
		log_err("iscsi: %s: malformed SCSI Command (flags 0x%02x EDTL %u data %u), "
			"rejected\n",
			peer_addr_, flags, edtl, dsl);
		TRY(discard_data(h));
		return send_reject(RejectReason::kProtocolError, h);
	}
	if (find_pending(h.itt())) {
		TRY(discard_data(h));
		return send_reject(RejectReason::kTaskInProgress, h);
	}

	OwnPtr<IscsiCmd> cmd = make<IscsiCmd>(Gfp::Kernel, *this);
	if (!cmd)
		return Error::from_errno(KABI_ENOMEM);
	cmd->itt = h.itt();
	cmd->cmd_sn = h.be32(24);
	cmd->lun_field = h.lun_field();
	cmd->lun = decode_lun(cmd->lun_field);
	cmd->tag = h.itt();
	switch (flags & kCmdAttrMask) {
	case 0: // untagged: SIMPLE
	case 1: cmd->task_attr = core::TaskAttr::kSimple; break;
	case 2: cmd->task_attr = core::TaskAttr::kOrdered; break;
	case 3: cmd->task_attr = core::TaskAttr::kHeadOfQueue; break;
	default: cmd->task_attr = core::TaskAttr::kAca; break;
	}
	cmd->dir = is_write && is_read ? core::DataDir::kBidi
		   : is_write	       ? core::DataDir::kToDevice
		   : is_read	       ? core::DataDir::kFromDevice
				       : core::DataDir::kNone;
	// The CDB: 16 bytes in the BHS, the rest in an Extended CDB AHS (type 1).
	u32 cdb_len = 16;
	for (u32 i = 0; i < 16; i++)
		cmd->cdb[i] = h.u8_at(32 + i);
	bool bad_ahs = false;
	for (u32 off = 0; off < ahs.size();) {
		if (ahs.size() - off < 4) {
			bad_ahs = true;
			break;
		}
		u32 alen = (static_cast<u32>(ahs.data()[off]) << 8) | ahs.data()[off + 1];
		u8 type = ahs.data()[off + 2];
		if (alen > ahs.size() - off - 3) {
			bad_ahs = true;
			break;
		}
		if (type == 1 && alen >= 1) {
			u32 extra = alen - 1;
			if (16 + extra > sizeof(cmd->cdb)) {
				bad_ahs = true;
				break;
			}
			for (u32 i = 0; i < extra; i++)
				cmd->cdb[16 + i] = ahs.data()[off + 4 + i];
			cdb_len = 16 + extra;
		}
		off += pad4(alen + 3);
	}
	if (bad_ahs) {
		log_err("iscsi: %s: malformed AHS in SCSI Command, rejected\n", peer_addr_);
		TRY(discard_data(h));
		return send_reject(RejectReason::kProtocolError, h);
	}
	cmd->cdb_length = static_cast<u8>(cdb_len);
	cmd->expected_length = edtl;

	if (edtl > kMaxTransfer || cmd->buf.allocate(edtl).is_error()) {
		// Answered by the fabric: the core never sees it.
		TRY(discard_data(h));
		if (edtl > kMaxTransfer)
			set_fabric_sense(*cmd, 0x05, 0x24, 0x00);
		else
			cmd->status = scsi::ScsiStatus::kTaskSetFull;
		cmd->data_length = 0;
		cmd->residual = edtl ? scsi::Residual::kUnderflow : scsi::Residual::kNone;
		cmd->residual_count = edtl;
		send_command_response(*cmd.release());
		return {};
	}
	cmd->data = cmd->buf.view();
	if (dsl) {
		TRY(recv_data(h, &cmd->buf, 0));
		cmd->received = dsl;
		stat_rx_octets.fetch_add(dsl, MemoryOrder::Relaxed);
	}
	stat_cmd_pdus.fetch_add(1, MemoryOrder::Relaxed);
	cmd->unsolicited_next = cmd->received;
	cmd->unsolicited_end =
	    unsolicited_follows ? min(edtl, params_.first_burst_length) : cmd->received;
	cmd->next_r2t_offset = cmd->unsolicited_end;
	if (sn == SnCheck::kAhead) {
		hold(*cmd.release());
		return {};
	}
	TRY(continue_cmd(*cmd.release()));
	return deliver_held();
}

// A command in CmdSN order: runs now, or waits for its data-out (unsolicited up to
// FirstBurstLength, then R2Ts).
Result<void> IscsiConn::continue_cmd(IscsiCmd &c) {
	if (c.dir != core::DataDir::kToDevice && c.dir != core::DataDir::kBidi) {
		submit(c);
		return {};
	}
	if (c.received == c.expected_length) {
		submit(c);
		return {};
	}
	pending_.push_back(c);
	if (c.unsolicited_next >= c.unsolicited_end)
		return send_r2ts(c);
	return {};
}

// R2Ts for what is still to come, each up to MaxBurstLength, while fewer than
// MaxOutstandingR2T (and kMaxR2ts) of the command are unanswered (RFC 7143 11.8).
Result<void> IscsiConn::send_r2ts(IscsiCmd &c) {
	u32 limit = min(params_.max_outstanding_r2t, IscsiCmd::kMaxR2ts);
	while (c.outstanding_r2t < limit && c.next_r2t_offset < c.expected_length) {
		IscsiCmd::R2tState *slot = nullptr;
		for (IscsiCmd::R2tState &r : c.r2ts)
			if (r.ttt == kReservedTag) {
				slot = &r;
				break;
			}
		LIO_VERIFY(slot != nullptr);
		u32 len = min(params_.max_burst_length, c.expected_length - c.next_r2t_offset);
		u32 ttt = next_ttt_++;
		if (ttt == kReservedTag)
			ttt = next_ttt_++;
		*slot = {ttt, c.next_r2t_offset, len, 0, 0};
		Bhs r = Bhs::make(Opcode::kR2t);
		r.set_flags(kFlagFinal);
		r.set_lun_field(c.lun_field);
		r.set_itt(c.itt);
		r.set_be32(20, ttt);
		set_sn_fields(r, false);
		r.set_be32(36, c.r2t_sn++);
		r.set_be32(40, c.next_r2t_offset);
		r.set_be32(44, len);
		c.next_r2t_offset += len;
		c.outstanding_r2t++;
		TRY(send_pdu(r, Bytes()));
	}
	return {};
}

// A Data-Out belongs to the unsolicited sequence (TTT 0xffffffff) or to the outstanding R2T
// whose TTT it carries; it must continue that sequence at its next offset, stay inside it and
// carry its next DataSN (each sequence counts from 0, RFC 7143 11.7.5).
Result<void> IscsiConn::on_data_out(const Bhs &h) {
	IscsiCmd *c = find_pending(h.itt());
	u32 off = h.be32(40);
	u32 len = h.data_segment_length();
	u32 ttt = h.be32(20);
	bool final = h.flags() & kFlagFinal;
	if (!c) {
		log_err("iscsi: %s: Data-Out for unknown ITT 0x%08x, rejected\n", peer_addr_,
			h.itt());
		TRY(discard_data(h));
		return send_reject(RejectReason::kInvalidPduField, h);
	}
	bool unsolicited = ttt == kReservedTag;
	IscsiCmd::R2tState *r2t = nullptr;
	u32 seq_next, seq_end;
	u32 *seq_data_sn;
	if (unsolicited) {
		seq_next = c->unsolicited_next;
		seq_end = c->unsolicited_end;
		seq_data_sn = &c->unsolicited_data_sn;
	} else {
		r2t = c->find_r2t(ttt);
		if (!r2t) {
			log_err("iscsi: %s: Data-Out ITT 0x%08x with TTT 0x%08x of no outstanding "
				"R2T, rejected\n",
				peer_addr_, h.itt(), ttt);
			TRY(discard_data(h));
			return send_reject(RejectReason::kInvalidPduField, h);
		}
		seq_next = r2t->offset + r2t->received;
		seq_end = r2t->offset + r2t->length;
		seq_data_sn = &r2t->data_sn;
	}
	// The final PDU of an R2T's sequence ends it exactly; the unsolicited sequence may end
	// before FirstBurstLength.
	bool bad = off != seq_next || len > seq_end - seq_next ||
		   (final && !unsolicited && off + len != seq_end);
	if (bad) {
		log_err("iscsi: %s: Data-Out ITT 0x%08x offset %u length %u TTT 0x%08x out of "
			"sequence (expected offset %u, sequence end %u), rejected\n",
			peer_addr_, h.itt(), off, len, ttt, seq_next, seq_end);
		TRY(discard_data(h));
		return send_reject(RejectReason::kProtocolError, h);
	}
	if (h.be32(36) != *seq_data_sn) {
		// DataSN errors need ErrorRecoveryLevel 1 to recover from (RFC 7143 7.1.4.1).
		log_err("iscsi: %s: Data-Out ITT 0x%08x DataSN %u, expected %u: protocol error\n",
			peer_addr_, h.itt(), h.be32(36), *seq_data_sn);
		TRY(discard_data(h));
		TRY(send_reject(RejectReason::kProtocolError, h));
		return Error::from_errno(KABI_EIO);
	}
	TRY(recv_data(h, &c->buf, off));
	stat_rx_octets.fetch_add(len, MemoryOrder::Relaxed);
	c->received += len;
	(*seq_data_sn)++;
	if (unsolicited) {
		c->unsolicited_next += len;
		if (final) {
			// The unsolicited part ends here, whatever FirstBurstLength allowed.
			c->unsolicited_end = c->unsolicited_next;
			c->next_r2t_offset = c->unsolicited_next;
		}
	} else {
		r2t->received += len;
		if (r2t->received == r2t->length) {
			*r2t = {};
			c->outstanding_r2t--;
		}
	}
	if (c->received == c->expected_length) {
		pending_.remove(*c);
		submit(*c);
		return {};
	}
	if (c->unsolicited_next >= c->unsolicited_end)
		return send_r2ts(*c); // the next R2Ts, as far as MaxOutstandingR2T allows
	return {};
}

void IscsiConn::submit(IscsiCmd &cmd) {
	if (!port_) {
		adopt_own(&cmd);
		return;
	}
	port_->submit(cmd); // runs the command; the response is sent before this returns
}

void IscsiConn::send_command_response(IscsiCmd &cmd) {
	u32 len = cmd.data_length;
	bool has_data = len && (cmd.dir == core::DataDir::kFromDevice ||
				cmd.dir == core::DataDir::kBidi);
	bool collapse = has_data && cmd.status == scsi::ScsiStatus::kGood && !cmd.sense_length;
	u8 rflags = 0;
	if (cmd.residual == scsi::Residual::kUnderflow)
		rflags |= kRspUnderflow;
	else if (cmd.residual == scsi::Residual::kOverflow)
		rflags |= kRspOverflow;
	u32 data_sn = 0;
	Result<void> r;
	if (has_data) {
		u32 burst_left = params_.max_burst_length;
		for (u32 off = 0; off < len && r.is_ok();) {
			u32 n = min(params_.max_xmit_dsl, len - off);
			n = min(n, burst_left);
			bool last = off + n == len;
			burst_left -= n;
			bool end_of_burst = last || burst_left == 0;
			if (burst_left == 0)
				burst_left = params_.max_burst_length;
			Bhs d = Bhs::make(Opcode::kDataIn);
			u8 f = end_of_burst ? kFlagFinal : 0;
			if (last && collapse)
				f |= kDataInStatus | rflags;
			d.set_flags(f);
			d.set_lun_field(cmd.lun_field);
			d.set_itt(cmd.itt);
			d.set_be32(20, kReservedTag);
			if (last && collapse) {
				d.set_u8(3, static_cast<u8>(cmd.status));
				set_sn_fields(d, true);
				d.set_be32(44, cmd.residual_count);
			} else {
				d.set_be32(28, exp_cmd_sn_);
				d.set_be32(32, exp_cmd_sn_ + cmdsn_depth_ - 1);
			}
			d.set_be32(36, data_sn++);
			d.set_be32(40, off);
			DataSegment segs[16];
			u32 ns = cmd.buf.gather(off, n, segs, 16);
			if (!ns) {
				r = Error::from_errno(KABI_EINVAL);
				break;
			}
			r = send_pdu(d, segs, ns, n);
			stat_tx_octets.fetch_add(n, MemoryOrder::Relaxed);
			off += n;
		}
	}
	if (!collapse && r.is_ok()) {
		Bhs s = Bhs::make(Opcode::kScsiRsp);
		s.set_flags(kFlagFinal | rflags);
		s.set_u8(2, 0x00); // command completed at target
		s.set_u8(3, static_cast<u8>(cmd.status));
		s.set_itt(cmd.itt);
		set_sn_fields(s, true);
		s.set_be32(36, data_sn);
		s.set_be32(44, cmd.residual_count);
		u8 sense[2 + sizeof(cmd.sense)];
		u32 slen = 0;
		if (cmd.sense_length) {
			sense[0] = 0;
			sense[1] = cmd.sense_length;
			__builtin_memcpy(sense + 2, cmd.sense, cmd.sense_length);
			slen = 2u + cmd.sense_length;
		}
		r = send_pdu(s, Bytes(sense, slen));
	}
	stat_rsp_pdus.fetch_add(1, MemoryOrder::Relaxed);
	if (r.is_error())
		stop(); // the connection is failing: its thread tears down
	if (port_)
		port_->release(cmd);
	adopt_own(&cmd);
}

void IscsiConn::command_aborted(IscsiCmd &cmd) {
	if (port_)
		port_->release(cmd);
	adopt_own(&cmd);
}

Result<void> IscsiConn::on_nop_out(const Bhs &h) {
	u32 len = h.data_segment_length();
	TRY(recv_data(h, nullptr, 0));
	u32 ttt = h.be32(20);
	if (ttt != kReservedTag) {
		// The answer to our ping.
		if (ttt == nopin_ttt_)
			nopin_sent_at_ = 0;
		return {};
	}
	switch (check_cmd_sn(h)) {
	case SnCheck::kIgnore: return {};
	case SnCheck::kAhead: note_ahead(h.be32(24)); break;
	case SnCheck::kDeliver: TRY(deliver_held()); break;
	}
	if (h.itt() == kReservedTag)
		return {}; // a one-way ping: no answer (RFC 7143 11.18)
	Bhs r = Bhs::make(Opcode::kNopIn);
	r.set_flags(kFlagFinal);
	r.set_lun_field(h.lun_field());
	r.set_itt(h.itt());
	r.set_be32(20, kReservedTag);
	set_sn_fields(r, true);
	return send_pdu(r, Bytes(scratch_, min(len, params_.max_xmit_dsl)));
}

// iSCSI TMF function codes (RFC 7143 11.5.1) -> SAM.
namespace {
struct IscsiTmf final : public core::FabricTmf {
	bool answered = false;
	void queue_response() override { answered = true; }
};
} // namespace

Result<void> IscsiConn::on_tmf(const Bhs &h) {
	TRY(discard_data(h));
	switch (check_cmd_sn(h)) {
	case SnCheck::kIgnore: return {};
	case SnCheck::kAhead: note_ahead(h.be32(24)); break;
	case SnCheck::kDeliver: TRY(deliver_held()); break;
	}
	u8 fn = h.flags() & 0x7f;
	u8 rsp = 0; // Function complete
	u32 rtt = h.be32(20);
	IscsiTmf tmf;
	tmf.lun = decode_lun(h.lun_field());
	tmf.tag = h.itt();
	tmf.ref_tag = rtt;
	bool to_core = true;
	switch (fn) {
	case 1: tmf.function = core::TmfFunction::kAbortTask; break;
	case 2: tmf.function = core::TmfFunction::kAbortTaskSet; break;
	case 3: tmf.function = core::TmfFunction::kClearAca; break;
	case 4: tmf.function = core::TmfFunction::kClearTaskSet; break;
	case 5: tmf.function = core::TmfFunction::kLunReset; break;
	case 6: // TARGET WARM RESET
	case 7: // TARGET COLD RESET: the same, then every connection to the target ends
		tmf.function = core::TmfFunction::kTargetReset;
		break;
	case 8: // TASK REASSIGN: ErrorRecoveryLevel 2 only
		rsp = 4; // Task allegiance reassignment not supported
		to_core = false;
		break;
	default:
		rsp = 255; // Function rejected
		to_core = false;
		break;
	}
	if (to_core) {
		// Commands still waiting for their data-out are the fabric's: they end here.
		for (IscsiCmd &c : pending_.safe()) {
			bool match = false;
			switch (tmf.function) {
			case core::TmfFunction::kAbortTask: match = c.itt == rtt; break;
			case core::TmfFunction::kAbortTaskSet:
			case core::TmfFunction::kClearTaskSet:
			case core::TmfFunction::kLunReset: match = c.lun == tmf.lun; break;
			case core::TmfFunction::kTargetReset: match = true; break;
			default: break;
			}
			if (!match)
				continue;
			pending_.remove(c);
			adopt_own(&c);
			if (tmf.function == core::TmfFunction::kAbortTask) {
				to_core = false;
				rsp = 0;
			}
		}
	}
	if (to_core && port_) {
		port_->task_management(tmf);
		switch (tmf.response) {
		case core::TmfResponse::kFunctionComplete:
		case core::TmfResponse::kFunctionSucceeded: rsp = 0; break;
		case core::TmfResponse::kTaskDoesNotExist: rsp = 1; break;
		case core::TmfResponse::kIncorrectLun: rsp = 2; break;
		case core::TmfResponse::kFunctionRejected: rsp = 5; break;
		}
	}
	Bhs r = Bhs::make(Opcode::kTmfRsp);
	r.set_flags(kFlagFinal);
	r.set_u8(2, rsp);
	r.set_itt(h.itt());
	set_sn_fields(r, true);
	Result<void> sent = send_pdu(r, Bytes());
	// RFC 7143 11.5.1: after a TARGET COLD RESET the target closes every connection to it
	// (this one after its response, which the shutdown does not discard).
	if (fn == 7 && rsp == 0 && tpg) {
		u32 n = stop_target_connections(tpg->tiqn());
		log_info("iscsi: %s: TARGET COLD RESET from %s: %u connections closed\n",
			 tpg->tiqn().name(), identity_ ? identity_->initiator_name : "?", n);
	}
	return sent;
}

void IscsiConn::text_reset() {
	free_raw(text_request_);
	text_request_ = nullptr;
	text_request_len_ = 0;
	free_raw(text_pending_);
	text_pending_ = nullptr;
	text_pending_len_ = 0;
	text_pending_off_ = 0;
	text_itt_ = kReservedTag;
	text_ttt_ = kReservedTag;
}

// The answer to the key=value text in `request`: SendTargets answered, every other key
// NotUnderstood. Writes whole records into out (empty: measures only); returns the bytes the
// whole answer takes, *written what went into out (less when out is too small).
usize IscsiConn::text_answer(Bytes request, MutableBytes out, usize *written) {
	usize needed = 0;
	bool full = false;
	*written = 0;
	const char *p = reinterpret_cast<const char *>(request.data());
	usize len = request.size();
	usize i = 0;
	while (i < len) {
		usize start = i;
		while (i < len && p[i] != '\0')
			i++;
		StrView kv(p + start, i - start);
		i++; // the NUL
		if (kv.size() == 0)
			continue;
		usize eq = 0;
		while (eq < kv.size() && kv.data()[eq] != '=')
			eq++;
		StrView key(kv.data(), eq);
		StrView val = eq < kv.size() ? StrView(kv.data() + eq + 1, kv.size() - eq - 1)
					     : StrView();
		if (str_equal(key, "SendTargets")) {
			StrView only;
			if (str_equal(val, "All")) {
				if (!discovery_)
					only = str_view(identity_->target_name);
			} else if (val.size() == 0) {
				only = discovery_ ? StrView() : str_view(identity_->target_name);
			} else {
				only = val;
			}
			char local[64];
			(void)str_copy(Span<char>(local, sizeof(local)), str_view(local_addr_));
			// The address without the port.
			usize colon = str_len(local);
			while (colon && local[colon - 1] != ':')
				colon--;
			StrView host(local, colon ? colon - 1 : 0);
			MutableBytes room = full ? MutableBytes()
						 : MutableBytes(out.data() + *written, out.size() - *written);
			SendTargetsSize st = format_send_targets(only, host, room);
			needed += st.needed;
			if (!full)
				*written += st.written;
			full = full || st.written < st.needed;
		} else {
			char rec[80];
			int w = kabi_snprintf(rec, sizeof(rec), "%.*s=NotUnderstood",
					      static_cast<int>(min<usize>(key.size(), 63)), key.data());
			usize n = w > 0 ? static_cast<usize>(w) + 1 : 0;
			needed += n;
			if (!full && n <= out.size() - *written) {
				__builtin_memcpy(out.data() + *written, rec, n);
				*written += n;
			} else {
				full = true;
			}
		}
	}
	return needed;
}

// One Text Response with [off, off + len) of the pending answer and flags: F=0 carries a TTT
// for the Text Request that goes on (RFC 7143 11.11): with C=1, the answer goes on; with
// C=0 and no data, the target asks for the rest of a request sent with C=1.
Result<void> IscsiConn::send_text_rsp(u32 itt, u32 off, u32 len, u8 flags) {
	Bhs r = Bhs::make(Opcode::kTextRsp);
	r.set_itt(itt);
	r.set_flags(flags);
	if (!(flags & kFlagFinal)) {
		text_ttt_ = next_ttt_++;
		if (text_ttt_ == kReservedTag)
			text_ttt_ = next_ttt_++;
		r.set_be32(20, text_ttt_);
	} else {
		r.set_be32(20, kReservedTag);
	}
	set_sn_fields(r, true);
	return send_pdu(r, text_pending_ ? Bytes(text_pending_ + off, len) : Bytes());
}

// Text Request (RFC 7143 10.10, 11.10). TTT 0xffffffff starts a new exchange (whatever was
// pending is dropped); any other TTT must be the one of this exchange's last Text Response
// (same ITT) and asks for the next piece. C=1: the request goes on in the next Text Request;
// the target answers with an empty Text Response (F=0) whose TTT that one carries.
Result<void> IscsiConn::on_text(const Bhs &h) {
	u32 len = h.data_segment_length();
	TRY(recv_data(h, nullptr, 0));
	switch (check_cmd_sn(h)) {
	case SnCheck::kIgnore: return {};
	case SnCheck::kAhead: note_ahead(h.be32(24)); break;
	case SnCheck::kDeliver: TRY(deliver_held()); break;
	}
	u32 ttt = h.be32(20);
	bool cont = h.flags() & kFlagContinue;
	if (cont && (h.flags() & kFlagFinal)) {
		log_err("iscsi: %s: Text Request with both F and C set, rejected\n", peer_addr_);
		text_reset();
		return send_reject(RejectReason::kProtocolError, h);
	}
	if (ttt == kReservedTag) {
		text_reset();
		text_itt_ = h.itt();
	} else if (ttt != text_ttt_ || h.itt() != text_itt_) {
		log_err("iscsi: %s: Text Request ITT 0x%08x TTT 0x%08x continues no exchange, "
			"rejected\n",
			peer_addr_, h.itt(), ttt);
		text_reset();
		return send_reject(RejectReason::kInvalidPduField, h);
	}
	text_ttt_ = kReservedTag;
	if (text_pending_) {
		// The next piece of the answer (the request's data, empty by the RFC, is ignored).
		if (cont) {
			text_reset();
			return send_reject(RejectReason::kProtocolError, h);
		}
		u32 left = text_pending_len_ - text_pending_off_;
		u32 n = min(left, params_.max_xmit_dsl);
		u32 off = text_pending_off_;
		text_pending_off_ += n;
		bool more = n < left;
		Result<void> r = send_text_rsp(h.itt(), off, n, more ? kFlagContinue : kFlagFinal);
		if (!more)
			text_reset();
		return r;
	}
	// A part of the request: gathered when it goes on or went on before.
	Bytes request(scratch_, len);
	if (cont || text_request_len_) {
		if (!text_request_)
			text_request_ = static_cast<u8 *>(alloc_raw(kTextRequestMax, Gfp::Kernel));
		if (!text_request_)
			return Error::from_errno(KABI_ENOMEM);
		if (len > kTextRequestMax - text_request_len_) {
			log_err("iscsi: %s: Text Request longer than %u bytes, rejected\n", peer_addr_,
				kTextRequestMax);
			text_reset();
			return send_reject(RejectReason::kProtocolError, h);
		}
		__builtin_memcpy(text_request_ + text_request_len_, scratch_, len);
		text_request_len_ += len;
		request = Bytes(text_request_, text_request_len_);
		if (cont)
			return send_text_rsp(h.itt(), 0, 0, 0); // F=0, C=0: send the rest
	}
	// The whole request is in: measure the answer, then build it.
	usize written = 0;
	usize needed = text_answer(request, MutableBytes(), &written);
	usize size = min<usize>(needed, kTextMax);
	if (size) {
		text_pending_ = static_cast<u8 *>(alloc_raw(size, Gfp::Kernel));
		if (!text_pending_ && size > kTextFallback) {
			// Contiguous memory is short: a smaller answer, cut at a whole target.
			size = kTextFallback;
			text_pending_ = static_cast<u8 *>(alloc_raw(size, Gfp::Kernel));
		}
		if (!text_pending_)
			return Error::from_errno(KABI_ENOMEM);
		needed = text_answer(request, MutableBytes(text_pending_, size), &written);
	}
	if (written < needed)
		log_warn("iscsi: %s: text answer of %zu bytes cut to %zu (whole targets; room for "
			 "%zu bytes)\n",
			 peer_addr_, static_cast<usize>(needed), static_cast<usize>(written),
			 static_cast<usize>(size));
	free_raw(text_request_);
	text_request_ = nullptr;
	text_request_len_ = 0;
	text_pending_len_ = static_cast<u32>(written);
	u32 n = min(text_pending_len_, params_.max_xmit_dsl);
	text_pending_off_ = n;
	bool more = n < text_pending_len_;
	Result<void> r = send_text_rsp(h.itt(), 0, n, more ? kFlagContinue : kFlagFinal);
	if (!more)
		text_reset();
	return r;
}

Result<void> IscsiConn::on_logout(const Bhs &h, bool *done) {
	TRY(discard_data(h));
	u8 reason = h.flags() & 0x7f;
	u8 rsp = 0;
	if (!h.immediate())
		(void)check_cmd_sn(h);
	TRY(deliver_held());
	switch (reason) {
	case 0: // close the session
		break;
	case 1: // close the connection
		if (identity_ && h.be16(20) != identity_->cid)
			rsp = 1; // CID not found
		break;
	case 2: // remove the connection for recovery: ErrorRecoveryLevel 2 only
		rsp = 2;
		break;
	default:
		TRY(send_reject(RejectReason::kProtocolError, h));
		return {};
	}
	Bhs r = Bhs::make(Opcode::kLogoutRsp);
	r.set_flags(kFlagFinal);
	r.set_u8(2, rsp);
	r.set_itt(h.itt());
	set_sn_fields(r, true);
	if (rsp == 0) {
		*done = true;
		logged_out_ = true;
		LockGuard guard(registry_lock());
		if (tpg)
			tpg->tiqn().stats.logout_normal.fetch_add(1);
	}
	return send_pdu(r, Bytes());
}

} // namespace lio::fabrics::iscsi

extern "C" int32_t lio_iscsi_np_accepted(void *np_cookie, struct iscsi_glue_conn *conn) {
	return lio::fabrics::iscsi::IscsiConn::accept(
	    *static_cast<lio::fabrics::iscsi::Portal *>(np_cookie), conn);
}
