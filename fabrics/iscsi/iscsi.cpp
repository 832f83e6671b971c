// SPDX-License-Identifier: GPL-2.0
#include "fabrics/iscsi/iscsi.h"

#include "fabrics/iscsi/conn.h"
#include "fabrics/iscsi/iscsi_abi.h"
#include "fabrics/iscsi/registry.h"
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

constexpr u32 kMaxTiqns = 4096; // LIO's idr is unbounded; ENOSPC past this

constinit LockClass g_index_lock_class("iscsi_tiqn_index");

// LIO's tiqn_idr: the lowest free index, from 0.
struct TiqnIndex {
	TiqnIndex() : lock(g_index_lock_class) {}
	Mutex lock;
	u64 used[kMaxTiqns / 64] = {};
};

constinit TiqnIndex *g_index = nullptr;

Result<u32> alloc_tiqn_index() {
	LockGuard guard(g_index->lock);
	for (u32 w = 0; w < kMaxTiqns / 64; w++) {
		if (g_index->used[w] == ~0ULL)
			continue;
		u32 bit = static_cast<u32>(__builtin_ctzll(~g_index->used[w]));
		g_index->used[w] |= 1ULL << bit;
		return w * 64 + bit;
	}
	log_err("iscsi: idr_alloc() for tiqn->tiqn_index failed\n");
	return Error::from_errno(KABI_ENOSPC);
}

void free_tiqn_index(u32 index) {
	LockGuard guard(g_index->lock);
	g_index->used[index / 64] &= ~(1ULL << (index % 64));
}

lio_fabric *fabric_handle() {
	return reinterpret_cast<lio_fabric *>(static_cast<core::Fabric *>(&g_iscsi_fabric));
}

} // namespace

// ---------------------------------------------------------------- Fabric

// As LIO's iscsit_add_tiqn: any name shorter than ISCSI_IQN_LEN. LIO does not check the
// iqn./eui./naa. form in the kernel (rtslib/targetcli do, before the mkdir).
Result<OwnPtr<core::FabricWwn>> IscsiFabric::make_wwn(StrView name) {
	if (name.size() >= kIqnLen) {
		log_err("iscsi: Target IQN exceeds %u bytes\n", static_cast<u32>(kIqnLen));
		return Error::from_errno(KABI_EINVAL);
	}
	u32 index = TRY(alloc_tiqn_index());
	OwnPtr<IscsiTiqn> tiqn = make<IscsiTiqn>(Gfp::Kernel, index, name);
	if (!tiqn) {
		free_tiqn_index(index);
		return Error::from_errno(KABI_ENOMEM);
	}
	registry_add_tiqn(*tiqn);
	return OwnPtr<core::FabricWwn>(move(tiqn));
}

Result<OwnPtr<core::FabricTpg>> IscsiFabric::make_tpg(core::FabricWwn &wwn, u16 tag) {
	OwnPtr<IscsiTpg> t = TRY(try_make<IscsiTpg>(Gfp::Kernel, static_cast<IscsiTiqn &>(wwn), tag));
	registry_add_tpg(*t);
	return OwnPtr<core::FabricTpg>(move(t));
}

// np/<addr:port>: listens (or shares the listening socket of the same name).
Result<OwnPtr<core::FabricNp>> IscsiFabric::make_np(core::FabricTpg &tpg, StrView name) {
	Portal *portal = TRY(portal_get(name));
	OwnPtr<IscsiNp> np = make<IscsiNp>(Gfp::Kernel, static_cast<IscsiTpg &>(tpg), *portal);
	if (!np) {
		portal_put(*portal);
		return Error::from_errno(KABI_ENOMEM);
	}
	registry_add_np(*np);
	static_cast<IscsiTpg &>(tpg).tiqn().stats.portals.fetch_add(1);
	return OwnPtr<core::FabricNp>(move(np));
}

