// SPDX-License-Identifier: GPL-2.0
// tests/host/fabrics/iscsi/test_iscsi_glue.cpp: the host build of the iSCSI glue
// (fabrics/iscsi/host/iscsi_glue_host.cpp) against the contract of fabrics/iscsi/iscsi_abi.h:
// CRC32C and digests against published vectors, portals, connections and threads over real
// loopback sockets.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <netinet/in.h>
#include <sched.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "fabrics/iscsi/host/iscsi_glue_host.h"
#include "fabrics/iscsi/iscsi_abi.h"
#include "host_test_api.h"

namespace {

// ------------------------------------------------------------------ CRC32C, digests

// An iSCSI digest as the initiator sends it: ~crc32c(~0), little-endian.
std::vector<uint8_t> iscsi_digest_bytes(const std::vector<uint8_t> &data) {
	uint32_t d = ~iscsi_glue_crc32c(~0u, data.data(), data.size());
	return {uint8_t(d), uint8_t(d >> 8), uint8_t(d >> 16), uint8_t(d >> 24)};
}

// RFC 3720, Appendix B.4.
TEST(IscsiGlueCrc32c, Rfc3720Vectors) {
	std::vector<uint8_t> zeros(32, 0x00), ones(32, 0xff), inc(32), dec(32);
	for (int i = 0; i < 32; i++) {
		inc[i] = uint8_t(i);
		dec[i] = uint8_t(31 - i);
	}
	EXPECT_EQ(iscsi_digest_bytes(zeros), (std::vector<uint8_t>{0xaa, 0x36, 0x91, 0x8a}));
	EXPECT_EQ(iscsi_digest_bytes(ones), (std::vector<uint8_t>{0x43, 0xab, 0xa8, 0x62}));
	EXPECT_EQ(iscsi_digest_bytes(inc), (std::vector<uint8_t>{0x4e, 0x79, 0xdd, 0x46}));
	EXPECT_EQ(iscsi_digest_bytes(dec), (std::vector<uint8_t>{0x5c, 0xdb, 0x3f, 0x11}));
}

TEST(IscsiGlueCrc32c, UpdatesChainAndNeverInvert) {
	std::vector<uint8_t> data(1000);
	for (size_t i = 0; i < data.size(); i++)
		data[i] = uint8_t(i * 7 + 3);
	uint32_t whole = iscsi_glue_crc32c(~0u, data.data(), data.size());
	uint32_t part = iscsi_glue_crc32c(~0u, data.data(), 333);
	part = iscsi_glue_crc32c(part, data.data() + 333, data.size() - 333);
	EXPECT_EQ(whole, part);
	EXPECT_EQ(iscsi_glue_crc32c(0x12345678u, data.data(), 0), 0x12345678u);
	// "123456789": the CRC-32C check value 0xE3069283 (with the usual inversions).
	EXPECT_EQ(~iscsi_glue_crc32c(~0u, "123456789", 9), 0xe3069283u);
}

std::string hex(const uint8_t *p, size_t n) {
	std::string s;
	char b[3];
	for (size_t i = 0; i < n; i++) {
		snprintf(b, sizeof(b), "%02x", p[i]);
		s += b;
	}
	return s;
}

TEST(IscsiGlueDigest, AbcKnownAnswers) {
	struct {
		const char *alg;
		int32_t size;
		const char *digest;
	} const cases[] = {
		{"md5", 16, "900150983cd24fb0d6963f7d28e17f72"},
		{"sha1", 20, "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{"sha256", 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"sha3-256", 32, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"},
	};
	for (const auto &c : cases) {
		SCOPED_TRACE(c.alg);
		uint8_t out[64];
		iscsi_iovec one = {"abc", 3};
		ASSERT_EQ(iscsi_glue_digest(c.alg, &one, 1, out, sizeof(out)), c.size);
		EXPECT_EQ(hex(out, size_t(c.size)), c.digest);
		// The concatenation of the iovecs, empty ones included.
		iscsi_iovec split[] = {{"a", 1}, {"", 0}, {"bc", 2}};
		memset(out, 0, sizeof(out));
		ASSERT_EQ(iscsi_glue_digest(c.alg, split, 3, out, uint32_t(c.size)), c.size);
		EXPECT_EQ(hex(out, size_t(c.size)), c.digest);
		EXPECT_EQ(iscsi_glue_digest(c.alg, &one, 1, out, uint32_t(c.size - 1)), -EINVAL);
	}
}

TEST(IscsiGlueDigest, UnknownAlgorithm) {
	kabi_host_log_clear();
	uint8_t out[64];
	iscsi_iovec one = {"abc", 3};
	EXPECT_EQ(iscsi_glue_digest("whirlpool-9", &one, 1, out, sizeof(out)), -ENOENT);
	EXPECT_EQ(kabi_host_log_take().size(), 1u);
}

TEST(IscsiGlueMisc, RandomAndClock) {
	uint8_t a[64] = {}, b[64] = {};
	iscsi_glue_random(a, sizeof(a));
	iscsi_glue_random(b, sizeof(b));
	EXPECT_NE(memcmp(a, b, sizeof(a)), 0);
	uint64_t t0 = iscsi_glue_now_ms();
	std::this_thread::sleep_for(std::chrono::milliseconds(20));
	uint64_t t1 = iscsi_glue_now_ms();
	EXPECT_GE(t1 - t0, 19u);
	EXPECT_LT(t1 - t0, 5000u);
}

// ------------------------------------------------------------------ cpus_allowed_list

std::string cpus_show() {
	char buf[4096];
	int32_t n = iscsi_glue_cpus_allowed_show(buf, sizeof(buf));
	return std::string(buf, size_t(n));
}

class CpuMaskRestore {
  public:
	CpuMaskRestore() : saved_(cpus_show()) {}
	~CpuMaskRestore() {
		iscsi_glue_cpus_allowed_store(saved_.data(), saved_.size());
	}

