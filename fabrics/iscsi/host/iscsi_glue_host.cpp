// SPDX-License-Identifier: GPL-2.0
// fabrics/iscsi/host/iscsi_glue_host.cpp: fabrics/iscsi/iscsi_abi.h over POSIX: TCP sockets
// with poll() (an eventfd per socket wakes a blocked call on shutdown/close), pthreads with
// an emulated allowed-CPU mask, a table-driven CRC32C, OpenSSL digests, getrandom(),
// CLOCK_MONOTONIC. Ordinary host C++: built into lio_host next to core/kabi/host.
#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <string>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <thread>
#include <time.h>
#include <unistd.h>
#include <vector>

#include "fabrics/iscsi/host/iscsi_glue_host.h"
#include "fabrics/iscsi/iscsi_abi.h"
#include "kabi/log.h"

// The C++ fabric's callback, when it is linked into the binary (a weak reference: the glue's
// own tests link without it and install a hook instead).
extern "C" int32_t lio_iscsi_np_accepted(void *np_cookie, struct iscsi_glue_conn *conn)
	__attribute__((weak));

namespace {

std::atomic<IscsiHostAcceptFn> g_accept_hook{nullptr};
std::atomic<uint32_t> g_send_timeout_ms{30000};

int64_t now_ms() {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// ------------------------------------------------------------------ CPU mask

// The kernel's nr_cpu_ids: CPUs this machine could have.
unsigned host_nr_cpus() {
	long n = sysconf(_SC_NPROCESSORS_CONF);
	return n > 0 ? unsigned(std::min<long>(n, CPU_SETSIZE)) : 1;
}

struct CpuMask {
	std::mutex lock;
	std::vector<bool> bits = std::vector<bool>(host_nr_cpus(), true); // cpumask_setall
};

CpuMask &cpu_mask() {
	static CpuMask m; // host only: a function-local static is fine here
	return m;
}

bool parse_uint(const std::string &s, size_t &pos, unsigned &out) {
	size_t start = pos;
	uint64_t v = 0;
	while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
		v = v * 10 + unsigned(s[pos] - '0');
		if (v > 0xffffffffu)
			return false;
		pos++;
	}
	out = unsigned(v);
	return pos > start;
}

// bitmap_parselist(): "a", "a-b" or "a-b:used/group", separated by commas; a trailing
// newline is allowed; an empty list is an empty mask.
int parse_cpulist(std::string s, std::vector<bool> &bits) {
	if (!s.empty() && s.back() == '\n')
		s.pop_back();
	size_t pos = 0;
	while (pos < s.size()) {
		unsigned a, b, used = 1, group = 1;
		if (!parse_uint(s, pos, a))
			return -EINVAL;
		b = a;
		if (pos < s.size() && s[pos] == '-') {
			pos++;
			if (!parse_uint(s, pos, b))
				return -EINVAL;
			if (pos < s.size() && s[pos] == ':') {
				pos++;
				if (!parse_uint(s, pos, used) || pos >= s.size() || s[pos] != '/')
					return -EINVAL;
				pos++;
				if (!parse_uint(s, pos, group))
					return -EINVAL;
				if (used == 0 || group == 0 || used > group)
					return -EINVAL;
			}
		}
		if (a > b)
			return -EINVAL;
		if (b >= bits.size())
			return -ERANGE;
		for (unsigned cpu = a; cpu <= b; cpu++)
			if ((cpu - a) % group < used)
				bits[cpu] = true;
		if (pos < s.size()) {
			if (s[pos] != ',')
				return -EINVAL;
			pos++;
			if (pos == s.size())
				return -EINVAL;
		}
	}
	return 0;
}

// ------------------------------------------------------------------ addresses

constexpr size_t kPortalMax = 64;

int parse_port(const char *s, size_t n, uint16_t &port) {
	if (n == 0 || n > 5)
		return -EINVAL;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + unsigned(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	port = uint16_t(v);
	return 0;
}

// "A.B.C.D:port" or "[IPv6]:port", exactly.
int parse_portal(const char *name, size_t len, sockaddr_storage &ss, socklen_t &sslen) {
	memset(&ss, 0, sizeof(ss));
	if (len == 0 || len >= kPortalMax)
		return -EINVAL;
	std::string s(name, len);
	if (s.find('\0') != std::string::npos)
		return -EINVAL;
	uint16_t port;
	if (s[0] == '[') {
		size_t close = s.find(']');
		if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':' ||
		    close == 1)
			return -EINVAL;
		auto *sin6 = reinterpret_cast<sockaddr_in6 *>(&ss);
		std::string host = s.substr(1, close - 1);
		if (inet_pton(AF_INET6, host.c_str(), &sin6->sin6_addr) != 1)
			return -EINVAL;
		if (parse_port(s.c_str() + close + 2, s.size() - close - 2, port))
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sslen = sizeof(*sin6);
	} else {
		size_t colon = s.rfind(':');
		if (colon == std::string::npos || colon == 0)
			return -EINVAL;
		auto *sin = reinterpret_cast<sockaddr_in *>(&ss);
		std::string host = s.substr(0, colon);
		if (inet_pton(AF_INET, host.c_str(), &sin->sin_addr) != 1)
			return -EINVAL;
		if (parse_port(s.c_str() + colon + 1, s.size() - colon - 1, port))
			return -EINVAL;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sslen = sizeof(*sin);
	}
	return 0;
}

int format_addr(const sockaddr_storage &ss, char *buf, uint32_t size) {
	char host[INET6_ADDRSTRLEN];
	int n;
	if (ss.ss_family == AF_INET) {
		auto *sin = reinterpret_cast<const sockaddr_in *>(&ss);
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		n = snprintf(buf, size, "%s:%u", host, unsigned(ntohs(sin->sin_port)));
	} else if (ss.ss_family == AF_INET6) {
		auto *sin6 = reinterpret_cast<const sockaddr_in6 *>(&ss);
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], host, sizeof(host));
			n = snprintf(buf, size, "%s:%u", host, unsigned(ntohs(sin6->sin6_port)));
		} else {
			inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
			n = snprintf(buf, size, "[%s]:%u", host, unsigned(ntohs(sin6->sin6_port)));
		}
	} else {
		return -EAFNOSUPPORT;
	}
	if (n < 0 || uint32_t(n) >= size)
		return -ENOSPC;
	return n;
}