// As LIO: the initiator name is any string shorter than ISCSI_IQN_LEN.
Result<OwnPtr<core::FabricAcl>> IscsiFabric::make_acl(core::FabricTpg &tpg, StrView initiator) {
	if (initiator.size() >= kIqnLen) {
		log_err("iscsi: initiator name exceeds %u bytes\n", static_cast<u32>(kIqnLen));
		return Error::from_errno(KABI_EINVAL);
	}
	OwnPtr<IscsiAcl> acl =
	    TRY(try_make<IscsiAcl>(Gfp::Kernel, static_cast<IscsiTpg &>(tpg), initiator));
	{
		LockGuard g(static_cast<IscsiTpg &>(tpg).config.lock);
		LockGuard a(acl->config.lock);
		// As LIO: a new ACL starts from the TPG's defaults.
		acl->config.attribs.cmdsn_depth =
		    static_cast<IscsiTpg &>(tpg).config.attribs.default_cmdsn_depth;
		acl->config.attribs.default_erl =
		    static_cast<IscsiTpg &>(tpg).config.attribs.default_erl;
	}
	registry_add_acl(*acl);
	return OwnPtr<core::FabricAcl>(move(acl));
}

// ---------------------------------------------------------------- objects

IscsiTiqn::IscsiTiqn(u32 index, StrView name) : index_(index) {
	(void)str_copy(Span<char>(name_, sizeof(name_)), name);
}

IscsiTiqn::~IscsiTiqn() {
	registry_remove_tiqn(*this);
	free_tiqn_index(index_);
}

IscsiTpg::IscsiTpg(IscsiTiqn &tiqn, u16 tag) : tiqn_(tiqn), tag_(tag) {}

IscsiTpg::~IscsiTpg() {
	stop_tpg_connections(*this);
	registry_remove_tpg(*this);
}

// LIO: enabling starts serving logins on the TPG's portals; disabling ends its sessions.
Result<void> IscsiTpg::set_enabled(bool enable) {
	{
		LockGuard guard(registry_lock());
		enabled = enable;
	}
	if (!enable)
		stop_tpg_connections(*this);
	return {};
}

void IscsiTpg::shutdown() {
	{
		LockGuard guard(registry_lock());
		shutting_down = true;
		enabled = false;
	}
	stop_tpg_connections(*this);
}

IscsiNp::~IscsiNp() {
	registry_remove_np(*this);
	tpg_.tiqn().stats.portals.fetch_sub(1);
	portal_put(portal_);
}

IscsiAcl::IscsiAcl(IscsiTpg &tpg, StrView initiator) : tpg_(tpg) {
	(void)str_copy(Span<char>(initiator_, sizeof(initiator_)), initiator);
}

IscsiAcl::~IscsiAcl() { registry_remove_acl(*this); }

} // namespace lio::fabrics::iscsi

using namespace lio::fabrics::iscsi;

extern "C" int32_t lio_iscsi_init(struct kabi_module *self) {
	g_index = lio::make<TiqnIndex>(lio::Gfp::Kernel).release();
	if (!g_index)
		return -KABI_ENOMEM;
	if (registry_init().is_error()) {
		lio::adopt_own(lio::exchange(g_index, nullptr));
		return -KABI_ENOMEM;
	}
	if (discovery_config_init().is_error()) {
		registry_exit();
		lio::adopt_own(lio::exchange(g_index, nullptr));
		return -KABI_ENOMEM;
	}
	int32_t ret = kabi_fabric_register(fabric_handle(), self);
	if (ret) {
		discovery_config_exit();
		registry_exit();
		lio::adopt_own(lio::exchange(g_index, nullptr));
	}
	return ret;
}

// configfs pins the module while any iscsi directory exists: no target, TPG or portal is
// left, only connections that never got past login may still be ending.
extern "C" void lio_iscsi_exit(void) {
	kabi_fabric_unregister(fabric_handle());
	IscsiConn::reap(true);
	discovery_config_exit();
	registry_exit();
	lio::adopt_own(lio::exchange(g_index, nullptr));
}