  private:
	std::string saved_;
};

TEST(IscsiGlueCpus, ShowStore) {
	CpuMaskRestore restore;
	long ncpus = sysconf(_SC_NPROCESSORS_CONF);
	std::string all = ncpus > 1 ? "0-" + std::to_string(ncpus - 1) + "\n" : "0\n";
	EXPECT_EQ(cpus_show(), all);
	ASSERT_EQ(iscsi_glue_cpus_allowed_store("0\n", 2), 0);
	EXPECT_EQ(cpus_show(), "0\n");
	// Errors leave the mask alone.
	EXPECT_EQ(iscsi_glue_cpus_allowed_store("x", 1), -EINVAL);
	EXPECT_EQ(iscsi_glue_cpus_allowed_store("1-0", 3), -EINVAL);
	EXPECT_EQ(iscsi_glue_cpus_allowed_store("0-100000", 8), -ERANGE);
	EXPECT_EQ(cpus_show(), "0\n");
	if (ncpus >= 4) {
		ASSERT_EQ(iscsi_glue_cpus_allowed_store("0-3:1/2", 7), 0);
		EXPECT_EQ(cpus_show(), "0,2\n");
	}
	char small[3];
	ASSERT_EQ(iscsi_glue_cpus_allowed_store(all.data(), all.size()), 0);
	EXPECT_EQ(iscsi_glue_cpus_allowed_show(small, sizeof(small)), 2);
	EXPECT_EQ(small[2], '\0');
}

// ------------------------------------------------------------------ threads

TEST(IscsiGlueThread, RunsAndJoins) {
	std::atomic<int> ran{0};
	iscsi_glue_thread *t = nullptr;
	auto fn = [](void *arg) {
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
		static_cast<std::atomic<int> *>(arg)->fetch_add(1);
	};
	ASSERT_EQ(iscsi_glue_thread_start(fn, &ran, "iscsi_a_name_longer_than_15", -1, &t), 0);
	iscsi_glue_thread_join(t);
	EXPECT_EQ(ran.load(), 1);
}

TEST(IscsiGlueThread, CpuHintPicksACpuOfTheMask) {
	CpuMaskRestore restore;
	cpu_set_t usable;
	ASSERT_EQ(sched_getaffinity(0, sizeof(usable), &usable), 0);
	int first = -1;
	for (int i = 0; i < CPU_SETSIZE && first < 0; i++)
		if (CPU_ISSET(i, &usable))
			first = i;
	ASSERT_GE(first, 0);
	std::string one = std::to_string(first);
	ASSERT_EQ(iscsi_glue_cpus_allowed_store(one.data(), one.size()), 0);
	struct Seen {
		int cpu = -2;
		cpu_set_t set;
	} seen;
	auto fn = [](void *arg) {
		auto *s = static_cast<Seen *>(arg);
		s->cpu = sched_getcpu();
		sched_getaffinity(0, sizeof(s->set), &s->set);
	};
	iscsi_glue_thread *t = nullptr;
	ASSERT_EQ(iscsi_glue_thread_start(fn, &seen, "iscsi_ttx", 7, &t), 0);
	iscsi_glue_thread_join(t);
	EXPECT_EQ(seen.cpu, first);
	EXPECT_EQ(CPU_COUNT(&seen.set), 1);
	EXPECT_TRUE(CPU_ISSET(first, &seen.set));
}

// ------------------------------------------------------------------ portals, connections

// A port that was free a moment ago (np_open needs an explicit one).
uint16_t free_port(int family = AF_INET) {
	int fd = socket(family, SOCK_STREAM, 0);
	EXPECT_GE(fd, 0);
	sockaddr_storage ss = {};
	socklen_t len;
	if (family == AF_INET) {
		auto *sin = reinterpret_cast<sockaddr_in *>(&ss);
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*sin);
	} else {
		auto *sin6 = reinterpret_cast<sockaddr_in6 *>(&ss);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		len = sizeof(*sin6);
	}
	if (bind(fd, reinterpret_cast<sockaddr *>(&ss), len) != 0) {
		close(fd);
		return 0;
	}
	getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &len);
	close(fd);
	return ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in *>(&ss)->sin_port
				       : reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port);
}

