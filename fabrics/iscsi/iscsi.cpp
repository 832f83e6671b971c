// SPDX-License-Identifier: GPL-2.0
#include "fabrics/iscsi/iscsi.h"

#include "fabrics/iscsi/iscsi_abi.h"
#include "kabi/log.h"
#include "kabi/modules.h"
#include "lio/alloc.h"
#include "lio/lock.h"
#include "lio/log.h"
#include "lio/string.h"
#include "lio/utility.h"

namespace lio::fabrics::iscsi {

constinit IscsiFabric g_iscsi_fabric;

namespace {

constexpr const char kVersion[] = "v4.1.0"; // ISCSIT_VERSION
constexpr usize kIqnLen = 224;              // ISCSI_IQN_LEN
constexpr usize kAuthLen = 256;             // MAX_USER_LEN, MAX_PASS_LEN
constexpr u32 kMaxTiqns = 4096;             // LIO's idr is unbounded; ENOSPC past this

// LIO's iscsi_node_auth naf_flags.
enum : u32 {
	kUseridSet = 0x01,
	kPasswordSet = 0x02,
	kUseridInSet = 0x04,
	kPasswordInSet = 0x08,
};

constinit LockClass g_state_lock_class("iscsi_state");

// LIO's iscsit_global: the discovery ACL's node_auth and the tiqn index allocator.
struct State {
	State() : lock(g_state_lock_class) {}

