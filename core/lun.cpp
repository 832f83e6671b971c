// SPDX-License-Identifier: GPL-2.0
#include "core/lun.h"

#include "core/alua_tg_pt_group.h"
#include "core/device.h"
#include "core/hba.h"
#include "core/tpg.h"
#include "lio/log.h"

namespace lio::core {

namespace {
constinit LockClass lun_drained_class("lio_lun_drained");
} // namespace

Lun::Lun(Tpg &tpg, u64 number) : tpg_(tpg), number_(number), drained_(lun_drained_class) {}

Lun::~Lun() { LIO_ASSERT(device_ == nullptr); }

bool Lun::linked() const { return (io_.load(MemoryOrder::Acquire) & kDead) == 0; }

u16 Lun::rtpi() const { return tpg_.rtpi(); }

bool Lun::get_io() {
	u64 v = io_.load(MemoryOrder::Relaxed);
	do {
		if (v & kDead)
			return false;
	} while (!io_.compare_exchange(v, v + 1, MemoryOrder::Acquire));
	return true;
}

void Lun::put_io() {
	u64 old = io_.fetch_sub(1, MemoryOrder::Release);
	LIO_ASSERT((old & ~kDead) != 0);
	if (old == (kDead | 1))
		drained_.complete(); // the last command of a dying link
}

void Lun::count_command(u64 read_bytes, u64 written_bytes) {
	cmds_.fetch_add(1, MemoryOrder::Relaxed);
	if (read_bytes)
		read_bytes_.fetch_add(read_bytes, MemoryOrder::Relaxed);
	if (written_bytes)
		written_bytes_.fetch_add(written_bytes, MemoryOrder::Relaxed);
}

Result<void> Lun::link(Device &dev) {
	if (device_) {
		log_err("%s/tpgt_%u/lun_%llu: a device is linked already\n", tpg_.wwn_name(),
			tpg_.tag(), static_cast<unsigned long long>(number_));
		return Error::from_errno(KABI_EEXIST);
	}
	{
		LockGuard guard(dev.lock());
		DeviceConfig &cfg = dev.config_locked();
		if (!cfg.configured) {
			log_err("%s/tpgt_%u/lun_%llu: %s/%s is not enabled\n", tpg_.wwn_name(),
				tpg_.tag(), static_cast<unsigned long long>(number_),
				dev.hba().name(), dev.name());
			return Error::from_errno(KABI_ENODEV);
		}
		cfg.export_count++;
	}
	device_ = &dev;
	if (dev.alua_groups) // ---- ALUA: default_tg_pt_gp, before commands arrive ----
		dev.alua_groups->attach(*this);
	drained_.reinit();
	io_.store(0, MemoryOrder::Release); // accepts commands from here on
	tpg_.fabric_tpg().lun_linked(number_);
	tpg_.luns_changed();
	return {};
}

void Lun::unlink() {
	if (!device_)
		return;
	tpg_.fabric_tpg().lun_unlinking(number_);
	u64 old = io_.fetch_or(kDead, MemoryOrder::AcqRel);
	if ((old & ~kDead) != 0)
		drained_.wait();
	Device &dev = *device_;
	if (dev.alua_groups) // ---- ALUA ----
		dev.alua_groups->detach(*this);
	device_ = nullptr;
	{
		LockGuard guard(dev.lock());
		dev.config_locked().export_count--;
	}
	tpg_.luns_changed();
}

} // namespace lio::core
