// SPDX-License-Identifier: GPL-2.0
/*
 * fabrics/iscsi/login.cpp: the login phase state machine (see login.h).
 *
 * One complete request (its C-bit continuations joined) is handled in this order:
 *   1. the first request only: the declarations (InitiatorName, SessionType, TargetName,
 *      InitiatorAlias) are read, checked (kMissingParameter) and handed to host.resolve();
 *   2. every key is negotiated (params.cpp); security keys are collected;
 *   3. security stage: AuthMethod, then CHAP (chap.cpp); a CHAP failure is final at once,
 *      whatever T/NSG the request asked for;
 *   4. the stage transition the request asked for (T=1) is granted when allowed: leaving the
 *      security stage needs the authentication done when it is required (else T=0 and the
 *      exchange goes on); the operational stage is entered from security (never straight to
 *      full feature, as LIO); full feature phase needs authentication (kAuthFailed) and
 *      host.attach() (the TSIH of the response).
 * A response longer than one PDU is sent in pieces with C=1; the initiator answers each with
 * an empty request (RFC 7143 6.6), and the last piece carries the T bit and the outcome.
 */
#include "fabrics/iscsi/login.h"

#include "fabrics/iscsi/chap.h"
#include "fabrics/iscsi/params.h"
#include "fabrics/iscsi/text.h"
#include "lio/alloc.h"
#include "lio/log.h"

namespace lio::fabrics::iscsi {

namespace {

// Login Request / Response fields (RFC 7143 11.12, 11.13).
constexpr u32 kOffVersionMax = 2;
constexpr u32 kOffVersionMin = 3; // response: Version-active
constexpr u32 kOffIsid = 8;
constexpr u32 kOffTsih = 14;
constexpr u32 kOffCid = 20;
constexpr u32 kOffCmdSn = 24;
constexpr u32 kOffExpStatSn = 28;
constexpr u32 kOffStatSn = 24;
constexpr u32 kOffExpCmdSn = 28;
constexpr u32 kOffMaxCmdSn = 32;
constexpr u32 kOffStatusClass = 36;
constexpr u32 kOffStatusDetail = 37;

constexpr u8 kOurVersion = 0x00;
constexpr u32 kMaxResponse = 65536;
constexpr u32 kMaxLoginPdus = 64; // a login that does not end is dropped

u8 csg_of(u8 flags) { return (flags >> 2) & 3; }
u8 nsg_of(u8 flags) { return flags & 3; }


enum class AuthChoice : u8 { kUnset, kNone, kChap };

} // namespace

struct IscsiLogin::State final : public KeySink {
	explicit State(LoginHost &h) : host(h) {}
	~State() { free_raw(resp); }

	LoginHost &host;
	bool started = false;
	bool first_done = false; // the first complete request has been handled
	bool failed = false;
	bool full_feature = false;
	u8 cur_stage = 0;
	u8 version_max = 0, version_min = 0;
	u32 itt = 0;
	u32 pdus = 0;
	u32 responses = 0; // sent before resolve() set the initial StatSN

	LoginIdentity identity;
	LoginConfig cfg;
	bool leading = true;
	bool auth_required = false;
	AuthChoice auth = AuthChoice::kUnset;
	bool auth_done = false;

	Negotiator neg;
	ChapServer chap;
	SessionParams params;

	TextAccumulator request;
	// Keys of the request being handled, collected by consume() (views into request).
	bool has_auth_method = false;
	StrView auth_method;
	bool has_chap_a = false;
	StrView chap_a;
	ChapAnswer chap_answer;

	// The response text; [resp_sent, resp_len) is still to send.
	u8 *resp = nullptr;
	u32 resp_len = 0;
	u32 resp_sent = 0;
	// The decision that goes with its last piece.
	bool final_transit = false;
	u8 final_nsg = 0;

	u32 stat_sn = 0;
	u32 exp_cmd_sn = 0;
	u32 max_cmd_sn = 0;

