// SPDX-License-Identifier: GPL-2.0
/*
 * core/kabi/host/host_test_api.h: test hooks of the host boundary (tests only; never engine
 * code).
 *
 * Log capture: every kabi_log line is kept (up to kLogKeep, oldest dropped) and echoed to
 * stderr unless echo is off or LIO_HOST_LOG_QUIET is set in the environment.
 *
 * Assertions: by default kabi_assert_failed prints and abort()s, so a broken invariant fails
 * the test loudly. A test that provokes one on purpose records instead, as the kernel's WARN
 * does (report and continue):
 *     HostAssertRecorder asserts;
 *     ...misuse...
 *     EXPECT_EQ(asserts.take().size(), 1u);
 *
 * Allocation failure injection: kabi_host_mem_fail_nth(n) makes the n-th next kabi_alloc or
 * kabi_zalloc (1 = the next one) return NULL, once.
 *
 * Context checks: a sleeping allocation (Gfp Kernel/NoFs/NoIo) or a mutex taken while the
 * thread holds a spinlock is reported through kabi_assert_failed, as the kernel's
 * might_sleep() would.
 */
#ifndef KABI_HOST_TEST_API_H
#define KABI_HOST_TEST_API_H

#include <cstdint>
#include <string>
#include <vector>

constexpr size_t kLogKeep = 10000;

// Captured log lines, oldest first, each "<level>: <text>" without the trailing newline,
// e.g. "err: alua: lu_gp_id ..."; take() also clears.
std::vector<std::string> kabi_host_log_take();
void kabi_host_log_clear();
void kabi_host_log_set_echo(bool echo);

enum class HostAssertMode { Abort, Record };
void kabi_host_assert_set_mode(HostAssertMode mode);
HostAssertMode kabi_host_assert_mode();
// Recorded failures, "expr (file:line)", oldest first; take() also clears.
std::vector<std::string> kabi_host_assert_take();

class HostAssertRecorder final {
  public:
	HostAssertRecorder() : saved_(kabi_host_assert_mode()) {
		kabi_host_assert_take();
		kabi_host_assert_set_mode(HostAssertMode::Record);
	}
	~HostAssertRecorder() { kabi_host_assert_set_mode(saved_); }
	HostAssertRecorder(const HostAssertRecorder &) = delete;
	HostAssertRecorder &operator=(const HostAssertRecorder &) = delete;
	std::vector<std::string> take() { return kabi_host_assert_take(); }

  private:
	HostAssertMode saved_;
};

void kabi_host_mem_fail_nth(uint64_t n);

// Block devices (kabi/bdev.h) are regular files on the host. What kabi_bdev_get_info reports
// beyond the file's size comes from here (defaults: 512-byte blocks, 255 sectors, depth 128,
// no discard, no write-zeroes, rotational, no cache, writable); the next n-th rw, flush,
// discard or write-zeroes call (1 = the next one) fails with -err once; the calls and their
// flags are counted.
struct kabi_bdev_info;
void kabi_host_bdev_set_info(const kabi_bdev_info &info);
void kabi_host_bdev_reset();
void kabi_host_bdev_fail_nth(uint64_t n, int32_t err);
struct HostBdevCounts {
	uint64_t reads = 0, writes = 0, fua_writes = 0, flushes = 0, discards = 0, zeroes = 0;
	uint64_t segments = 0; // segments passed to rw calls
};
HostBdevCounts kabi_host_bdev_counts();

#endif // KABI_HOST_TEST_API_H