// A client socket connected to port on 127.0.0.1 (or ::1); -1 on failure.
int connect_to(uint16_t port, int family = AF_INET) {
	int fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	sockaddr_storage ss = {};
	socklen_t len;
	if (family == AF_INET) {
		auto *sin = reinterpret_cast<sockaddr_in *>(&ss);
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*sin);
	} else {
		auto *sin6 = reinterpret_cast<sockaddr_in6 *>(&ss);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = in6addr_loopback;
		len = sizeof(*sin6);
	}
	if (connect(fd, reinterpret_cast<sockaddr *>(&ss), len) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

std::string sock_name(int fd, bool peer) {
	sockaddr_storage ss = {};
	socklen_t len = sizeof(ss);
	if (peer)
		getpeername(fd, reinterpret_cast<sockaddr *>(&ss), &len);
	else
		getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &len);
	return std::to_string(ntohs(reinterpret_cast<sockaddr_in *>(&ss)->sin_port));
}

bool read_all(int fd, void *buf, size_t len) {
	auto *p = static_cast<char *>(buf);
	while (len) {
		ssize_t r = read(fd, p, len);
		if (r <= 0)
			return false;
		p += r;
		len -= size_t(r);
	}
	return true;
}

// The connections the accept thread handed over (the np cookie points here).
struct Accepted {
	std::mutex lock;
	std::condition_variable cv;
	std::deque<iscsi_glue_conn *> conns;
	std::atomic<int> calls{0};
	int32_t answer = 0; // what the callback returns

	static int32_t hook(void *cookie, iscsi_glue_conn *c) {
		auto *a = static_cast<Accepted *>(cookie);
		a->calls.fetch_add(1);
		std::lock_guard<std::mutex> g(a->lock);
		if (a->answer)
			return a->answer;
		a->conns.push_back(c);
		a->cv.notify_all();
		return 0;
	}
	iscsi_glue_conn *take() {
		std::unique_lock<std::mutex> g(lock);
		if (!cv.wait_for(g, std::chrono::seconds(10), [&] { return !conns.empty(); }))
			return nullptr;
		iscsi_glue_conn *c = conns.front();
		conns.pop_front();
		return c;
	}
	~Accepted() {
		for (iscsi_glue_conn *c : conns)
			iscsi_glue_conn_release(c);
	}
};