// Waits until fd has events or wake fires. 0 (ready), -ECONNRESET (woken: shut down),
// -ETIMEDOUT (deadline_ms passed; -1 = none).
int wait_fd(int fd, short events, int wake, int64_t deadline_ms) {
	for (;;) {
		int timeout = -1;
		if (deadline_ms >= 0) {
			int64_t left = deadline_ms - now_ms();
			if (left <= 0)
				return -ETIMEDOUT;
			timeout = int(std::min<int64_t>(left, 1 << 30));
		}
		pollfd p[2] = {{fd, events, 0}, {wake, POLLIN, 0}};
		int r = poll(p, 2, timeout);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[1].revents)
			return -ECONNRESET;
		if (p[0].revents)
			return 0;
	}
}

void wake(int efd) {
	uint64_t one = 1;
	ssize_t r = write(efd, &one, sizeof(one));
	(void)r; // the counter is already non-zero at worst
}

} // namespace

void iscsi_glue_host_set_accept_hook(IscsiHostAcceptFn fn) { g_accept_hook.store(fn); }

void iscsi_glue_host_set_send_timeout_ms(uint32_t ms) { g_send_timeout_ms.store(ms); }

// ------------------------------------------------------------------ cpus_allowed_list

int32_t iscsi_glue_cpus_allowed_show(char *buf, uint64_t size) {
	std::string out;
	{
		std::lock_guard<std::mutex> g(cpu_mask().lock);
		const std::vector<bool> &bits = cpu_mask().bits;
		for (size_t i = 0; i < bits.size();) {
			if (!bits[i]) {
				i++;
				continue;
			}
			size_t j = i;
			while (j + 1 < bits.size() && bits[j + 1])
				j++;
			if (!out.empty())
				out += ',';
			out += std::to_string(i);
			if (j > i)
				out += "-" + std::to_string(j);
			i = j + 1;
		}
	}
	out += '\n';
	if (size == 0)
		return 0;
	size_t n = std::min<size_t>(out.size(), size - 1);
	memcpy(buf, out.data(), n);
	buf[n] = '\0';
	return int32_t(n);
}

