// SPDX-License-Identifier: GPL-2.0
/*
 * fabrics/iscsi/iscsi_net.c: the kernel side of fabrics/iscsi/iscsi_abi.h: TCP portals and
 * connections over kernel sockets, kernel threads on the allowed CPU mask (with
 * target/iscsi/cpus_allowed_list behind it), CRC32C, crypto API digests, random bytes, time.
 *
 * Locking: iscsi_cpumask_lock guards the allowed mask; iscsi_digest_lock guards the cache of
 * digest transforms (a cached tfm is used without the lock: shash tfms without a key may be
 * shared, each call has its own descriptor). A connection's recv and send each run in one
 * thread at a time (the caller serialises them); shutdown may run anywhere, concurrently.
 */
#include <crypto/hash.h>
#include <linux/bvec.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/crc32c.h>
#include <linux/err.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/inet.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/tcp.h>
#include <linux/uio.h>
#include <linux/version.h>
#include <linux/vmalloc.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "iscsi_abi.h"
#include "iscsi_net.h"

/* libcrc32c picks the fastest "crc32c" shash present at its first use (LIO does the same). */
MODULE_SOFTDEP("pre: crc32c");

/* Zero-copy transmit: 6.5 replaced ->sendpage with MSG_SPLICE_PAGES in sendmsg. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define ISCSI_TX_SPLICE 1
#else
#define ISCSI_TX_SPLICE 0
#endif

/* ------------------------------------------------------------------ cpus_allowed_list */

/* LIO's iscsit_global->allowed_cpumask: every CPU at load (cpumask_setall). */
static cpumask_var_t iscsi_allowed_cpumask;
static DEFINE_MUTEX(iscsi_cpumask_lock);

int32_t iscsi_glue_cpus_allowed_show(char *buf, uint64_t size)
{
	int n;

	mutex_lock(&iscsi_cpumask_lock);
	n = scnprintf(buf, size, "%*pbl\n", cpumask_pr_args(iscsi_allowed_cpumask));
	mutex_unlock(&iscsi_cpumask_lock);
	return n;
}

int32_t iscsi_glue_cpus_allowed_store(const char *text, uint64_t len)
{
	cpumask_var_t mask;
	char *copy;
	int ret;

	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	copy = kstrndup(text, len, GFP_KERNEL);
	if (!copy) {
		free_cpumask_var(mask);
		return -ENOMEM;
	}
	ret = cpulist_parse(copy, mask);
	if (!ret) {
		mutex_lock(&iscsi_cpumask_lock);
		cpumask_copy(iscsi_allowed_cpumask, mask);
		mutex_unlock(&iscsi_cpumask_lock);
	}
	kfree(copy);
	free_cpumask_var(mask);
	return ret;
}

/* ------------------------------------------------------------------ addresses */

/* Longest portal name: "[" 45 characters of IPv6 "]:" 5 digits. */
#define ISCSI_PORTAL_MAX 64

static int iscsi_parse_port(const char *s, size_t n, u16 *port)
{
	unsigned int v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*port = v;
	return 0;
}

/* "A.B.C.D:port" or "[IPv6]:port", exactly (no trailing characters). */
static int iscsi_parse_portal(const char *name, size_t len, struct sockaddr_storage *ss)
{
	const char *end;
	u16 port;

	memset(ss, 0, sizeof(*ss));
	if (len == 0 || len >= ISCSI_PORTAL_MAX)
		return -EINVAL;
	if (name[0] == '[') {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		const char *close = memchr(name, ']', len);
		size_t hlen;

		if (!close || close + 1 == name + len || close[1] != ':')
			return -EINVAL;
		hlen = close - (name + 1);
		if (!hlen || !in6_pton(name + 1, hlen, sin6->sin6_addr.s6_addr, -1, &end) ||
		    end != close)
			return -EINVAL;
		if (iscsi_parse_port(close + 2, name + len - (close + 2), &port))
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		const char *colon = NULL;
		size_t i;

		for (i = len; i > 0; i--) {
			if (name[i - 1] == ':') {
				colon = name + i - 1;
				break;
			}
		}
		if (!colon || colon == name ||
		    !in4_pton(name, colon - name, (u8 *)&sin->sin_addr.s_addr, -1, &end) ||
		    end != colon)
			return -EINVAL;
		if (iscsi_parse_port(colon + 1, name + len - (colon + 1), &port))
			return -EINVAL;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
	}
	return 0;
}

