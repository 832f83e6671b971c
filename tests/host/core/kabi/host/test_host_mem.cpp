// SPDX-License-Identifier: GPL-2.0
// Tests for core/kabi/host/kabi_host_mem.cpp.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include "host_mem.h"
#include "host_test_api.h"
#include "kabi/mem.h"
#include "test_support.h"

namespace {

TEST(HostMem, LiveCountFollowsAllocAndFree) {
	LeakCheck leaks;
	void *a = kabi_alloc(10, KABI_GFP_KERNEL);
	void *b = kabi_zalloc(10, KABI_GFP_ATOMIC);
	EXPECT_EQ(leaks.live(), 2);
	EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 16, 0u); // 16 on the host
	EXPECT_EQ(static_cast<unsigned char *>(a)[3], 0xa5); // poisoned, not zero
	EXPECT_EQ(static_cast<unsigned char *>(b)[3], 0);
	kabi_free(a);
	EXPECT_EQ(leaks.live(), 1);
	kabi_free(b);
	kabi_free(nullptr);
}

TEST(HostMem, UncountedBlocksShareKabiFree) {
	LeakCheck leaks;
	void *p = kabi_host_alloc_uncounted(32);
	EXPECT_EQ(leaks.live(), 0);
	kabi_free(p);
	EXPECT_EQ(leaks.live(), 0);
}

TEST(HostMem, FailureInjectionIsOneShot) {
	LeakCheck leaks;
	kabi_host_mem_fail_nth(1);
	EXPECT_EQ(kabi_alloc(8, KABI_GFP_KERNEL), nullptr);
	void *p = kabi_alloc(8, KABI_GFP_KERNEL);
	EXPECT_NE(p, nullptr);
	kabi_free(p);
	kabi_host_mem_fail_nth(0); // cancel
}

TEST(HostMem, ForeignPointerIsReportedNotFreed) {
	HostAssertRecorder asserts;
	// A block with a bogus header in front: kabi_free must refuse it.
	unsigned char *raw = static_cast<unsigned char *>(malloc(64));
	memset(raw, 0, 64);
	kabi_free(raw + 16);
	EXPECT_EQ(asserts.take().size(), 1u);
	free(raw);
}

TEST(HostMem, UnknownGfpIsReported) {
	HostAssertRecorder asserts;
	void *p = kabi_alloc(8, static_cast<kabi_gfp>(9));
	EXPECT_EQ(asserts.take().size(), 1u);
	kabi_free(p);
}

} // namespace