int32_t iscsi_glue_cpus_allowed_store(const char *text, uint64_t len) {
	std::vector<bool> bits(host_nr_cpus(), false);
	int ret = parse_cpulist(std::string(text, len), bits);
	if (ret)
		return ret;
	std::lock_guard<std::mutex> g(cpu_mask().lock);
	cpu_mask().bits = bits;
	return 0;
}

// ------------------------------------------------------------------ connections

struct iscsi_glue_conn {
	int fd = -1;
	int wake = -1; // eventfd: readable once shut down
	std::atomic<bool> shut{false};
	std::atomic<uint32_t> rcv_ms{0};
};

namespace {

int conn_errno(iscsi_glue_conn *c, int err) {
	if (c->shut.load())
		return -ECONNRESET;
	switch (err) {
	case EPIPE:
	case ENOTCONN:
	case ECONNRESET:
	case ECONNABORTED:
	case ESHUTDOWN:
		return -ECONNRESET;
	default:
		return -err;
	}
}

iscsi_glue_conn *conn_new(int fd) {
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0)
		return nullptr;
	auto *c = new iscsi_glue_conn;
	c->fd = fd;
	c->wake = efd;
	return c;
}

} // namespace

int32_t iscsi_glue_conn_recv(struct iscsi_glue_conn *c, void *buf, uint64_t len,
			     uint64_t *got) {
	uint32_t ms = c->rcv_ms.load();
	int64_t deadline = ms ? now_ms() + ms : -1;
	*got = 0;
	while (*got < len) {
		if (c->shut.load())
			return -ECONNRESET;
		ssize_t r = recv(c->fd, static_cast<char *>(buf) + *got, size_t(len - *got),
				 MSG_DONTWAIT);
		if (r > 0) {
			*got += uint64_t(r);
			continue;
		}
		if (r == 0)
			return -ECONNRESET;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return conn_errno(c, errno);
		int w = wait_fd(c->fd, POLLIN, c->wake, deadline);
		if (w)
			return w;
	}
	return 0;
}

void iscsi_glue_conn_set_rcv_timeout(struct iscsi_glue_conn *c, uint32_t ms) {
	c->rcv_ms.store(ms);
}

int32_t iscsi_glue_conn_send(struct iscsi_glue_conn *c, const struct iscsi_iovec *iov,
			     uint32_t n, uint32_t flags) {
	std::vector<iovec> v;
	v.reserve(n);
	for (uint32_t i = 0; i < n; i++)
		if (iov[i].len)
			v.push_back({const_cast<void *>(iov[i].base), size_t(iov[i].len)});
	constexpr size_t kMaxIov = 1024; // IOV_MAX
	size_t first = 0;
	int64_t deadline = now_ms() + g_send_timeout_ms.load();
	while (first < v.size()) {
		if (c->shut.load())
			return -ECONNRESET;
		size_t count = std::min(v.size() - first, kMaxIov);
		msghdr msg = {};
		msg.msg_iov = &v[first];
		msg.msg_iovlen = count;
		bool more = (flags & ISCSI_GLUE_SEND_MORE) || first + count < v.size();
		ssize_t r = sendmsg(c->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL | (more ? MSG_MORE : 0));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return conn_errno(c, errno);
			int w = wait_fd(c->fd, POLLOUT, c->wake, deadline);
			if (w)
				return w;
			continue;
		}
		deadline = now_ms() + g_send_timeout_ms.load(); // progress
		size_t sent = size_t(r);
		while (sent && first < v.size()) {
			if (sent >= v[first].iov_len) {
				sent -= v[first].iov_len;
				first++;
			} else {
				v[first].iov_base = static_cast<char *>(v[first].iov_base) + sent;
				v[first].iov_len -= sent;
				sent = 0;
			}
		}
	}
	return c->shut.load() ? -ECONNRESET : 0;
}

void iscsi_glue_conn_shutdown(struct iscsi_glue_conn *c) {
	c->shut.store(true);
	wake(c->wake);
	shutdown(c->fd, SHUT_RDWR);
}

