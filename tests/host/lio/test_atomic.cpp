// SPDX-License-Identifier: GPL-2.0
// Tests for include/lio/atomic.h.
#include "lio/atomic.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace lio {
namespace {

TEST(Atomic, Operations) {
	Atomic<u32> a(5);
	EXPECT_EQ(a.load(), 5u);
	a.store(7, MemoryOrder::Release);
	EXPECT_EQ(a.load(MemoryOrder::Acquire), 7u);
	EXPECT_EQ(a.exchange(9), 7u);
	EXPECT_EQ(a.fetch_add(1), 9u);
	EXPECT_EQ(a.fetch_sub(2, MemoryOrder::Relaxed), 10u);
	EXPECT_EQ(a.fetch_or(0x10), 8u);
	EXPECT_EQ(a.fetch_and(0x10), 0x18u);
	u32 expected = 1;
	EXPECT_FALSE(a.compare_exchange(expected, 2));
	EXPECT_EQ(expected, 0x10u); // receives the current value
	EXPECT_TRUE(a.compare_exchange(expected, 2, MemoryOrder::AcqRel));
	EXPECT_EQ(a.load(), 2u);
}

TEST(Atomic, Pointers) {
	int x = 0, y = 0;
	Atomic<int *> p;
	EXPECT_EQ(p.load(), nullptr);
	p.store(&x);
	int *expected = &x;
	EXPECT_TRUE(p.compare_exchange(expected, &y, MemoryOrder::Release));
	EXPECT_EQ(p.exchange(nullptr), &y);
}

TEST(Atomic, ConcurrentAdds) {
	Atomic<u64> counter;
	std::vector<std::thread> threads;
	for (int t = 0; t < 4; t++)
		threads.emplace_back([&] {
			for (int i = 0; i < 25000; i++)
				counter.fetch_add(1, MemoryOrder::Relaxed);
		});
	for (auto &t : threads)
		t.join();
	atomic_fence(MemoryOrder::SeqCst);
	EXPECT_EQ(counter.load(), 100000u);
}

} // namespace
} // namespace lio
