// SPDX-License-Identifier: GPL-2.0
// Tests for include/lio/refcount.h.
#include "lio/refcount.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "host_test_api.h"
#include "lio/list.h"
#include "lio/lock.h"
#include "test_support.h"

namespace lio {
namespace {

struct Widget final : RefCounted<Widget> {
	static inline int destroyed = 0;
	explicit Widget(int v) : value(v) {}
	~Widget() { destroyed++; }
	int value;
};

TEST(RefCounted, StartsAtOneAndLastUnrefDeletes) {
	LeakCheck leaks;
	Widget::destroyed = 0;
	RefPtr<Widget> a = make_ref<Widget>(Gfp::Kernel, 7);
	ASSERT_TRUE(a);
	EXPECT_EQ(a->ref_count(), 1);
	{
		RefPtr<Widget> b = a;
		EXPECT_EQ(a->ref_count(), 2);
		RefPtr<Widget> c = lio::move(b);
		EXPECT_FALSE(b);
		EXPECT_EQ(a->ref_count(), 2);
	}
	EXPECT_EQ(a->ref_count(), 1);
	EXPECT_EQ(Widget::destroyed, 0);
	a.reset();
	EXPECT_FALSE(a);
	EXPECT_EQ(Widget::destroyed, 1);
}

TEST(RefPtr, AdoptRetainLeak) {
	LeakCheck leaks;
	RefPtr<Widget> a = make_ref<Widget>(Gfp::Kernel, 1);
	Widget *raw = a.get();
	RefPtr<Widget> b = RefPtr<Widget>::retain(raw);
	EXPECT_EQ(raw->ref_count(), 2);
	Widget *leaked = b.leak_ref();
	EXPECT_FALSE(b);
	EXPECT_EQ(raw->ref_count(), 2);
	RefPtr<Widget> c = RefPtr<Widget>::adopt(leaked);
	EXPECT_EQ(raw->ref_count(), 2);
	EXPECT_EQ(c, a);
	EXPECT_FALSE(RefPtr<Widget>::retain(nullptr));
}

TEST(RefPtr, SelfAssignmentKeepsObject) {
	LeakCheck leaks;
	RefPtr<Widget> a = make_ref<Widget>(Gfp::Kernel, 3);
	RefPtr<Widget> &alias = a;
	a = alias;
	ASSERT_TRUE(a);
	EXPECT_EQ(a->ref_count(), 1);
	a = nullptr;
	EXPECT_FALSE(a);
}

TEST(RefPtr, MakeFailureIsNullOrEnomem) {
	LeakCheck leaks;
	kabi_host_mem_fail_nth(1);
	EXPECT_FALSE(make_ref<Widget>(Gfp::Kernel, 1));
	kabi_host_mem_fail_nth(1);
	Result<RefPtr<Widget>> r = try_make_ref<Widget>(Gfp::Kernel, 1);
	ASSERT_TRUE(r.is_error());
	EXPECT_EQ(r.error().errno_value(), KABI_ENOMEM);
	EXPECT_EQ(try_make_ref<Widget>(Gfp::Kernel, 5).value()->value, 5);
}

struct Animal : RefCounted<Animal> {
	virtual ~Animal() = default;
	virtual int legs() const = 0;
};
struct Dog final : Animal {
	int legs() const override { return 4; }
};

TEST(RefPtr, ConvertsToBase) {
	LeakCheck leaks;
	RefPtr<Dog> d = make_ref<Dog>(Gfp::Kernel);
	RefPtr<Animal> a = d;
	EXPECT_EQ(a->ref_count(), 2);
	RefPtr<Animal> b = lio::move(d);
	EXPECT_EQ(b->legs(), 4);
	EXPECT_EQ(b->ref_count(), 2);
}

TEST(RefCounted, MisuseIsReportedAndSaturates) {
	LeakCheck leaks;
	HostAssertRecorder asserts;
	Widget::destroyed = 0;
	Widget *w = make<Widget>(Gfp::Kernel, 1).release();
	w->unref(); // 1 -> 0: destroyed
	EXPECT_EQ(Widget::destroyed, 1);
	EXPECT_TRUE(asserts.take().empty());

	// A second object whose count we drive to 0 without freeing it, to see the detection.
	struct Pinned final : RefCounted<Pinned> {
		void on_last_unref() { last_unrefs++; } // does not delete
		int last_unrefs = 0;
	};
	Pinned *p = make<Pinned>(Gfp::Kernel).release();
	p->unref();
	EXPECT_EQ(p->last_unrefs, 1);
	EXPECT_EQ(p->ref_count(), 0);

	p->ref(); // ref on 0: use after free
	std::vector<std::string> got = asserts.take();
	ASSERT_EQ(got.size(), 1u);
	EXPECT_NE(got[0].find("use after free"), std::string::npos);
	EXPECT_EQ(p->ref_count(), Pinned::kSaturated);

	// Saturated: never reaches zero again, however often it is dropped.
	for (int i = 0; i < 10; i++)
		p->unref();
	EXPECT_EQ(p->last_unrefs, 1);
	EXPECT_EQ(p->ref_count(), Pinned::kSaturated);
	EXPECT_EQ(asserts.take().size(), 10u);
	EXPECT_TRUE(p->try_ref());
	EXPECT_EQ(asserts.take().size(), 1u);
	delete p;
}

TEST(RefCounted, UnderflowIsReported) {
	HostAssertRecorder asserts;
	struct Counted final : RefCounted<Counted> {
		void on_last_unref() {}
	};
	Counted c; // on the stack on purpose: on_last_unref never frees
	c.unref(); // 1 -> 0
	c.unref(); // underflow
	EXPECT_EQ(asserts.take().size(), 1u);
	EXPECT_EQ(c.ref_count(), Counted::kSaturated);
}

TEST(RefCounted, TryRefFailsOnZero) {
	struct Counted final : RefCounted<Counted> {
		void on_last_unref() {}
	};
	Counted c;
	EXPECT_TRUE(c.try_ref());
	EXPECT_EQ(c.ref_count(), 2);
	c.unref();
	c.unref();
	EXPECT_FALSE(c.try_ref());
	EXPECT_EQ(c.ref_count(), 0);
}

// The registry pattern from refcount.h: the object unlinks itself in on_last_unref, and
// lookups under the registry lock use try_ref().
LockClass registry_lock_class("test_registry");

class Registry;

class Device final : public RefCounted<Device> {
  public:
	Device(Registry &r, int id) : registry_(r), id_(id) {}
	int id() const { return id_; }
	void on_last_unref();
	ListNode node;