	LoginStatus consume(KeyId id, StrView value) override;
	LoginOutcome fail(const Bhs &req, LoginReply &reply, LoginStatus st);
	void fill_sn(LoginReply &reply);
	LoginStatus handle(u8 flags);
	LoginStatus security(TextBuilder &out);
	bool auth_satisfied() const;
	LoginOutcome emit(LoginReply &reply);
};

LoginStatus IscsiLogin::State::consume(KeyId id, StrView value) {
	switch (id) {
	case KeyId::kInitiatorName:
	case KeyId::kTargetName:
	case KeyId::kSessionType:
		// Read from the first request before resolve(); a later request cannot change
		// what was resolved.
		return first_done ? LoginStatus::kInitiatorError : LoginStatus::kSuccess;
	case KeyId::kInitiatorAlias:
		(void)str_copy(Span<char>(identity.initiator_alias, kAliasLen), value);
		return LoginStatus::kSuccess;
	case KeyId::kAuthMethod:
		has_auth_method = true;
		auth_method = value;
		return LoginStatus::kSuccess;
	case KeyId::kChapA:
		has_chap_a = true;
		chap_a = value;
		return LoginStatus::kSuccess;
	case KeyId::kChapN:
		chap_answer.has_n = true;
		chap_answer.n = value;
		return LoginStatus::kSuccess;
	case KeyId::kChapR:
		chap_answer.has_r = true;
		chap_answer.r = value;
		return LoginStatus::kSuccess;
	case KeyId::kChapI:
		chap_answer.has_i = true;
		chap_answer.i = value;
		return LoginStatus::kSuccess;
	case KeyId::kChapC:
		chap_answer.has_c = true;
		chap_answer.c = value;
		return LoginStatus::kSuccess;
	default:
		return LoginStatus::kSuccess; // declarations we do not use
	}
}

void IscsiLogin::State::fill_sn(LoginReply &reply) {
	reply.bhs.set_be32(kOffStatSn, stat_sn++);
	responses++;
	reply.bhs.set_be32(kOffExpCmdSn, exp_cmd_sn);
	reply.bhs.set_be32(kOffMaxCmdSn, max_cmd_sn);
}

LoginOutcome IscsiLogin::State::fail(const Bhs &req, LoginReply &reply, LoginStatus st) {
	u16 v = static_cast<u16>(st);
	reply.bhs.set_flags(static_cast<u8>(csg_of(req.flags()) << 2));
	reply.bhs.set_u8(kOffStatusClass, static_cast<u8>(v >> 8));
	reply.bhs.set_u8(kOffStatusDetail, static_cast<u8>(v));
	reply.bhs.set_be16(kOffTsih, identity.tsih);
	reply.data_length = 0;
	reply.bhs.set_data_segment_length(0);
	fill_sn(reply);
	failed = true;
	return LoginOutcome::kFailed;
}

bool IscsiLogin::State::auth_satisfied() const {
	switch (auth) {
	case AuthChoice::kChap:
		return auth_done;
	case AuthChoice::kNone:
		return true; // only chosen when the TPG lists None
	case AuthChoice::kUnset:
		break;
	}
	return !auth_required;
}

LoginStatus IscsiLogin::State::security(TextBuilder &out) {
	if (has_auth_method) {
		// The first offered method the TPG lists and we implement.
		StrView ours = cfg.params.value(ParamKey::kAuthMethod);
		AuthChoice pick = AuthChoice::kUnset;
		for_each_token(auth_method, [&](StrView t) {
			if (list_contains(ours, t)) {
				if (str_equal(t, "CHAP"))
					pick = AuthChoice::kChap;
				else if (str_equal(t, "None"))
					pick = AuthChoice::kNone;
			}
			return pick == AuthChoice::kUnset;
		});
		if (pick == AuthChoice::kUnset) {
			log_err("iscsi: no acceptable AuthMethod offered by %s\n",
				identity.initiator_name);
			return LoginStatus::kAuthFailed;
		}
		auth = pick;
		if (out.add("AuthMethod", pick == AuthChoice::kChap ? "CHAP" : "None").is_error())
			return LoginStatus::kInitiatorError;
	}
	bool answer = chap_answer.has_n || chap_answer.has_r || chap_answer.has_i ||
		      chap_answer.has_c;
	if ((has_chap_a || answer) && auth_done) {
		log_err("iscsi: CHAP keys after authentication completed\n");
		return LoginStatus::kInitiatorError;
	}
	if ((has_chap_a || answer) && auth != AuthChoice::kChap) {
		log_err("iscsi: CHAP keys without AuthMethod=CHAP\n");
		return LoginStatus::kAuthFailed;
	}
	if (has_chap_a) {
		LoginStatus st = chap.start(chap_a, out);
		if (st != LoginStatus::kSuccess)
			return st;
	}
	if (answer) {
		LoginStatus st = chap.finish(chap_answer, cfg.secrets, out);
		if (st != LoginStatus::kSuccess) {
			log_err("iscsi: CHAP authentication of %s failed\n", identity.initiator_name);
			return st;
		}
		auth_done = true;
	}
	return LoginStatus::kSuccess;
}

namespace {

// First-request declarations, read before the TPG is known.
LoginStatus read_declarations(Bytes text, LoginIdentity &id) {
	TextReader r(text);
	TextPair p;
	bool has_initiator = false, has_target = false, has_type = false;
	for (;;) {
		Result<bool> more = r.next(p);
		if (more.is_error())
			return LoginStatus::kInitiatorError;
		if (!more.value())
			break;
		if (str_equal(p.key, "InitiatorName") && !has_initiator) {
			has_initiator = true;
			if (str_copy(Span<char>(id.initiator_name, kIqnLen), p.value).is_error())
				return LoginStatus::kInitiatorError;
		} else if (str_equal(p.key, "TargetName") && !has_target) {
			has_target = true;
			if (str_copy(Span<char>(id.target_name, kIqnLen), p.value).is_error())
				return LoginStatus::kInitiatorError;
		} else if (str_equal(p.key, "SessionType") && !has_type) {
			has_type = true;
			if (str_equal(p.value, "Discovery"))
				id.discovery = true;
			else if (!str_equal(p.value, "Normal"))
				return LoginStatus::kInitiatorError;
		} else if (str_equal(p.key, "InitiatorAlias")) {
			(void)str_copy(Span<char>(id.initiator_alias, kAliasLen), p.value);
		}
	}
	if (id.initiator_name[0] == '\0')
		return LoginStatus::kMissingParameter;
	if (id.discovery)
		id.target_name[0] = '\0';
	else if (id.target_name[0] == '\0')
		return LoginStatus::kMissingParameter;
	return LoginStatus::kSuccess;
}

} // namespace

LoginStatus IscsiLogin::State::handle(u8 flags) {
	const Stage stage = cur_stage == 0 ? Stage::kSecurity : Stage::kOperational;
	TextBuilder out(MutableBytes(resp, kMaxResponse));
	resp_len = resp_sent = 0;
	final_transit = false;
	has_auth_method = has_chap_a = false;
	chap_answer = ChapAnswer();

	const bool first = !first_done;
	if (first) {
		LoginStatus st = read_declarations(request.bytes(), identity);
		if (st != LoginStatus::kSuccess) {
			log_err("iscsi: first login request lacks InitiatorName/TargetName or is "
				"malformed\n");
			return st;
		}
		st = host.resolve(identity, cfg);
		if (st != LoginStatus::kSuccess)
			return st;
		stat_sn = cfg.initial_stat_sn + responses;
		auth_required = !list_contains(cfg.params.value(ParamKey::kAuthMethod),
					       str_view("None"));
		neg.start(&cfg.params, leading);
		neg.set_discovery(identity.discovery);
	}
	LoginStatus st = neg.negotiate(request.bytes(), stage, *this, out);
	first_done = true;
	if (st != LoginStatus::kSuccess)
		return st;

	if (first && !identity.discovery) {
		// RFC 7143 13.9: the TPGT in the first response of a normal session's leading
		// login; TargetAlias as LIO declares it.
		if (leading && out.add_u32(str_view("TargetPortalGroupTag"), cfg.tpgt).is_error())
			return LoginStatus::kInitiatorError;
		StrView alias = cfg.params.value(ParamKey::kTargetAlias);
		if (!alias.is_empty() && out.add(str_view("TargetAlias"), alias).is_error())
			return LoginStatus::kInitiatorError;
	}

	if (stage == Stage::kSecurity) {
		st = security(out);
		if (st != LoginStatus::kSuccess)
			return st;
	} else {
		st = neg.declare(stage, out);
		if (st != LoginStatus::kSuccess)
			return st;
	}

	if (flags & kFlagFinal) {
		if (cur_stage == 0) {
			// Leaving security: only when authentication is done or not needed (else
			// T=0 and the exchange goes on). To the operational stage, as LIO.
			if (auth_satisfied()) {
				final_transit = true;
				final_nsg = 1;
			}
		} else {
			if (!auth_satisfied()) {
				log_err("iscsi: %s skipped required authentication\n",
					identity.initiator_name);
				return LoginStatus::kAuthFailed;
			}
			final_transit = true;
			final_nsg = 3;
		}
	}
	resp_len = static_cast<u32>(out.size());
	return LoginStatus::kSuccess;
}

LoginOutcome IscsiLogin::State::emit(LoginReply &reply) {
	u32 n = min(resp_len - resp_sent, LoginReply::kMaxReplyData);
	if (n)
		__builtin_memcpy(reply.data, resp + resp_sent, n);
	resp_sent += n;
	reply.data_length = n;
	reply.bhs.set_data_segment_length(n);
	u8 f = static_cast<u8>(cur_stage << 2);
	LoginOutcome outcome = LoginOutcome::kContinue;
	if (resp_sent < resp_len) {
		f |= kFlagContinue;
	} else if (final_transit) {
		f |= static_cast<u8>(kFlagFinal | final_nsg);
		if (final_nsg == 3) {
			params = neg.result();
			u16 tsih = 0;
			LoginStatus st = host.attach(identity, params, &tsih);
			if (st != LoginStatus::kSuccess) {
				reply.data_length = 0;
				Bhs req = reply.bhs;
				req.set_flags(static_cast<u8>(cur_stage << 2));
				return fail(req, reply, st);
			}
			reply.bhs.set_be16(kOffTsih, tsih);
			u32 depth = cfg.cmdsn_depth ? cfg.cmdsn_depth : 1;
			max_cmd_sn = exp_cmd_sn + depth - 1;
			full_feature = true;
			outcome = LoginOutcome::kFullFeature;
		} else {
			cur_stage = final_nsg;
		}
		final_transit = false;
	}
	reply.bhs.set_flags(f);
	fill_sn(reply);
	return outcome;
}

IscsiLogin::IscsiLogin(LoginHost &host) : state_(make<State>(Gfp::Kernel, host)) {
	if (state_) {
		state_->resp = static_cast<u8 *>(alloc_raw(kMaxResponse, Gfp::Kernel));
		if (!state_->resp)
			state_ = nullptr;
	}
}

IscsiLogin::~IscsiLogin() = default;

const SessionParams &IscsiLogin::params() const {
	LIO_VERIFY(state_);
	return state_->params;
}

const LoginIdentity &IscsiLogin::identity() const {
	LIO_VERIFY(state_);
	return state_->identity;
}

u32 IscsiLogin::next_stat_sn() const { return state_ ? state_->stat_sn : 0; }

LoginOutcome IscsiLogin::receive(const Bhs &req, Bytes data, LoginReply &reply) {
	reply.bhs = Bhs::make(Opcode::kLoginRsp);
	reply.bhs.set_u8(kOffVersionMax, kOurVersion);
	reply.bhs.set_u8(kOffVersionMin, kOurVersion); // Version-active
	for (u32 i = 0; i < 6; i++)
		reply.bhs.set_u8(kOffIsid + i, req.u8_at(kOffIsid + i));
	reply.bhs.set_be16(kOffTsih, req.be16(kOffTsih));
	reply.bhs.set_itt(req.itt());
	reply.data_length = 0;

	State *s = state_.get();
	if (!s) {
		reply.bhs.set_u8(kOffStatusClass, 0x03);
		reply.bhs.set_u8(kOffStatusDetail, 0x02); // kOutOfResources
		reply.bhs.set_be32(kOffExpCmdSn, req.be32(kOffCmdSn));
		reply.bhs.set_be32(kOffMaxCmdSn, req.be32(kOffCmdSn));
		return LoginOutcome::kFailed;
	}
	if (s->failed || s->full_feature)
		return s->fail(req, reply, LoginStatus::kInitiatorError); // should have been dropped
	if (++s->pdus > kMaxLoginPdus) {
		log_err("iscsi: login does not end after %u requests\n", kMaxLoginPdus);
		return s->fail(req, reply, LoginStatus::kInitiatorError);
	}

	const u8 flags = req.flags();
	const bool transit = flags & kFlagFinal;
	const bool cont = flags & kFlagContinue;
	const u8 csg = csg_of(flags), nsg = nsg_of(flags);

	if (!s->started) {
		s->started = true;
		s->version_max = req.u8_at(kOffVersionMax);
		s->version_min = req.u8_at(kOffVersionMin);
		s->itt = req.itt();
		LoginIdentity &id = s->identity;
		for (u32 i = 0; i < 6; i++)
			id.isid[i] = req.u8_at(kOffIsid + i);
		id.tsih = req.be16(kOffTsih);
		id.cid = req.be16(kOffCid);
		id.cmd_sn = req.be32(kOffCmdSn);
		id.exp_stat_sn = req.be32(kOffExpStatSn);
		s->exp_cmd_sn = id.cmd_sn;
		s->max_cmd_sn = id.cmd_sn;
		s->leading = id.tsih == 0;
		// RFC 7143 11.12.4: we speak version 0x00 only.
		if (s->version_min > kOurVersion || s->version_max < s->version_min)
			return s->fail(req, reply, LoginStatus::kUnsupportedVersion);
		s->cur_stage = csg;
	} else {
		const LoginIdentity &id = s->identity;
		bool same = req.u8_at(kOffVersionMax) == s->version_max &&
			    req.u8_at(kOffVersionMin) == s->version_min && req.itt() == s->itt &&
			    req.be16(kOffTsih) == id.tsih && req.be16(kOffCid) == id.cid;
		for (u32 i = 0; i < 6; i++)
			same = same && req.u8_at(kOffIsid + i) == id.isid[i];
		if (!same) {
			log_err("iscsi: login request changed ISID/TSIH/CID/ITT/version\n");
			return s->fail(req, reply, LoginStatus::kInitiatorError);
		}
	}

	// RFC 7143 11.12.2: T and C together is a protocol error.
	if (transit && cont) {
		log_err("iscsi: login request with both T and C set\n");
		return s->fail(req, reply, LoginStatus::kInitiatorError);
	}
	// The stage must be the current one; a transit goes forward, never to stage 2.
	if (csg != s->cur_stage || csg >= 2 || (transit && (nsg == 2 || nsg <= csg))) {
		log_err("iscsi: illegal login stage CSG %u NSG %u T %u (current stage %u)\n", csg,
			nsg, transit ? 1u : 0u, s->cur_stage);
		return s->fail(req, reply, LoginStatus::kInitiatorError);
	}

	// Our response still has pieces to go: the initiator asks for each with an empty
	// request (RFC 7143 6.6).
	if (s->resp_sent < s->resp_len) {
		if (!data.is_empty() || cont)
			return s->fail(req, reply, LoginStatus::kInitiatorError);
		return s->emit(reply);
	}

	if (s->request.append(data, Gfp::Kernel).is_error()) {
		log_err("iscsi: login text exceeds %zu bytes\n", kMaxTextLength);
		return s->fail(req, reply, LoginStatus::kInitiatorError);
	}
	if (cont) {
		// More text follows: an empty response asks for it.
		reply.bhs.set_flags(static_cast<u8>(csg << 2));
		s->fill_sn(reply);
		return LoginOutcome::kContinue;
	}

	LoginStatus st = s->handle(flags);
	s->request.clear();
	if (st != LoginStatus::kSuccess)
		return s->fail(req, reply, st);
	return s->emit(reply);
}

} // namespace lio::fabrics::iscsi
