// SPDX-License-Identifier: GPL-2.0
/*
 * fabrics/iscsi/login.h: the login phase of one iSCSI connection (RFC 7143 6, 11.12, 11.13),
 * as a state machine with no I/O: the connection feeds it each Login Request (BHS and data
 * segment, digests already stripped: there are none during login) and sends the Login
 * Response it returns.
 *
 *   IscsiLogin login(host);
 *   for (;;) {
 *           receive a PDU; if it is not a Login Request: the connection drops (RFC 7143 6.1.3);
 *           LoginReply reply;
 *           LoginOutcome o = login.receive(bhs, data, reply);
 *           send reply.bhs + reply.data (reply.data_length bytes);
 *           if (o == LoginOutcome::kFailed) close;
 *           if (o == LoginOutcome::kFullFeature) break;   // login.params(), login.identity()
 *   }
 *
 * What IscsiLogin owns: version checks, CSG/NSG/T/C rules and stage transitions, text key
 * parsing across C-bit continuations, the security stage (AuthMethod, CHAP one-way and mutual
 * with CHAP_A MD5, SHA1, SHA-256, SHA3-256), the operational keys and their negotiation,
 * declarative keys, answers to malformed / duplicate / unknown / out-of-range keys, and the
 * Login Response fields (StatSN, ExpCmdSN, MaxCmdSN, status class/detail, TSIH, ISID echo).
 * What the connection layer owns (LoginHost): which targets exist and who may log in, the
 * secrets, and the session table (ISID/TSIH rules, reinstatement).
 */
#ifndef LIO_FABRICS_ISCSI_LOGIN_H
#define LIO_FABRICS_ISCSI_LOGIN_H

#include "fabrics/iscsi/config.h"
#include "fabrics/iscsi/pdu.h"
#include "lio/own_ptr.h"
#include "lio/span.h"
#include "lio/types.h"

namespace lio::fabrics::iscsi {

// The connection layer's side of a login.
class LoginHost {
  public:
	// Called once, when the first Login Request's keys are in: identity has the
	// InitiatorName (mandatory), InitiatorAlias, SessionType and, for a normal session,
	// TargetName, plus ISID, TSIH, CID, CmdSN. Fills cfg (the TPG's parameters, the secrets
	// for this initiator, the TPGT, the CmdSN depth, the initial StatSN) or returns the
	// failure to answer with: kNotFound (no such target on this portal), kForbidden (no ACL
	// for the initiator and no demo mode), kServiceUnavailable (the TPG is disabled),
	// kTargetRemoved, kSessionTypeNotSupported (discovery disabled).
	virtual LoginStatus resolve(const LoginIdentity &identity, LoginConfig &cfg) = 0;
	// Called once, right before the response that moves the connection to full feature phase:
	// the session rules of RFC 7143 6.3 (TSIH 0: a new session, or reinstatement of the
	// session with the same initiator name and ISID; TSIH != 0: a connection added to (or
	// reinstated in) that session, or kSessionDoesNotExist). On success *tsih is the TSIH for
	// the response. kTooManyConnections, kCantIncludeInSession, kOutOfResources as fits.
	virtual LoginStatus attach(const LoginIdentity &identity, const SessionParams &params,
				   u16 *tsih) = 0;

  protected:
	~LoginHost() = default;
};

enum class LoginOutcome : u8 {
	kContinue,    // send the reply and wait for the next Login Request
	kFailed,      // send the reply (a failure status), then drop the connection
	kFullFeature, // send the reply; the connection is in full feature phase
};

// A Login Response. The data segment is at most kMaxReplyData bytes (the text keys of one
// response; a longer answer is split with the C bit as RFC 7143 6.6 says).
struct LoginReply {
	static constexpr u32 kMaxReplyData = 8192;
	Bhs bhs;
	u32 data_length = 0;
	u8 data[kMaxReplyData];
};

class IscsiLogin final {
  public:
	explicit IscsiLogin(LoginHost &host);
	~IscsiLogin();
	IscsiLogin(const IscsiLogin &) = delete;
	IscsiLogin &operator=(const IscsiLogin &) = delete;

	// One Login Request. data: its data segment (DataSegmentLength bytes, padding removed),
	// which the connection has bounded to 8192 bytes + padding (it rejects longer ones before
	// calling: LoginStatus::kInitiatorError). Never fails to produce a reply.
	LoginOutcome receive(const Bhs &request, Bytes data, LoginReply &reply);

	// After kFullFeature.
	const SessionParams &params() const;
	const LoginIdentity &identity() const;
	// The StatSN the next response on this connection carries, and the CmdSN window
	// (ExpCmdSN, MaxCmdSN) as the last Login Response said.
	u32 next_stat_sn() const;

  private:
	struct State;
	OwnPtr<State> state_; // heap: several KiB (parameters, pending text)
};

} // namespace lio::fabrics::iscsi

#endif // LIO_FABRICS_ISCSI_LOGIN_H