/* "A.B.C.D:port" or "[IPv6]:port" (an IPv4-mapped address as IPv4); length or -errno. */
static int iscsi_format_addr(const struct sockaddr_storage *ss, char *buf, uint32_t size)
{
	int n;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		n = snprintf(buf, size, "%pI4:%u", &sin->sin_addr, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		if (ipv6_addr_v4mapped(&sin6->sin6_addr))
			n = snprintf(buf, size, "%pI4:%u", &sin6->sin6_addr.s6_addr32[3],
				     ntohs(sin6->sin6_port));
		else
			n = snprintf(buf, size, "[%pI6c]:%u", &sin6->sin6_addr,
				     ntohs(sin6->sin6_port));
	} else {
		return -EAFNOSUPPORT;
	}
	if (n < 0 || (uint32_t)n >= size)
		return -ENOSPC;
	return n;
}

/* ------------------------------------------------------------------ connections */

/* No progress on a send for this long: -ETIMEDOUT (sk_sndtimeo). */
#define ISCSI_SEND_TIMEOUT_S 30

/*
 * Transmit: each iovec either goes by copy (a kvec) or, when it is large and every page
 * under it is page-allocator memory (not slab, not a stack), by reference to its pages. Runs
 * of the same kind are batched; every batch but the last goes with MSG_MORE.
 */
#define ISCSI_TX_BATCH 16
#define ISCSI_TX_ZC_MIN 2048 /* below this copying is cheaper than page references */

struct iscsi_tx {
	struct iscsi_glue_conn *c;
	struct kvec kv[ISCSI_TX_BATCH];
	unsigned int nkv;
	size_t kv_len;
	struct bio_vec bv[ISCSI_TX_BATCH];
	unsigned int nbv;
	size_t bv_len;
};

struct iscsi_glue_conn {
	struct socket *sock;
	long rcvtimeo;	/* jiffies, MAX_SCHEDULE_TIMEOUT for none */
	bool shut;	/* iscsi_glue_conn_shutdown() was called */
	/* The batches of the send under way: callers serialise sends (iscsi_abi.h), so one
	 * per connection, made with it (about 600 bytes: not on the stack, not per send). */
	struct iscsi_tx tx;
};

static struct iscsi_glue_conn *iscsi_conn_new(struct socket *sock)
{
	struct iscsi_glue_conn *c = kzalloc(sizeof(*c), GFP_KERNEL);

	if (!c)
		return NULL;
	c->sock = sock;
	c->tx.c = c;
	c->rcvtimeo = MAX_SCHEDULE_TIMEOUT;
	tcp_sock_set_nodelay(sock->sk);
	sock_set_sndtimeo(sock->sk, ISCSI_SEND_TIMEOUT_S);
	return c;
}

/* Errors that mean the connection is gone, as the ABI names them. */
static int iscsi_conn_errno(struct iscsi_glue_conn *c, int err)
{
	if (READ_ONCE(c->shut))
		return -ECONNRESET;
	switch (err) {
	case -EAGAIN:
		return -ETIMEDOUT;
	case -EPIPE:
	case -ENOTCONN:
	case -ECONNABORTED:
	case -ESHUTDOWN:
		return -ECONNRESET;
	default:
		return err;
	}
}

int32_t iscsi_glue_conn_recv(struct iscsi_glue_conn *c, void *buf, uint64_t len,
			     uint64_t *got)
{
	long timeo = READ_ONCE(c->rcvtimeo);
	unsigned long deadline = jiffies + (timeo == MAX_SCHEDULE_TIMEOUT ? 0 : timeo);

	*got = 0;
	while (*got < len) {
		struct kvec iov = {
			.iov_base = (u8 *)buf + *got,
			.iov_len = min_t(u64, len - *got, INT_MAX),
		};
		struct msghdr msg = {};
		int ret;

		if (READ_ONCE(c->shut))
			return -ECONNRESET;
		/* One deadline for the whole call: each round waits only for what is left. */
		if (timeo != MAX_SCHEDULE_TIMEOUT) {
			long left = (long)(deadline - jiffies);

			if (left <= 0)
				return -ETIMEDOUT;
			WRITE_ONCE(c->sock->sk->sk_rcvtimeo, left);
		} else {
			WRITE_ONCE(c->sock->sk->sk_rcvtimeo, MAX_SCHEDULE_TIMEOUT);
		}
		ret = kernel_recvmsg(c->sock, &msg, &iov, 1, iov.iov_len, MSG_WAITALL);
		if (ret > 0)
			*got += ret;
		else if (ret == 0)
			return -ECONNRESET; /* end of stream: the peer closed, or we shut down */
		else
			return iscsi_conn_errno(c, ret);
	}
	return 0;
}

