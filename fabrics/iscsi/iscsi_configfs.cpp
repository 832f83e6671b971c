// SPDX-License-Identifier: GPL-2.0
/*
 * fabrics/iscsi/iscsi_configfs.cpp: the iSCSI fabric's configfs attribute files, as LIO 6.1's
 * iscsi_target_configfs.c and iscsi_target_stat.c name and order them:
 *
 *   target/iscsi/                     lio_version, cpus_allowed_list
 *   target/iscsi/discovery_auth/      userid, password, authenticate_target, userid_mutual,
 *                                     password_mutual, enforce_discovery_auth
 *   <iqn>/fabric_statistics/          iscsi_instance, iscsi_sess_err, iscsi_tgt_attr,
 *                                     iscsi_login_stats, iscsi_logout_stats
 *   <iqn>/tpgt_N/                     dynamic_sessions
 *   <iqn>/tpgt_N/attrib/              the 14 of lio_target_tpg_attrib_attrs
 *   <iqn>/tpgt_N/auth/                the demo-mode CHAP secrets
 *   <iqn>/tpgt_N/param/               the 21 session keys (TpgParams)
 *   <iqn>/tpgt_N/np/<addr>/           iser, cxgbit
 *   <iqn>/tpgt_N/acls/<x>/            info, cmdsn_depth, tag
 *   <iqn>/tpgt_N/acls/<x>/attrib/     the 9 of lio_target_nacl_attrib_attrs
 *   <iqn>/tpgt_N/acls/<x>/auth/       the ACL's CHAP secrets
 *   <iqn>/tpgt_N/acls/<x>/param/      the 11 negotiated keys of its session (session_info.h)
 *   acls/<x>/fabric_statistics/       iscsi_sess_stats
 *
 * Writes are checked as LIO checks them (kstrtou32 base 0 and the iscsit_ta_* / iscsit_na_*
 * ranges); a refused write is EINVAL (or the parse error) with one log line. The demo-mode
 * attributes (generate_node_acls, cache_dynamic_acls, demo_mode_write_protect,
 * prod_mode_write_protect) are the core's (TpgPort::demo_mode).
 */
#include "fabrics/iscsi/iscsi.h"
#include "fabrics/iscsi/iscsi_abi.h"
#include "fabrics/iscsi/registry.h"
#include "fabrics/iscsi/session_info.h"
#include "fabrics/iscsi/tpg_config.h"
#include "kabi/log.h"
#include "lio/lock.h"
#include "lio/log.h"
#include "lio/string.h"
#include "lio/utility.h"

