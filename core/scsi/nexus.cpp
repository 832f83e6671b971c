// SPDX-License-Identifier: GPL-2.0
// core/scsi/nexus.cpp: unit attention queues and per-LU state (nexus.h).
#include "core/scsi/nexus.h"

namespace lio::scsi {

namespace {

constinit LockClass ua_queue_class("lio_ua_queue");
constinit LockClass lu_state_class("lio_lu_state");
constinit LockClass copy_results_class("lio_copy_results");
// One class per stripe: ExclusiveWrite holds them all, always in this order.
constinit LockClass stripe_classes[LuState::kWriteStripes] = {
	LockClass("lio_lu_write0"), LockClass("lio_lu_write1"), LockClass("lio_lu_write2"),
	LockClass("lio_lu_write3"), LockClass("lio_lu_write4"), LockClass("lio_lu_write5"),
	LockClass("lio_lu_write6"), LockClass("lio_lu_write7"),
};
static_assert(LuState::kWriteStripes == 8, "one lock class per stripe");

} // namespace

// ---- UnitAttentionQueue ----

UnitAttentionQueue::UnitAttentionQueue() : lock_(ua_queue_class) {}

void UnitAttentionQueue::remove_at_locked(usize i) {
	for (; i + 1 < count_; i++)
		queue_[i] = queue_[i + 1];
	count_--;
}

void UnitAttentionQueue::post(SenseReason reason) {
	if (reason == SenseReason::kNone)
		return;
	SpinLockIrqGuard guard(lock_);
	for (usize i = 0; i < count_; i++)
		if (queue_[i] == reason)
			return;
	if (count_ < kCapacity)
		queue_[count_++] = reason;
}

bool UnitAttentionQueue::pending() const {
	SpinLockIrqGuard guard(lock_);
	return count_ != 0;
}

SenseReason UnitAttentionQueue::take() {
	SpinLockIrqGuard guard(lock_);
	if (!count_)
		return SenseReason::kNone;
	SenseReason r = queue_[0];
	remove_at_locked(0);
	return r;
}

SenseReason UnitAttentionQueue::peek() const {
	SpinLockIrqGuard guard(lock_);
	return count_ ? queue_[0] : SenseReason::kNone;
}

void UnitAttentionQueue::clear(SenseReason reason) {
	SpinLockIrqGuard guard(lock_);
	for (usize i = 0; i < count_; i++) {
		if (queue_[i] == reason) {
			remove_at_locked(i);
			return; // kept once
		}
	}
}

void UnitAttentionQueue::clear_all() {
	SpinLockIrqGuard guard(lock_);
	count_ = 0;
}

// ---- LuState ----

LuState::LuState()
    : lock_(lu_state_class),
      stripes_{Mutex(stripe_classes[0]), Mutex(stripe_classes[1]), Mutex(stripe_classes[2]),
	       Mutex(stripe_classes[3]), Mutex(stripe_classes[4]), Mutex(stripe_classes[5]),
	       Mutex(stripe_classes[6]), Mutex(stripe_classes[7])} {}

u64 LuState::reservation_holder() const {
	SpinLockIrqGuard guard(lock_);
	return holder_;
}

bool LuState::reserve(u64 it_nexus_id) {
	SpinLockIrqGuard guard(lock_);
	if (holder_ && holder_ != it_nexus_id)
		return false;
	holder_ = it_nexus_id;
	return true;
}

void LuState::release(u64 it_nexus_id) {
	SpinLockIrqGuard guard(lock_);
	if (holder_ == it_nexus_id)
		holder_ = 0;
}

void LuState::clear_reservation() {
	SpinLockIrqGuard guard(lock_);
	holder_ = 0;
}

bool LuState::reservation_conflict(u64 it_nexus_id) const {
	SpinLockIrqGuard guard(lock_);
	return holder_ != 0 && holder_ != it_nexus_id;
}

LuState::SharedWrite::SharedWrite(LuState &s)
    : stripe_(s.stripes_[s.next_stripe_.fetch_add(1, MemoryOrder::Relaxed) % kWriteStripes]) {
	stripe_.lock();
}

LuState::SharedWrite::~SharedWrite() { stripe_.unlock(); }

LuState::ExclusiveWrite::ExclusiveWrite(LuState &s) : s_(s) {
	for (Mutex &m : s_.stripes_)
		m.lock();
}

LuState::ExclusiveWrite::~ExclusiveWrite() {
	for (usize i = kWriteStripes; i > 0; i--)
		s_.stripes_[i - 1].unlock();
}

// ---- copy offload: CopyResults ----

CopyResults::CopyResults() : lock_(copy_results_class) {}

CopyResults::Entry *CopyResults::find_locked(u8 list_id) {
	for (Entry &e : entries_)
		if (e.state != State::kFree && e.list_id == list_id)
			return &e;
	return nullptr;
}

SenseReason CopyResults::begin(u8 list_id, bool hold) {
	SpinLockIrqGuard guard(lock_);
	Entry *e = find_locked(list_id);
	if (e && e->state == State::kRunning)
		return SenseReason::kOperationInProgress;
	if (!e) {
		// A free entry, else the oldest finished one.
		for (Entry &x : entries_) {
			if (x.state == State::kFree) {
				e = &x;
				break;
			}
			if (x.state != State::kRunning && (!e || x.age < e->age))
				e = &x;
		}
		if (!e)
			return SenseReason::kInsufficientResources;
	}
	*e = Entry();
	e->state = State::kRunning;
	e->list_id = list_id;
	e->hold = hold;
	e->age = ++clock_;
	return SenseReason::kNone;
}

void CopyResults::progress(u8 list_id, u16 segments, u64 bytes) {
	SpinLockIrqGuard guard(lock_);
	Entry *e = find_locked(list_id);
	if (e && e->state == State::kRunning) {
		e->segments_processed = segments;
		e->bytes = bytes;
	}
}

void CopyResults::end(u8 list_id, u8 status, Bytes sense) {
	SpinLockIrqGuard guard(lock_);
	Entry *e = find_locked(list_id);
	if (!e || e->state != State::kRunning)
		return;
	if (!e->hold) {
		*e = Entry();
		return;
	}
	e->state = status == 0 ? State::kGood : State::kFailed;
	e->status = status;
	usize n = sense.size() < kMaxSense ? sense.size() : kMaxSense;
	for (usize i = 0; i < n; i++)
		e->sense[i] = sense.data()[i];
	e->sense_length = static_cast<u8>(n);
}

bool CopyResults::lookup(u8 list_id, Entry *out) const {
	SpinLockIrqGuard guard(lock_);
	Entry *e = const_cast<CopyResults *>(this)->find_locked(list_id);
	if (!e)
		return false;
	*out = *e;
	return true;
}

void CopyResults::discard_sense(u8 list_id) {
	SpinLockIrqGuard guard(lock_);
	Entry *e = find_locked(list_id);
	if (e && e->state == State::kFailed)
		e->sense_length = 0;
}

void CopyResults::clear() {
	SpinLockIrqGuard guard(lock_);
	for (Entry &e : entries_)
		if (e.state != State::kRunning)
			e = Entry();
}

} // namespace lio::scsi