class IscsiGlueNet : public ::testing::Test {
  protected:
	void SetUp() override { iscsi_glue_host_set_accept_hook(&Accepted::hook); }
	void TearDown() override {
		iscsi_glue_host_set_accept_hook(nullptr);
		iscsi_glue_host_set_send_timeout_ms(30000);
	}

	// np_open on 127.0.0.1 at a free port.
	iscsi_glue_np *open_v4(Accepted &acc, uint16_t &port) {
		for (int attempt = 0; attempt < 5; attempt++) {
			port = free_port();
			std::string name = "127.0.0.1:" + std::to_string(port);
			iscsi_glue_np *np = nullptr;
			if (iscsi_glue_np_open(name.data(), name.size(), &acc, &np) == 0)
				return np;
		}
		return nullptr;
	}

	// A connected pair: the glue's side and the client's fd.
	bool pair(Accepted &acc, iscsi_glue_np *&np, iscsi_glue_conn *&c, int &client,
		  uint16_t &port) {
		np = open_v4(acc, port);
		if (!np)
			return false;
		client = connect_to(port);
		if (client < 0)
			return false;
		c = acc.take();
		return c != nullptr;
	}
};

TEST_F(IscsiGlueNet, MalformedPortalNames) {
	Accepted acc;
	const char *bad[] = {"1.2.3.4",      "1.2.3.4:0",  "1.2.3.4:70000", "[::1",
			     "x:1",          "",           "1.2.3.4:",      "[::1]:",
			     "[::1]3260",    "[]:3260",    "1.2.3:3260",    "1.2.3.4:32a0",
			     "1.2.3.4:-1",   ":3260",      "[1.2.3.4]:3260", "::1:3260",
			     "1.2.3.4:03260x"};
	kabi_host_log_clear();
	for (const char *name : bad) {
		SCOPED_TRACE(name);
		iscsi_glue_np *np = nullptr;
		EXPECT_EQ(iscsi_glue_np_open(name, strlen(name), &acc, &np), -EINVAL);
		EXPECT_EQ(np, nullptr);
	}
	// One line each.
	EXPECT_EQ(kabi_host_log_take().size(), sizeof(bad) / sizeof(bad[0]));
	// The name is len bytes, not a C string: a good prefix of a longer buffer is good.
	iscsi_glue_np *np = nullptr;
	uint16_t port = free_port();
	std::string name = "127.0.0.1:" + std::to_string(port);
	std::string longer = name + "9999";
	ASSERT_EQ(iscsi_glue_np_open(longer.data(), name.size(), &acc, &np), 0);
	iscsi_glue_np_close(np);
}

TEST_F(IscsiGlueNet, BindConflictIsLoggedOnce) {
	Accepted acc;
	uint16_t port;
	iscsi_glue_np *np = open_v4(acc, port);
	ASSERT_NE(np, nullptr);
	std::string name = "127.0.0.1:" + std::to_string(port);
	iscsi_glue_np *np2 = nullptr;
	kabi_host_log_clear();
	EXPECT_EQ(iscsi_glue_np_open(name.data(), name.size(), &acc, &np2), -EADDRINUSE);
	auto log = kabi_host_log_take();
	ASSERT_EQ(log.size(), 1u);
	EXPECT_EQ(log[0], "err: iscsi: bind " + name + " failed: -98");
	iscsi_glue_np_close(np);
}

