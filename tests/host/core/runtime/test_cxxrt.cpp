// SPDX-License-Identifier: GPL-2.0
// Tests for core/runtime/cxxrt.cpp: deletes end in kabi_free, pure virtual calls are loud.
#include <gtest/gtest.h>

#include "lio/alloc.h"
#include "test_support.h"

namespace lio {
namespace {

struct Sized {
	u64 words[5];
};

TEST(CxxRuntime, SizedAndArrayDeletesReachKabiFree) {
	LeakCheck leaks;
	Sized *s = new (Gfp::Kernel) Sized;
	EXPECT_EQ(leaks.live(), 1);
	delete s; // operator delete(void*, size_t)
	EXPECT_EQ(leaks.live(), 0);
	Sized *arr = new (Gfp::Kernel) Sized[3];
	EXPECT_EQ(leaks.live(), 1);
	delete[] arr; // operator delete[](void*)
	EXPECT_EQ(leaks.live(), 0);
}

struct Abstract {
	Abstract() { call_it(); } // calls the pure virtual during construction
	virtual ~Abstract() = default;
	virtual void it() = 0;
	void call_it() { it(); }
};
struct Concrete final : Abstract {
	void it() override {}
};

TEST(CxxRuntimeDeathTest, PureVirtualCallIsLoud) {
	EXPECT_DEATH(
		{
			OwnPtr<Concrete> c = make<Concrete>(Gfp::Kernel);
			(void)c;
		},
		"pure virtual");
}

} // namespace
} // namespace lio
