// SPDX-License-Identifier: GPL-2.0
/*
 * fabrics/iscsi/params.cpp: the key registry, TpgParams (LIO's param/ files) and the login
 * key negotiation (see params.h).
 */
#include "fabrics/iscsi/params.h"

#include "lio/log.h"

namespace lio::fabrics::iscsi {

// What conn.cpp serves: one connection per session at ErrorRecoveryLevel 0.
constexpr u32 kServedMaxConnections = 1;
constexpr u32 kServedErl = 0;


namespace {

constexpr u32 kDsMin = 512;
constexpr u32 kDsMax = kMaxDataSegment; // pdu.h
// RFC 7144: the iSCSIProtocolLevel this implementation offers (RFC 7143).
constexpr u32 kOurProtocolLevel = 1;

#define KEY(name, id, kind, stages, senders, use, min, max, def)                            \
	{ name, KeyId::id, KeyKind::kind, stages, senders, KeyUse::use, min, max, def }

constexpr u8 kBoth = kFromInitiator | kFromTarget;

// Row i is KeyId i (checked by key_info()).
constexpr KeyInfo kKeyTable[] = {
	KEY("AuthMethod", kAuthMethod, kSecurity, kInSecurity, kBoth, kInitialOnly, 0, 0, "None"),
	KEY("HeaderDigest", kHeaderDigest, kList, kInOperational, kBoth, kInitialOnly, 0, 0, "None"),
	KEY("DataDigest", kDataDigest, kList, kInOperational, kBoth, kInitialOnly, 0, 0, "None"),
	KEY("MaxConnections", kMaxConnections, kNumMin, kInOperational, kBoth, kLeadingOnly, 1,
	    65535, "1"),
	KEY("SendTargets", kSendTargets, kDeclarative, kInFullFeature, kFromInitiator, kAll, 0, 0,
	    ""),
	KEY("TargetName", kTargetName, kDeclarative, kInLogin, kBoth, kInitialOnly, 0, 0, ""),
	KEY("InitiatorName", kInitiatorName, kDeclarative, kInLogin, kFromInitiator, kInitialOnly,
	    0, 0, ""),
	KEY("TargetAlias", kTargetAlias, kDeclarative, kInLogin | kInFullFeature, kFromTarget, kAll,
	    0, 0, ""),
	KEY("InitiatorAlias", kInitiatorAlias, kDeclarative, kInLogin | kInFullFeature,
	    kFromInitiator, kAll, 0, 0, ""),
	KEY("TargetAddress", kTargetAddress, kDeclarative, kInLogin | kInFullFeature, kFromTarget,
	    kAll, 0, 0, ""),
	KEY("TargetPortalGroupTag", kTargetPortalGroupTag, kDeclarative, kInLogin, kFromTarget,
	    kInitialOnly, 0, 65535, ""),
	KEY("InitialR2T", kInitialR2T, kBoolOr, kInOperational, kBoth, kLeadingOnly, 0, 0, "Yes"),
	KEY("ImmediateData", kImmediateData, kBoolAnd, kInOperational, kBoth, kLeadingOnly, 0, 0,
	    "Yes"),
	KEY("MaxRecvDataSegmentLength", kMaxRecvDataSegmentLength, kNumDeclared,
	    kInOperational | kInFullFeature, kBoth, kAll, kDsMin, kDsMax, "8192"),
	KEY("MaxBurstLength", kMaxBurstLength, kNumMin, kInOperational, kBoth, kLeadingOnly, kDsMin,
	    kDsMax, "262144"),
	KEY("FirstBurstLength", kFirstBurstLength, kNumMin, kInOperational, kBoth, kLeadingOnly,
	    kDsMin, kDsMax, "65536"),
	KEY("DefaultTime2Wait", kDefaultTime2Wait, kNumMax, kInOperational, kBoth, kLeadingOnly, 0,
	    3600, "2"),
	KEY("DefaultTime2Retain", kDefaultTime2Retain, kNumMin, kInOperational, kBoth,
	    kLeadingOnly, 0, 3600, "20"),
	KEY("MaxOutstandingR2T", kMaxOutstandingR2T, kNumMin, kInOperational, kBoth, kLeadingOnly,
	    1, 65535, "1"),
	KEY("DataPDUInOrder", kDataPDUInOrder, kBoolOr, kInOperational, kBoth, kLeadingOnly, 0, 0,
	    "Yes"),
	KEY("DataSequenceInOrder", kDataSequenceInOrder, kBoolOr, kInOperational, kBoth,
	    kLeadingOnly, 0, 0, "Yes"),
	KEY("ErrorRecoveryLevel", kErrorRecoveryLevel, kNumMin, kInOperational, kBoth, kLeadingOnly,
	    0, 2, "0"),
	KEY("SessionType", kSessionType, kDeclarative, kInLogin, kFromInitiator, kLeadingOnly, 0, 0,
	    "Normal"),
	KEY("IFMarker", kIFMarker, kMarker, kInOperational, kBoth, kInitialOnly, 0, 0, "No"),
	KEY("OFMarker", kOFMarker, kMarker, kInOperational, kBoth, kInitialOnly, 0, 0, "No"),
	KEY("IFMarkInt", kIFMarkInt, kMarkInt, kInOperational, kBoth, kInitialOnly, 0, 0, ""),
	KEY("OFMarkInt", kOFMarkInt, kMarkInt, kInOperational, kBoth, kInitialOnly, 0, 0, ""),
	KEY("TaskReporting", kTaskReporting, kList, kInOperational, kBoth, kLeadingOnly, 0, 0,
	    "RFC3720"),
	KEY("iSCSIProtocolLevel", kProtocolLevel, kNumMin, kInOperational, kBoth, kLeadingOnly, 0,
	    31, "0"),
	KEY("CHAP_A", kChapA, kSecurity, kInSecurity, kBoth, kAll, 0, 0, ""),
	KEY("CHAP_I", kChapI, kSecurity, kInSecurity, kBoth, kAll, 0, 0, ""),
	KEY("CHAP_C", kChapC, kSecurity, kInSecurity, kBoth, kAll, 0, 0, ""),
	KEY("CHAP_N", kChapN, kSecurity, kInSecurity, kBoth, kAll, 0, 0, ""),
	KEY("CHAP_R", kChapR, kSecurity, kInSecurity, kBoth, kAll, 0, 0, ""),
};
#undef KEY
static_assert(sizeof(kKeyTable) / sizeof(kKeyTable[0]) == kKeyCount);
static_assert(kKeyCount <= 64, "Negotiator::seen_ is a u64");

constexpr bool table_in_order() {
	for (u32 i = 0; i < kKeyCount; i++)
		if (static_cast<u32>(kKeyTable[i].id) != i)
			return false;
	return true;
}
static_assert(table_in_order(), "kKeyTable rows must follow KeyId");

// LIO's param/ files: name, default (LIO's INITIAL_*), and how a write is checked.
enum class ParamCheck : u8 { kAuthList, kDigestList, kNumber, kBool, kString };
struct ParamRow {
	const char *name;
	const char *initial;
	ParamCheck check;
	u32 min;
	u32 max;
};
constexpr ParamRow kParamTable[kParamCount] = {
	{"AuthMethod", "CHAP", ParamCheck::kAuthList, 0, 0},
	{"HeaderDigest", "CRC32C,None", ParamCheck::kDigestList, 0, 0},
	{"DataDigest", "CRC32C,None", ParamCheck::kDigestList, 0, 0},
	{"MaxConnections", "1", ParamCheck::kNumber, 1, 65535},
	{"TargetAlias", "LIO Target", ParamCheck::kString, 0, 0},
	{"InitialR2T", "Yes", ParamCheck::kBool, 0, 0},
	{"ImmediateData", "Yes", ParamCheck::kBool, 0, 0},
	{"MaxRecvDataSegmentLength", "8192", ParamCheck::kNumber, kDsMin, kDsMax},
	{"MaxXmitDataSegmentLength", "262144", ParamCheck::kNumber, kDsMin, kDsMax},
	{"MaxBurstLength", "262144", ParamCheck::kNumber, kDsMin, kDsMax},
	{"FirstBurstLength", "65536", ParamCheck::kNumber, kDsMin, kDsMax},
	{"DefaultTime2Wait", "2", ParamCheck::kNumber, 0, 3600},
	{"DefaultTime2Retain", "20", ParamCheck::kNumber, 0, 3600},
	{"MaxOutstandingR2T", "1", ParamCheck::kNumber, 1, 65535},
	{"DataPDUInOrder", "Yes", ParamCheck::kBool, 0, 0},
	{"DataSequenceInOrder", "Yes", ParamCheck::kBool, 0, 0},
	{"ErrorRecoveryLevel", "0", ParamCheck::kNumber, 0, 2},
	{"IFMarker", "No", ParamCheck::kBool, 0, 0},
	{"OFMarker", "No", ParamCheck::kBool, 0, 0},
	{"IFMarkInt", "Reject", ParamCheck::kString, 0, 0},
	{"OFMarkInt", "Reject", ParamCheck::kString, 0, 0},
};

bool has_comma(StrView s) {
	for (usize i = 0; i < s.size(); i++)
		if (s.data()[i] == ',')
			return true;
	return false;
}

bool check_list(StrView value, ParamCheck check) {
	bool ok = true;
	for_each_token(value, [&](StrView t) {
		bool good;
		if (check == ParamCheck::kDigestList)
			good = str_equal(t, "CRC32C") || str_equal(t, "None");
		else
			good = str_equal(t, "CHAP") || str_equal(t, "None") || str_equal(t, "KRB5") ||
			       str_equal(t, "SPKM1") || str_equal(t, "SPKM2") || str_equal(t, "SRP");
		ok = ok && good;
		return ok;
	});
	return ok;
}

void set_value(char (&dst)[kParamValueLen], StrView v) {
	(void)str_copy(Span<char>(dst, kParamValueLen), v); // callers checked the length
}

bool is_special_answer(StrView v) {
	return str_equal(v, "Reject") || str_equal(v, "Irrelevant") ||
	       str_equal(v, "NotUnderstood");
}

} // namespace

const KeyInfo &key_info(KeyId id) {
	u32 i = static_cast<u32>(id);
	LIO_VERIFY(i < kKeyCount);
	return kKeyTable[i];
}

const KeyInfo *find_key(StrView name) {
	for (const KeyInfo &k : kKeyTable)
		if (str_equal(name, k.name))
			return &k;
	return nullptr;
}

Result<u32> parse_key_number(StrView value) {
	if (value.is_empty())
		return Error::from_errno(KABI_EINVAL);
	// No trailing newline on the wire: parse_u32 would accept one.
	if (value.data()[value.size() - 1] == '\n')
		return Error::from_errno(KABI_EINVAL);
	bool hex = value.size() > 2 && value.data()[0] == '0' &&
		   (value.data()[1] == 'x' || value.data()[1] == 'X');
	return parse_u32(value, hex ? 16 : 10);
}

Result<bool> parse_key_bool(StrView value) {
	if (str_equal(value, "Yes"))
		return true;
	if (str_equal(value, "No"))
		return false;
	return Error::from_errno(KABI_EINVAL);
}

bool list_contains(StrView list, StrView token) {
	bool found = false;
	for_each_token(list, [&](StrView t) {
		found = str_equal(t, token);
		return !found;
	});
	return found;
}

// ---- config.h: param_name, TpgParams ----

const char *param_name(ParamKey key) {
	u32 i = static_cast<u32>(key);
	LIO_VERIFY(i < kParamCount);
	return kParamTable[i].name;
}

TpgParams::TpgParams() {
	for (u32 i = 0; i < kParamCount; i++)
		set_value(values_[i], str_view(kParamTable[i].initial));
}

StrView TpgParams::value(ParamKey key) const {
	u32 i = static_cast<u32>(key);
	LIO_VERIFY(i < kParamCount);
	return StrView(values_[i], str_nlen(values_[i], kParamValueLen));
}

Result<void> TpgParams::store(ParamKey key, StrView text) {
	u32 i = static_cast<u32>(key);
	LIO_VERIFY(i < kParamCount);
	const ParamRow &row = kParamTable[i];
	StrView v = strip_newline(text);
	bool ok = v.size() < kParamValueLen && str_nlen(v.data(), v.size()) == v.size();
	if (ok) {
		switch (row.check) {
		case ParamCheck::kAuthList:
		case ParamCheck::kDigestList:
			ok = check_list(v, row.check);
			break;
		case ParamCheck::kNumber: {
			Result<u32> n = parse_u32(v, 0); // kstrtoul base 0, as LIO's strtoul
			ok = !has_comma(v) && n.is_ok() && n.value() >= row.min &&
			     n.value() <= row.max;
			break;
		}
		case ParamCheck::kBool:
			ok = str_equal(v, "Yes") || str_equal(v, "No");
			break;
		case ParamCheck::kString:
			ok = !has_comma(v); // LIO: a "," is a list, not allowed here
			break;
		}
	}
	if (!ok) {
		log_warn("iscsi: illegal value for parameter %s\n", row.name);
		return Error::from_errno(KABI_EINVAL);
	}
	set_value(values_[i], v);
	return {};
}

void TpgParams::set_authentication(bool required) {
	const u32 i = static_cast<u32>(ParamKey::kAuthMethod);
	StrView cur = value(ParamKey::kAuthMethod);
	char buf[kParamValueLen];
	usize n = 0;
	if (required) {
		// Drop "None" from the list; a list of only None stays (LIO leaves it too).
		bool first = true;
		for_each_token(cur, [&](StrView t) {
			if (str_equal(t, "None"))
				return true;
			if (!first)
				buf[n++] = ',';
			__builtin_memcpy(buf + n, t.data(), t.size());
			n += t.size();
			first = false;
			return true;
		});
		if (n == 0)
			return;
	} else {
		if (list_contains(cur, str_view("None")))
			return;
		if (cur.size() + 5 >= kParamValueLen)
			return;
		__builtin_memcpy(buf, cur.data(), cur.size());
		n = cur.size();
		if (n)
			buf[n++] = ',';
		__builtin_memcpy(buf + n, "None", 4);
		n += 4;
	}
	set_value(values_[i], StrView(buf, n));
}

// ---- Negotiator ----

void Negotiator::start(const TpgParams *tpg, bool leading) {
	tpg_ = tpg;
	leading_ = leading;
	discovery_ = false;
	declared_mrdsl_ = false;
	seen_ = 0;
	p_ = SessionParams();
	// The initiator may send up to 8192 bytes until we declare; we send up to its default
	// 8192 (bounded by MaxXmitDataSegmentLength) until it declares.
	p_.max_xmit_dsl = min<u32>(8192, tpg_number(ParamKey::kMaxXmitDataSegmentLength, 8192));
	fbl_pending_ = false;
}

u32 Negotiator::tpg_number(ParamKey key, u32 fallback) const {
	if (!tpg_)
		return fallback;
	Result<u32> v = parse_u32(tpg_->value(key), 0);
	return v.is_ok() ? v.value() : fallback;
}

bool Negotiator::tpg_bool(ParamKey key) const {
	return tpg_ && str_equal(tpg_->value(key), "Yes");
}

LoginStatus Negotiator::answer(TextBuilder &out, StrView key, StrView value) {
	if (out.add(key, value).is_error()) {
		// Only an initiator's flood of keys fills it (LIO: initiator error too).
		log_err("iscsi: login response text exceeds %zu bytes\n", out.capacity());
		return LoginStatus::kInitiatorError;
	}
	return LoginStatus::kSuccess;
}

LoginStatus Negotiator::answer_u32(TextBuilder &out, StrView key, u32 value) {
	char digits[11];
	return answer(out, key, format_u32(value, digits));
}

LoginStatus Negotiator::negotiate(Bytes text, Stage stage, KeySink &sink, TextBuilder &out) {
	TextReader reader(text);
	TextPair pair;
	for (;;) {
		Result<bool> more = reader.next(pair);
		if (more.is_error()) {
			log_err("iscsi: malformed login text key\n");
			return LoginStatus::kInitiatorError;
		}
		if (!more.value())
			break;
		const KeyInfo *k = find_key(pair.key);
		LoginStatus st;
		if (!k)
			st = answer(out, pair.key, str_view("NotUnderstood")); // X-, X#, unknown
		else
			st = one(*k, pair.value, stage, sink, out);
		if (st != LoginStatus::kSuccess)
			return st;
	}
	if (fbl_pending_) {
		fbl_pending_ = false;
		const StrView name = str_view("FirstBurstLength");
		// RFC 7143 13.14: Irrelevant when InitialR2T=Yes and ImmediateData=No.
		if (p_.initial_r2t && !p_.immediate_data)
			return answer(out, name, str_view("Irrelevant"));
		u32 v = min(fbl_offer_, tpg_number(ParamKey::kFirstBurstLength, 65536));
		// LIO's integrity rule: FirstBurstLength <= MaxBurstLength.
		v = min(v, p_.max_burst_length);
		p_.first_burst_length = v;
		return answer_u32(out, name, v);
	}
	return LoginStatus::kSuccess;
}

LoginStatus Negotiator::one(const KeyInfo &k, StrView value, Stage stage, KeySink &sink,
			    TextBuilder &out) {
	const StrView name = str_view(k.name);
	const u8 stage_bit = stage == Stage::kSecurity ? kInSecurity : kInOperational;
	if (!(k.senders & kFromInitiator) || !(k.stages & stage_bit) ||
	    (!leading_ && k.use == KeyUse::kLeadingOnly))
		return answer(out, name, str_view("NotUnderstood"));

	const u64 bit = 1ull << static_cast<u32>(k.id);
	if (seen_ & bit) {
		log_err("iscsi: login key %s received twice\n", k.name);
		return LoginStatus::kInitiatorError;
	}
	seen_ |= bit;

	if (k.kind == KeyKind::kSecurity || k.kind == KeyKind::kDeclarative)
		return sink.consume(k.id, value);
	if (k.kind == KeyKind::kMarker)
		return answer(out, name, str_view("No"));
	if (k.kind == KeyKind::kMarkInt)
		return answer(out, name, str_view("Reject"));
	if (is_special_answer(value))
		return answer(out, name, str_view("Reject")); // not an offer

	switch (k.kind) {
	case KeyKind::kBoolAnd:
	case KeyKind::kBoolOr: {
		Result<bool> offer = parse_key_bool(value);
		if (offer.is_error())
			return answer(out, name, str_view("Reject"));
		bool *field = nullptr;
		ParamKey pk = ParamKey::kInitialR2T;
		switch (k.id) {
		case KeyId::kInitialR2T:
			field = &p_.initial_r2t;
			pk = ParamKey::kInitialR2T;
			break;
		case KeyId::kImmediateData:
			field = &p_.immediate_data;
			pk = ParamKey::kImmediateData;
			break;
		case KeyId::kDataPDUInOrder:
			field = &p_.data_pdu_in_order;
			pk = ParamKey::kDataPDUInOrder;
			break;
		case KeyId::kDataSequenceInOrder:
			field = &p_.data_sequence_in_order;
			pk = ParamKey::kDataSequenceInOrder;
			break;
		default:
			return answer(out, name, str_view("NotUnderstood"));
		}
		bool ours = tpg_bool(pk);
		bool r = k.kind == KeyKind::kBoolAnd ? (offer.value() && ours)
						     : (offer.value() || ours);
		*field = r;
		return answer(out, name, str_view(r ? "Yes" : "No"));
	}
	case KeyKind::kNumMin:
	case KeyKind::kNumMax: {
		Result<u32> offer = parse_key_number(value);
		if (offer.is_error() || offer.value() < k.min || offer.value() > k.max)
			return answer(out, name, str_view("Reject"));
		u32 o = offer.value();
		switch (k.id) {
		case KeyId::kMaxConnections:
			// One connection per session is what the connection layer serves (no
			// MC/S yet, docs/design.md): never more, whatever param/ says.
			p_.max_connections =
				min(min(o, tpg_number(ParamKey::kMaxConnections, 1)), kServedMaxConnections);
			return answer_u32(out, name, p_.max_connections);
		case KeyId::kMaxBurstLength:
			p_.max_burst_length = min(o, tpg_number(ParamKey::kMaxBurstLength, 262144));
			return answer_u32(out, name, p_.max_burst_length);
		case KeyId::kFirstBurstLength:
			fbl_pending_ = true; // needs InitialR2T / ImmediateData: answered last
			fbl_offer_ = o;
			return LoginStatus::kSuccess;
		case KeyId::kDefaultTime2Wait:
			p_.default_time2wait = max(o, tpg_number(ParamKey::kDefaultTime2Wait, 2));
			return answer_u32(out, name, p_.default_time2wait);
		case KeyId::kDefaultTime2Retain:
			p_.default_time2retain =
				min(o, tpg_number(ParamKey::kDefaultTime2Retain, 20));
			return answer_u32(out, name, p_.default_time2retain);
		case KeyId::kMaxOutstandingR2T:
			p_.max_outstanding_r2t =
				min(o, tpg_number(ParamKey::kMaxOutstandingR2T, 1));
			return answer_u32(out, name, p_.max_outstanding_r2t);
		case KeyId::kErrorRecoveryLevel:
			// ErrorRecoveryLevel 0 is what the connection layer implements (no SNACK,
			// no connection recovery yet): the negotiated level never exceeds it.
			p_.error_recovery_level = static_cast<u8>(
				min(min(o, tpg_number(ParamKey::kErrorRecoveryLevel, 0)), kServedErl));
			return answer_u32(out, name, p_.error_recovery_level);
		case KeyId::kProtocolLevel:
			return answer_u32(out, name, min(o, kOurProtocolLevel));
		default:
			return answer(out, name, str_view("NotUnderstood"));
		}
	}
	case KeyKind::kNumDeclared: {
		Result<u32> offer = parse_key_number(value);
		if (offer.is_error() || offer.value() < k.min || offer.value() > k.max)
			return answer(out, name, str_view("Reject"));
		p_.max_xmit_dsl =
			min(offer.value(), tpg_number(ParamKey::kMaxXmitDataSegmentLength, 262144));
		return declare(Stage::kOperational, out);
	}
	case KeyKind::kList: {
		StrView ours;
		if (k.id == KeyId::kHeaderDigest)
			ours = tpg_ ? tpg_->value(ParamKey::kHeaderDigest) : str_view("None");
		else if (k.id == KeyId::kDataDigest)
			ours = tpg_ ? tpg_->value(ParamKey::kDataDigest) : str_view("None");
		else
			ours = str_view("RFC3720"); // TaskReporting: no ResponseFence, no FastAbort
		StrView pick;
		bool bad = false;
		for_each_token(value, [&](StrView t) {
			bad = bad || t.is_empty(); // the whole list must be well-formed
			if (pick.is_empty() && list_contains(ours, t))
				pick = t;
			return true;
		});
		if (bad || pick.is_empty())
			return answer(out, name, str_view("Reject"));
		if (k.id == KeyId::kHeaderDigest)
			p_.header_digest = str_equal(pick, "CRC32C");
		else if (k.id == KeyId::kDataDigest)
			p_.data_digest = str_equal(pick, "CRC32C");
		return answer(out, name, pick);
	}
	default:
		return answer(out, name, str_view("NotUnderstood"));
	}
}

LoginStatus Negotiator::declare(Stage stage, TextBuilder &out) {
	if (stage != Stage::kOperational || declared_mrdsl_)
		return LoginStatus::kSuccess;
	// As LIO: the target declares its MaxXmitDataSegmentLength (262144 by default) as the
	// MaxRecvDataSegmentLength it accepts, so initiators send Data-Out in PDUs of up to that
	// size; param/MaxRecvDataSegmentLength (8192) only bounds what comes before the
	// declaration. Declaring 8192 makes every 256 KiB burst 32 PDUs: a quarter of the write
	// throughput (tools/bench-loopback.sh --fabric iscsi).
	u32 v = max(tpg_number(ParamKey::kMaxXmitDataSegmentLength, 262144),
		    tpg_number(ParamKey::kMaxRecvDataSegmentLength, 8192));
	LoginStatus st = answer_u32(out, str_view("MaxRecvDataSegmentLength"), v);
	if (st == LoginStatus::kSuccess) {
		declared_mrdsl_ = true;
		p_.max_recv_dsl = v;
	}
	return st;
}

SessionParams Negotiator::result() const {
	SessionParams r = p_;
	if (r.first_burst_length > r.max_burst_length)
		r.first_burst_length = r.max_burst_length;
	if (discovery_)
		r.max_connections = 1; // LIO's integrity rule
	return r;
}

} // namespace lio::fabrics::iscsi