	Mutex lock;
	// Under lock:
	char userid[kAuthLen] = {};
	char password[kAuthLen] = {};
	char userid_mutual[kAuthLen] = {};
	char password_mutual[kAuthLen] = {};
	u32 naf_flags = 0;
	bool authenticate_target = false;
	bool enforce_discovery_auth = false;
	u64 tiqn_used[kMaxTiqns / 64] = {};
};

constinit State *g_state = nullptr;

// The length kabi_snprintf wrote into out (it returns the length it wanted).
s64 written(MutableBytes out, s32 n) {
	if (n < 0)
		return n;
	return min<s64>(n, static_cast<s64>(out.size()) - 1);
}

char *page(MutableBytes out) { return reinterpret_cast<char *>(out.data()); }

// ---------------------------------------------------------------- target/iscsi/

s64 lio_version_show(core::Fabric &, MutableBytes out) {
	return written(out, kabi_snprintf(page(out), out.size(), "Datera Inc. iSCSI Target %s\n",
					  kVersion));
}

s64 cpus_allowed_list_show(core::Fabric &, MutableBytes out) {
	return iscsi_glue_cpus_allowed_show(page(out), out.size());
}

// cpulist_parse(); the mask has no user yet (no connection threads to bind).
Result<void> cpus_allowed_list_store(core::Fabric &, StrView value) {
	s32 ret = iscsi_glue_cpus_allowed_store(value.data(), value.size());
	if (ret < 0)
		return Error::from_errno(-ret);
	return {};
}

// ---------------------------------------------------------------- discovery_auth/

// LIO's __DEF_NACL_AUTH_STR over the discovery ACL: at most 255 bytes (EINVAL otherwise),
// stored as written (empty included); a value starting with "NULL" clears the field's flag,
// anything else sets it; authenticate_target is 1 when both mutual fields are set.
template <usize Off, u32 Flag> s64 auth_str_show(core::Fabric &, MutableBytes out) {
	State &s = *g_state;
	LockGuard guard(s.lock);
	const char *field = reinterpret_cast<const char *>(&s) + Off;
	return written(out, kabi_snprintf(page(out), out.size(), "%s\n", field));
}

template <usize Off, u32 Flag> Result<void> auth_str_store(core::Fabric &, StrView value) {
	if (value.size() >= kAuthLen)
		return Error::from_errno(KABI_EINVAL);
	State &s = *g_state;
	LockGuard guard(s.lock);
	char *field = reinterpret_cast<char *>(&s) + Off;
	__builtin_memcpy(field, value.data(), value.size());
	field[value.size()] = '\0';
	if (starts_with(value, str_view("NULL")))
		s.naf_flags &= ~Flag;
	else
		s.naf_flags |= Flag;
	s.authenticate_target =
	    (s.naf_flags & kUseridInSet) != 0 && (s.naf_flags & kPasswordInSet) != 0;
	return {};
}

s64 authenticate_target_show(core::Fabric &, MutableBytes out) {
	State &s = *g_state;
	LockGuard guard(s.lock);
	return written(out, kabi_snprintf(page(out), out.size(), "%d\n",
					  s.authenticate_target ? 1 : 0));
}

s64 enforce_discovery_auth_show(core::Fabric &, MutableBytes out) {
	State &s = *g_state;
	LockGuard guard(s.lock);
	return written(out, kabi_snprintf(page(out), out.size(), "%d\n",
					  s.enforce_discovery_auth ? 1 : 0));
}

// kstrtou32 base 0: EINVAL for anything unparsable, one log line and EINVAL for a number
// other than 0 or 1. LIO also switches the discovery TPG's AuthMethod between "CHAP" and
// "CHAP,None"; there is no discovery TPG here (no SendTargets is served).
Result<void> enforce_discovery_auth_store(core::Fabric &, StrView value) {
	Result<u32> op = parse_u32(value, 0);
	if (op.is_error())
		return Error::from_errno(KABI_EINVAL);
	if (op.value() != 0 && op.value() != 1) {
		log_err("iscsi: Illegal value for enforce_discovery_auth: %u\n", op.value());
		return Error::from_errno(KABI_EINVAL);
	}
	State &s = *g_state;
	LockGuard guard(s.lock);
	s.enforce_discovery_auth = op.value() == 1;
	return {};
}

#define ISCSI_AUTH_STR(field, flag)                                                            \
	auth_str_show<__builtin_offsetof(State, field), flag>,                                 \
	    auth_str_store<__builtin_offsetof(State, field), flag>

// LIO's order (lio_target_wwn_attrs, lio_target_discovery_auth_attrs).
constexpr core::FabricAttr<core::Fabric> kRootAttrs[] = {
	{"lio_version", 0444, lio_version_show, nullptr},
	{"cpus_allowed_list", 0644, cpus_allowed_list_show, cpus_allowed_list_store},
};
constexpr core::FabricAttr<core::Fabric> kDiscoveryAttrs[] = {
	{"userid", 0644, ISCSI_AUTH_STR(userid, kUseridSet)},
	{"password", 0644, ISCSI_AUTH_STR(password, kPasswordSet)},
	{"authenticate_target", 0444, authenticate_target_show, nullptr},
	{"userid_mutual", 0644, ISCSI_AUTH_STR(userid_mutual, kUseridInSet)},
	{"password_mutual", 0644, ISCSI_AUTH_STR(password_mutual, kPasswordInSet)},
	{"enforce_discovery_auth", 0644, enforce_discovery_auth_show,
	 enforce_discovery_auth_store},
};

#undef ISCSI_AUTH_STR

constinit const core::FabricAttrs g_attrs = [] {
	core::FabricAttrs a;
	a.fabric_root = kRootAttrs;
	a.discovery_auth = kDiscoveryAttrs;
	return a;
}();

// The lowest free tiqn index (LIO: idr_alloc(&tiqn_idr, NULL, 0, 0)).
Result<u32> alloc_tiqn_index() {
	State &s = *g_state;
	LockGuard guard(s.lock);
	for (u32 w = 0; w < kMaxTiqns / 64; w++) {
		if (s.tiqn_used[w] == ~0ULL)
			continue;
		u32 bit = static_cast<u32>(__builtin_ctzll(~s.tiqn_used[w]));
		s.tiqn_used[w] |= 1ULL << bit;
		return w * 64 + bit;
	}
	log_err("iscsi: idr_alloc() for tiqn->tiqn_index failed\n");
	return Error::from_errno(KABI_ENOSPC);
}

void free_tiqn_index(u32 index) {
	State &s = *g_state;
	LockGuard guard(s.lock);
	s.tiqn_used[index / 64] &= ~(1ULL << (index % 64));
}

lio_fabric *fabric_handle() {
	return reinterpret_cast<lio_fabric *>(static_cast<core::Fabric *>(&g_iscsi_fabric));
}

} // namespace

// ---------------------------------------------------------------- Fabric

const core::FabricAttrs &IscsiFabric::attrs() const { return g_attrs; }

// As LIO's iscsit_add_tiqn: any name shorter than ISCSI_IQN_LEN. LIO does not check the
// iqn./eui./naa. form in the kernel (rtslib/targetcli do, before the mkdir).
Result<OwnPtr<core::FabricWwn>> IscsiFabric::make_wwn(StrView name) {
	if (name.size() >= kIqnLen) {
		log_err("iscsi: Target IQN exceeds %u bytes\n", static_cast<u32>(kIqnLen));
		return Error::from_errno(KABI_EINVAL);
	}
	u32 index = TRY(alloc_tiqn_index());
	OwnPtr<IscsiTiqn> tiqn = make<IscsiTiqn>(Gfp::Kernel, index);
	if (!tiqn) {
		free_tiqn_index(index);
		return Error::from_errno(KABI_ENOMEM);
	}
	return OwnPtr<core::FabricWwn>(move(tiqn));
}

Result<OwnPtr<core::FabricTpg>> IscsiFabric::make_tpg(core::FabricWwn &wwn, u16) {
	return OwnPtr<core::FabricTpg>(
	    TRY(try_make<IscsiTpg>(Gfp::Kernel, static_cast<IscsiTiqn &>(wwn))));
}

// The one thing an iSCSI fabric is for, and not there yet: refuse rather than pretend.
Result<OwnPtr<core::FabricNp>> IscsiFabric::make_np(core::FabricTpg &, StrView) {
	log_err("iscsi: network portals are not implemented yet; no iSCSI login is served\n");
	return Error::from_errno(KABI_EOPNOTSUPP);
}

// No per-ACL iSCSI state yet (CHAP secrets, session parameters).
Result<OwnPtr<core::FabricAcl>> IscsiFabric::make_acl(core::FabricTpg &, StrView) {
	return OwnPtr<core::FabricAcl>();
}

IscsiTiqn::~IscsiTiqn() { free_tiqn_index(index_); }

} // namespace lio::fabrics::iscsi

using lio::fabrics::iscsi::g_state;
using lio::fabrics::iscsi::State;

extern "C" int32_t lio_iscsi_init(struct kabi_module *self) {
	lio::OwnPtr<State> state = lio::make<State>(lio::Gfp::Kernel);
	if (!state)
		return -KABI_ENOMEM;
	g_state = state.release();
	int32_t ret = kabi_fabric_register(lio::fabrics::iscsi::fabric_handle(), self);
	if (ret) {
		lio::adopt_own(lio::exchange(g_state, nullptr));
	}
	return ret;
}

// configfs pins the module while any iscsi directory exists: no tiqn is left.
extern "C" void lio_iscsi_exit(void) {
	kabi_fabric_unregister(lio::fabrics::iscsi::fabric_handle());
	lio::adopt_own(lio::exchange(g_state, nullptr));
}
