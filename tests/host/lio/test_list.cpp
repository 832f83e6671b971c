// SPDX-License-Identifier: GPL-2.0
// Tests for include/lio/list.h.
#include "lio/list.h"

#include <gtest/gtest.h>

#include <deque>
#include <vector>

#include "host_test_api.h"

namespace lio {
namespace {

struct Item {
	explicit Item(int v) : value(v) {}
	int value;
	ListNode node;
	ListNode other; // a second list at a non-zero offset
};

using List = IntrusiveList<Item, &Item::node>;
using OtherList = IntrusiveList<Item, &Item::other>;

template <typename L> std::vector<int> values(L &list) {
	std::vector<int> out;
	for (Item &i : list)
		out.push_back(i.value);
	return out;
}

TEST(IntrusiveList, PushIterateRemove) {
	Item a(1), b(2), c(3);
	List list;
	EXPECT_TRUE(list.is_empty());
	EXPECT_EQ(list.front(), nullptr);
	list.push_back(b);
	list.push_back(c);
	list.push_front(a);
	EXPECT_EQ(values(list), (std::vector<int>{1, 2, 3}));
	EXPECT_EQ(list.size(), 3u);
	EXPECT_TRUE(b.node.is_linked());
	list.remove(b);
	EXPECT_FALSE(b.node.is_linked());
	EXPECT_EQ(values(list), (std::vector<int>{1, 3}));
	EXPECT_EQ(list.front(), &a);
	EXPECT_EQ(list.back(), &c);
	list.insert_before(c, b);
	EXPECT_EQ(values(list), (std::vector<int>{1, 2, 3}));
	EXPECT_TRUE(list.contains(b));
	EXPECT_EQ(list.pop_back(), &c);
	EXPECT_EQ(list.pop_front(), &a);
	EXPECT_EQ(list.pop_front(), &b);
	EXPECT_EQ(list.pop_front(), nullptr);
	EXPECT_TRUE(list.is_empty());
	EXPECT_FALSE(list.contains(b));
}

TEST(IntrusiveList, TwoListsThroughDifferentNodes) {
	Item a(1), b(2);
	List first;
	OtherList second;
	first.push_back(a);
	first.push_back(b);
	second.push_back(b);
	second.push_back(a);
	EXPECT_EQ(values(first), (std::vector<int>{1, 2}));
	EXPECT_EQ(values(second), (std::vector<int>{2, 1}));
	EXPECT_EQ(second.front(), &b); // container-of through the second member
	first.clear();
	second.clear();
	EXPECT_FALSE(a.node.is_linked());
	EXPECT_FALSE(a.other.is_linked());
}

TEST(IntrusiveList, SafeIterationAllowsRemovingCurrent) {
	std::deque<Item> items; // Items cannot move (ListNode): no reallocating container
	for (int i = 0; i < 6; i++)
		items.emplace_back(i);
	List list;
	for (Item &i : items)
		list.push_back(i);
	for (Item &i : list.safe())
		if (i.value % 2 == 0)
			list.remove(i);
	EXPECT_EQ(values(list), (std::vector<int>{1, 3, 5}));
	for (Item &i : list.safe())
		list.remove(i);
	EXPECT_TRUE(list.is_empty());
	EXPECT_EQ(list.size(), 0u);
}

TEST(IntrusiveList, ConstIteration) {
	Item a(4), b(5);
	List list;
	list.push_back(a);
	list.push_back(b);
	const List &view = list;
	int sum = 0;
	for (const Item &i : view)
		sum += i.value;
	EXPECT_EQ(sum, 9);
	list.clear();
}

TEST(IntrusiveList, RemovingAnUnlinkedNodeIsReported) {
	HostAssertRecorder asserts;
	Item a(1);
	List list;
	list.remove(a);
	EXPECT_EQ(asserts.take().size(), 1u);
	EXPECT_TRUE(list.is_empty());
	EXPECT_EQ(list.size(), 0u);
}

TEST(IntrusiveList, DestroyingLinkedNodeOrNonEmptyListIsReported) {
	HostAssertRecorder asserts;
	{
		List list;
		{
			Item a(1);
			list.push_back(a);
			list.remove(a);
		}
		EXPECT_TRUE(asserts.take().empty());
	}
	alignas(Item) unsigned char storage[sizeof(Item)];
	Item *a = new (storage) Item(1);
	{
		List list;
		list.push_back(*a);
	} // list destroyed non-empty: reported
	EXPECT_EQ(asserts.take().size(), 1u);
	a->~Item(); // node still linked (to a dead list): reported
	EXPECT_EQ(asserts.take().size(), 1u);
}

TEST(IntrusiveListDeathTest, LinkingALinkedNodeHalts) {
	Item a(1);
	List one, two;
	one.push_back(a);
	EXPECT_DEATH(two.push_back(a), "is_linked");
	one.clear();
}

} // namespace
} // namespace lio
