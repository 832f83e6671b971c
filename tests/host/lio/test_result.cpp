// SPDX-License-Identifier: GPL-2.0
// Tests for include/lio/result.h.
#include "lio/result.h"

#include <gtest/gtest.h>

#include "host_test_api.h"
#include "lio/alloc.h"
#include "test_support.h"

namespace lio {
namespace {

TEST(Error, CarriesErrnoAndKernelForm) {
	Error e = Error::from_errno(KABI_ENOENT);
	EXPECT_EQ(e.errno_value(), KABI_ENOENT);
	EXPECT_EQ(e.to_kernel(), -KABI_ENOENT);
	EXPECT_FALSE(e.has_sense());
	EXPECT_EQ(e.sense(), 0);
	EXPECT_EQ(Error::from_kernel(-KABI_EBUSY), Error::from_errno(KABI_EBUSY));
	static_assert(sizeof(Error) == 8);
}

TEST(Error, SenseIsKeptAndCompared) {
	Error e = Error::from_errno(KABI_EINVAL).with_sense(0x2400);
	EXPECT_TRUE(e.has_sense());
	EXPECT_EQ(e.sense(), 0x2400);
	EXPECT_EQ(e.errno_value(), KABI_EINVAL);
	EXPECT_NE(e, Error::from_errno(KABI_EINVAL));
}

TEST(Error, BadErrnoIsReportedAndBecomesEio) {
	HostAssertRecorder asserts;
	EXPECT_EQ(Error::from_errno(0).errno_value(), KABI_EIO);
	EXPECT_EQ(Error::from_errno(-KABI_EINVAL).errno_value(), KABI_EIO);
	EXPECT_EQ(Error::from_errno(5000).errno_value(), KABI_EIO);
	EXPECT_EQ(Error::from_kernel(0).errno_value(), KABI_EIO);
	EXPECT_EQ(Error::from_kernel(12).errno_value(), KABI_EIO);
	EXPECT_EQ(asserts.take().size(), 5u);
}

Result<u32> half(u32 v) {
	if (v % 2)
		return Error::from_errno(KABI_EINVAL);
	return v / 2;
}

Result<u32> quarter(u32 v) {
	u32 h = TRY(half(v));
	return TRY(half(h));
}

Result<void> check_even(u32 v) {
	TRY(half(v));
	return {};
}

TEST(Result, ValueAndError) {
	Result<u32> ok = half(10);
	ASSERT_TRUE(ok.is_ok());
	EXPECT_FALSE(ok.is_error());
	EXPECT_EQ(ok.value(), 5u);
	Result<u32> bad = half(3);
	ASSERT_TRUE(bad.is_error());
	EXPECT_EQ(bad.error().errno_value(), KABI_EINVAL);
	EXPECT_EQ(bad.value_or(7), 7u);
	EXPECT_EQ(ok.value_or(7), 5u);
	static_assert(is_trivially_copyable_v<Result<u32>>, "small results stay in registers");
}

TEST(Result, TryPropagatesFirstError) {
	EXPECT_EQ(quarter(12).value(), 3u);
	EXPECT_EQ(quarter(6).error().errno_value(), KABI_EINVAL); // 6 -> 3 fails
	EXPECT_TRUE(check_even(4).is_ok());
	EXPECT_EQ(check_even(5).error(), Error::from_errno(KABI_EINVAL));
}

TEST(Result, VoidDefaultsToSuccess) {
	Result<void> r;
	EXPECT_TRUE(r.is_ok());
	r = Error::from_errno(KABI_EBUSY);
	EXPECT_TRUE(r.is_error());
	EXPECT_EQ(r.release_error().errno_value(), KABI_EBUSY);
	EXPECT_TRUE(result_from_kernel(0).is_ok());
	EXPECT_TRUE(result_from_kernel(17).is_ok());
	EXPECT_EQ(result_from_kernel(-KABI_EPERM).error().errno_value(), KABI_EPERM);
}

// A value type that counts live instances: copies, moves and destruction must balance.
struct Tracked {
	static inline int live = 0;
	int v;
	explicit Tracked(int x) : v(x) { live++; }
	Tracked(const Tracked &o) : v(o.v) { live++; }
	Tracked(Tracked &&o) : v(o.v) {
		o.v = -1;
		live++;
	}
	Tracked &operator=(const Tracked &) = default;
	~Tracked() { live--; }
};

TEST(Result, NonTrivialPayloadIsConstructedAndDestroyedOnce) {
	{
		Result<Tracked> a = Tracked(4);
		EXPECT_EQ(Tracked::live, 1);
		Result<Tracked> b = a; // copy
		EXPECT_EQ(Tracked::live, 2);
		Result<Tracked> c = lio::move(b);
		EXPECT_EQ(Tracked::live, 3);
		c = Error::from_errno(KABI_EIO); // value destroyed
		EXPECT_EQ(Tracked::live, 2);
		c = a;
		EXPECT_EQ(c.value().v, 4);
		Tracked out = c.release_value();
		EXPECT_EQ(out.v, 4);
		EXPECT_EQ(c.value().v, -1); // moved-from
	}
	EXPECT_EQ(Tracked::live, 0);
}

struct Base {
	virtual ~Base() = default;
	virtual int id() const { return 1; }
};
struct Derived final : Base {
	int id() const override { return 2; }
};

Result<OwnPtr<Base>> make_base() {
	OwnPtr<Derived> d = make<Derived>(Gfp::Kernel);
	if (!d)
		return Error::from_errno(KABI_ENOMEM);
	return d; // converts OwnPtr<Derived> -> OwnPtr<Base>
}

Result<int> use_base() {
	OwnPtr<Base> b = TRY(make_base());
	return b->id();
}

TEST(Result, MoveOnlyPayloadThroughTry) {
	LeakCheck leaks;
	EXPECT_EQ(use_base().value(), 2);
	kabi_host_mem_fail_nth(1);
	EXPECT_EQ(use_base().error().errno_value(), KABI_ENOMEM);
}

TEST(Result, MustReturnsValue) {
	EXPECT_EQ(MUST(half(8)), 4u);
}

TEST(ResultDeathTest, MustOnErrorHalts) {
	EXPECT_DEATH((void)MUST(half(3)), "MUST");
}

TEST(ResultDeathTest, ValueOfErrorHalts) {
	EXPECT_DEATH((void)half(3).value(), "ok_");
	EXPECT_DEATH((void)half(2).error(), "ok_");
}

} // namespace
} // namespace lio
