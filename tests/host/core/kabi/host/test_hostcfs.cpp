// SPDX-License-Identifier: GPL-2.0
// Tests for core/kabi/host/kabi_host_configfs.cpp (the in-memory configfs), over a small fake
// object model: a root with attributes, mkdir-able items with a default group, and leaves.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "host_test_api.h"
#include "hostcfs.h"
#include "kabi/configfs.h"

namespace {

// ---- the fake object model ----

std::mutex g_events_lock;
std::vector<std::string> g_events; // callbacks, in order: "release(a)", "drop_group(fake,a)"
// Atomic: a release may run on whichever thread drops the last reference.
std::atomic<int> g_live_objects{0};
struct Fake;
Fake *g_last_made = nullptr; // the object fake_make_group created last

void event(const std::string &e) {
	std::lock_guard<std::mutex> guard(g_events_lock);
	g_events.push_back(e);
}

std::vector<std::string> take_events() {
	std::lock_guard<std::mutex> guard(g_events_lock);
	std::vector<std::string> out;
	out.swap(g_events);
	return out;
}

struct Fake {
	explicit Fake(std::string n) : name(std::move(n)) { g_live_objects++; }
	~Fake() { g_live_objects--; }
	std::string name;
	std::string value = "0";
	std::string last_store; // exactly what store() received, up to the NUL
	// show() of this object blocks until released (for the in-flight read test).
	std::atomic<bool> block_show{false};
	std::atomic<bool> in_show{false};
};

Fake *fake(lio_cfs_object *o) { return reinterpret_cast<Fake *>(o); }
lio_cfs_object *obj(Fake *f) { return reinterpret_cast<lio_cfs_object *>(f); }

std::mutex g_show_lock;
std::condition_variable g_show_cv;

enum RootAttr : uint32_t { kValue, kRo, kWo, kBig, kShort, kFail };

int64_t fake_show(lio_cfs_object *o, uint32_t index, char *buf, uint64_t size) {
	Fake *f = fake(o);
	if (f->block_show) {
		f->in_show = true;
		std::unique_lock<std::mutex> lock(g_show_lock);
		g_show_cv.wait(lock, [&] { return !f->block_show.load(); });
	}
	EXPECT_EQ(size, static_cast<uint64_t>(KABI_CFS_PAGE));
	switch (index) {
	case kValue:
		return snprintf(buf, size, "%s\n", f->value.c_str());
	case kRo:
		return snprintf(buf, size, "ro\n");
	case kBig:
		return KABI_CFS_PAGE + 1; // claims more than the page
	case kFail:
		return -KABI_ENODEV;
	}
	return -KABI_EINVAL;
}

int64_t fake_store(lio_cfs_object *o, uint32_t index, const char *buf, uint64_t len) {
	Fake *f = fake(o);
	EXPECT_EQ(buf[len], '\0');
	f->last_store.assign(buf, len);
	switch (index) {
	case kValue:
	case kWo: {
		std::string v(buf, len);
		if (!v.empty() && v.back() == '\n')
			v.pop_back();
		if (v == "bad")
			return -KABI_EINVAL;
		f->value = v;
		return static_cast<int64_t>(len);
	}
	case kShort:
		return static_cast<int64_t>(len) - 1;
	}
	return -KABI_EINVAL;
}

extern kabi_cfs_type item_type;
extern kabi_cfs_type leaf_type;

// mkdir under the root or an item: an item with a default "sub" leaf. Names steer failures:
// "nobind" fails before binding, "failafter" fails after binding and adding "sub",
// "unbound" claims success without binding.
int32_t fake_make_group(lio_cfs_object *parent, const char *name, kabi_cfs_group *child) {
	std::string n = name;
	event("make_group(" + fake(parent)->name + "," + n + ")");
	if (n == "nobind")
		return -KABI_EINVAL;
	if (n == "unbound")
		return 0;
	Fake *f = new Fake(n);
	g_last_made = f;
	kabi_cfs_group_bind(child, &item_type, obj(f));
	EXPECT_STREQ(kabi_cfs_group_name(child), name);
	Fake *sub = new Fake(n + "/sub");
	kabi_cfs_group *sub_group = nullptr;
	EXPECT_EQ(kabi_cfs_default_group_add(child, "sub", &leaf_type, obj(sub), &sub_group), 0);
	EXPECT_STREQ(kabi_cfs_group_name(sub_group), "sub");
	if (n == "failafter")
		return -KABI_ENOSPC; // the C layer releases child and sub
	return 0;
}

void fake_drop_group(lio_cfs_object *parent, lio_cfs_object *child) {
	event("drop_group(" + fake(parent)->name + "," + fake(child)->name + ")");
}

int32_t fake_allow_link(lio_cfs_object *o, lio_cfs_object *target) {
	event("allow_link(" + fake(o)->name + "," + fake(target)->name + ")");
	if (fake(target)->name == "deny")
		return -KABI_EINVAL;
	return 0;
}

void fake_drop_link(lio_cfs_object *o, lio_cfs_object *target) {
	event("drop_link(" + fake(o)->name + "," + fake(target)->name + ")");
}

void fake_release(lio_cfs_object *o) {
	event("release(" + fake(o)->name + ")");
	delete fake(o);
}

const kabi_cfs_attr root_attrs[] = {
    {"value", 0644}, {"ro", 0444}, {"wo", 0200}, {"big", 0444}, {"short", 0200}, {"fail", 0444},
};
const kabi_cfs_ops root_ops = {fake_show,      fake_store,      fake_make_group, fake_drop_group,
			       fake_allow_link, fake_drop_link, fake_release};
kabi_cfs_type root_type = {"fakeroot", root_attrs, 6, &root_ops, nullptr};

const kabi_cfs_attr item_attrs[] = {{"value", 0644}};
const kabi_cfs_ops item_ops = root_ops;
kabi_cfs_type item_type = {"item", item_attrs, 1, &item_ops, nullptr};

const kabi_cfs_ops leaf_ops = {fake_show, fake_store, nullptr, nullptr, nullptr, nullptr,
			       fake_release};
kabi_cfs_type leaf_type = {"leaf", item_attrs, 1, &leaf_ops, nullptr};

// ---- fixture: a registered subsystem "fake" with default group "fake/defaults" ----

class HostCfs : public ::testing::Test {
  protected:
	void SetUp() override {
		groups_before_ = hostcfs_live_groups();
		take_events();
		ASSERT_EQ(kabi_cfs_type_register(&root_type, kabi_this_module()), 0);
		ASSERT_EQ(kabi_cfs_type_register(&item_type, nullptr), 0);
		ASSERT_EQ(kabi_cfs_type_register(&leaf_type, nullptr), 0);
		root_ = new Fake("fake");
		ASSERT_EQ(kabi_cfs_subsystem_create("fake", &root_type, obj(root_), &subsys_), 0);
		ASSERT_EQ(kabi_cfs_default_group_add(subsys_, "defaults", &leaf_type,
						     obj(new Fake("defaults")), nullptr),
			  0);
		EXPECT_FALSE(hostcfs_exists("fake")); // not registered yet
		ASSERT_EQ(kabi_cfs_subsystem_register(subsys_), 0);
	}

