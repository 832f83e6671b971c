/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fabrics/iscsi/iscsi_abi.h: the C ABI inside iscsi_target_mod, between its C glue (kernel:
 * iscsi_target_mod.c, iscsi_net.c; host build: fabrics/iscsi/host/) and its C++ fabric.
 * Private to the module.
 *
 * The glue owns everything that needs kernel headers: sockets, kernel threads, the CPU mask
 * behind target/iscsi/cpus_allowed_list, CRC32C, the crypto API digests CHAP uses, random
 * bytes, time. The C++ side never sees a struct socket, a task_struct or a crypto tfm.
 *
 * Every function may sleep unless said otherwise, returns 0 or a negative errno unless said
 * otherwise, and logs at most one line of its own on failure.
 */
#ifndef ISCSI_ABI_H
#define ISCSI_ABI_H

#include "kabi/types.h"

KABI_BEGIN_DECLS

/* ------------------------------------------------------------------ cpus_allowed_list */

/* "%*pbl\n" of the allowed cpumask into buf (size bytes); the length written. */
int32_t iscsi_glue_cpus_allowed_show(char *buf, uint64_t size);
/* cpulist_parse() of the len bytes at text (not NUL-terminated); 0 or a negative errno
 * (the mask is unchanged on error). */
int32_t iscsi_glue_cpus_allowed_store(const char *text, uint64_t len);

/* ------------------------------------------------------------------ network portals */

struct iscsi_glue_np;
struct iscsi_glue_conn;

/*
 * Listens on the portal named as LIO names np/ directories: "A.B.C.D:port" or
 * "[IPv6]:port" (len bytes, not NUL-terminated; port 1..65535). 0.0.0.0 and [::] listen on
 * every address ([::] also accepts IPv4, as LIO's dual-stack socket). SO_REUSEADDR is set,
 * the backlog is 256. An accept thread is started; for every accepted connection (TCP_NODELAY
 * set, keepalive off) it calls lio_iscsi_np_accepted(cookie, conn) from that thread. -EINVAL
 * for a malformed name, -EADDRINUSE / -EADDRNOTAVAIL / ... as bind() says.
 */
int32_t iscsi_glue_np_open(const char *name, uint64_t len, void *cookie,
			   struct iscsi_glue_np **out);
/* Stops the accept thread and closes the listening socket. When this returns no
 * lio_iscsi_np_accepted() for this portal runs or will run. Accepted connections live on. */
void iscsi_glue_np_close(struct iscsi_glue_np *np);

/* Implemented by the C++ side. Takes ownership of conn when it returns 0 (it will call
 * iscsi_glue_conn_release once); on a negative errno the glue releases conn itself. Must not
 * block for long (it starts the connection's thread and returns). */
int32_t lio_iscsi_np_accepted(void *np_cookie, struct iscsi_glue_conn *conn);

/* ------------------------------------------------------------------ connections */

/* One contiguous piece of memory to send. */
struct iscsi_iovec {
	const void *base;
	uint64_t len;
};

/*
 * Receives exactly len bytes into buf. *got (never NULL) counts the bytes stored by this call.
 *   0            all len bytes arrived (*got == len);
 *   -ETIMEDOUT   the receive timeout passed first (*got < len bytes stored; call again with
 *                buf + *got to go on);
 *   -ECONNRESET  the peer closed the connection, or iscsi_glue_conn_shutdown() was called;
 *   other        the socket's error.
 */
int32_t iscsi_glue_conn_recv(struct iscsi_glue_conn *c, void *buf, uint64_t len,
			     uint64_t *got);
/* Receive timeout in milliseconds for the following recv calls; 0 = wait forever. */
void iscsi_glue_conn_set_rcv_timeout(struct iscsi_glue_conn *c, uint32_t ms);

/* iscsi_glue_conn_send flags. */
#define ISCSI_GLUE_SEND_MORE 0x1 /* more follows at once (MSG_MORE): do not push yet */

/*
 * Sends all bytes of iov[0..n) in order, as one message where possible. Memory that is
 * page-backed kernel memory may be sent without copying (sendpage / MSG_SPLICE_PAGES); the
 * caller keeps it unchanged until the next call on this connection returns or the
 * connection is released. Callers serialise sends on one connection. 0, -ECONNRESET after
 * shutdown or when the peer is gone, -ETIMEDOUT when no progress for the send timeout
 * (30 s), other errors as the socket says.
 */
int32_t iscsi_glue_conn_send(struct iscsi_glue_conn *c, const struct iscsi_iovec *iov,
			     uint32_t n, uint32_t flags);
/* Shuts the socket down both ways: a blocked or later recv/send returns -ECONNRESET. Any
 * thread, any number of times, until release. */
void iscsi_glue_conn_shutdown(struct iscsi_glue_conn *c);
/* Closes the socket and frees c. No other call on c may be running or follow. */
void iscsi_glue_conn_release(struct iscsi_glue_conn *c);
/* The connection's local (target) and peer (initiator) address, "A.B.C.D:port" or
 * "[IPv6]:port" (an IPv4-mapped IPv6 address is shown as IPv4), NUL-terminated in buf;
 * returns the length, or a negative errno. */
int32_t iscsi_glue_conn_local_addr(struct iscsi_glue_conn *c, char *buf, uint32_t size);
int32_t iscsi_glue_conn_peer_addr(struct iscsi_glue_conn *c, char *buf, uint32_t size);

/* ------------------------------------------------------------------ threads */

struct iscsi_glue_thread;

/*
 * Runs fn(arg) in a new kernel thread named name (truncated to 15 chars), allowed on the CPUs
 * of cpus_allowed_list; cpu_hint >= 0 prefers that CPU of the mask (modulo its weight) so
 * that connections spread over CPUs, -1 lets the scheduler pick. The thread ends when fn
 * returns; the module cannot unload before that (the glue holds what is needed).
 */
int32_t iscsi_glue_thread_start(void (*fn)(void *arg), void *arg, const char *name,
				int32_t cpu_hint, struct iscsi_glue_thread **out);
/* Waits until fn has returned and frees t. Must not be called from the thread itself. */
void iscsi_glue_thread_join(struct iscsi_glue_thread *t);

/* ------------------------------------------------------------------ CRC32C, digests, random */

/* CRC32C (Castagnoli) update, the kernel's crc32c(crc, data, len): no pre/post inversion.
 * An iSCSI digest is ~iscsi_glue_crc32c(~0u, data, len), sent little-endian. Any context. */
uint32_t iscsi_glue_crc32c(uint32_t crc, const void *data, uint64_t len);

/* The digest of the concatenation of iov[0..n) with algorithm alg, one of "md5", "sha1",
 * "sha256", "sha3-256" (the kernel crypto API's names), into out (out_len bytes, at least the
 * digest size). Returns the digest size (16, 20, 32, 32), -ENOENT when the kernel has no such
 * algorithm, -EINVAL when out_len is too small. */
int32_t iscsi_glue_digest(const char *alg, const struct iscsi_iovec *iov, uint32_t n,
			  uint8_t *out, uint32_t out_len);
/* Cryptographically strong random bytes (get_random_bytes). */
void iscsi_glue_random(void *buf, uint64_t len);

/* Milliseconds of a monotonic clock (jiffies based in the kernel). Any context. */
uint64_t iscsi_glue_now_ms(void);

KABI_END_DECLS

#endif /* ISCSI_ABI_H */
