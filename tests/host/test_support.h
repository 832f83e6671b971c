// SPDX-License-Identifier: GPL-2.0
// tests/host/test_support.h: helpers shared by the host unit tests.
#ifndef LIO_TESTS_HOST_TEST_SUPPORT_H
#define LIO_TESTS_HOST_TEST_SUPPORT_H

#include <gtest/gtest.h>

#include "kabi/mem.h"

// Fails the test if kabi allocations made during its scope are still live at its end.
class LeakCheck final {
  public:
	LeakCheck() : before_(kabi_mem_live()) {}
	~LeakCheck() { EXPECT_EQ(kabi_mem_live(), before_) << "kabi allocations leaked"; }
	LeakCheck(const LeakCheck &) = delete;
	LeakCheck &operator=(const LeakCheck &) = delete;
	int64_t live() const { return kabi_mem_live() - before_; }

  private:
	int64_t before_;
};

#endif // LIO_TESTS_HOST_TEST_SUPPORT_H