void iscsi_glue_conn_set_rcv_timeout(struct iscsi_glue_conn *c, uint32_t ms)
{
	long timeo = MAX_SCHEDULE_TIMEOUT;

	if (ms) {
		unsigned long j = msecs_to_jiffies(ms);

		timeo = j >= MAX_SCHEDULE_TIMEOUT ? MAX_SCHEDULE_TIMEOUT - 1 : (long)j;
		if (!timeo)
			timeo = 1;
	}
	WRITE_ONCE(c->rcvtimeo, timeo);
}

static int iscsi_tx_sendmsg(struct iscsi_glue_conn *c, struct msghdr *msg)
{
	while (msg_data_left(msg)) {
		int ret;

		if (READ_ONCE(c->shut))
			return -ECONNRESET;
		ret = sock_sendmsg(c->sock, msg);
		if (ret < 0)
			return iscsi_conn_errno(c, ret);
		if (ret == 0)
			return -ECONNRESET;
	}
	return 0;
}

static int iscsi_tx_flush_kv(struct iscsi_tx *tx, bool more)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL | (more ? MSG_MORE : 0) };
	int ret;

	if (!tx->nkv)
		return 0;
	iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, tx->kv, tx->nkv, tx->kv_len);
	ret = iscsi_tx_sendmsg(tx->c, &msg);
	tx->nkv = 0;
	tx->kv_len = 0;
	return ret;
}

static int iscsi_tx_flush_bv(struct iscsi_tx *tx, bool more)
{
	int ret = 0;

	if (!tx->nbv)
		return 0;
#if ISCSI_TX_SPLICE
	{
		struct msghdr msg = {
			.msg_flags = MSG_SPLICE_PAGES | MSG_NOSIGNAL | (more ? MSG_MORE : 0),
		};

		iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, tx->bv, tx->nbv, tx->bv_len);
		ret = iscsi_tx_sendmsg(tx->c, &msg);
	}
#else
	{
		unsigned int i;

		for (i = 0; i < tx->nbv && !ret; i++) {
			const struct bio_vec *bv = &tx->bv[i];
			int flags = MSG_NOSIGNAL | (more || i + 1 < tx->nbv ? MSG_MORE : 0);
			unsigned int off = 0;

			while (off < bv->bv_len) {
				int n;

				if (READ_ONCE(tx->c->shut)) {
					ret = -ECONNRESET;
					break;
				}
				n = kernel_sendpage(tx->c->sock, bv->bv_page, bv->bv_offset + off,
						    bv->bv_len - off, flags);
				if (n <= 0) {
					ret = n ? iscsi_conn_errno(tx->c, n) : -ECONNRESET;
					break;
				}
				off += n;
			}
		}
	}
#endif
	tx->nbv = 0;
	tx->bv_len = 0;
	return ret;
}

static struct page *iscsi_tx_page(const void *p)
{
	if (is_vmalloc_addr(p))
		return vmalloc_to_page(p);
	if (virt_addr_valid(p))
		return virt_to_page(p);
	return NULL;
}

/* Whether every page under [base, base + len) may be sent by reference. */
static bool iscsi_tx_zero_copy_ok(const void *base, size_t len)
{
	const u8 *p = base;

	if (len < ISCSI_TX_ZC_MIN || object_is_on_stack(base))
		return false;
	while (len) {
		size_t chunk = min_t(size_t, len, PAGE_SIZE - offset_in_page(p));
		struct page *page = iscsi_tx_page(p);

		if (!page || !sendpage_ok(page))
			return false;
		p += chunk;
		len -= chunk;
	}
	return true;
}

static int iscsi_tx_add_pages(struct iscsi_tx *tx, const void *base, size_t len)
{
	const u8 *p = base;
	int ret;

	ret = iscsi_tx_flush_kv(tx, true);
	while (!ret && len) {
		size_t chunk = min_t(size_t, len, PAGE_SIZE - offset_in_page(p));
		struct bio_vec *bv;

		if (tx->nbv == ISCSI_TX_BATCH) {
			ret = iscsi_tx_flush_bv(tx, true);
			if (ret)
				break;
		}
		bv = &tx->bv[tx->nbv++];
		bv->bv_page = iscsi_tx_page(p);
		bv->bv_offset = offset_in_page(p);
		bv->bv_len = chunk;
		tx->bv_len += chunk;
		p += chunk;
		len -= chunk;
	}
	return ret;
}

