// SPDX-License-Identifier: GPL-2.0
/*
 * tests/host/freestanding/all_headers.cpp: every include/lio header in one kernel-flags
 * translation unit (check_freestanding.cmake), with the templates instantiated the way engine
 * code uses them, so that their code, not just their declarations, is proven freestanding and
 * its symbols can be checked. Compiled only by that check, never linked.
 */
#include "lio/alloc.h"
#include "lio/assert.h"
#include "lio/atomic.h"
#include "lio/fixed_string.h"
#include "lio/list.h"
#include "lio/lock.h"
#include "lio/log.h"
#include "lio/own_ptr.h"
#include "lio/placement_new.h"
#include "lio/printf.h"
#include "lio/refcount.h"
#include "lio/result.h"
#include "lio/span.h"
#include "lio/string.h"
#include "lio/types.h"
#include "lio/utility.h"

namespace lio::freestanding_check {

constinit LockClass example_lock_class("lio_freestanding_check");

class Shape {
  public:
	virtual ~Shape() = default;
	virtual u32 sides() const = 0; // abstract: the vtable refers to __cxa_pure_virtual
};

class Square final : public Shape {
  public:
	u32 sides() const override { return 4; }
};

class Device final : public RefCounted<Device> {
  public:
	explicit Device(u32 id) : id_(id) {}
	u32 id() const { return id_; }
	ListNode node;

  private:
	u32 id_;
};

struct Counters {
	u64 reads = 0;
	u64 writes = 0;
};

class Registry final {
  public:
	Registry() : lock_(example_lock_class), stats_(example_lock_class) {}
	~Registry() {
		LockGuard guard(lock_);
		while (Device *d = devices_.pop_front())
			d->unref();
	}

	Result<void> add(u32 id) {
		RefPtr<Device> d = TRY(try_make_ref<Device>(Gfp::Kernel, id));
		LockGuard guard(lock_);
		devices_.push_back(*d.leak_ref());
		return {};
	}

	RefPtr<Device> find(u32 id) {
		LockGuard guard(lock_);
		for (Device &d : devices_)
			if (d.id() == id && d.try_ref())
				return RefPtr<Device>::adopt(&d);
		return nullptr;
	}

	void remove_odd() {
		LockGuard guard(lock_);
		for (Device &d : devices_.safe()) {
			if (d.id() & 1) {
				devices_.remove(d);
				d.unref();
			}
		}
	}

	u64 count_read() {
		stats_.with([](Counters &c) { c.reads++; });
		auto locked = stats_.lock();
		return locked->reads;
	}

  private:
	Mutex lock_;
	IntrusiveList<Device, &Device::node> devices_; // under lock_
	Protected<Counters, SpinLock, SpinLockBhGuard> stats_;
};

Result<u32> parse_header(Bytes pdu) {
	u8 opcode = TRY(pdu.get_u8(0));
	u32 len = TRY(pdu.get_be24(5));
	u64 lun = TRY(pdu.get_be64(8));
	u16 x = TRY(pdu.get_be16(2));
	if (opcode == 0 || lun == 0)
		return Error::from_errno(KABI_EINVAL).with_sense(0x2400);
	return len + x + TRY(pdu.get_be32(16));
}

Result<void> build_reply(MutableBytes out) {
	out.fill(0);
	TRY(out.set_u8(0, 0x21));
	TRY(out.set_be16(2, 7));
	TRY(out.set_be24(5, 512));
	TRY(out.set_be32(16, 1));
	TRY(out.set_be64(8, 1));
	Bytes view = out;
	TRY(out.copy_in(24, TRY(view.subspan(0, 4))));
	return {};
}

Result<u32> parse_attr(const char *buf, u64 len) {
	StrView text(buf, len);
	if (str_equal(strip_newline(text), "auto"))
		return 0u;
	bool on = TRY(parse_bool(text).is_ok() ? parse_bool(text) : Result<bool>(false));
	return on ? 1u : TRY(parse_u32(text, 0));
}

s64 show_name(char *page, u64 size, u32 tpgt) {
	FixedString<64> name;
	name.append("iqn.2003-01.org.linux-iscsi").append(':').format("tpgt_%u", tpgt);
	if (name.truncated())
		log_warn("name truncated\n");
	Result<usize> copied = str_copy(Span<char>(page, size), name.view());
	if (copied.is_error()) {
		log_err("show: %d\n", copied.error().to_kernel());
		return copied.error().to_kernel();
	}
	return static_cast<s64>(copied.value());
}

u32 sides_of_new_square() {
	OwnPtr<Shape> shape = make<Square>(Gfp::Atomic);
	if (!shape)
		return 0;
	Result<OwnPtr<Square>> another = try_make<Square>(Gfp::NoIo);
	return shape->sides() + (another.is_ok() ? another.value()->sides() : 0);
}

u64 atomics(Atomic<u64> &a, Atomic<Device *> &p) {
	u64 expected = 1;
	a.compare_exchange(expected, 2, MemoryOrder::AcqRel);
	p.store(nullptr, MemoryOrder::Release);
	return a.fetch_add(1) + a.load(MemoryOrder::Acquire) + MUST(parse_u64(str_view("10"), 10));
}

u8 *raw_buffer(usize n) {
	u8 *buf = new (Gfp::NoWait) u8[n];
	delete[] buf;
	return static_cast<u8 *>(alloc_raw(n, Gfp::NoFs));
}

} // namespace lio::freestanding_check
