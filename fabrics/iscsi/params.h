// SPDX-License-Identifier: GPL-2.0
/*
 * fabrics/iscsi/params.h: the iSCSI key registry (RFC 7143 13, RFC 7144) and the target's
 * side of login key negotiation (RFC 7143 6.2). TpgParams and param_name() of config.h are
 * implemented in params.cpp too.
 *
 * The registry (kKeyTable) is the single list of keys: name, kind (how the answer is
 * computed), range, the login stages the key may be negotiated in, who may send it and its
 * use (LO leading-only, IO initialize-only). A key not in it (including every X- and X#
 * extension key) is answered NotUnderstood.
 *
 * Negotiator: one per login. The login hands it each PDU's pairs (after C-bit continuations
 * are joined) together with the current stage; it appends the answers to a TextBuilder and
 * returns a LoginStatus: kSuccess, or the failure to end the login with (a key negotiated
 * twice in one login: kInitiatorError, RFC 7143 6.2 and LIO). Answers:
 *   boolean AND/OR and numerical min/max results; list keys: the first initiator value we
 *   support (Reject when none); values with bad syntax or out of range: Reject (the key keeps
 *   its default); FirstBurstLength when InitialR2T=Yes and ImmediateData=No: Irrelevant;
 *   IFMarker/OFMarker: No (LIO; RFC 7143 13.26 allows it); IFMarkInt/OFMarkInt: Reject;
 *   MaxRecvDataSegmentLength: declarative both ways (ours is declared, once per connection,
 *   in the operational stage); keys sent outside their stage, target-only keys, LO keys on a
 *   non-leading connection, unknown keys: NotUnderstood (as LIO).
 * Security keys (AuthMethod, CHAP_*) and the declarations the login itself consumes
 * (InitiatorName, TargetName, SessionType, InitiatorAlias) are left to the caller:
 * negotiate() reports them through the KeySink instead of answering.
 */
#ifndef LIO_FABRICS_ISCSI_PARAMS_H
#define LIO_FABRICS_ISCSI_PARAMS_H

#include "fabrics/iscsi/config.h"
#include "fabrics/iscsi/pdu.h"
#include "fabrics/iscsi/text.h"
#include "lio/result.h"
#include "lio/span.h"
#include "lio/types.h"

