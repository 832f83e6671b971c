// SPDX-License-Identifier: GPL-2.0
// core/tpg_sessions.cpp: the TPG's calls into core::Session (core/session.h), kept in one
// file. Until core/session.h exists the TPG admits no session (ENOSYS).
#include "core/tpg.h"

#include "lio/log.h"

#if __has_include("core/session.h")
#include "core/session.h"
#define LIO_TPG_HAS_SESSIONS 1
#else
#define LIO_TPG_HAS_SESSIONS 0
#endif

namespace lio::core {

#if LIO_TPG_HAS_SESSIONS

// The list holds each session's reference (core/session.h).
struct Tpg::SessionList {
	IntrusiveList<Session, &Session::tpg_node> list;
	u32 count = 0;
};

Result<SessionPort *> Tpg::open_session(StrView initiator, StrView session_id) {
	{
		LockGuard guard(sessions_lock_);
		if (going_)
			return Error::from_errno(KABI_ENODEV);
	}
	RefPtr<NodeAcl> acl = find_acl(initiator);
	if (!acl && !demo_mode().generate_node_acls) {
		log_err("%s/tpgt_%u: initiator %.*s has no ACL and demo mode is off\n", wwn_name_,
			tag_, static_cast<int>(initiator.size()), initiator.data());
		return Error::from_errno(KABI_EACCES);
	}
	RefPtr<Session> s = TRY(Session::create(*this, move(acl), initiator, session_id));
	{
		LockGuard guard(sessions_lock_);
		if (!going_) {
			// The list holds the session's only reference; close() gives it back
			// through session_closed().
			Session *raw = s.leak_ref();
			sessions_->list.push_back(*raw);
			sessions_->count++;
			return static_cast<SessionPort *>(raw);
		}
	}
	s->shutdown();
	return Error::from_errno(KABI_ENODEV);
}

RefPtr<Lun> Tpg::lookup_lun(const Session &s, u64 lun, bool *read_only) {
	return lookup_lun_for(s.acl(), lun, read_only);
}

void Tpg::for_each_lun(const Session &s, scsi::LunVisitor &v) const {
	for_each_lun_for(s.acl(), v);
}

void Tpg::session_closed(Session &s) {
	bool listed = false;
	{
		LockGuard guard(sessions_lock_);
		if (s.tpg_node.is_linked()) {
			sessions_->list.remove(s);
			sessions_->count--;
			listed = true;
		}
	}
	if (listed)
		s.unref();
}

void Tpg::luns_changed(const NodeAcl *acl) {
	LockGuard guard(sessions_lock_);
	for (Session &s : sessions_->list)
		if (!acl || s.acl() == acl)
			s.luns_changed();
}

void Tpg::shutdown() {
	fabric_tpg_->shutdown();
	for (;;) {
		Session *s;
		{
			LockGuard guard(sessions_lock_);
			going_ = true;
			s = sessions_->list.pop_front();
			if (s)
				sessions_->count--;
		}
		if (!s)
			break;
		RefPtr<Session> ref = RefPtr<Session>::adopt(s); // the list's reference
		ref->shutdown();
	}
}

void Tpg::shutdown_sessions_of(const NodeAcl &acl) {
	for (;;) {
		RefPtr<Session> victim;
		{
			LockGuard guard(sessions_lock_);
			for (Session &s : sessions_->list) {
				if (s.acl() == &acl) {
					sessions_->list.remove(s);
					sessions_->count--;
					victim = RefPtr<Session>::adopt(&s); // the list's reference
					break;
				}
			}
		}
		if (!victim)
			return;
		victim->shutdown();
	}
}

u32 Tpg::session_count() const {
	LockGuard guard(sessions_lock_);
	return sessions_->count;
}

Tpg::SessionList *Tpg::new_session_list() { return make<SessionList>(Gfp::Kernel).release(); }

void Tpg::delete_session_list(SessionList *list) {
	if (list)
		LIO_ASSERT(list->list.is_empty());
	delete list;
}

#else // !LIO_TPG_HAS_SESSIONS

struct Tpg::SessionList {
	u32 count = 0;
};

Result<SessionPort *> Tpg::open_session(StrView initiator, StrView) {
	log_err("%s/tpgt_%u: no session support yet for %.*s\n", wwn_name_, tag_,
		static_cast<int>(initiator.size()), initiator.data());
	return Error::from_errno(KABI_ENOSYS);
}

RefPtr<Lun> Tpg::lookup_lun(const Session &, u64, bool *) { return nullptr; }
void Tpg::for_each_lun(const Session &, scsi::LunVisitor &) const {}
void Tpg::session_closed(Session &) {}
void Tpg::luns_changed(const NodeAcl *) {}
void Tpg::shutdown_sessions_of(const NodeAcl &) {}

void Tpg::shutdown() {
	fabric_tpg_->shutdown();
	LockGuard guard(sessions_lock_);
	going_ = true;
}

u32 Tpg::session_count() const { return 0; }

Tpg::SessionList *Tpg::new_session_list() { return make<SessionList>(Gfp::Kernel).release(); }
void Tpg::delete_session_list(SessionList *list) { delete list; }

#endif

} // namespace lio::core