static int iscsi_tx_add_copy(struct iscsi_tx *tx, const void *base, size_t len)
{
	int ret;

	ret = iscsi_tx_flush_bv(tx, true);
	if (!ret && tx->nkv == ISCSI_TX_BATCH)
		ret = iscsi_tx_flush_kv(tx, true);
	if (ret)
		return ret;
	tx->kv[tx->nkv].iov_base = (void *)base;
	tx->kv[tx->nkv].iov_len = len;
	tx->nkv++;
	tx->kv_len += len;
	return 0;
}

int32_t iscsi_glue_conn_send(struct iscsi_glue_conn *c, const struct iscsi_iovec *iov,
			     uint32_t n, uint32_t flags)
{
	struct iscsi_tx *tx = &c->tx;
	uint32_t i;
	int ret = 0;

	if (READ_ONCE(c->shut))
		return -ECONNRESET;
	tx->nkv = 0;
	tx->kv_len = 0;
	tx->nbv = 0;
	tx->bv_len = 0;
	for (i = 0; i < n && !ret; i++) {
		const u8 *base = iov[i].base;
		u64 left = iov[i].len;

		/* A kvec length is a size_t, but one sendmsg moves at most INT_MAX bytes. */
		while (left && !ret) {
			size_t len = min_t(u64, left, SZ_1G);

			if (iscsi_tx_zero_copy_ok(base, len))
				ret = iscsi_tx_add_pages(tx, base, len);
			else
				ret = iscsi_tx_add_copy(tx, base, len);
			base += len;
			left -= len;
		}
	}
	/* At most one of the two batches is non-empty here. */
	if (!ret)
		ret = iscsi_tx_flush_kv(tx, flags & ISCSI_GLUE_SEND_MORE);
	if (!ret)
		ret = iscsi_tx_flush_bv(tx, flags & ISCSI_GLUE_SEND_MORE);
	return ret;
}

void iscsi_glue_conn_shutdown(struct iscsi_glue_conn *c)
{
	WRITE_ONCE(c->shut, true);
	/* Wakes a blocked recvmsg (it sees RCV_SHUTDOWN) and sendmsg (SEND_SHUTDOWN). A second
	 * call finds the socket closed: -ENOTCONN, harmless. */
	kernel_sock_shutdown(c->sock, SHUT_RDWR);
}

void iscsi_glue_conn_release(struct iscsi_glue_conn *c)
{
	sock_release(c->sock);
	kfree(c);
}

int32_t iscsi_glue_conn_local_addr(struct iscsi_glue_conn *c, char *buf, uint32_t size)
{
	struct sockaddr_storage ss = {};
	int ret = kernel_getsockname(c->sock, (struct sockaddr *)&ss);

	return ret < 0 ? ret : iscsi_format_addr(&ss, buf, size);
}

int32_t iscsi_glue_conn_peer_addr(struct iscsi_glue_conn *c, char *buf, uint32_t size)
{
	struct sockaddr_storage ss = {};
	int ret = kernel_getpeername(c->sock, (struct sockaddr *)&ss);

	return ret < 0 ? ret : iscsi_format_addr(&ss, buf, size);
}

/* ------------------------------------------------------------------ network portals */

struct iscsi_glue_np {
	struct socket *sock;
	struct task_struct *thread;
	void *cookie;
};

/*
 * The accept loop. np_close shuts the listening socket down first (a blocked accept returns
 * -EINVAL, and so does every later one), then kthread_stop()s this thread and waits for it:
 * no callback runs once np_close has returned.
 */
static int iscsi_np_thread(void *data)
{
	struct iscsi_glue_np *np = data;

	while (!kthread_should_stop()) {
		struct iscsi_glue_conn *c;
		struct socket *ns;
		int ret;

		ret = kernel_accept(np->sock, &ns, 0);
		if (ret) {
			/* Shutdown (-EINVAL until stopped), or a transient failure (-ENOMEM,
			 * -ECONNABORTED, ...): do not spin. */
			set_current_state(TASK_INTERRUPTIBLE);
			if (!kthread_should_stop())
				schedule_timeout(ret == -EINVAL ? HZ : HZ / 10);
			__set_current_state(TASK_RUNNING);
			continue;
		}
		c = iscsi_conn_new(ns);
		if (!c) {
			sock_release(ns);
			continue;
		}
		if (lio_iscsi_np_accepted(np->cookie, c))
			iscsi_glue_conn_release(c);
	}
	return 0;
}