namespace lio::fabrics::iscsi {

enum class KeyId : u8 {
	kAuthMethod,
	kHeaderDigest,
	kDataDigest,
	kMaxConnections,
	kSendTargets,
	kTargetName,
	kInitiatorName,
	kTargetAlias,
	kInitiatorAlias,
	kTargetAddress,
	kTargetPortalGroupTag,
	kInitialR2T,
	kImmediateData,
	kMaxRecvDataSegmentLength,
	kMaxBurstLength,
	kFirstBurstLength,
	kDefaultTime2Wait,
	kDefaultTime2Retain,
	kMaxOutstandingR2T,
	kDataPDUInOrder,
	kDataSequenceInOrder,
	kErrorRecoveryLevel,
	kSessionType,
	kIFMarker,
	kOFMarker,
	kIFMarkInt,
	kOFMarkInt,
	kTaskReporting,
	kProtocolLevel, // iSCSIProtocolLevel (RFC 7144)
	kChapA,
	kChapI,
	kChapC,
	kChapN,
	kChapR,
	kCount,
};
constexpr u32 kKeyCount = static_cast<u32>(KeyId::kCount);

enum class KeyKind : u8 {
	kBoolAnd,     // result: offer AND ours
	kBoolOr,      // result: offer OR ours
	kNumMin,      // result: the smaller
	kNumMax,      // result: the larger
	kNumDeclared, // a number each side declares for itself (MaxRecvDataSegmentLength)
	kList,        // result: the first offered value we support
	kDeclarative, // a declaration (names, aliases, SessionType)
	kSecurity,    // AuthMethod, CHAP_*: the login's security stage handles them
	kMarker,      // IFMarker / OFMarker (obsolete, RFC 7143 13.26): answer No
	kMarkInt,     // IFMarkInt / OFMarkInt (obsolete): answer Reject
};

// Stages a key may be sent in (bit per Stage).
constexpr u8 kInSecurity = 1;
constexpr u8 kInOperational = 2;
constexpr u8 kInFullFeature = 4;
constexpr u8 kInLogin = kInSecurity | kInOperational;

// Who may send it.
constexpr u8 kFromInitiator = 1;
constexpr u8 kFromTarget = 2;

enum class KeyUse : u8 {
	kAll,
	kLeadingOnly, // LO: leading connection of a session only
	kInitialOnly, // IO: initial login of a connection only
};

struct KeyInfo {
	const char *name;
	KeyId id;
	KeyKind kind;
	u8 stages;  // kIn*
	u8 senders; // kFrom*
	KeyUse use;
	u32 min;    // numbers: range
	u32 max;
	const char *rfc_default; // the value in force when the key is not negotiated
};

// The registry entry of key, or null (unknown or extension key).
const KeyInfo *find_key(StrView name);
const KeyInfo &key_info(KeyId id);

// Numbers as RFC 7143 6.1 writes them: decimal, or 0x hex; EINVAL / ERANGE.
Result<u32> parse_key_number(StrView value);
// "Yes" / "No"; EINVAL otherwise.
Result<bool> parse_key_bool(StrView value);
// value is a comma-separated list with token among it.
bool list_contains(StrView list, StrView token);

// What negotiate() leaves to the caller.
class KeySink {
  public:
	// A security key (AuthMethod, CHAP_*) in the security stage, or a declaration the login
	// consumes (InitiatorName, InitiatorAlias, TargetName, SessionType). Returns kSuccess to
	// go on, or a failure that ends the login.
	virtual LoginStatus consume(KeyId id, StrView value) = 0;

  protected:
	~KeySink() = default;
};

class Negotiator final {
  public:
	// tpg: the TPG's values (what we support / prefer). leading: the first connection of a
	// session (TSIH 0). discovery: SessionType=Discovery.
	Negotiator() = default;
	void start(const TpgParams *tpg, bool leading);
	void set_discovery(bool discovery) { discovery_ = discovery; }

	// Negotiates the pairs of one request (all its continuations joined) in stage; appends
	// the answers to out. kSuccess or the status that ends the login (the answers appended
	// so far are then meaningless). A full builder: kInitiatorError (as LIO).
	LoginStatus negotiate(Bytes text, Stage stage, KeySink &sink, TextBuilder &out);
	// The target's own declarations due in an operational-stage response
	// (MaxRecvDataSegmentLength, once per connection); called after negotiate().
	LoginStatus declare(Stage stage, TextBuilder &out);

	// The parameters in force now (the negotiated ones, defaults for the rest).
	SessionParams result() const;
	// The key was received in this login.
	bool seen(KeyId id) const { return (seen_ & (1ull << static_cast<u32>(id))) != 0; }

  private:
	LoginStatus one(const KeyInfo &k, StrView value, Stage stage, KeySink &sink,
			TextBuilder &out);
	LoginStatus answer(TextBuilder &out, StrView key, StrView value);
	LoginStatus answer_u32(TextBuilder &out, StrView key, u32 value);
	u32 tpg_number(ParamKey key, u32 fallback) const;
	bool tpg_bool(ParamKey key) const;

	const TpgParams *tpg_ = nullptr;
	bool leading_ = true;
	bool discovery_ = false;
	bool declared_mrdsl_ = false;
	u64 seen_ = 0;
	// Negotiated values (SessionParams fields), updated as keys are answered.
	SessionParams p_;
	bool fbl_pending_ = false; // FirstBurstLength offered in this request: answer at the end
	u32 fbl_offer_ = 0;
};

} // namespace lio::fabrics::iscsi

#endif // LIO_FABRICS_ISCSI_PARAMS_H