TEST_F(IscsiGlueNet, RoundTripAndAddresses) {
	Accepted acc;
	iscsi_glue_np *np;
	iscsi_glue_conn *c;
	int client;
	uint16_t port;
	ASSERT_TRUE(pair(acc, np, c, client, port));

	char buf[64];
	ASSERT_GT(iscsi_glue_conn_local_addr(c, buf, sizeof(buf)), 0);
	EXPECT_EQ(std::string(buf), "127.0.0.1:" + std::to_string(port));
	int32_t n = iscsi_glue_conn_peer_addr(c, buf, sizeof(buf));
	EXPECT_EQ(std::string(buf), "127.0.0.1:" + sock_name(client, false));
	EXPECT_EQ(n, int32_t(strlen(buf)));
	EXPECT_EQ(iscsi_glue_conn_peer_addr(c, buf, 5), -ENOSPC);

	// Initiator to target.
	const char req[] = "a 48-byte basic header segment, and then some...";
	ASSERT_EQ(write(client, req, sizeof(req)), ssize_t(sizeof(req)));
	char got_buf[sizeof(req)] = {};
	uint64_t got = 99;
	ASSERT_EQ(iscsi_glue_conn_recv(c, got_buf, sizeof(got_buf), &got), 0);
	EXPECT_EQ(got, sizeof(req));
	EXPECT_EQ(memcmp(got_buf, req, sizeof(req)), 0);

	// Target to initiator: several iovecs as one stream, MORE then not.
	iscsi_iovec iov[] = {{"hdr-", 4}, {"", 0}, {"data-", 5}, {"digest", 6}};
	ASSERT_EQ(iscsi_glue_conn_send(c, iov, 2, ISCSI_GLUE_SEND_MORE), 0);
	ASSERT_EQ(iscsi_glue_conn_send(c, iov + 2, 2, 0), 0);
	char rsp[15] = {};
	ASSERT_TRUE(read_all(client, rsp, sizeof(rsp)));
	EXPECT_EQ(std::string(rsp, sizeof(rsp)), "hdr-data-digest");

	iscsi_glue_conn_release(c);
	// The target closed: the initiator sees the end of the stream.
	EXPECT_EQ(read(client, rsp, 1), 0);
	close(client);
	iscsi_glue_np_close(np);
	EXPECT_EQ(acc.calls.load(), 1);
}

TEST_F(IscsiGlueNet, LargeSendWhileThePeerReads) {
	Accepted acc;
	iscsi_glue_np *np;
	iscsi_glue_conn *c;
	int client;
	uint16_t port;
	ASSERT_TRUE(pair(acc, np, c, client, port));
	std::vector<uint8_t> data(8 << 20);
	for (size_t i = 0; i < data.size(); i++)
		data[i] = uint8_t(i * 131 + (i >> 12));
	std::vector<uint8_t> received(data.size());
	std::thread reader([&] { EXPECT_TRUE(read_all(client, received.data(), received.size())); });
	std::vector<iscsi_iovec> iov;
	for (size_t off = 0; off < data.size(); off += 4096 + 48)
		iov.push_back({data.data() + off, std::min<uint64_t>(4096 + 48, data.size() - off)});
	EXPECT_EQ(iscsi_glue_conn_send(c, iov.data(), uint32_t(iov.size()), 0), 0);
	reader.join();
	EXPECT_TRUE(received == data);
	iscsi_glue_conn_release(c);
	close(client);
	iscsi_glue_np_close(np);
}

TEST_F(IscsiGlueNet, SendTimesOutWithoutProgress) {
	Accepted acc;
	iscsi_glue_np *np;
	iscsi_glue_conn *c;
	int client;
	uint16_t port;
	ASSERT_TRUE(pair(acc, np, c, client, port));
	iscsi_glue_host_set_send_timeout_ms(200);
	std::vector<uint8_t> data(64 << 20); // more than both socket buffers hold
	iscsi_iovec iov = {data.data(), data.size()};
	auto t0 = std::chrono::steady_clock::now();
	EXPECT_EQ(iscsi_glue_conn_send(c, &iov, 1, 0), -ETIMEDOUT);
	EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(190));
	iscsi_glue_conn_release(c);
	close(client);
	iscsi_glue_np_close(np);
}

