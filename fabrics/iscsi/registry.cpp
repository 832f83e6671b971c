// SPDX-License-Identifier: GPL-2.0
#include "fabrics/iscsi/registry.h"

#include "fabrics/iscsi/conn.h"
#include "fabrics/iscsi/iscsi_abi.h"
#include "kabi/log.h"
#include "lio/alloc.h"
#include "lio/log.h"
#include "lio/string.h"

namespace lio::fabrics::iscsi {

namespace {

constinit LockClass g_registry_class("iscsi_registry");
constinit LockClass g_nap_class("iscsi_registry_nap");

struct Registry {
	Registry() : lock(g_registry_class) {}
	Mutex lock;
	IntrusiveList<IscsiTiqn, &IscsiTiqn::registry_node> tiqns;
	IntrusiveList<IscsiTpg, &IscsiTpg::registry_node> tpgs;
	IntrusiveList<IscsiNp, &IscsiNp::registry_node> nps;
	IntrusiveList<IscsiAcl, &IscsiAcl::registry_node> acls;
	IntrusiveList<Portal, &Portal::registry_node> portals;
	IntrusiveList<IscsiConn, &IscsiConn::registry_node> conns;
	u64 next_portal_id = 1;
};

constinit Registry *g_registry = nullptr;

Registry &reg() { return *g_registry; }

void nap_ms(u32 ms) {
	Completion c(g_nap_class);
	(void)c.wait_for_ms(ms);
}

// The identity of c when it is a logged-in session of initiator on tpg, else null (registry
// lock).
const LoginIdentity *session_of(const IscsiConn &c, const IscsiTpg &tpg, StrView initiator) {
	if (c.tpg != &tpg || c.finished || !c.in_session())
		return nullptr;
	const LoginIdentity *id = c.identity();
	return id && str_equal_nocase(str_view(id->initiator_name), initiator) ? id : nullptr;
}

} // namespace

Result<void> registry_init() {
	g_registry = make<Registry>(Gfp::Kernel).release();
	if (!g_registry)
		return Error::from_errno(KABI_ENOMEM);
	return {};
}

void registry_exit() { adopt_own(exchange(g_registry, nullptr)); }

Mutex &registry_lock() { return reg().lock; }

// ---------------------------------------------------------------- portals

Portal::Portal(StrView name, u64 id) : id_(id) {
	(void)str_copy(Span<char>(name_, sizeof(name_)), name);
}

Portal::~Portal() = default;

bool Portal::wildcard() const {
	return starts_with(str_view(name_), str_view("0.0.0.0:")) ||
	       starts_with(str_view(name_), str_view("[::]:"));
}

u32 Portal::port() const {
	usize n = str_len(name_);
	usize i = n;
	while (i && name_[i - 1] != ':')
		i--;
	Result<u32> p = parse_u32(StrView(name_ + i, n - i), 10);
	return p.is_ok() ? p.value() : 0;
}

Result<Portal *> portal_get(StrView name) {
	if (name.size() >= 64) {
		log_err("iscsi: network portal name too long\n");
		return Error::from_errno(KABI_EINVAL);
	}
	LockGuard guard(reg().lock);
	for (Portal &p : reg().portals)
		if (str_equal(str_view(p.name()), name)) {
			p.refs++;
			return &p;
		}
	OwnPtr<Portal> p = make<Portal>(Gfp::Kernel, name, reg().next_portal_id++);
	if (!p)
		return Error::from_errno(KABI_ENOMEM);
	s32 r = iscsi_glue_np_open(name.data(), name.size(), p.get(), &p->np);
	if (r)
		return Error::from_errno(-r);
	p->refs = 1;
	reg().portals.push_back(*p);
	return p.release();
}

void portal_put(Portal &portal) {
	iscsi_glue_np *np = nullptr;
	{
		LockGuard guard(reg().lock);
		if (--portal.refs)
			return;
		reg().portals.remove(portal);
		np = portal.np;
	}
	// Outside the lock: the accept thread may be in lio_iscsi_np_accepted, which takes it.
	iscsi_glue_np_close(np);
	adopt_own(&portal);
}

// ---------------------------------------------------------------- objects

void registry_add_tiqn(IscsiTiqn &t) {
	LockGuard guard(reg().lock);
	reg().tiqns.push_back(t);
}
void registry_remove_tiqn(IscsiTiqn &t) {
	LockGuard guard(reg().lock);
	reg().tiqns.remove(t);
}
void registry_add_tpg(IscsiTpg &t) {
	LockGuard guard(reg().lock);
	reg().tpgs.push_back(t);
}
void registry_remove_tpg(IscsiTpg &t) {
	LockGuard guard(reg().lock);
	reg().tpgs.remove(t);
}
void registry_add_np(IscsiNp &n) {
	LockGuard guard(reg().lock);
	reg().nps.push_back(n);
}
void registry_remove_np(IscsiNp &n) {
	LockGuard guard(reg().lock);
	reg().nps.remove(n);
}
void registry_add_acl(IscsiAcl &a) {
	LockGuard guard(reg().lock);
	reg().acls.push_back(a);
}
void registry_remove_acl(IscsiAcl &a) {
	LockGuard guard(reg().lock);
	reg().acls.remove(a);
}

IscsiTpg *find_tpg_locked(StrView target_name, u64 portal_id) {
	for (IscsiNp &n : reg().nps) {
		if (n.portal().id() != portal_id)
			continue;
		IscsiTpg &t = n.tpg();
		if (str_equal_nocase(str_view(t.tiqn().name()), target_name))
			return &t;
	}
	return nullptr;
}

IscsiAcl *find_acl_locked(IscsiTpg &tpg, StrView initiator) {
	for (IscsiAcl &a : reg().acls)
		if (&a.tpg() == &tpg && str_equal_nocase(str_view(a.initiator()), initiator))
			return &a;
	return nullptr;
}

SendTargetsSize format_send_targets(StrView only, StrView local_addr, MutableBytes out) {
	LockGuard guard(reg().lock);
	SendTargetsSize r;
	usize block_start = 0; // where the current target's TargetName went
	bool full = false;     // a target did not fit: nothing more is written
	// One key=value record and its NUL: counted, and written when its target still fits.
	auto put = [&](const char *fmt, auto... args) {
		char rec[512];
		int n = kabi_snprintf(rec, sizeof(rec), fmt, args...); // what it wrote
		if (n <= 0 || static_cast<usize>(n) >= sizeof(rec) - 1)
			return; // cut: longer than any name or address configfs accepts
		usize len = static_cast<usize>(n) + 1;
		r.needed += len;
		if (full)
			return;
		if (len > out.size() - r.written) {
			r.written = block_start; // the whole target goes
			full = true;
			return;
		}
		__builtin_memcpy(out.data() + r.written, rec, len);
		r.written += len;
	};
	for (IscsiTiqn &t : reg().tiqns) {
		if (only.size() && !str_equal_nocase(str_view(t.name()), only))
			continue;
		bool named = false;
		for (IscsiTpg &g : reg().tpgs) {
			if (&g.tiqn() != &t || !g.enabled || g.shutting_down)
				continue;
			{
				LockGuard cg(g.config.lock);
				if (!g.config.attribs.tpg_enabled_sendtargets)
					continue;
			}
			for (IscsiNp &n : reg().nps) {
				if (&n.tpg() != &g)
					continue;
				if (!named) {
					block_start = r.written;
					put("TargetName=%s", t.name());
					named = true;
				}
				if (n.portal().wildcard())
					put("TargetAddress=%.*s:%u,%u", static_cast<int>(local_addr.size()),
					    local_addr.data(), n.portal().port(),
					    static_cast<u32>(g.tag()));
				else
					put("TargetAddress=%s,%u", n.portal().name(),
					    static_cast<u32>(g.tag()));
			}
		}
	}
	return r;
}

// ---------------------------------------------------------------- connections

void registry_add_conn(IscsiConn &c) {
	LockGuard guard(reg().lock);
	reg().conns.push_back(c);
}

void registry_remove_conn(IscsiConn &c) {
	LockGuard guard(reg().lock);
	reg().conns.remove(c);
}

IscsiConn *registry_take_finished_locked() {
	for (IscsiConn &c : reg().conns)
		if (c.finished) {
			reg().conns.remove(c);
			return &c;
		}
	return nullptr;
}

void stop_tpg_connections(IscsiTpg &tpg) {
	for (u32 waited = 0;; waited += 10) {
		{
			LockGuard guard(reg().lock);
			if (tpg.users == 0)
				return;
			for (IscsiConn &c : reg().conns)
				if (c.tpg == &tpg && !c.finished)
					c.stop();
		}
		if (waited && waited % 10000 == 0)
			log_warn("iscsi: TPG %u: still waiting for %u connections to end\n",
				 static_cast<u32>(tpg.tag()), tpg.users);
		nap_ms(10);
	}
}

void stop_all_connections() {
	for (;;) {
		bool running = false;
		{
			LockGuard guard(reg().lock);
			for (IscsiConn &c : reg().conns)
				if (!c.finished) {
					c.stop();
					running = true;
				}
		}
		if (!running)
			return;
		nap_ms(10);
	}
}

bool session_exists_locked(IscsiTpg &tpg, StrView initiator, const u8 *isid, u16 tsih) {
	for (IscsiConn &c : reg().conns) {
		const LoginIdentity *id = session_of(c, tpg, initiator);
		if (id && c.tsih() == tsih && __builtin_memcmp(id->isid, isid, 6) == 0)
			return true;
	}
	return false;
}

bool session_view_for_acl(const IscsiAcl &acl, SessionView *out) {
	LockGuard guard(reg().lock);
	for (IscsiConn &c : reg().conns) {
		if (!session_of(c, acl.tpg(), str_view(acl.initiator())))
			continue;
		c.view(out);
		return true;
	}
	return false;
}

u32 stop_acl_sessions(const IscsiAcl &acl) {
	LockGuard guard(reg().lock);
	u32 n = 0;
	for (IscsiConn &c : reg().conns) {
		if (!session_of(c, acl.tpg(), str_view(acl.initiator())))
			continue;
		c.stop();
		n++;
	}
	return n;
}

u32 stop_target_connections(const IscsiTiqn &t) {
	LockGuard guard(reg().lock);
	u32 n = 0;
	for (IscsiConn &c : reg().conns) {
		if (c.finished || !c.tpg || &c.tpg->tiqn() != &t)
			continue;
		c.stop();
		n++;
	}
	return n;
}

void reinstate_session(IscsiTpg &tpg, StrView initiator, const u8 *isid, IscsiConn *self) {
	for (u32 waited = 0; waited < 30000; waited += 10) {
		bool found = false;
		{
			LockGuard guard(reg().lock);
			for (IscsiConn &c : reg().conns) {
				const LoginIdentity *id = &c == self ? nullptr
								      : session_of(c, tpg, initiator);
				if (!id || __builtin_memcmp(id->isid, isid, 6) != 0)
					continue;
				if (!waited)
					log_info("iscsi: %.*s: session reinstatement, closing the "
						 "previous session (TSIH %u)\n",
						 static_cast<int>(initiator.size()), initiator.data(),
						 c.tsih());
				c.stop();
				found = true;
			}
		}
		if (!found)
			return;
		nap_ms(10);
	}
}

} // namespace lio::fabrics::iscsi
