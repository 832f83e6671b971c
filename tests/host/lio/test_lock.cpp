// SPDX-License-Identifier: GPL-2.0
// Tests for include/lio/lock.h.
#include "lio/lock.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "host_test_api.h"
#include "lio/alloc.h"

namespace lio {
namespace {

LockClass test_mutex_class("test_mutex");
LockClass test_spin_class("test_spin");

TEST(LockClass, IsConstantInitialised) {
	static constexpr const char *name = "constexpr";
	static LockClass cls(name); // constant initialisation: no guard, no constructor call
	EXPECT_STREQ(cls.name(), "constexpr");
	EXPECT_EQ(cls.raw()->name, cls.name());
}

TEST(Mutex, LockUnlockTryLockIsLocked) {
	Mutex m(test_mutex_class);
	EXPECT_FALSE(m.is_locked());
	{
		LockGuard guard(m);
		EXPECT_TRUE(m.is_locked());
		std::thread other([&] { EXPECT_FALSE(m.try_lock()); });
		other.join();
	}
	EXPECT_FALSE(m.is_locked());
	ASSERT_TRUE(m.try_lock());
	m.assert_held();
	m.unlock();
}

TEST(Mutex, AssertHeldReportsWhenFree) {
	HostAssertRecorder asserts;
	Mutex m(test_mutex_class);
	m.assert_held();
	EXPECT_EQ(asserts.take().size(), 1u);
}

TEST(Mutex, ExcludesConcurrentIncrements) {
	Mutex m(test_mutex_class);
	long counter = 0;
	std::vector<std::thread> threads;
	for (int t = 0; t < 4; t++)
		threads.emplace_back([&] {
			for (int i = 0; i < 10000; i++) {
				LockGuard guard(m);
				counter++;
			}
		});
	for (auto &t : threads)
		t.join();
	EXPECT_EQ(counter, 40000);
}

TEST(SpinLock, Flavours) {
	SpinLock s(test_spin_class);
	int x = 0;
	{
		LockGuard guard(s);
		x++;
	}
	{
		SpinLockBhGuard guard(s);
		x++;
	}
	{
		SpinLockIrqGuard guard(s);
		x++;
	}
	EXPECT_EQ(x, 3);
}

TEST(SpinLock, SleepingUnderASpinlockIsReported) {
	HostAssertRecorder asserts;
	SpinLock s(test_spin_class);
	Mutex m(test_mutex_class);
	{
		LockGuard guard(s);
		m.lock(); // a mutex may sleep
		m.unlock();
		void *p = alloc_raw(8, Gfp::Kernel); // so may GFP_KERNEL
		free_raw(p);
		void *q = alloc_raw(8, Gfp::Atomic); // fine
		free_raw(q);
	}
	EXPECT_EQ(asserts.take().size(), 2u);
	void *p = alloc_raw(8, Gfp::Kernel); // fine again
	free_raw(p);
	EXPECT_TRUE(asserts.take().empty());
}

TEST(Mutex, RecursiveLockingIsReported) {
	HostAssertRecorder asserts;
	Mutex m(test_mutex_class);
	m.lock();
	m.lock(); // would deadlock in the kernel
	EXPECT_EQ(asserts.take().size(), 1u);
	m.unlock();
	m.unlock(); // not held any more
	EXPECT_EQ(asserts.take().size(), 1u);
}

struct Account {
	long balance = 0;
	int deposits = 0;
};

TEST(Protected, WithRunsUnderTheLock) {
	Protected<Account> acct(test_mutex_class);
	int r = acct.with([&](Account &a) {
		EXPECT_TRUE(acct.raw_lock().is_locked());
		a.balance += 10;
		return ++a.deposits;
	});
	EXPECT_EQ(r, 1);
	EXPECT_FALSE(acct.raw_lock().is_locked());
	const Protected<Account> &ro = acct;
	EXPECT_EQ(ro.with([](const Account &a) { return a.balance; }), 10);
	acct.with([](Account &a) { a.balance = 0; }); // void result
}

TEST(Protected, LockedHandleHoldsTheLockForItsLifetime) {
	Protected<Account> acct(test_mutex_class);
	{
		auto locked = acct.lock();
		EXPECT_TRUE(acct.raw_lock().is_locked());
		locked->balance = 5;
		(*locked).deposits = 1;
		EXPECT_EQ(acct.get_locked().balance, 5); // we hold it: no report
	}
	EXPECT_FALSE(acct.raw_lock().is_locked());
	const Protected<Account> &ro = acct;
	EXPECT_EQ(ro.lock()->balance, 5);
}

TEST(Protected, GetLockedWithoutTheLockIsReported) {
	HostAssertRecorder asserts;
	Protected<Account> acct(test_mutex_class);
	(void)acct.get_locked();
	EXPECT_EQ(asserts.take().size(), 1u);
}

TEST(Protected, SpinLockWithBhGuardAndConstructorArgs) {
	struct Pair {
		Pair(int a, int b) : x(a), y(b) {}
		int x, y;
	};
	Protected<Pair, SpinLock, SpinLockBhGuard> p(test_spin_class, 3, 4);
	EXPECT_EQ(p.with([](Pair &v) { return v.x * v.y; }), 12);
	std::vector<std::thread> threads;
	for (int t = 0; t < 4; t++)
		threads.emplace_back([&] {
			for (int i = 0; i < 5000; i++)
				p.with([](Pair &v) { v.x++; });
		});
	for (auto &t : threads)
		t.join();
	EXPECT_EQ(p.lock()->x, 20003);
}

// assert_held checks the caller, not just "someone": a lock held by another thread is reported.
TEST(Mutex, AssertHeldChecksTheCallingThread) {
	HostAssertRecorder asserts;
	Mutex m(test_mutex_class);
	m.lock();
	m.assert_held();
	EXPECT_TRUE(asserts.take().empty());
	std::thread other([&] { m.assert_held(); });
	other.join();
	EXPECT_EQ(asserts.take().size(), 1u);
	m.unlock();
}

TEST(SpinLock, AssertHeldChecksTheCallingThread) {
	HostAssertRecorder asserts;
	SpinLock s(test_spin_class);
	s.assert_held();
	EXPECT_EQ(asserts.take().size(), 1u);
	{
		LockGuard guard(s);
		s.assert_held();
	}
	EXPECT_TRUE(asserts.take().empty());
}

} // namespace
} // namespace lio
