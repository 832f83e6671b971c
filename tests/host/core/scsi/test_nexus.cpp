// SPDX-License-Identifier: GPL-2.0
// Tests for core/scsi/nexus.h: UnitAttentionQueue and LuState.
#include "core/scsi/nexus.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace lio::scsi {
namespace {

TEST(UnitAttentionQueue, OldestFirstAndDeduplicated) {
	UnitAttentionQueue q;
	EXPECT_FALSE(q.pending());
	EXPECT_EQ(q.take(), SenseReason::kNone);
	EXPECT_EQ(q.peek(), SenseReason::kNone);
	q.post(SenseReason::kNone); // ignored
	EXPECT_FALSE(q.pending());
	q.post(SenseReason::kPowerOnResetOccurred);
	q.post(SenseReason::kModeParametersChanged);
	q.post(SenseReason::kPowerOnResetOccurred); // already pending
	EXPECT_TRUE(q.pending());
	EXPECT_EQ(q.peek(), SenseReason::kPowerOnResetOccurred);
	EXPECT_EQ(q.take(), SenseReason::kPowerOnResetOccurred);
	EXPECT_EQ(q.take(), SenseReason::kModeParametersChanged);
	EXPECT_EQ(q.take(), SenseReason::kNone);
	// Once reported, the same reason can be established again.
	q.post(SenseReason::kPowerOnResetOccurred);
	EXPECT_EQ(q.take(), SenseReason::kPowerOnResetOccurred);
}

TEST(UnitAttentionQueue, ClearOneOrAll) {
	UnitAttentionQueue q;
	q.post(SenseReason::kReportedLunsDataChanged);
	q.post(SenseReason::kCapacityDataChanged);
	q.post(SenseReason::kReservationsReleased);
	q.clear(SenseReason::kCapacityDataChanged);
	q.clear(SenseReason::kModeParametersChanged); // not pending: nothing
	EXPECT_EQ(q.take(), SenseReason::kReportedLunsDataChanged);
	EXPECT_EQ(q.take(), SenseReason::kReservationsReleased);
	q.post(SenseReason::kCapacityDataChanged);
	q.clear_all();
	EXPECT_FALSE(q.pending());
}

TEST(UnitAttentionQueue, OverflowKeepsTheOldest) {
	UnitAttentionQueue q;
	// More distinct reasons than the capacity: the first kCapacity stay, in order.
	u16 first = static_cast<u16>(SenseReason::kInvalidOpcode);
	for (u16 i = 0; i < UnitAttentionQueue::kCapacity + 4; i++)
		q.post(static_cast<SenseReason>(first + i));
	for (u16 i = 0; i < UnitAttentionQueue::kCapacity; i++)
		ASSERT_EQ(q.take(), static_cast<SenseReason>(first + i));
	EXPECT_FALSE(q.pending());
}

TEST(LuState, Spc2Reservation) {
	LuState s;
	EXPECT_EQ(s.reservation_holder(), 0u);
	EXPECT_FALSE(s.reservation_conflict(1));
	EXPECT_TRUE(s.reserve(1));
	EXPECT_TRUE(s.reserve(1)) << "the holder may reserve again";
	EXPECT_FALSE(s.reserve(2));
	EXPECT_EQ(s.reservation_holder(), 1u);
	EXPECT_FALSE(s.reservation_conflict(1));
	EXPECT_TRUE(s.reservation_conflict(2));
	s.release(2); // not the holder: no effect
	EXPECT_EQ(s.reservation_holder(), 1u);
	s.release(1);
	EXPECT_EQ(s.reservation_holder(), 0u);
	EXPECT_TRUE(s.reserve(2));
	s.clear_reservation();
	EXPECT_FALSE(s.reservation_conflict(1));
}

TEST(LuState, ExclusiveWaitsForSharedWrites) {
	LuState s;
	std::atomic<bool> got{false};
	std::thread t;
	{
		LuState::SharedWrite a(s);
		LuState::SharedWrite b(s); // plain writes do not wait for each other
		t = std::thread([&] {
			LuState::ExclusiveWrite x(s);
			got = true;
		});
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
		EXPECT_FALSE(got.load());
	}
	t.join();
	EXPECT_TRUE(got.load());
	// And a plain write waits for an exclusive holder.
	std::atomic<bool> wrote{false};
	{
		LuState::ExclusiveWrite x(s);
		t = std::thread([&] {
			LuState::SharedWrite w(s);
			wrote = true;
		});
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
		EXPECT_FALSE(wrote.load());
	}
	t.join();
	EXPECT_TRUE(wrote.load());
}

} // namespace
} // namespace lio::scsi