TEST_F(IscsiGlueNet, RecvTimeoutKeepsThePartialBytes) {
	Accepted acc;
	iscsi_glue_np *np;
	iscsi_glue_conn *c;
	int client;
	uint16_t port;
	ASSERT_TRUE(pair(acc, np, c, client, port));
	iscsi_glue_conn_set_rcv_timeout(c, 200);
	ASSERT_EQ(write(client, "0123456789", 10), 10);
	char buf[20] = {};
	uint64_t got = 0;
	auto t0 = std::chrono::steady_clock::now();
	EXPECT_EQ(iscsi_glue_conn_recv(c, buf, sizeof(buf), &got), -ETIMEDOUT);
	auto waited = std::chrono::steady_clock::now() - t0;
	EXPECT_GE(waited, std::chrono::milliseconds(190));
	EXPECT_LT(waited, std::chrono::seconds(5));
	EXPECT_EQ(got, 10u);
	EXPECT_EQ(std::string(buf, 10), "0123456789");
	// Go on where it stopped.
	ASSERT_EQ(write(client, "abcdefghij", 10), 10);
	EXPECT_EQ(iscsi_glue_conn_recv(c, buf + got, sizeof(buf) - got, &got), 0);
	EXPECT_EQ(got, 10u);
	EXPECT_EQ(std::string(buf, 20), "0123456789abcdefghij");
	// Nothing at all: -ETIMEDOUT with *got 0. Then 0 = wait forever again.
	EXPECT_EQ(iscsi_glue_conn_recv(c, buf, 1, &got), -ETIMEDOUT);
	EXPECT_EQ(got, 0u);
	iscsi_glue_conn_set_rcv_timeout(c, 0);
	std::thread late([&] {
		std::this_thread::sleep_for(std::chrono::milliseconds(300));
		EXPECT_EQ(write(client, "z", 1), 1);
	});
	EXPECT_EQ(iscsi_glue_conn_recv(c, buf, 1, &got), 0);
	late.join();
	EXPECT_EQ(buf[0], 'z');
	iscsi_glue_conn_release(c);
	close(client);
	iscsi_glue_np_close(np);
}

TEST_F(IscsiGlueNet, ShutdownWakesABlockedRecv) {
	Accepted acc;
	iscsi_glue_np *np;
	iscsi_glue_conn *c;
	int client;
	uint16_t port;
	ASSERT_TRUE(pair(acc, np, c, client, port));
	std::atomic<int32_t> ret{1};
	std::atomic<uint64_t> got{99};
	std::thread rx([&] {
		char buf[48];
		uint64_t g = 0;
		ret.store(iscsi_glue_conn_recv(c, buf, sizeof(buf), &g));
		got.store(g);
	});
	std::this_thread::sleep_for(std::chrono::milliseconds(100));
	EXPECT_EQ(ret.load(), 1); // still blocked
	iscsi_glue_conn_shutdown(c);
	rx.join();
	EXPECT_EQ(ret.load(), -ECONNRESET);
	EXPECT_EQ(got.load(), 0u);
	// Idempotent; every later call is refused.
	iscsi_glue_conn_shutdown(c);
	iscsi_iovec iov = {"x", 1};
	EXPECT_EQ(iscsi_glue_conn_send(c, &iov, 1, 0), -ECONNRESET);
	char b;
	uint64_t g;
	EXPECT_EQ(iscsi_glue_conn_recv(c, &b, 1, &g), -ECONNRESET);
	// The initiator sees the end of the stream.
	EXPECT_EQ(read(client, &b, 1), 0);
	iscsi_glue_conn_release(c);
	close(client);
	iscsi_glue_np_close(np);
}

TEST_F(IscsiGlueNet, PeerCloseIsConnReset) {
	Accepted acc;
	iscsi_glue_np *np;
	iscsi_glue_conn *c;
	int client;
	uint16_t port;
	ASSERT_TRUE(pair(acc, np, c, client, port));
	ASSERT_EQ(write(client, "abc", 3), 3);
	close(client);
	char buf[8];
	uint64_t got = 0;
	EXPECT_EQ(iscsi_glue_conn_recv(c, buf, sizeof(buf), &got), -ECONNRESET);
	EXPECT_EQ(got, 3u);
	iscsi_glue_conn_release(c);
	iscsi_glue_np_close(np);
}

TEST_F(IscsiGlueNet, RefusedConnectionsAreClosedByTheGlue) {
	Accepted acc;
	acc.answer = -ENOMEM;
	uint16_t port;
	iscsi_glue_np *np = open_v4(acc, port);
	ASSERT_NE(np, nullptr);
	int client = connect_to(port);
	ASSERT_GE(client, 0);
	char b;
	EXPECT_EQ(read(client, &b, 1), 0); // the glue released it
	EXPECT_EQ(acc.calls.load(), 1);
	close(client);
	iscsi_glue_np_close(np);
}