	void TearDown() override {
		kabi_cfs_subsystem_destroy(subsys_);
		kabi_cfs_type_unregister(&leaf_type);
		kabi_cfs_type_unregister(&item_type);
		kabi_cfs_type_unregister(&root_type);
		EXPECT_EQ(hostcfs_live_groups(), groups_before_);
		EXPECT_EQ(g_live_objects, 0);
		take_events();
	}

	std::string read(const std::string &path) {
		std::string out;
		EXPECT_EQ(hostcfs_read(path, &out), 0) << path;
		return out;
	}

	size_t groups_before_ = 0;
	Fake *root_ = nullptr;
	kabi_cfs_group *subsys_ = nullptr;
};

TEST_F(HostCfs, AttributesFollowTheirModes) {
	EXPECT_EQ(read("fake/value"), "0\n");
	EXPECT_EQ(hostcfs_write("fake/value", "42\n"), 0);
	EXPECT_EQ(root_->last_store, "42\n");
	EXPECT_EQ(read("fake/value"), "42\n");
	EXPECT_EQ(read("fake/ro"), "ro\n");

	std::string out;
	EXPECT_EQ(hostcfs_write("fake/ro", "1"), -KABI_EACCES);
	EXPECT_EQ(hostcfs_read("fake/wo", &out), -KABI_EACCES);
	EXPECT_EQ(hostcfs_write("fake/wo", "7"), 0);
	EXPECT_EQ(read("fake/value"), "7\n");
	EXPECT_EQ(hostcfs_read("fake", &out), -KABI_EISDIR);
	EXPECT_EQ(hostcfs_write("fake/defaults", "1"), -KABI_EISDIR);
	EXPECT_EQ(hostcfs_read("fake/nothing", &out), -KABI_ENOENT);
	EXPECT_EQ(hostcfs_read("fake/value/deeper", &out), -KABI_ENOTDIR);
	EXPECT_EQ(hostcfs_read("nothing/value", &out), -KABI_ENOENT);

	uint16_t mode = 0;
	EXPECT_EQ(hostcfs_mode("fake/value", &mode), 0);
	EXPECT_EQ(mode, 0644);
	EXPECT_EQ(hostcfs_mode("fake/wo", &mode), 0);
	EXPECT_EQ(mode, 0200);
	EXPECT_EQ(hostcfs_mode("fake/defaults", &mode), 0);
	EXPECT_EQ(mode, 0755);
	EXPECT_EQ(hostcfs_mode("fake/none", &mode), -KABI_ENOENT);
}

TEST_F(HostCfs, WriteErrorsAndSizes) {
	EXPECT_EQ(hostcfs_write("fake/value", "bad\n"), -KABI_EINVAL); // store's own error
	EXPECT_EQ(hostcfs_write("fake/short", "abc"), -KABI_EIO);      // consumed 2 of 3
	root_->last_store = "untouched";
	EXPECT_EQ(hostcfs_write("fake/value", ""), 0); // as the kernel: store not called
	EXPECT_EQ(root_->last_store, "untouched");
	EXPECT_EQ(hostcfs_write("fake/value", std::string(KABI_CFS_PAGE, '1')), -KABI_E2BIG);
	EXPECT_EQ(hostcfs_write("fake/value", std::string(KABI_CFS_PAGE - 1, '1')), 0);
	std::string with_nul("1\0" "2", 3);
	EXPECT_EQ(hostcfs_write("fake/value", with_nul), 0);
	EXPECT_EQ(root_->last_store, with_nul); // the length is passed, not strlen
}

TEST_F(HostCfs, ShowErrorsAndOverrun) {
	std::string out = "keep";
	EXPECT_EQ(hostcfs_read("fake/fail", &out), -KABI_ENODEV);
	EXPECT_EQ(out, "keep");
	HostAssertRecorder asserts;
	EXPECT_EQ(hostcfs_read("fake/big", &out), -KABI_EIO);
	EXPECT_EQ(asserts.take().size(), 1u);
}

TEST_F(HostCfs, ListIsSortedAndComplete) {
	std::vector<std::string> names;
	ASSERT_EQ(hostcfs_list("fake", &names), 0);
	EXPECT_EQ(names, (std::vector<std::string>{"big", "defaults", "fail", "ro", "short", "value",
						  "wo"}));
	ASSERT_EQ(hostcfs_list("", &names), 0);
	EXPECT_NE(std::find(names.begin(), names.end(), "fake"), names.end());
	EXPECT_EQ(hostcfs_list("fake/value", &names), -KABI_ENOTDIR);
	EXPECT_EQ(hostcfs_list("fake/none", &names), -KABI_ENOENT);
	EXPECT_TRUE(hostcfs_exists(""));
	EXPECT_TRUE(hostcfs_exists("fake/defaults/value"));
	EXPECT_TRUE(hostcfs_exists("fake//defaults/")); // empty components are ignored
}

TEST_F(HostCfs, MkdirRmdirLifeCycle) {
	ASSERT_EQ(hostcfs_mkdir("fake/a"), 0);
	EXPECT_EQ(take_events(), (std::vector<std::string>{"make_group(fake,a)"}));
	std::vector<std::string> names;
	ASSERT_EQ(hostcfs_list("fake/a", &names), 0);
	EXPECT_EQ(names, (std::vector<std::string>{"sub", "value"}));
	EXPECT_EQ(hostcfs_write("fake/a/sub/value", "9"), 0);
	EXPECT_EQ(read("fake/a/sub/value"), "9\n");

	EXPECT_EQ(hostcfs_mkdir("fake/a"), -KABI_EEXIST);
	EXPECT_EQ(hostcfs_mkdir("fake/value"), -KABI_EEXIST); // an attribute's name
	EXPECT_EQ(hostcfs_mkdir("fake/a/sub/x"), -KABI_EPERM); // leaf: no make_group
	EXPECT_EQ(hostcfs_mkdir("newtop"), -KABI_EPERM);        // the root
	EXPECT_EQ(hostcfs_mkdir("fake/none/x"), -KABI_ENOENT);
	EXPECT_EQ(hostcfs_mkdir("fake/" + std::string(256, 'n')), -KABI_ENAMETOOLONG);

	ASSERT_EQ(hostcfs_mkdir("fake/a/b"), 0);
	EXPECT_EQ(hostcfs_rmdir("fake/a"), -KABI_ENOTEMPTY);
	EXPECT_EQ(hostcfs_rmdir("fake/a/sub"), -KABI_EPERM);
	EXPECT_EQ(hostcfs_rmdir("fake/defaults"), -KABI_EPERM);
	EXPECT_EQ(hostcfs_rmdir("fake"), -KABI_EPERM);
	EXPECT_EQ(hostcfs_rmdir("fake/value"), -KABI_ENOTDIR);
	EXPECT_EQ(hostcfs_rmdir("fake/zzz"), -KABI_ENOENT);
	take_events();

	ASSERT_EQ(hostcfs_rmdir("fake/a/b"), 0);
	EXPECT_EQ(take_events(), (std::vector<std::string>{"drop_group(a,b)", "release(b/sub)",
							   "release(b)"}));
	ASSERT_EQ(hostcfs_rmdir("fake/a"), 0);
	EXPECT_EQ(take_events(), (std::vector<std::string>{"drop_group(fake,a)", "release(a/sub)",
							   "release(a)"}));
	EXPECT_FALSE(hostcfs_exists("fake/a"));
}

TEST_F(HostCfs, FailedMakeGroup) {
	size_t groups = hostcfs_live_groups();
	EXPECT_EQ(hostcfs_mkdir("fake/nobind"), -KABI_EINVAL);
	EXPECT_EQ(take_events(), (std::vector<std::string>{"make_group(fake,nobind)"}));
	EXPECT_EQ(hostcfs_mkdir("fake/failafter"), -KABI_ENOSPC);
	// Bound before failing: released with its default group, children first.
	EXPECT_EQ(take_events(), (std::vector<std::string>{"make_group(fake,failafter)",
							   "release(failafter/sub)",
							   "release(failafter)"}));
	{
		HostAssertRecorder asserts;
		EXPECT_EQ(hostcfs_mkdir("fake/unbound"), -KABI_EINVAL);
		EXPECT_EQ(asserts.take().size(), 1u);
	}
	EXPECT_FALSE(hostcfs_exists("fake/failafter"));
	EXPECT_EQ(take_events(), (std::vector<std::string>{"make_group(fake,unbound)"}));
	EXPECT_EQ(hostcfs_live_groups(), groups);

	hostcfs_fail_nth_group_alloc(1);
	EXPECT_EQ(hostcfs_mkdir("fake/a"), -KABI_ENOMEM);
	EXPECT_TRUE(take_events().empty()); // make_group never ran
	EXPECT_EQ(hostcfs_mkdir("fake/a"), 0);
}

TEST_F(HostCfs, Symlinks) {
	ASSERT_EQ(hostcfs_mkdir("fake/a"), 0);
	ASSERT_EQ(hostcfs_mkdir("fake/b"), 0);
	ASSERT_EQ(hostcfs_mkdir("fake/deny"), 0);
	take_events();

	ASSERT_EQ(hostcfs_symlink("fake/b", "fake/a/to_b"), 0);
	EXPECT_EQ(take_events(), (std::vector<std::string>{"allow_link(a,b)"}));
	EXPECT_TRUE(hostcfs_exists("fake/a/to_b"));
	uint16_t mode = 0;
	EXPECT_EQ(hostcfs_mode("fake/a/to_b", &mode), 0);
	EXPECT_EQ(mode, 0777);
	std::string target;
	EXPECT_EQ(hostcfs_readlink("fake/a/to_b", &target), 0);
	EXPECT_EQ(target, "fake/b");
	EXPECT_EQ(hostcfs_write("fake/a/to_b/value", "3"), 0); // followed
	EXPECT_EQ(read("fake/b/value"), "3\n");
	std::vector<std::string> names;
	ASSERT_EQ(hostcfs_list("fake/a/to_b", &names), 0);
	EXPECT_EQ(names, (std::vector<std::string>{"sub", "value"}));

	EXPECT_EQ(hostcfs_rmdir("fake/b"), -KABI_EBUSY);     // a link points at it
	EXPECT_EQ(hostcfs_rmdir("fake/a"), -KABI_ENOTEMPTY); // holds a link
	EXPECT_EQ(hostcfs_rmdir("fake/a/to_b"), -KABI_ENOTDIR);
	EXPECT_EQ(hostcfs_symlink("fake/b/value", "fake/a/attr"), -KABI_ENOENT);
	EXPECT_EQ(hostcfs_symlink("fake/none", "fake/a/x"), -KABI_ENOENT);
	EXPECT_EQ(hostcfs_symlink("fake/b", "fake/a/to_b"), -KABI_EEXIST);
	EXPECT_EQ(hostcfs_symlink("fake/b", "fake/a/value"), -KABI_EEXIST);
	EXPECT_EQ(hostcfs_symlink("fake/b", "fake/a/sub/x"), -KABI_EPERM); // leaf: no allow_link
	EXPECT_EQ(hostcfs_symlink("fake/b", "toplink"), -KABI_EPERM);
	EXPECT_EQ(hostcfs_symlink("fake/deny", "fake/a/to_deny"), -KABI_EINVAL);
	EXPECT_FALSE(hostcfs_exists("fake/a/to_deny"));
	EXPECT_EQ(hostcfs_rmdir("fake/deny"), 0); // the refused link left no reference
	take_events();

	// A link into a default group also pins its parent against rmdir.
	ASSERT_EQ(hostcfs_symlink("fake/b/sub", "fake/a/to_sub"), 0);
	EXPECT_EQ(hostcfs_unlink("fake/a/to_b"), 0);
	EXPECT_EQ(hostcfs_rmdir("fake/b"), -KABI_EBUSY);
	EXPECT_EQ(hostcfs_unlink("fake/a/to_sub"), 0);
	EXPECT_EQ(take_events(), (std::vector<std::string>{"allow_link(a,b/sub)", "drop_link(a,b)",
							   "drop_link(a,b/sub)"}));

	EXPECT_EQ(hostcfs_unlink("fake/a/value"), -KABI_EPERM);
	EXPECT_EQ(hostcfs_unlink("fake/a/sub"), -KABI_EISDIR);
	EXPECT_EQ(hostcfs_unlink("fake/a/gone"), -KABI_ENOENT);
	EXPECT_EQ(hostcfs_readlink("fake/a", &target), -KABI_EINVAL);
	EXPECT_EQ(hostcfs_rmdir("fake/b"), 0);
	EXPECT_EQ(hostcfs_rmdir("fake/a"), 0);
}

TEST_F(HostCfs, InFlightReadDelaysRelease) {
	ASSERT_EQ(hostcfs_mkdir("fake/a"), 0);
	take_events();
	Fake *a = g_last_made;
	std::string out;

	a->block_show = true;
	std::thread reader([&] { EXPECT_EQ(hostcfs_read("fake/a/value", &out), 0); });
	while (!a->in_show)
		std::this_thread::yield();
	ASSERT_EQ(hostcfs_rmdir("fake/a"), 0); // gone from the tree at once...
	EXPECT_FALSE(hostcfs_exists("fake/a"));
	// ...but not released while its show() runs: only the default group went.
	EXPECT_EQ(take_events(), (std::vector<std::string>{"drop_group(fake,a)", "release(a/sub)"}));
	{
		std::lock_guard<std::mutex> lock(g_show_lock);
		a->block_show = false;
	}
	g_show_cv.notify_all();
	reader.join();
	EXPECT_EQ(out, "0\n");
	EXPECT_EQ(take_events(), (std::vector<std::string>{"release(a)"}));
}

TEST_F(HostCfs, ConcurrentReadsAndStructuralChanges) {
	std::atomic<bool> stop{false};
	std::vector<std::thread> readers;
	for (int t = 0; t < 2; t++)
		readers.emplace_back([&] {
			std::string out;
			while (!stop) {
				int rc = hostcfs_read("fake/x/sub/value", &out);
				EXPECT_TRUE(rc == 0 || rc == -KABI_ENOENT) << rc;
				EXPECT_EQ(hostcfs_read("fake/value", &out), 0);
			}
		});
	for (int i = 0; i < 300; i++) {
		ASSERT_EQ(hostcfs_mkdir("fake/x"), 0);
		ASSERT_EQ(hostcfs_rmdir("fake/x"), 0);
	}
	stop = true;
	for (auto &t : readers)
		t.join();
}

TEST(HostCfsTypes, RegistrationRules) {
	const kabi_cfs_attr attrs[] = {{"a", 0644}};
	const kabi_cfs_ops ops = {};
	kabi_cfs_type t = {"t", attrs, 1, &ops, nullptr};
	ASSERT_EQ(kabi_cfs_type_register(&t, nullptr), 0);
	EXPECT_NE(t.impl, nullptr);
	EXPECT_EQ(kabi_cfs_type_register(&t, nullptr), -KABI_EEXIST);
	kabi_cfs_type_unregister(&t);
	EXPECT_EQ(t.impl, nullptr);
	kabi_cfs_type_unregister(&t); // again: nothing

	kabi_cfs_type too_many = {"many", attrs, KABI_CFS_MAX_ATTRS + 1, &ops, nullptr};
	EXPECT_EQ(kabi_cfs_type_register(&too_many, nullptr), -KABI_E2BIG);

	HostAssertRecorder asserts;
	const kabi_cfs_attr dup[] = {{"a", 0644}, {"a", 0444}};
	kabi_cfs_type d = {"dup", dup, 2, &ops, nullptr};
	EXPECT_EQ(kabi_cfs_type_register(&d, nullptr), -KABI_EINVAL);
	const kabi_cfs_attr nomode[] = {{"a", 0}};
	kabi_cfs_type n = {"nomode", nomode, 1, &ops, nullptr};
	EXPECT_EQ(kabi_cfs_type_register(&n, nullptr), -KABI_EINVAL);
	EXPECT_EQ(asserts.take().size(), 2u);
}

TEST(HostCfsSubsystem, LifeCycleWithoutUserContent) {
	size_t groups = hostcfs_live_groups();
	take_events();
	ASSERT_EQ(kabi_cfs_type_register(&root_type, nullptr), 0);
	ASSERT_EQ(kabi_cfs_type_register(&leaf_type, nullptr), 0);
	kabi_cfs_group *s = nullptr;
	ASSERT_EQ(kabi_cfs_subsystem_create("sub2", &root_type, obj(new Fake("sub2")), &s), 0);
	EXPECT_STREQ(kabi_cfs_group_name(s), "sub2");
	kabi_cfs_group *d1 = nullptr;
	ASSERT_EQ(kabi_cfs_default_group_add(s, "d1", &leaf_type, obj(new Fake("d1")), &d1), 0);
	ASSERT_EQ(kabi_cfs_default_group_add(d1, "d2", &leaf_type, obj(new Fake("d2")), nullptr), 0);
	{
		HostAssertRecorder asserts;
		EXPECT_EQ(kabi_cfs_default_group_add(s, "d1", &leaf_type, nullptr, nullptr),
			  -KABI_EINVAL); // duplicate
		EXPECT_EQ(asserts.take().size(), 1u);
	}
	hostcfs_fail_nth_group_alloc(1);
	EXPECT_EQ(kabi_cfs_default_group_add(s, "d3", &leaf_type, nullptr, nullptr), -KABI_ENOMEM);
	EXPECT_FALSE(hostcfs_exists("sub2"));
	ASSERT_EQ(kabi_cfs_subsystem_register(s), 0);
	EXPECT_TRUE(hostcfs_exists("sub2/d1/d2/value"));
	{
		HostAssertRecorder asserts; // visible now: too late for default groups
		EXPECT_EQ(kabi_cfs_default_group_add(s, "late", &leaf_type, nullptr, nullptr),
			  -KABI_EINVAL);
		EXPECT_EQ(asserts.take().size(), 1u);
	}
	kabi_cfs_subsystem_destroy(s);
	EXPECT_FALSE(hostcfs_exists("sub2"));
	// Children before parents, the subsystem's own object last.
	EXPECT_EQ(take_events(),
		  (std::vector<std::string>{"release(d2)", "release(d1)", "release(sub2)"}));
	kabi_cfs_subsystem_destroy(nullptr);
	kabi_cfs_type_unregister(&leaf_type);
	kabi_cfs_type_unregister(&root_type);
	EXPECT_EQ(hostcfs_live_groups(), groups);
	EXPECT_EQ(g_live_objects, 0);
}

TEST(HostCfsSubsystem, DestroyTearsDownUserContent) {
	size_t groups = hostcfs_live_groups();
	take_events();
	ASSERT_EQ(kabi_cfs_type_register(&root_type, nullptr), 0);
	ASSERT_EQ(kabi_cfs_type_register(&item_type, nullptr), 0);
	ASSERT_EQ(kabi_cfs_type_register(&leaf_type, nullptr), 0);
	kabi_cfs_group *s = nullptr;
	ASSERT_EQ(kabi_cfs_subsystem_create("s3", &root_type, obj(new Fake("s3")), &s), 0);
	ASSERT_EQ(kabi_cfs_subsystem_register(s), 0);
	kabi_cfs_group *other = nullptr;
	ASSERT_EQ(kabi_cfs_subsystem_create("s3", &root_type, obj(new Fake("dup")), &other), 0);
	EXPECT_EQ(kabi_cfs_subsystem_register(other), -KABI_EEXIST); // name taken
	kabi_cfs_subsystem_destroy(other);
	ASSERT_EQ(hostcfs_mkdir("s3/a"), 0);
	ASSERT_EQ(hostcfs_mkdir("s3/a/b"), 0);
	ASSERT_EQ(hostcfs_symlink("s3/a/b", "s3/a/link"), 0);
	take_events();
	kabi_cfs_subsystem_destroy(s);
	EXPECT_EQ(take_events(),
		  (std::vector<std::string>{"drop_link(a,b)", "drop_group(a,b)", "release(b/sub)",
					    "release(b)", "drop_group(s3,a)", "release(a/sub)",
					    "release(a)", "release(s3)"}));
	kabi_cfs_type_unregister(&leaf_type);
	kabi_cfs_type_unregister(&item_type);
	kabi_cfs_type_unregister(&root_type);
	EXPECT_EQ(hostcfs_live_groups(), groups);
	EXPECT_EQ(g_live_objects, 0);
}

TEST(HostCfsSubsystem, UnregisteringATypeInUseIsReported) {
	ASSERT_EQ(kabi_cfs_type_register(&leaf_type, nullptr), 0);
	kabi_cfs_group *s = nullptr;
	ASSERT_EQ(kabi_cfs_subsystem_create("s4", &leaf_type, obj(new Fake("s4")), &s), 0);
	{
		HostAssertRecorder asserts;
		kabi_cfs_type_unregister(&leaf_type);
		EXPECT_EQ(asserts.take().size(), 1u);
	}
	kabi_cfs_subsystem_destroy(s);
	take_events();
	EXPECT_EQ(g_live_objects, 0);
}

} // namespace
