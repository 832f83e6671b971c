// SPDX-License-Identifier: GPL-2.0
/*
 * fabrics/iscsi/registry.h: the module's one registry of targets, TPGs, portals, ACLs,
 * sessions and connections, under one mutex (registry_lock()). Logins resolve TargetName +
 * portal -> TPG here, SendTargets lists targets here, and TPG shutdown finds the connections to
 * stop here.
 *
 * Lock order: registry lock -> TpgConfig / AclConfig / DiscoveryConfig locks -> IscsiSession
 * lock -> IscsiConn tx lock. Core calls (open_session, SessionPort::close/submit) are made
 * with none of them held.
 */
#ifndef LIO_FABRICS_ISCSI_REGISTRY_H
#define LIO_FABRICS_ISCSI_REGISTRY_H

#include "fabrics/iscsi/iscsi.h"
#include "lio/list.h"
#include "lio/lock.h"

struct iscsi_glue_np;

namespace lio::fabrics::iscsi {

class IscsiConn;
class IscsiSession;

// One listening socket, shared by every np/ directory of the same name.
class Portal final {
  public:
	Portal(StrView name, u64 id);
	~Portal();

	const char *name() const { return name_; }
	u64 id() const { return id_; } // never reused: a connection remembers its portal by id
	bool wildcard() const;         // 0.0.0.0 or [::]
	u32 port() const;

	// Under the registry lock.
	u32 refs = 0;
	ListNode registry_node;
	iscsi_glue_np *np = nullptr;

  private:
	char name_[64] = {};
	u64 id_;
};

// Module init / exit.
Result<void> registry_init();
void registry_exit();

Mutex &registry_lock();

// Portals: one reference per IscsiNp; the first opens the socket, the last closes it.
Result<Portal *> portal_get(StrView name);
void portal_put(Portal &portal);

void registry_add_tiqn(IscsiTiqn &t);
void registry_remove_tiqn(IscsiTiqn &t);
void registry_add_tpg(IscsiTpg &t);
void registry_remove_tpg(IscsiTpg &t);
void registry_add_np(IscsiNp &n);
void registry_remove_np(IscsiNp &n);
void registry_add_acl(IscsiAcl &a);
void registry_remove_acl(IscsiAcl &a);

// Under the registry lock: the TPG of target `name` that has a portal with id portal_id
// (null if none), the ACL of `initiator` in tpg (null if none).
IscsiTpg *find_tpg_locked(StrView target_name, u64 portal_id);
IscsiAcl *find_acl_locked(IscsiTpg &tpg, StrView initiator);
// Under the registry lock: a logged-in session of initiator with isid and tsih on tpg.
bool session_exists_locked(IscsiTpg &tpg, StrView initiator, const u8 *isid, u16 tsih);

// SendTargets (RFC 7143 Appendix C): "TargetName=<iqn>\0TargetAddress=<addr:port>,<tpgt>\0..."
// for every target (or only `only`, when not empty) with an enabled TPG that allows
// SendTargets; a wildcard portal is shown as local_addr (the connection's own address,
// "A.B.C.D" or "[v6]") with the portal's port. Writes into out whole targets only (a target's
// TargetName with all its TargetAddress records): at the first target that does not fit, the
// text ends. written: the bytes of out used; needed: what the whole answer takes (written ==
// needed: nothing left out). out may be empty (measuring).
struct SendTargetsSize {
	usize written = 0;
	usize needed = 0;
};
SendTargetsSize format_send_targets(StrView only, StrView local_addr, MutableBytes out);

// Every connection, for shutdown (registry lock).
void registry_add_conn(IscsiConn &c);
void registry_remove_conn(IscsiConn &c);
// A connection whose thread has finished, taken off the registry (null if none).
IscsiConn *registry_take_finished_locked();

// Ends every logged-in session of acl's initiator on acl's TPG (their connections are shut
// down; the initiator logs in again): a cmdsn_depth change applies that way, as LIO's
// target_shutdown_sessions. Does not wait. Returns how many were ended.
u32 stop_acl_sessions(const IscsiAcl &acl);

// Ends every connection to any TPG of target node t (TARGET COLD RESET). Does not wait.
// Returns how many were stopped.
u32 stop_target_connections(const IscsiTiqn &t);

// Stops every connection that uses tpg and waits until none does (TPG disable / rmdir).
void stop_tpg_connections(IscsiTpg &tpg);
// Module exit: stops every connection and waits for all of them to end.
void stop_all_connections();

} // namespace lio::fabrics::iscsi

#endif // LIO_FABRICS_ISCSI_REGISTRY_H
