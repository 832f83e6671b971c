// SPDX-License-Identifier: GPL-2.0
/*
 * core/lun.h: a LUN of a TPG (LIO's se_lun, .../tpgt_N/lun/lun_M): a number in the TPG, at
 * most one linked device (the configfs symlink), the in-flight accounting that lets the link
 * go away safely, and the port statistics the session code bumps.
 *
 * Ownership: made by mkdir lun_M and referenced by its configfs directory, by the TPG's LUN
 * list (until rmdir), by mapped LUNs of ACLs, and by sessions while they look it up. The
 * Device behind it is owned by its own directory, which configfs keeps while the symlink
 * exists; device() is valid while the LUN is linked and the caller holds get_io() (or is the
 * configfs code that made the link).
 *
 * In-flight accounting: a command calls get_io() after lookup and put_io() when released.
 * unlink() (symlink removed, or the LUN's rmdir) calls FabricTpg::lun_unlinking(), marks the
 * LUN dead so that get_io() fails, waits until every in-flight command has called put_io(),
 * and only then drops the device (export_count).
 */
#ifndef LIO_CORE_LUN_H
#define LIO_CORE_LUN_H

#include "lio/atomic.h"
#include "lio/list.h"
#include "lio/lock.h"
#include "lio/refcount.h"
#include "lio/result.h"
#include "lio/types.h"

namespace lio::core {

class Device;
class Tpg;
class TgPtGroup;

inline constexpr u64 kMaxLun = 65535; // lun_0 .. lun_65535 (TPG LUNs and mapped LUNs)

class Lun final : public RefCounted<Lun> {
  public:
	Lun(Tpg &tpg, u64 number);
	~Lun();

	u64 number() const { return number_; }
	Tpg &tpg() const { return tpg_; }
	// A device is linked and the LUN accepts commands.
	bool linked() const;
	// The linked device (see the header comment for when it is valid).
	Device &device() const { return *device_; }
	Device *device_or_null() const { return device_; }
	// Relative target port identifier: LIO 6.12 numbers the TPG, not the LUN (tpgt_N/rtpi).
	u16 rtpi() const;

	// ---- data path ----
	[[nodiscard]] bool get_io();
	void put_io();
	// One command on this LUN: read_bytes sent to the initiator, written_bytes received.
	void count_command(u64 read_bytes, u64 written_bytes);

	u64 in_cmds() const { return cmds_.load(MemoryOrder::Relaxed); }
	u64 read_bytes() const { return read_bytes_.load(MemoryOrder::Relaxed); }
	u64 written_bytes() const { return written_bytes_.load(MemoryOrder::Relaxed); }

	// ---- control (configfs, process context, serialised by configfs per LUN) ----
	// ENODEV: the device is not enabled; EEXIST: a device is linked already.
	Result<void> link(Device &dev);
	// No-op when nothing is linked. Waits for in-flight commands.
	void unlink();

	// LIO's ALUA secondary state of the port (alua_tg_pt_offline/status/write_md).
	Atomic<u32> alua_offline{0};
	Atomic<u32> alua_status{0};
	Atomic<u32> alua_write_md{0};

	// In the TPG's LUN list, ascending numbers (under the TPG's map lock).
	ListNode tpg_node;

	// ---- ALUA ----
	// The LUN's target port group (core/alua_tg_pt_group.h) while a device is linked, under
	// the device's TgPtGroupSet lock; null without one (or for a passthrough device).
	TgPtGroup *alua_group = nullptr;
	ListNode alua_node; // in alua_group->members
	// What commands read of the group, packed (TgPtGroupSet::pack/unpack); 0: no group.
	Atomic<u64> alua_port{0};

  private:
	static constexpr u64 kDead = 1ull << 62;

	Tpg &tpg_;
	u64 number_;
	Device *device_ = nullptr; // written only by link/unlink while not accepting I/O
	// In-flight commands, plus kDead while no device accepts them.
	Atomic<u64> io_{kDead};
	Completion drained_;
	Atomic<u64> cmds_{0};
	Atomic<u64> read_bytes_{0};
	Atomic<u64> written_bytes_{0};
};

} // namespace lio::core

#endif // LIO_CORE_LUN_H