void iscsi_glue_conn_release(struct iscsi_glue_conn *c) {
	close(c->fd);
	close(c->wake);
	delete c;
}

int32_t iscsi_glue_conn_local_addr(struct iscsi_glue_conn *c, char *buf, uint32_t size) {
	sockaddr_storage ss = {};
	socklen_t len = sizeof(ss);
	if (getsockname(c->fd, reinterpret_cast<sockaddr *>(&ss), &len) != 0)
		return -errno;
	return format_addr(ss, buf, size);
}

int32_t iscsi_glue_conn_peer_addr(struct iscsi_glue_conn *c, char *buf, uint32_t size) {
	sockaddr_storage ss = {};
	socklen_t len = sizeof(ss);
	if (getpeername(c->fd, reinterpret_cast<sockaddr *>(&ss), &len) != 0)
		return -errno;
	return format_addr(ss, buf, size);
}

// ------------------------------------------------------------------ network portals

struct iscsi_glue_np {
	int fd = -1;
	int wake = -1; // eventfd: readable once closing
	void *cookie = nullptr;
	std::thread thread;
};

namespace {

void np_deliver(iscsi_glue_np *np, iscsi_glue_conn *c) {
	IscsiHostAcceptFn hook = g_accept_hook.load();
	int32_t ret;
	if (hook)
		ret = hook(np->cookie, c);
	else if (lio_iscsi_np_accepted)
		ret = lio_iscsi_np_accepted(np->cookie, c);
	else
		ret = -EOPNOTSUPP;
	if (ret)
		iscsi_glue_conn_release(c);
}

// The accept loop; it ends when np_close fires np->wake, and np_close joins it.
void np_thread(iscsi_glue_np *np) {
	pthread_setname_np(pthread_self(), "iscsi_np");
	for (;;) {
		if (wait_fd(np->fd, POLLIN, np->wake, -1))
			return;
		int fd = accept4(np->fd, nullptr, nullptr, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
			    errno == ECONNABORTED)
				continue;
			// Out of descriptors or memory: back off without spinning.
			if (wait_fd(np->wake, POLLIN, np->wake, now_ms() + 100) == -ECONNRESET)
				return;
			continue;
		}
		iscsi_glue_conn *c = conn_new(fd);
		if (!c) {
			close(fd);
			continue;
		}
		np_deliver(np, c);
	}
}

} // namespace

int32_t iscsi_glue_np_open(const char *name, uint64_t len, void *cookie,
			   struct iscsi_glue_np **out) {
	int shown = int(std::min<uint64_t>(len, kPortalMax));
	sockaddr_storage ss;
	socklen_t sslen = 0;
	int ret = parse_portal(name, size_t(len), ss, sslen);
	if (ret) {
		kabi_log(KABI_LOG_ERR, "iscsi: malformed network portal \"%.*s\": %d\n", shown, name,
			 ret);
		return ret;
	}
	const char *what = "socket";
	int one = 1, zero = 0;
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_TCP);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6) // dual stack, as the kernel's default bindv6only=0
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	what = "bind";
	if (bind(fd, reinterpret_cast<sockaddr *>(&ss), sslen) != 0) {
		ret = -errno;
		goto fail;
	}
	what = "listen";
	if (listen(fd, 256) != 0) {
		ret = -errno;
		goto fail;
	}
	{
		what = "eventfd for";
		int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (efd < 0) {
			ret = -errno;
			goto fail;
		}
		auto *np = new iscsi_glue_np;
		np->fd = fd;
		np->wake = efd;
		np->cookie = cookie;
		np->thread = std::thread(np_thread, np);
		*out = np;
		return 0;
	}
fail:
	kabi_log(KABI_LOG_ERR, "iscsi: %s %.*s failed: %d\n", what, shown, name, ret);
	if (fd >= 0)
		close(fd);
	return ret;
}

void iscsi_glue_np_close(struct iscsi_glue_np *np) {
	wake(np->wake);
	np->thread.join();
	close(np->fd);
	close(np->wake);
	delete np;
}

// ------------------------------------------------------------------ threads

struct iscsi_glue_thread {
	pthread_t id;
	void (*fn)(void *arg);
	void *arg;
};