TEST_F(IscsiGlueNet, NoAcceptCallbackAfterClose) {
	Accepted acc;
	uint16_t port;
	iscsi_glue_np *np = open_v4(acc, port);
	ASSERT_NE(np, nullptr);
	int c1 = connect_to(port);
	ASSERT_GE(c1, 0);
	iscsi_glue_conn *conn = acc.take();
	ASSERT_NE(conn, nullptr);
	iscsi_glue_np_close(np);
	int calls = acc.calls.load();
	EXPECT_EQ(calls, 1);
	// Nothing listens any more.
	int c2 = connect_to(port);
	EXPECT_LT(c2, 0);
	if (c2 >= 0)
		close(c2);
	std::this_thread::sleep_for(std::chrono::milliseconds(50));
	EXPECT_EQ(acc.calls.load(), calls);
	// Accepted connections outlive their portal.
	ASSERT_EQ(write(c1, "k", 1), 1);
	char b = 0;
	uint64_t got;
	EXPECT_EQ(iscsi_glue_conn_recv(conn, &b, 1, &got), 0);
	EXPECT_EQ(b, 'k');
	iscsi_glue_conn_release(conn);
	close(c1);
}

TEST_F(IscsiGlueNet, CloseRacingWithConnects) {
	// Connections arrive while the portal closes: every callback has run by the time
	// np_close returns, none after.
	for (int round = 0; round < 5; round++) {
		Accepted acc;
		uint16_t port;
		iscsi_glue_np *np = open_v4(acc, port);
		ASSERT_NE(np, nullptr);
		std::atomic<bool> stop{false};
		std::vector<int> fds;
		std::mutex fds_lock;
		std::thread clients([&] {
			while (!stop.load()) {
				int fd = connect_to(port);
				if (fd < 0)
					break;
				std::lock_guard<std::mutex> g(fds_lock);
				fds.push_back(fd);
			}
		});
		std::this_thread::sleep_for(std::chrono::milliseconds(10 + round * 5));
		iscsi_glue_np_close(np);
		int calls = acc.calls.load();
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
		EXPECT_EQ(acc.calls.load(), calls);
		stop.store(true);
		clients.join();
		for (int fd : fds)
			close(fd);
	}
}

TEST_F(IscsiGlueNet, Ipv6AndDualStack) {
	Accepted acc;
	uint16_t port = free_port(AF_INET6);
	if (!port)
		GTEST_SKIP() << "no IPv6 loopback here";
	std::string name = "[::]:" + std::to_string(port);
	iscsi_glue_np *np = nullptr;
	ASSERT_EQ(iscsi_glue_np_open(name.data(), name.size(), &acc, &np), 0);

	// An IPv6 initiator.
	int c6 = connect_to(port, AF_INET6);
	ASSERT_GE(c6, 0);
	iscsi_glue_conn *conn = acc.take();
	ASSERT_NE(conn, nullptr);
	char buf[64];
	ASSERT_GT(iscsi_glue_conn_local_addr(conn, buf, sizeof(buf)), 0);
	EXPECT_EQ(std::string(buf), "[::1]:" + std::to_string(port));
	ASSERT_GT(iscsi_glue_conn_peer_addr(conn, buf, sizeof(buf)), 0);
	EXPECT_EQ(std::string(buf), "[::1]:" + sock_name(c6, false));
	iscsi_glue_conn_release(conn);
	close(c6);

	// An IPv4 initiator on the dual-stack socket: shown as IPv4, not ::ffff:127.0.0.1.
	int c4 = connect_to(port, AF_INET);
	ASSERT_GE(c4, 0);
	conn = acc.take();
	ASSERT_NE(conn, nullptr);
	ASSERT_GT(iscsi_glue_conn_local_addr(conn, buf, sizeof(buf)), 0);
	EXPECT_EQ(std::string(buf), "127.0.0.1:" + std::to_string(port));
	ASSERT_GT(iscsi_glue_conn_peer_addr(conn, buf, sizeof(buf)), 0);
	EXPECT_EQ(std::string(buf), "127.0.0.1:" + sock_name(c4, false));
	iscsi_glue_conn_release(conn);
	close(c4);
	iscsi_glue_np_close(np);
}

} // namespace