  private:
	Registry &registry_;
	int id_;
};

class Registry final {
  public:
	Registry() : lock_(registry_lock_class) {}

	RefPtr<Device> create(int id) {
		RefPtr<Device> d = make_ref<Device>(Gfp::Kernel, *this, id);
		LockGuard guard(lock_);
		devices_.push_back(*d);
		return d;
	}
	RefPtr<Device> find(int id) {
		LockGuard guard(lock_);
		for (Device &d : devices_)
			if (d.id() == id && d.try_ref())
				return RefPtr<Device>::adopt(&d);
		return nullptr;
	}
	void unlink(Device &d) {
		LockGuard guard(lock_);
		if (d.node.is_linked())
			devices_.remove(d);
	}
	usize size() {
		LockGuard guard(lock_);
		return devices_.size();
	}

  private:
	Mutex lock_;
	IntrusiveList<Device, &Device::node> devices_; // under lock_
};

void Device::on_last_unref() {
	registry_.unlink(*this);
	delete this;
}

TEST(RefCounted, RegistryUnlinksInFinalUnref) {
	LeakCheck leaks;
	Registry reg;
	RefPtr<Device> a = reg.create(1);
	RefPtr<Device> b = reg.create(2);
	EXPECT_EQ(reg.size(), 2u);
	RefPtr<Device> found = reg.find(2);
	ASSERT_TRUE(found);
	EXPECT_EQ(found.get(), b.get());
	EXPECT_EQ(b->ref_count(), 2);
	b.reset();
	found.reset(); // last: unlinks and frees
	EXPECT_EQ(reg.size(), 1u);
	EXPECT_FALSE(reg.find(2));
	a.reset();
	EXPECT_EQ(reg.size(), 0u);
}

TEST(RefCounted, ConcurrentRefUnrefFreesExactlyOnce) {
	LeakCheck leaks;
	Widget::destroyed = 0;
	RefPtr<Widget> shared = make_ref<Widget>(Gfp::Kernel, 0);
	std::vector<std::thread> threads;
	for (int t = 0; t < 4; t++) {
		threads.emplace_back([&] {
			for (int i = 0; i < 20000; i++) {
				RefPtr<Widget> copy = shared;
				(void)copy;
			}
		});
	}
	for (auto &t : threads)
		t.join();
	EXPECT_EQ(shared->ref_count(), 1);
	shared.reset();
	EXPECT_EQ(Widget::destroyed, 1);
}

TEST(RefCounted, ConcurrentLookupAndReleaseNeverResurrects) {
	LeakCheck leaks;
	Registry reg;
	for (int round = 0; round < 200; round++) {
		RefPtr<Device> d = reg.create(round);
		std::thread finder([&] {
			for (int i = 0; i < 50; i++) {
				RefPtr<Device> f = reg.find(round);
				if (f) {
					EXPECT_EQ(f->id(), round);
				}
			}
		});
		d.reset();
		finder.join();
		EXPECT_EQ(reg.size(), 0u);
	}
}

} // namespace
} // namespace lio