namespace {

void *thread_main(void *p) {
	auto *t = static_cast<iscsi_glue_thread *>(p);
	t->fn(t->arg);
	return nullptr;
}

// The allowed CPUs this process may use; with hint >= 0 only the (hint % weight)-th.
bool thread_cpus(int32_t hint, cpu_set_t &set) {
	cpu_set_t usable;
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(usable), &usable) != 0)
		return false;
	std::vector<unsigned> cpus;
	{
		std::lock_guard<std::mutex> g(cpu_mask().lock);
		const std::vector<bool> &bits = cpu_mask().bits;
		for (unsigned i = 0; i < bits.size(); i++)
			if (bits[i] && CPU_ISSET(i, &usable))
				cpus.push_back(i);
	}
	if (cpus.empty())
		return false;
	if (hint >= 0) {
		CPU_SET(cpus[unsigned(hint) % cpus.size()], &set);
	} else {
		for (unsigned cpu : cpus)
			CPU_SET(cpu, &set);
	}
	return true;
}

} // namespace

int32_t iscsi_glue_thread_start(void (*fn)(void *arg), void *arg, const char *name,
				int32_t cpu_hint, struct iscsi_glue_thread **out) {
	auto *t = new iscsi_glue_thread{};
	t->fn = fn;
	t->arg = arg;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	cpu_set_t set;
	if (thread_cpus(cpu_hint, set))
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	int ret = pthread_create(&t->id, &attr, thread_main, t);
	pthread_attr_destroy(&attr);
	if (ret) {
		kabi_log(KABI_LOG_ERR, "iscsi: cannot start thread %s: %d\n", name, -ret);
		delete t;
		return -ret;
	}
	char comm[16];
	snprintf(comm, sizeof(comm), "%s", name);
	pthread_setname_np(t->id, comm);
	*out = t;
	return 0;
}

void iscsi_glue_thread_join(struct iscsi_glue_thread *t) {
	pthread_join(t->id, nullptr);
	delete t;
}

// ------------------------------------------------------------------ CRC32C, digests

namespace {

struct Crc32cTable {
	uint32_t t[256];
	constexpr Crc32cTable() : t() {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
			t[i] = c;
		}
	}
};

constexpr Crc32cTable kCrc32c;

} // namespace

uint32_t iscsi_glue_crc32c(uint32_t crc, const void *data, uint64_t len) {
	const auto *p = static_cast<const uint8_t *>(data);
	for (uint64_t i = 0; i < len; i++)
		crc = kCrc32c.t[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return crc;
}

int32_t iscsi_glue_digest(const char *alg, const struct iscsi_iovec *iov, uint32_t n,
			  uint8_t *out, uint32_t out_len) {
	const EVP_MD *md = nullptr;
	if (!strcmp(alg, "md5"))
		md = EVP_md5();
	else if (!strcmp(alg, "sha1"))
		md = EVP_sha1();
	else if (!strcmp(alg, "sha256"))
		md = EVP_sha256();
	else if (!strcmp(alg, "sha3-256"))
		md = EVP_sha3_256();
	if (!md) {
		kabi_log(KABI_LOG_ERR, "iscsi: no %s digest in the crypto API: %d\n", alg, -ENOENT);
		return -ENOENT;
	}
	int size = EVP_MD_get_size(md);
	if (size <= 0 || out_len < uint32_t(size))
		return -EINVAL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	bool ok = EVP_DigestInit_ex(ctx, md, nullptr) == 1;
	for (uint32_t i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, iov[i].base, size_t(iov[i].len)) == 1;
	unsigned int got = 0;
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, out, &got) == 1 && int(got) == size;
	EVP_MD_CTX_free(ctx);
	return ok ? size : -EIO;
}

void iscsi_glue_random(void *buf, uint64_t len) {
	auto *p = static_cast<uint8_t *>(buf);
	while (len) {
		ssize_t r = getrandom(p, std::min<uint64_t>(len, 1 << 20), 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			abort(); // the kernel's get_random_bytes cannot fail either
		}
		p += r;
		len -= uint64_t(r);
	}
}

uint64_t iscsi_glue_now_ms(void) { return uint64_t(now_ms()); }
