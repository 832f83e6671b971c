// SPDX-License-Identifier: GPL-2.0
// Tests for include/lio/alloc.h and include/lio/own_ptr.h.
#include "lio/alloc.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "host_test_api.h"
#include "test_support.h"

namespace lio {
namespace {

struct Thing {
	static inline int constructed = 0;
	static inline int destroyed = 0;
	Thing(int a, int b) : sum(a + b) { constructed++; }
	virtual ~Thing() { destroyed++; }
	int sum;
};

struct Bigger final : Thing {
	Bigger() : Thing(1, 2) {}
	~Bigger() override { extra_destroyed++; }
	static inline int extra_destroyed = 0;
	char payload[100] = {};
};

TEST(Alloc, MakeCountsAndFrees) {
	LeakCheck leaks;
	Thing::constructed = Thing::destroyed = 0;
	{
		OwnPtr<Thing> t = make<Thing>(Gfp::Kernel, 2, 3);
		ASSERT_TRUE(t);
		EXPECT_EQ(t->sum, 5);
		EXPECT_EQ((*t).sum, 5);
		EXPECT_EQ(leaks.live(), 1);
	}
	EXPECT_EQ(leaks.live(), 0);
	EXPECT_EQ(Thing::constructed, 1);
	EXPECT_EQ(Thing::destroyed, 1);
}

TEST(Alloc, FailureYieldsNullWithoutConstructing) {
	LeakCheck leaks;
	Thing::constructed = 0;
	kabi_host_mem_fail_nth(1);
	OwnPtr<Thing> t = make<Thing>(Gfp::Atomic, 1, 1);
	EXPECT_FALSE(t);
	EXPECT_EQ(Thing::constructed, 0);
	kabi_host_mem_fail_nth(1);
	Result<OwnPtr<Thing>> r = try_make<Thing>(Gfp::NoIo, 1, 1);
	ASSERT_TRUE(r.is_error());
	EXPECT_EQ(r.error().errno_value(), KABI_ENOMEM);
	kabi_host_mem_fail_nth(2); // the second from now
	OwnPtr<Thing> first = make<Thing>(Gfp::NoFs, 0, 0);
	OwnPtr<Thing> second = make<Thing>(Gfp::NoFs, 0, 0);
	OwnPtr<Thing> third = make<Thing>(Gfp::NoWait, 0, 0);
	EXPECT_TRUE(first);
	EXPECT_FALSE(second);
	EXPECT_TRUE(third);
}

TEST(OwnPtr, MoveResetReleaseAndDerivedDelete) {
	LeakCheck leaks;
	Bigger::extra_destroyed = 0;
	OwnPtr<Bigger> b = make<Bigger>(Gfp::Kernel);
	OwnPtr<Thing> t = lio::move(b); // delete through the base: virtual destructor
	EXPECT_FALSE(b);
	EXPECT_EQ(t->sum, 3);
	OwnPtr<Thing> u;
	u = lio::move(t);
	EXPECT_FALSE(t);
	u.reset();
	EXPECT_EQ(Bigger::extra_destroyed, 1);
	EXPECT_EQ(leaks.live(), 0);

	Thing *raw = make<Thing>(Gfp::Kernel, 4, 4).release();
	EXPECT_EQ(leaks.live(), 1);
	OwnPtr<Thing> again = adopt_own(raw);
	EXPECT_EQ(again.get(), raw);
	again = nullptr;
	EXPECT_EQ(leaks.live(), 0);
}

TEST(Alloc, RawAndArrayForms) {
	LeakCheck leaks;
	void *p = alloc_raw(64, Gfp::Kernel);
	ASSERT_NE(p, nullptr);
	EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % kAllocAlign, 0u);
	void *z = zalloc_raw(64, Gfp::Kernel);
	EXPECT_EQ(memcmp(z, std::string(64, '\0').data(), 64), 0);
	EXPECT_EQ(leaks.live(), 2);
	free_raw(p);
	free_raw(z);
	free_raw(nullptr);
	u32 *arr = new (Gfp::Kernel) u32[16]();
	ASSERT_NE(arr, nullptr);
	EXPECT_EQ(arr[15], 0u);
	EXPECT_EQ(leaks.live(), 1);
	delete[] arr;
	kabi_host_mem_fail_nth(1);
	EXPECT_EQ(new (Gfp::Kernel) u32[4], nullptr);
}

TEST(Alloc, PlainNewIsNotCounted) {
	LeakCheck leaks;
	int *i = new int(3); // host only: the kernel build has no plain new at all
	EXPECT_EQ(leaks.live(), 0);
	delete i;
	std::string s(1000, 'x'); // libstdc++'s allocations share our operator delete
	EXPECT_EQ(leaks.live(), 0);
}

} // namespace
} // namespace lio
