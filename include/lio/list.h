// SPDX-License-Identifier: GPL-2.0
/*
 * lio/list.h: intrusive doubly linked lists (the kernel's list_head, typed).
 *
 *   struct Session { ListNode node; ... };
 *   IntrusiveList<Session, &Session::node> sessions;   // owns nothing
 *
 * The list links objects through a ListNode member; it never allocates and never owns: the
 * objects' lifetime is managed elsewhere (RefPtr, OwnPtr, a parent). push/remove are O(1).
 * A node is in at most one list at a time; a node still linked when destroyed, or removed
 * while not linked, is reported (LIO_ASSERT). A list must be empty when destroyed.
 * Lists are not thread-safe: guard each with a lock and say which in a comment.
 *
 * Iteration: `for (Session &s : list)`. To remove the CURRENT element while iterating, use
 * `for (Session &s : list.safe())` (the next element is fetched before the body runs, as
 * list_for_each_safe); removing any other element during iteration is not allowed.
 */
#ifndef LIO_LIST_H
#define LIO_LIST_H

#include "lio/assert.h"
#include "lio/types.h"

namespace lio {

class ListNode final {
  public:
	constexpr ListNode() = default;
	ListNode(const ListNode &) = delete;
	ListNode &operator=(const ListNode &) = delete;
	~ListNode() { LIO_ASSERT(!is_linked()); }

	bool is_linked() const { return next_ != nullptr; }

  private:
	template <typename T, ListNode T::*Member> friend class IntrusiveList;
	ListNode *prev_ = nullptr;
	ListNode *next_ = nullptr;
};

template <typename T, ListNode T::*Member> class IntrusiveList final {
	// A pointer to data member is its byte offset in the Itanium C++ ABI (GCC and clang on
	// Linux); reading it avoids forming a member access on a fake object.
	static_assert(sizeof(Member) == sizeof(isize), "Itanium ABI member pointers expected");

	static ListNode *node_of(T &item) { return &(item.*Member); }
	static T *item_of(ListNode *node) {
		isize offset = __builtin_bit_cast(isize, Member);
		return reinterpret_cast<T *>(reinterpret_cast<char *>(node) - offset);
	}

	template <typename Item, bool Safe> class Iter final {
	  public:
		Item &operator*() const { return *item_of(cur_); }
		Item *operator->() const { return item_of(cur_); }
		Iter &operator++() {
			cur_ = Safe ? next_ : cur_->next_;
			if (Safe)
				next_ = cur_->next_;
			return *this;
		}
		bool operator==(const Iter &o) const { return cur_ == o.cur_; }
		bool operator!=(const Iter &o) const { return cur_ != o.cur_; }

	  private:
		friend class IntrusiveList;
		explicit Iter(ListNode *n) : cur_(n), next_(n->next_) {}
		ListNode *cur_;
		ListNode *next_; // Safe only: fetched before the body can unlink cur_
	};

	template <typename Item> class SafeRange final {
	  public:
		Iter<Item, true> begin() const { return Iter<Item, true>(head_->next_); }
		Iter<Item, true> end() const { return Iter<Item, true>(head_); }

	  private:
		friend class IntrusiveList;
		explicit SafeRange(ListNode *head) : head_(head) {}
		ListNode *head_;
	};

  public:
	using iterator = Iter<T, false>;
	using const_iterator = Iter<const T, false>;

	IntrusiveList() { head_.prev_ = head_.next_ = &head_; }
	IntrusiveList(const IntrusiveList &) = delete;
	IntrusiveList &operator=(const IntrusiveList &) = delete;
	~IntrusiveList() {
		LIO_ASSERT(is_empty());
		head_.prev_ = head_.next_ = nullptr; // the sentinel's own destructor check
	}

	bool is_empty() const { return head_.next_ == &head_; }
	usize size() const { return size_; }

	void push_back(T &item) { insert_between(node_of(item), head_.prev_, &head_); }
	void push_front(T &item) { insert_between(node_of(item), &head_, head_.next_); }
	// Inserts item just before pos (which must be in this list).
	void insert_before(T &pos, T &item) {
		ListNode *p = node_of(pos);
		LIO_VERIFY(p->is_linked());
		insert_between(node_of(item), p->prev_, p);
	}

	// Unlinks item, which must be in this list.
	void remove(T &item) {
		ListNode *n = node_of(item);
		LIO_ASSERT(n->is_linked());
		if (!n->is_linked())
			return;
		n->prev_->next_ = n->next_;
		n->next_->prev_ = n->prev_;
		n->prev_ = n->next_ = nullptr;
		size_--;
	}

	T *front() const { return is_empty() ? nullptr : item_of(head_.next_); }
	T *back() const { return is_empty() ? nullptr : item_of(head_.prev_); }
	T *pop_front() {
		T *item = front();
		if (item)
			remove(*item);
		return item;
	}
	T *pop_back() {
		T *item = back();
		if (item)
			remove(*item);
		return item;
	}
	// Unlinks every element.
	void clear() {
		while (pop_front()) {
		}
	}
	// O(n): for assertions.
	bool contains(const T &item) const {
		for (const T &x : *this)
			if (&x == &item)
				return true;
		return false;
	}

	iterator begin() { return iterator(head_.next_); }
	iterator end() { return iterator(&head_); }
	const_iterator begin() const { return const_iterator(head_.next_); }
	const_iterator end() const { return const_iterator(const_cast<ListNode *>(&head_)); }
	// Iteration that tolerates removal of the current element.
	SafeRange<T> safe() { return SafeRange<T>(&head_); }

  private:
	void insert_between(ListNode *n, ListNode *prev, ListNode *next) {
		LIO_VERIFY(!n->is_linked()); // relinking would corrupt the other list
		n->prev_ = prev;
		n->next_ = next;
		prev->next_ = n;
		next->prev_ = n;
		size_++;
	}

	ListNode head_; // sentinel: the list is circular through it
	usize size_ = 0;
};

} // namespace lio

#endif // LIO_LIST_H