int32_t iscsi_glue_np_open(const char *name, uint64_t len, void *cookie,
			   struct iscsi_glue_np **out)
{
	int shown = (int)min_t(u64, len, ISCSI_PORTAL_MAX);
	struct sockaddr_storage ss;
	struct iscsi_glue_np *np;
	const char *what;
	int ret;

	ret = iscsi_parse_portal(name, len, &ss);
	if (ret) {
		pr_err("iscsi: malformed network portal \"%.*s\": %d\n", shown, name, ret);
		return ret;
	}
	np = kzalloc(sizeof(*np), GFP_KERNEL);
	if (!np)
		return -ENOMEM;
	np->cookie = cookie;
	what = "socket";
	ret = sock_create_kern(&init_net, ss.ss_family, SOCK_STREAM, IPPROTO_TCP, &np->sock);
	if (ret)
		goto fail;
	sock_set_reuseaddr(np->sock->sk);
	if (ss.ss_family == AF_INET6) {
		/* Dual stack whatever net.ipv6.bindv6only says: [::] takes IPv4 too. */
		lock_sock(np->sock->sk);
		np->sock->sk->sk_ipv6only = false;
		release_sock(np->sock->sk);
	}
	what = "bind";
	ret = kernel_bind(np->sock, (struct sockaddr *)&ss,
			  ss.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
						    sizeof(struct sockaddr_in6));
	if (ret)
		goto fail;
	what = "listen";
	ret = kernel_listen(np->sock, 256);
	if (ret)
		goto fail;
	what = "accept thread for";
	np->thread = kthread_run(iscsi_np_thread, np, "iscsi_np");
	if (IS_ERR(np->thread)) {
		ret = PTR_ERR(np->thread);
		goto fail;
	}
	*out = np;
	return 0;

fail:
	pr_err("iscsi: %s %.*s failed: %d\n", what, shown, name, ret);
	if (np->sock)
		sock_release(np->sock);
	kfree(np);
	return ret;
}

void iscsi_glue_np_close(struct iscsi_glue_np *np)
{
	kernel_sock_shutdown(np->sock, SHUT_RDWR);
	kthread_stop(np->thread);
	sock_release(np->sock);
	kfree(np);
}

/* ------------------------------------------------------------------ threads */

struct iscsi_glue_thread {
	void (*fn)(void *arg);
	void *arg;
	struct completion done;
};

/*
 * Holds a reference on this module from iscsi_glue_thread_start until the thread has left
 * the module's code: module_put_and_kthread_exit() drops it from core kernel code. t must not
 * be touched after complete(): join may free it at once.
 */
static int iscsi_thread_main(void *data)
{
	struct iscsi_glue_thread *t = data;

	t->fn(t->arg);
	complete(&t->done);
	module_put_and_kthread_exit(0);
}

/* The allowed CPUs that are online; with hint >= 0 only the (hint % weight)-th of them. */
static void iscsi_thread_bind(struct task_struct *task, int32_t hint)
{
	cpumask_var_t mask;
	unsigned int weight;

	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return; /* the scheduler's choice: still correct */
	mutex_lock(&iscsi_cpumask_lock);
	cpumask_and(mask, iscsi_allowed_cpumask, cpu_online_mask);
	mutex_unlock(&iscsi_cpumask_lock);
	weight = cpumask_weight(mask);
	if (weight) {
		if (hint >= 0) {
			unsigned int cpu = cpumask_nth((unsigned int)hint % weight, mask);

			cpumask_clear(mask);
			cpumask_set_cpu(cpu, mask);
		}
		set_cpus_allowed_ptr(task, mask);
	}
	free_cpumask_var(mask);
}

int32_t iscsi_glue_thread_start(void (*fn)(void *arg), void *arg, const char *name,
				int32_t cpu_hint, struct iscsi_glue_thread **out)
{
	struct iscsi_glue_thread *t;
	struct task_struct *task;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->fn = fn;
	t->arg = arg;
	init_completion(&t->done);
	__module_get(THIS_MODULE);
	task = kthread_create(iscsi_thread_main, t, "%.15s", name);
	if (IS_ERR(task)) {
		module_put(THIS_MODULE);
		kfree(t);
		pr_err("iscsi: cannot start thread %s: %ld\n", name, PTR_ERR(task));
		return PTR_ERR(task);
	}
	iscsi_thread_bind(task, cpu_hint);
	*out = t;
	wake_up_process(task);
	return 0;
}