namespace lio::fabrics::iscsi {

namespace {

using core::FabricAttr;
using core::FabricGroup;

constexpr const char kVersion[] = "v4.1.0"; // ISCSIT_VERSION
constexpr u32 kNodeIndex = 1;               // ISCSI_NODE_INDEX
constexpr u32 kDraft20Version = 0;          // ISCSI_DRAFT20_VERSION

#define VAL(v) static_cast<int>((v).size()), (v).data()

char *page(MutableBytes out) { return reinterpret_cast<char *>(out.data()); }

// kabi_snprintf returns the length it wrote (scnprintf), what show() returns.
#define EMIT(...) kabi_snprintf(page(out), out.size(), __VA_ARGS__)

IscsiTiqn &tiqn_of(core::FabricWwn &w) { return static_cast<IscsiTiqn &>(w); }
IscsiTpg &tpg_of(core::FabricTpg &t) { return static_cast<IscsiTpg &>(t); }
IscsiAcl &acl_of(core::FabricAcl &a) { return static_cast<IscsiAcl &>(a); }
IscsiNp &np_of(core::FabricNp &n) { return static_cast<IscsiNp &>(n); }

// ---------------------------------------------------------------- where a write went wrong

// "<iqn>/tpgt_N/<dir>" etc., for the one log line of a refused write.
struct Where {
	char s[2 * kIqnLen + 64];
};

Where where(core::Fabric &, const char *dir) {
	Where w;
	kabi_snprintf(w.s, sizeof(w.s), "%s", dir);
	return w;
}

Where where(core::FabricTpg &tpg, const char *dir) {
	IscsiTpg &t = tpg_of(tpg);
	Where w;
	kabi_snprintf(w.s, sizeof(w.s), "%s/tpgt_%u/%s", t.tiqn().name(), t.tag(), dir);
	return w;
}

Where where(core::FabricAcl &acl, const char *dir) {
	IscsiAcl &a = acl_of(acl);
	Where w;
	kabi_snprintf(w.s, sizeof(w.s), "%s/tpgt_%u/acls/%s%s%s", a.tpg().tiqn().name(),
		      a.tpg().tag(), a.initiator(), dir[0] ? "/" : "", dir);
	return w;
}

// kstrtou32(page, 0): EINVAL / ERANGE with one log line.
template <typename Obj>
Result<u32> parse_value(Obj &obj, const char *dir, const char *name, StrView value) {
	Result<u32> v = parse_u32(value, 0);
	if (v.is_error())
		log_err("iSCSI %s/%s: \"%.*s\" is not an unsigned 32-bit number\n",
			where(obj, dir).s, name, VAL(value));
	return v;
}

template <typename Obj>
Error refuse(Obj &obj, const char *dir, const char *name, u32 value, const char *why) {
	log_err("iSCSI %s/%s: %u refused: %s\n", where(obj, dir).s, name, value, why);
	return Error::from_errno(KABI_EINVAL);
}

// ---------------------------------------------------------------- target/iscsi/

s64 lio_version_show(core::Fabric &, MutableBytes out) {
	return EMIT("Datera Inc. iSCSI Target %s\n", kVersion);
}

s64 cpus_allowed_list_show(core::Fabric &, MutableBytes out) {
	return iscsi_glue_cpus_allowed_show(page(out), out.size());
}

// cpulist_parse(): its errno (EINVAL, ERANGE for a CPU this system lacks), with one log line
// here (the glue logs nothing, nor does LIO).
Result<void> cpus_allowed_list_store(core::Fabric &, StrView value) {
	s32 ret = iscsi_glue_cpus_allowed_store(value.data(), value.size());
	if (ret < 0) {
		log_err("iSCSI cpus_allowed_list: \"%.*s\" refused: error %d\n", VAL(value),
			static_cast<int>(ret));
		return Error::from_errno(-ret);
	}
	return {};
}

// ---------------------------------------------------------------- auth/ (CHAP secrets)

// The CHAP secrets behind an auth/ directory, with their lock and LIO's naf_flags.
struct AuthRef {
	Mutex &lock;
	ChapSecrets &auth;
	u32 &flags;
};

AuthRef auth_of(core::Fabric &) {
	DiscoveryConfig &d = discovery_config();
	return {d.lock, d.auth, d.auth_flags};
}
AuthRef auth_of(core::FabricTpg &t) {
	TpgConfig &c = tpg_of(t).config;
	return {c.lock, c.auth, c.auth_flags};
}
AuthRef auth_of(core::FabricAcl &a) {
	AclConfig &c = acl_of(a).config;
	return {c.lock, c.auth, c.auth_flags};
}

enum class AuthField : u8 { kUserid, kPassword, kUseridMutual, kPasswordMutual };

constexpr u32 flag_of(AuthField f) {
	switch (f) {
	case AuthField::kUserid: return kAuthUseridSet;
	case AuthField::kPassword: return kAuthPasswordSet;
	case AuthField::kUseridMutual: return kAuthUseridInSet;
	case AuthField::kPasswordMutual: return kAuthPasswordInSet;
	}
	return 0;
}

constexpr const char *name_of(AuthField f) {
	switch (f) {
	case AuthField::kUserid: return "userid";
	case AuthField::kPassword: return "password";
	case AuthField::kUseridMutual: return "userid_mutual";
	case AuthField::kPasswordMutual: return "password_mutual";
	}
	return "";
}

char *field_of(ChapSecrets &s, AuthField f) {
	switch (f) {
	case AuthField::kUserid: return s.userid;
	case AuthField::kPassword: return s.password;
	case AuthField::kUseridMutual: return s.userid_mutual;
	case AuthField::kPasswordMutual: return s.password_mutual;
	}
	return s.userid;
}

template <typename Obj> const char *auth_dir() { return "auth"; }
template <> const char *auth_dir<core::Fabric>() { return "discovery_auth"; }

template <typename Obj, AuthField F> s64 auth_show(Obj &obj, MutableBytes out) {
	AuthRef r = auth_of(obj);
	LockGuard guard(r.lock);
	return EMIT("%s\n", field_of(r.auth, F));
}

// LIO's auth/ string store: the value as written (empty included); one starting with "NULL"
// clears the field's flag, anything else sets it; authenticate_target is 1 while both mutual
// flags are set. ACL and discovery_auth/ refuse 256 bytes or more (EINVAL), tpgt_N/auth/
// keeps the first 255 (LIO's snprintf into the field).
template <typename Obj, AuthField F, bool kTruncate>
Result<void> auth_store(Obj &obj, StrView value) {
	if (value.size() >= kAuthLen) {
		if (!kTruncate) {
			log_err("iSCSI %s/%s: longer than %u characters\n",
				where(obj, auth_dir<Obj>()).s, name_of(F),
				static_cast<u32>(kAuthLen - 1));
			return Error::from_errno(KABI_EINVAL);
		}
		value = StrView(value.data(), kAuthLen - 1);
	}
	AuthRef r = auth_of(obj);
	LockGuard guard(r.lock);
	char *field = field_of(r.auth, F);
	__builtin_memcpy(field, value.data(), value.size());
	field[value.size()] = '\0';
	if (starts_with(value, str_view("NULL")))
		r.flags &= ~flag_of(F);
	else
		r.flags |= flag_of(F);
	return {};
}

template <typename Obj> s64 authenticate_target_show(Obj &obj, MutableBytes out) {
	AuthRef r = auth_of(obj);
	LockGuard guard(r.lock);
	bool on = (r.flags & kAuthUseridInSet) && (r.flags & kAuthPasswordInSet);
	return EMIT("%d\n", on ? 1 : 0);
}

#define AUTH_ATTRS(Obj, truncate)                                                              \
	{"userid", 0644, auth_show<Obj, AuthField::kUserid>,                                   \
	 auth_store<Obj, AuthField::kUserid, truncate>},                                       \
	    {"password", 0644, auth_show<Obj, AuthField::kPassword>,                           \
	     auth_store<Obj, AuthField::kPassword, truncate>},                                 \
	    {"authenticate_target", 0444, authenticate_target_show<Obj>, nullptr},             \
	    {"userid_mutual", 0644, auth_show<Obj, AuthField::kUseridMutual>,                  \
	     auth_store<Obj, AuthField::kUseridMutual, truncate>},                             \
	{                                                                                      \
		"password_mutual", 0644, auth_show<Obj, AuthField::kPasswordMutual>,           \
		    auth_store<Obj, AuthField::kPasswordMutual, truncate>                      \
	}

// ---------------------------------------------------------------- discovery_auth/

s64 enforce_discovery_auth_show(core::Fabric &, MutableBytes out) {
	DiscoveryConfig &d = discovery_config();
	LockGuard guard(d.lock);
	return EMIT("%d\n", d.enforce_discovery_auth ? 1 : 0);
}

// 0 or 1 (EINVAL otherwise, a parse error included). LIO also switches its discovery TPG's
// AuthMethod between "CHAP" and "CHAP,None"; here the SendTargets login reads
// enforce_discovery_auth itself.
Result<void> enforce_discovery_auth_store(core::Fabric &f, StrView value) {
	Result<u32> op = parse_value(f, "discovery_auth", "enforce_discovery_auth", value);
	if (op.is_error())
		return Error::from_errno(KABI_EINVAL);
	if (op.value() != 0 && op.value() != 1)
		return refuse(f, "discovery_auth", "enforce_discovery_auth", op.value(),
			      "not 0 or 1");
	DiscoveryConfig &d = discovery_config();
	LockGuard guard(d.lock);
	d.enforce_discovery_auth = op.value() == 1;
	return {};
}

// ---------------------------------------------------------------- tpgt_N/

// LIO's target_show_dynamic_sessions: the initiator names of the TPG's demo-mode sessions,
// one a line. No session is attached to a TPG yet.
s64 dynamic_sessions_show(core::FabricTpg &, MutableBytes) { return 0; }

// ---------------------------------------------------------------- tpgt_N/attrib/

// The values a u32 attribute takes: lo..hi, or (set) exactly the values whose bit is in mask.
struct Range {
	u32 lo;
	u32 hi;
	u32 mask; // nonzero: allowed values are the set bits (values < 32)
};

bool allowed(const Range &r, u32 v) {
	if (r.mask)
		return v < 32 && (r.mask & (1u << v));
	return v >= r.lo && v <= r.hi;
}

template <typename Obj> Error refuse_range(Obj &obj, const char *dir, const char *name, u32 v,
					   const Range &r) {
	if (r.mask) {
		char list[64] = {};
		usize n = 0;
		for (u32 i = 0; i < 32; i++) {
			if (!(r.mask & (1u << i)))
				continue;
			s32 w = kabi_snprintf(list + n, sizeof(list) - n, "%s%u", n ? ", " : "", i);
			if (w > 0)
				n = min<usize>(n + static_cast<usize>(w), sizeof(list) - 1);
		}
		log_err("iSCSI %s/%s: %u refused: not one of %s\n", where(obj, dir).s, name, v,
			list);
	} else {
		log_err("iSCSI %s/%s: %u refused: not within %u..%u\n", where(obj, dir).s, name, v,
			r.lo, r.hi);
	}
	return Error::from_errno(KABI_EINVAL);
}

constexpr Range kBool = {0, 1, 0};

// The TPG's own attrib/ values (TpgAttribs), LIO's iscsit_ta_* checks.
template <u32 TpgAttribs::*F> s64 tpg_attrib_show(core::FabricTpg &tpg, MutableBytes out) {
	TpgConfig &c = tpg_of(tpg).config;
	LockGuard guard(c.lock);
	return EMIT("%u\n", c.attribs.*F);
}

template <u32 TpgAttribs::*F, const char *kName, const Range &kRange>
Result<void> tpg_attrib_store(core::FabricTpg &tpg, StrView value) {
	u32 v = TRY(parse_value(tpg, "attrib", kName, value));
	if (!allowed(kRange, v))
		return refuse_range(tpg, "attrib", kName, v, kRange);
	TpgConfig &c = tpg_of(tpg).config;
	LockGuard guard(c.lock);
	c.attribs.*F = v;
	return {};
}

// authentication: 0 or 1; AuthMethod loses (1) or gains (0) "None" (TpgParams).
Result<void> tpg_authentication_store(core::FabricTpg &tpg, StrView value) {
	u32 v = TRY(parse_value(tpg, "attrib", "authentication", value));
	if (v != 0 && v != 1)
		return refuse(tpg, "attrib", "authentication", v, "not 0 or 1");
	TpgConfig &c = tpg_of(tpg).config;
	LockGuard guard(c.lock);
	c.params.set_authentication(v == 1);
	c.attribs.authentication = v;
	return {};
}

// The demo-mode four (the core's TpgDemoMode): read-modify-write under TpgConfig::demo_lock,
// so that two writers do not lose each other's change.
template <bool core::TpgDemoMode::*F> s64 demo_show(core::FabricTpg &tpg, MutableBytes out) {
	core::TpgPort *port = tpg.port();
	if (!port)
		return -KABI_ENODEV;
	return EMIT("%u\n", (port->demo_mode().*F) ? 1u : 0u);
}

enum class DemoRule : u8 {
	kPlain,
	kGenerate, // generate_node_acls=1 also sets cache_dynamic_acls
	kCache,    // cache_dynamic_acls=0 is ignored while generate_node_acls=1
};

template <bool core::TpgDemoMode::*F, const char *kName, DemoRule kRule>
Result<void> demo_store(core::FabricTpg &tpg, StrView value) {
	u32 v = TRY(parse_value(tpg, "attrib", kName, value));
	if (v != 0 && v != 1)
		return refuse(tpg, "attrib", kName, v, "not 0 or 1");
	core::TpgPort *port = tpg.port();
	if (!port)
		return Error::from_errno(KABI_ENODEV);
	LockGuard guard(tpg_of(tpg).config.demo_lock);
	core::TpgDemoMode m = port->demo_mode();
	if (kRule == DemoRule::kCache && m.generate_node_acls && v == 0)
		return {}; // LIO: skipped, success
	m.*F = v == 1;
	if (kRule == DemoRule::kGenerate && v == 1)
		m.cache_dynamic_acls = true;
	port->set_demo_mode(m);
	return {};
}

constexpr char k_login_timeout[] = "login_timeout";
constexpr char k_netif_timeout[] = "netif_timeout";
constexpr char k_generate_node_acls[] = "generate_node_acls";
constexpr char k_default_cmdsn_depth[] = "default_cmdsn_depth";
constexpr char k_cache_dynamic_acls[] = "cache_dynamic_acls";
constexpr char k_demo_mode_write_protect[] = "demo_mode_write_protect";
constexpr char k_prod_mode_write_protect[] = "prod_mode_write_protect";
constexpr char k_demo_mode_discovery[] = "demo_mode_discovery";
constexpr char k_default_erl[] = "default_erl";
constexpr char k_t10_pi[] = "t10_pi";
constexpr char k_fabric_prot_type[] = "fabric_prot_type";
constexpr char k_tpg_enabled_sendtargets[] = "tpg_enabled_sendtargets";
constexpr char k_login_keys_workaround[] = "login_keys_workaround";

constexpr Range kLoginTimeoutRange = {5, 30, 0};    // TA_LOGIN_TIMEOUT_MIN/MAX
constexpr Range kNetifTimeoutRange = {2, 15, 0};    // TA_NETIF_TIMEOUT_MIN/MAX
constexpr Range kCmdsnDepthRange = {1, 512, 0};     // TA_DEFAULT_CMDSN_DEPTH_MIN/MAX
constexpr Range kErlRange = {0, 2, 0};
constexpr Range kProtTypeRange = {0, 0, 0x0b};      // 0, 1, 3 (no DIF type 2)

#define TPG_ATTRIB(field, range)                                                               \
	{                                                                                      \
		k_##field, 0644, tpg_attrib_show<&TpgAttribs::field>,                          \
		    tpg_attrib_store<&TpgAttribs::field, k_##field, range>                     \
	}
#define DEMO_ATTRIB(field, rule)                                                               \
	{                                                                                      \
		k_##field, 0644, demo_show<&core::TpgDemoMode::field>,                         \
		    demo_store<&core::TpgDemoMode::field, k_##field, rule>                     \
	}

// ---------------------------------------------------------------- tpgt_N/param/

template <ParamKey K> s64 tpg_param_show(core::FabricTpg &tpg, MutableBytes out) {
	TpgConfig &c = tpg_of(tpg).config;
	LockGuard guard(c.lock);
	StrView v = c.params.value(K);
	return EMIT("%.*s\n", VAL(v));
}

// TpgParams::store checks the value and logs its one line; any refusal is EINVAL (LIO).
template <ParamKey K> Result<void> tpg_param_store(core::FabricTpg &tpg, StrView value) {
	TpgConfig &c = tpg_of(tpg).config;
	LockGuard guard(c.lock);
	if (c.params.store(K, value).is_error())
		return Error::from_errno(KABI_EINVAL);
	return {};
}

#define TPG_PARAM(key) {#key, 0644, tpg_param_show<ParamKey::k##key>, tpg_param_store<ParamKey::k##key>}

// ---------------------------------------------------------------- np/<addr>/

// iser and cxgbit: 1 while this portal is also served by that transport. Neither exists
// here: 1 is refused as LIO refuses it when ib_isert / cxgbit is not loaded (EINVAL).
template <bool kIser> s64 np_transport_show(core::FabricNp &np, MutableBytes out) {
	bool on = kIser ? np_of(np).iser : false;
	return EMIT("%d\n", on ? 1 : 0);
}

template <bool kIser> Result<void> np_transport_store(core::FabricNp &np, StrView value) {
	const char *name = kIser ? "iser" : "cxgbit";
	IscsiNp &n = np_of(np);
	Result<u32> op = parse_u32(value, 0);
	if (op.is_error()) {
		log_err("iSCSI %s: %s: \"%.*s\" is not an unsigned 32-bit number\n",
			where(n.tpg(), "np").s, name, VAL(value));
		return op.error();
	}
	if (op.value() != 0 && op.value() != 1) {
		log_err("iSCSI %s: %s: %u refused: not 0 or 1\n", where(n.tpg(), "np").s, name,
			op.value());
		return Error::from_errno(KABI_EINVAL);
	}
	if (op.value() == 1) {
		log_err("iSCSI %s: %s: the %s transport module is not available\n",
			where(n.tpg(), "np").s, name, kIser ? "ib_isert" : "cxgbit");
		return Error::from_errno(KABI_EINVAL);
	}
	if (kIser)
		n.iser = false;
	return {};
}

// ---------------------------------------------------------------- acls/<x>/

s64 acl_info_show(core::FabricAcl &acl, MutableBytes out) {
	return format_acl_info(acl_of(acl), out);
}

s64 acl_cmdsn_depth_show(core::FabricAcl &acl, MutableBytes out) {
	AclConfig &c = acl_of(acl).config;
	LockGuard guard(c.lock);
	return EMIT("%u\n", c.attribs.cmdsn_depth);
}

// At most TA_DEFAULT_CMDSN_DEPTH_MAX; 0 becomes 1 (LIO's target_set_nacl_queue_depth, with
// its warning). A new value ends the ACL's live session so that its next login gets it, as
// LIO's core_tpg_set_initiator_node_queue_depth; the same value changes nothing.
Result<void> acl_cmdsn_depth_store(core::FabricAcl &acl, StrView value) {
	u32 v = TRY(parse_value(acl, "", "cmdsn_depth", value));
	if (v > kCmdsnDepthRange.hi)
		return refuse(acl, "", "cmdsn_depth", v, "larger than 512");
	if (v == 0) {
		log_warn("iSCSI %s: cmdsn_depth 0 becomes 1\n", where(acl, "").s);
		v = 1;
	}
	AclConfig &c = acl_of(acl).config;
	{
		LockGuard guard(c.lock);
		if (c.attribs.cmdsn_depth == v)
			return {};
		c.attribs.cmdsn_depth = v;
	}
	if (stop_acl_sessions(acl_of(acl)))
		log_info("iSCSI %s: cmdsn_depth %u: ending the initiator's session so that it "
			 "applies\n",
			 where(acl, "").s, v);
	return {};
}

// LIO's acl_tag: shown as stored; "NULL..." clears it; 64 bytes or more are EINVAL.
s64 acl_tag_show(core::FabricAcl &acl, MutableBytes out) {
	AclConfig &c = acl_of(acl).config;
	LockGuard guard(c.lock);
	if (!c.tag[0])
		return 0;
	return EMIT("%s\n", c.tag);
}

Result<void> acl_tag_store(core::FabricAcl &acl, StrView value) {
	// LIO counts the written newline in the limit (strlen(page) >= MAX_ACL_TAG_SIZE).
	if (value.size() + 1 >= kAclTagLen) {
		log_err("iSCSI %s: tag: longer than %u characters\n", where(acl, "").s,
			static_cast<u32>(kAclTagLen - 2));
		return Error::from_errno(KABI_EINVAL);
	}
	AclConfig &c = acl_of(acl).config;
	LockGuard guard(c.lock);
	if (starts_with(value, str_view("NULL"))) {
		c.tag[0] = '\0';
		return {};
	}
	__builtin_memcpy(c.tag, value.data(), value.size());
	c.tag[value.size()] = '\0';
	return {};
}

// ---------------------------------------------------------------- acls/<x>/attrib/

template <u32 AclAttribs::*F> s64 acl_attrib_show(core::FabricAcl &acl, MutableBytes out) {
	AclConfig &c = acl_of(acl).config;
	LockGuard guard(c.lock);
	return EMIT("%u\n", c.attribs.*F);
}

// nopin_timeout: 0 (off) or kNopinTimeoutRange.
constexpr Range kDataoutTimeoutRange = {2, 60, 0};        // NA_DATAOUT_TIMEOUT_MIX/MAX
constexpr Range kDataoutRetriesRange = {1, 15, 0};        // NA_DATAOUT_TIMEOUT_RETRIES_MIN/MAX
constexpr Range kNopinTimeoutRange = {3, 60, 0};          // NA_NOPIN_TIMEOUT_MIN/MAX, or 0
constexpr Range kNopinResponseTimeoutRange = {3, 60, 0};  // NA_NOPIN_RESPONSE_TIMEOUT_MIN/MAX

template <u32 AclAttribs::*F, const char *kName, const Range &kRange, bool kZeroOk>
Result<void> acl_attrib_store(core::FabricAcl &acl, StrView value) {
	u32 v = TRY(parse_value(acl, "attrib", kName, value));
	if (!(kZeroOk && v == 0) && !allowed(kRange, v))
		return refuse_range(acl, "attrib", kName, v, kRange);
	AclConfig &c = acl_of(acl).config;
	LockGuard guard(c.lock);
	c.attribs.*F = v;
	return {};
}

s64 acl_authentication_show(core::FabricAcl &acl, MutableBytes out) {
	AclConfig &c = acl_of(acl).config;
	LockGuard guard(c.lock);
	return EMIT("%d\n", static_cast<int>(c.attribs.authentication));
}

// kstrtos32: -1 (as the TPG), 0 or 1.
Result<void> acl_authentication_store(core::FabricAcl &acl, StrView value) {
	StrView v = strip_newline(value);
	bool neg = v.size() > 0 && v.data()[0] == '-';
	Result<u64> mag = parse_u64(neg ? StrView(v.data() + 1, v.size() - 1) : v, 0);
	if (mag.is_error() || mag.value() > (neg ? 0x80000000ull : 0x7fffffffull)) {
		log_err("iSCSI %s/authentication: \"%.*s\" is not a signed 32-bit number\n",
			where(acl, "attrib").s, VAL(value));
		return mag.is_error() ? mag.error() : Error::from_errno(KABI_ERANGE);
	}
	s64 x = neg ? -static_cast<s64>(mag.value()) : static_cast<s64>(mag.value());
	if (x != -1 && x != 0 && x != 1) {
		log_err("iSCSI %s/authentication: %lld refused: not -1, 0 or 1\n",
			where(acl, "attrib").s, static_cast<long long>(x));
		return Error::from_errno(KABI_EINVAL);
	}
	AclConfig &c = acl_of(acl).config;
	LockGuard guard(c.lock);
	c.attribs.authentication = static_cast<s32>(x);
	return {};
}

constexpr char k_dataout_timeout[] = "dataout_timeout";
constexpr char k_dataout_timeout_retries[] = "dataout_timeout_retries";
constexpr char k_nopin_timeout[] = "nopin_timeout";
constexpr char k_nopin_response_timeout[] = "nopin_response_timeout";
constexpr char k_random_datain_pdu_offsets[] = "random_datain_pdu_offsets";
constexpr char k_random_datain_seq_offsets[] = "random_datain_seq_offsets";
constexpr char k_random_r2t_offsets[] = "random_r2t_offsets";
// default_erl: k_default_erl, as tpgt_N/attrib/'s.

#define ACL_ATTRIB(field, range, zero_ok)                                                      \
	{                                                                                      \
		k_##field, 0644, acl_attrib_show<&AclAttribs::field>,                          \
		    acl_attrib_store<&AclAttribs::field, k_##field, range, zero_ok>            \
	}

// ---------------------------------------------------------------- acls/<x>/param/

template <ParamKey K> s64 acl_param_show(core::FabricAcl &acl, MutableBytes out) {
	return format_acl_param(acl_of(acl), K, out);
}

#define ACL_PARAM(key) {#key, 0444, acl_param_show<ParamKey::k##key>, nullptr}

// ---------------------------------------------------------------- <iqn>/fabric_statistics/

u32 ld(const Atomic<u32> &a) { return a.load(MemoryOrder::Relaxed); }

s64 stat_inst_show(core::FabricWwn &w, MutableBytes out) {
	return EMIT("%u\n", tiqn_of(w).index());
}
s64 stat_indx_show(core::FabricWwn &, MutableBytes out) { return EMIT("%u\n", kNodeIndex); }

// iscsi_instance
s64 inst_ver_show(core::FabricWwn &, MutableBytes out) { return EMIT("%u\n", kDraft20Version); }
s64 inst_portals_show(core::FabricWwn &w, MutableBytes out) {
	return EMIT("%u\n", ld(tiqn_of(w).stats.portals));
}
s64 inst_nodes_show(core::FabricWwn &, MutableBytes out) { return EMIT("%u\n", 1u); }
s64 inst_sessions_show(core::FabricWwn &w, MutableBytes out) {
	return EMIT("%u\n", ld(tiqn_of(w).stats.sessions));
}
s64 inst_fail_sess_show(core::FabricWwn &w, MutableBytes out) {
	TiqnStats &s = tiqn_of(w).stats;
	return EMIT("%u\n", ld(s.digest_errors) + ld(s.cxn_timeout_errors) +
				ld(s.pdu_format_errors));
}
// LIO's last_sess_failure_type / last_sess_fail_rem_name are never set by LIO 6.1 itself.
s64 inst_fail_type_show(core::FabricWwn &, MutableBytes out) { return EMIT("%u\n", 0u); }
s64 inst_fail_rem_name_show(core::FabricWwn &, MutableBytes out) { return EMIT("None\n"); }
s64 inst_disc_time_show(core::FabricWwn &, MutableBytes out) { return EMIT("%u\n", 0u); }
s64 inst_description_show(core::FabricWwn &, MutableBytes out) {
	return EMIT("Storage Engine Target\n");
}
s64 inst_vendor_show(core::FabricWwn &, MutableBytes out) {
	return EMIT("Datera, Inc. iSCSI-Target\n");
}
s64 inst_version_show(core::FabricWwn &, MutableBytes out) { return EMIT("%s\n", kVersion); }

// iscsi_sess_err, iscsi_login_stats, iscsi_logout_stats: one counter each.
template <Atomic<u32> TiqnStats::*F> s64 counter_show(core::FabricWwn &w, MutableBytes out) {
	return EMIT("%u\n", ld(tiqn_of(w).stats.*F));
}

// iscsi_tgt_attr
s64 tgt_login_fails_show(core::FabricWwn &w, MutableBytes out) {
	TiqnStats &s = tiqn_of(w).stats;
	return EMIT("%u\n", ld(s.login_redirects) + ld(s.login_authorize_fails) +
				ld(s.login_authenticate_fails) + ld(s.login_negotiate_fails) +
				ld(s.login_other_fails));
}
// LIO: hundredths of a second since boot at the last failure, 0 if none.
s64 tgt_last_fail_time_show(core::FabricWwn &w, MutableBytes out) {
	u64 ms = tiqn_of(w).stats.last_fail_time.load(MemoryOrder::Relaxed);
	return EMIT("%u\n", static_cast<u32>(ms / 10));
}
// The failing initiator's name and address are not recorded yet: LIO's values for none.
s64 tgt_fail_intr_name_show(core::FabricWwn &, MutableBytes out) { return EMIT("None\n"); }
s64 tgt_fail_intr_addr_type_show(core::FabricWwn &, MutableBytes out) { return EMIT("ipv4\n"); }
s64 tgt_fail_intr_addr_show(core::FabricWwn &, MutableBytes out) { return EMIT("(einval)\n"); }

// ---------------------------------------------------------------- acls/<x>/fabric_statistics/

s64 sess_inst_show(core::FabricAcl &acl, MutableBytes out) {
	return EMIT("%u\n", acl_of(acl).tpg().tiqn().index());
}

template <SessStat S> s64 sess_stat_show(core::FabricAcl &acl, MutableBytes out) {
	return format_acl_sess_stat(acl_of(acl), S, out);
}

// ---------------------------------------------------------------- the tables

// LIO's order: lio_target_wwn_attrs, lio_target_discovery_auth_attrs.
constexpr FabricAttr<core::Fabric> kRootAttrs[] = {
    {"lio_version", 0444, lio_version_show, nullptr},
    {"cpus_allowed_list", 0644, cpus_allowed_list_show, cpus_allowed_list_store},
};

constexpr FabricAttr<core::Fabric> kDiscoveryAttrs[] = {
    AUTH_ATTRS(core::Fabric, false),
    {"enforce_discovery_auth", 0644, enforce_discovery_auth_show, enforce_discovery_auth_store},
};

constexpr FabricAttr<core::FabricTpg> kTpgAttrs[] = {
    {"dynamic_sessions", 0444, dynamic_sessions_show, nullptr},
};

// lio_target_tpg_attrib_attrs.
constexpr FabricAttr<core::FabricTpg> kTpgAttribAttrs[] = {
    {"authentication", 0644, tpg_attrib_show<&TpgAttribs::authentication>,
     tpg_authentication_store},
    TPG_ATTRIB(login_timeout, kLoginTimeoutRange),
    TPG_ATTRIB(netif_timeout, kNetifTimeoutRange),
    DEMO_ATTRIB(generate_node_acls, DemoRule::kGenerate),
    TPG_ATTRIB(default_cmdsn_depth, kCmdsnDepthRange),
    DEMO_ATTRIB(cache_dynamic_acls, DemoRule::kCache),
    DEMO_ATTRIB(demo_mode_write_protect, DemoRule::kPlain),
    DEMO_ATTRIB(prod_mode_write_protect, DemoRule::kPlain),
    TPG_ATTRIB(demo_mode_discovery, kBool),
    TPG_ATTRIB(default_erl, kErlRange),
    TPG_ATTRIB(t10_pi, kBool),
    TPG_ATTRIB(fabric_prot_type, kProtTypeRange),
    TPG_ATTRIB(tpg_enabled_sendtargets, kBool),
    TPG_ATTRIB(login_keys_workaround, kBool),
};

constexpr FabricAttr<core::FabricTpg> kTpgAuthAttrs[] = {AUTH_ATTRS(core::FabricTpg, true)};

// lio_target_tpg_param_attrs (ParamKey's order).
constexpr FabricAttr<core::FabricTpg> kTpgParamAttrs[] = {
    TPG_PARAM(AuthMethod),
    TPG_PARAM(HeaderDigest),
    TPG_PARAM(DataDigest),
    TPG_PARAM(MaxConnections),
    TPG_PARAM(TargetAlias),
    TPG_PARAM(InitialR2T),
    TPG_PARAM(ImmediateData),
    TPG_PARAM(MaxRecvDataSegmentLength),
    TPG_PARAM(MaxXmitDataSegmentLength),
    TPG_PARAM(MaxBurstLength),
    TPG_PARAM(FirstBurstLength),
    TPG_PARAM(DefaultTime2Wait),
    TPG_PARAM(DefaultTime2Retain),
    TPG_PARAM(MaxOutstandingR2T),
    TPG_PARAM(DataPDUInOrder),
    TPG_PARAM(DataSequenceInOrder),
    TPG_PARAM(ErrorRecoveryLevel),
    TPG_PARAM(IFMarker),
    TPG_PARAM(OFMarker),
    TPG_PARAM(IFMarkInt),
    TPG_PARAM(OFMarkInt),
};
static_assert(sizeof(kTpgParamAttrs) / sizeof(kTpgParamAttrs[0]) == kParamCount);

constexpr FabricAttr<core::FabricNp> kNpAttrs[] = {
    {"iser", 0644, np_transport_show<true>, np_transport_store<true>},
    {"cxgbit", 0644, np_transport_show<false>, np_transport_store<false>},
};

// lio_target_initiator_attrs.
constexpr FabricAttr<core::FabricAcl> kAclAttrs[] = {
    {"info", 0444, acl_info_show, nullptr},
    {"cmdsn_depth", 0644, acl_cmdsn_depth_show, acl_cmdsn_depth_store},
    {"tag", 0644, acl_tag_show, acl_tag_store},
};

// lio_target_nacl_attrib_attrs.
constexpr FabricAttr<core::FabricAcl> kAclAttribAttrs[] = {
    ACL_ATTRIB(dataout_timeout, kDataoutTimeoutRange, false),
    ACL_ATTRIB(dataout_timeout_retries, kDataoutRetriesRange, false),
    ACL_ATTRIB(default_erl, kErlRange, false),
    ACL_ATTRIB(nopin_timeout, kNopinTimeoutRange, true),
    ACL_ATTRIB(nopin_response_timeout, kNopinResponseTimeoutRange, false),
    ACL_ATTRIB(random_datain_pdu_offsets, kBool, false),
    ACL_ATTRIB(random_datain_seq_offsets, kBool, false),
    ACL_ATTRIB(random_r2t_offsets, kBool, false),
    {"authentication", 0644, acl_authentication_show, acl_authentication_store},
};

constexpr FabricAttr<core::FabricAcl> kAclAuthAttrs[] = {AUTH_ATTRS(core::FabricAcl, false)};

// lio_target_nacl_param_attrs.
constexpr FabricAttr<core::FabricAcl> kAclParamAttrs[] = {
    ACL_PARAM(MaxConnections),     ACL_PARAM(InitialR2T),	    ACL_PARAM(ImmediateData),
    ACL_PARAM(MaxBurstLength),     ACL_PARAM(FirstBurstLength),   ACL_PARAM(DefaultTime2Wait),
    ACL_PARAM(DefaultTime2Retain), ACL_PARAM(MaxOutstandingR2T),  ACL_PARAM(DataPDUInOrder),
    ACL_PARAM(DataSequenceInOrder), ACL_PARAM(ErrorRecoveryLevel),
};

// iscsi_target_stat.c's tables.
constexpr FabricAttr<core::FabricWwn> kInstanceAttrs[] = {
    {"inst", 0444, stat_inst_show, nullptr},
    {"min_ver", 0444, inst_ver_show, nullptr},
    {"max_ver", 0444, inst_ver_show, nullptr},
    {"portals", 0444, inst_portals_show, nullptr},
    {"nodes", 0444, inst_nodes_show, nullptr},
    {"sessions", 0444, inst_sessions_show, nullptr},
    {"fail_sess", 0444, inst_fail_sess_show, nullptr},
    {"fail_type", 0444, inst_fail_type_show, nullptr},
    {"fail_rem_name", 0444, inst_fail_rem_name_show, nullptr},
    {"disc_time", 0444, inst_disc_time_show, nullptr},
    {"description", 0444, inst_description_show, nullptr},
    {"vendor", 0444, inst_vendor_show, nullptr},
    {"version", 0444, inst_version_show, nullptr},
};

constexpr FabricAttr<core::FabricWwn> kSessErrAttrs[] = {
    {"inst", 0444, stat_inst_show, nullptr},
    {"digest_errors", 0444, counter_show<&TiqnStats::digest_errors>, nullptr},
    {"cxn_errors", 0444, counter_show<&TiqnStats::cxn_timeout_errors>, nullptr},
    {"format_errors", 0444, counter_show<&TiqnStats::pdu_format_errors>, nullptr},
};

constexpr FabricAttr<core::FabricWwn> kTgtAttrAttrs[] = {
    {"inst", 0444, stat_inst_show, nullptr},
    {"indx", 0444, stat_indx_show, nullptr},
    {"login_fails", 0444, tgt_login_fails_show, nullptr},
    {"last_fail_time", 0444, tgt_last_fail_time_show, nullptr},
    {"last_fail_type", 0444, counter_show<&TiqnStats::last_fail_type>, nullptr},
    {"fail_intr_name", 0444, tgt_fail_intr_name_show, nullptr},
    {"fail_intr_addr_type", 0444, tgt_fail_intr_addr_type_show, nullptr},
    {"fail_intr_addr", 0444, tgt_fail_intr_addr_show, nullptr},
};

constexpr FabricAttr<core::FabricWwn> kLoginStatsAttrs[] = {
    {"inst", 0444, stat_inst_show, nullptr},
    {"indx", 0444, stat_indx_show, nullptr},
    {"accepts", 0444, counter_show<&TiqnStats::login_accepts>, nullptr},
    {"other_fails", 0444, counter_show<&TiqnStats::login_other_fails>, nullptr},
    {"redirects", 0444, counter_show<&TiqnStats::login_redirects>, nullptr},
    {"authorize_fails", 0444, counter_show<&TiqnStats::login_authorize_fails>, nullptr},
    {"authenticate_fails", 0444, counter_show<&TiqnStats::login_authenticate_fails>, nullptr},
    {"negotiate_fails", 0444, counter_show<&TiqnStats::login_negotiate_fails>, nullptr},
};

constexpr FabricAttr<core::FabricWwn> kLogoutStatsAttrs[] = {
    {"inst", 0444, stat_inst_show, nullptr},
    {"indx", 0444, stat_indx_show, nullptr},
    {"normal_logouts", 0444, counter_show<&TiqnStats::logout_normal>, nullptr},
    {"abnormal_logouts", 0444, counter_show<&TiqnStats::logout_abnormal>, nullptr},
};

// LIO's lio_target_add_wwn_groups order.
constexpr FabricGroup<core::FabricWwn> kWwnStatGroups[] = {
    {"iscsi_instance", kInstanceAttrs},
    {"iscsi_sess_err", kSessErrAttrs},
    {"iscsi_tgt_attr", kTgtAttrAttrs},
    {"iscsi_login_stats", kLoginStatsAttrs},
    {"iscsi_logout_stats", kLogoutStatsAttrs},
};

constexpr FabricAttr<core::FabricAcl> kSessStatsAttrs[] = {
    {"inst", 0444, sess_inst_show, nullptr},
    {"node", 0444, sess_stat_show<SessStat::kNode>, nullptr},
    {"indx", 0444, sess_stat_show<SessStat::kIndx>, nullptr},
    {"cmd_pdus", 0444, sess_stat_show<SessStat::kCmdPdus>, nullptr},
    {"rsp_pdus", 0444, sess_stat_show<SessStat::kRspPdus>, nullptr},
    {"txdata_octs", 0444, sess_stat_show<SessStat::kTxdataOcts>, nullptr},
    {"rxdata_octs", 0444, sess_stat_show<SessStat::kRxdataOcts>, nullptr},
    {"conn_digest_errors", 0444, sess_stat_show<SessStat::kConnDigestErrors>, nullptr},
    {"conn_timeout_errors", 0444, sess_stat_show<SessStat::kConnTimeoutErrors>, nullptr},
};

constexpr FabricGroup<core::FabricAcl> kAclStatGroups[] = {
    {"iscsi_sess_stats", kSessStatsAttrs},
};

constinit const core::FabricAttrs g_attrs = [] {
	core::FabricAttrs a;
	a.fabric_root = kRootAttrs;
	a.discovery_auth = kDiscoveryAttrs;
	a.tpg = kTpgAttrs;
	a.tpg_attrib = kTpgAttribAttrs;
	a.tpg_auth = kTpgAuthAttrs;
	a.tpg_param = kTpgParamAttrs;
	a.np = kNpAttrs;
	a.acl = kAclAttrs;
	a.acl_attrib = kAclAttribAttrs;
	a.acl_auth = kAclAuthAttrs;
	a.acl_param = kAclParamAttrs;
	a.wwn_fabric_stats = kWwnStatGroups;
	a.acl_fabric_stats = kAclStatGroups;
	return a;
}();

} // namespace

const core::FabricAttrs &IscsiFabric::attrs() const { return g_attrs; }

} // namespace lio::fabrics::iscsi