void iscsi_glue_thread_join(struct iscsi_glue_thread *t)
{
	wait_for_completion(&t->done);
	kfree(t);
}

/* ------------------------------------------------------------------ CRC32C, digests */

uint32_t iscsi_glue_crc32c(uint32_t crc, const void *data, uint64_t len)
{
	const u8 *p = data;

	while (len) {
		unsigned int n = min_t(u64, len, SZ_1G);

		crc = crc32c(crc, p, n);
		p += n;
		len -= n;
	}
	return crc;
}

/* The algorithms CHAP negotiates; their tfms are kept once allocated. */
static const char *const iscsi_digest_names[] = { "md5", "sha1", "sha256", "sha3-256" };
static struct crypto_shash *iscsi_digest_tfms[ARRAY_SIZE(iscsi_digest_names)];
static DEFINE_MUTEX(iscsi_digest_lock);

/* A cached tfm (*owned false) or, for another name, a fresh one (*owned true). */
static struct crypto_shash *iscsi_digest_tfm(const char *alg, bool *owned)
{
	struct crypto_shash *tfm;
	size_t i;

	*owned = false;
	for (i = 0; i < ARRAY_SIZE(iscsi_digest_names); i++) {
		if (strcmp(alg, iscsi_digest_names[i]))
			continue;
		mutex_lock(&iscsi_digest_lock);
		tfm = iscsi_digest_tfms[i];
		if (!tfm) {
			tfm = crypto_alloc_shash(alg, 0, 0);
			if (!IS_ERR(tfm))
				iscsi_digest_tfms[i] = tfm;
		}
		mutex_unlock(&iscsi_digest_lock);
		return tfm;
	}
	*owned = true;
	return crypto_alloc_shash(alg, 0, 0);
}

int32_t iscsi_glue_digest(const char *alg, const struct iscsi_iovec *iov, uint32_t n,
			  uint8_t *out, uint32_t out_len)
{
	u8 digest[HASH_MAX_DIGESTSIZE];
	struct crypto_shash *tfm;
	unsigned int size;
	bool owned;
	uint32_t i;
	int ret;

	tfm = iscsi_digest_tfm(alg, &owned);
	if (IS_ERR(tfm)) {
		ret = PTR_ERR(tfm);
		pr_err("iscsi: no %s digest in the crypto API: %d\n", alg, ret);
		return ret;
	}
	size = crypto_shash_digestsize(tfm);
	if (out_len < size || size > sizeof(digest)) {
		ret = -EINVAL;
		goto out;
	}
	{
		SHASH_DESC_ON_STACK(desc, tfm);

		desc->tfm = tfm;
		ret = crypto_shash_init(desc);
		for (i = 0; i < n && !ret; i++) {
			const u8 *p = iov[i].base;
			u64 left = iov[i].len;

			while (left && !ret) {
				unsigned int len = min_t(u64, left, SZ_1G);

				ret = crypto_shash_update(desc, p, len);
				p += len;
				left -= len;
			}
		}
		if (!ret)
			ret = crypto_shash_final(desc, digest);
		shash_desc_zero(desc);
	}
	if (!ret) {
		memcpy(out, digest, size);
		ret = size;
	}
	memzero_explicit(digest, sizeof(digest));
out:
	if (owned)
		crypto_free_shash(tfm);
	return ret;
}

void iscsi_glue_random(void *buf, uint64_t len)
{
	get_random_bytes(buf, len);
}

uint64_t iscsi_glue_now_ms(void)
{
	return jiffies64_to_msecs(get_jiffies_64());
}

/* ------------------------------------------------------------------ module life */

int iscsi_glue_setup(void)
{
	if (!zalloc_cpumask_var(&iscsi_allowed_cpumask, GFP_KERNEL))
		return -ENOMEM;
	cpumask_setall(iscsi_allowed_cpumask);
	return 0;
}

void iscsi_glue_teardown(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(iscsi_digest_tfms); i++) {
		if (iscsi_digest_tfms[i])
			crypto_free_shash(iscsi_digest_tfms[i]);
		iscsi_digest_tfms[i] = NULL;
	}
	free_cpumask_var(iscsi_allowed_cpumask);
}
