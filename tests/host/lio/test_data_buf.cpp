// SPDX-License-Identifier: GPL-2.0
// Tests for include/lio/data_buf.h: DataBuf over one and several segments.
#include "lio/data_buf.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace lio {
namespace {

// Segments of sizes {3, 0, 5, 1, 7} over one backing vector holding 0, 1, 2, ...
struct Sg {
	std::vector<u8> mem = std::vector<u8>(16);
	DataSegment segs[5];
	Sg() {
		for (usize i = 0; i < mem.size(); i++)
			mem[i] = u8(i);
		const usize lens[5] = {3, 0, 5, 1, 7};
		usize off = 0;
		for (int i = 0; i < 5; i++) {
			segs[i] = {mem.data() + off, lens[i]};
			off += lens[i];
		}
	}
	DataBuf buf() const { return DataBuf(Span<const DataSegment>(segs, 5)); }
};

std::vector<u8> gather(const DataBuf &b) {
	std::vector<u8> out(b.size());
	b.copy_to(0, MutableBytes(out.data(), out.size()));
	return out;
}

std::vector<u8> iota(u8 from, usize n) {
	std::vector<u8> v(n);
	for (usize i = 0; i < n; i++)
		v[i] = u8(from + i);
	return v;
}

TEST(DataBuf, Empty) {
	DataBuf e;
	EXPECT_EQ(e.size(), 0u);
	EXPECT_TRUE(e.empty());
	EXPECT_TRUE(e.contiguous());
	EXPECT_EQ(e.contiguous_bytes().size(), 0u);
	EXPECT_TRUE(e.slice(0, 0).empty());
	int calls = 0;
	EXPECT_TRUE(e.for_each_segment([&](MutableBytes) {
			     calls++;
			     return Result<void>();
		     }).is_ok());
	EXPECT_EQ(calls, 0);
	e.copy_to(0, MutableBytes());
	usize diff = 99;
	EXPECT_TRUE(e.compare(0, Bytes(), &diff));
	EXPECT_EQ(diff, 99u);
	// Empty segments only, and an empty MutableBytes.
	DataSegment z[2] = {{nullptr, 0}, {nullptr, 0}};
	EXPECT_TRUE(DataBuf(Span<const DataSegment>(z, 2)).empty());
	EXPECT_TRUE(DataBuf(MutableBytes()).empty());
	EXPECT_TRUE(DataBuf(Span<const DataSegment>()).empty());
}

TEST(DataBuf, OneSegmentIsInlineAndSurvivesCopies) {
	u8 mem[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	DataBuf *heap = new DataBuf(MutableBytes(mem, 8));
	DataBuf copy = *heap;
	delete heap; // the copy holds its own segment
	EXPECT_EQ(copy.size(), 8u);
	EXPECT_TRUE(copy.contiguous());
	EXPECT_EQ(copy.contiguous_bytes().data(), mem);
	DataBuf s = copy.slice(2, 4);
	DataBuf assigned;
	assigned = s;
	EXPECT_EQ(assigned.contiguous_bytes().data(), mem + 2);
	EXPECT_EQ(gather(assigned), (std::vector<u8>{3, 4, 5, 6}));
	assigned.fill(1, 2, 0xee);
	EXPECT_EQ(mem[3], 0xee);
	EXPECT_EQ(mem[4], 0xee);
	EXPECT_EQ(mem[5], 6);
}

TEST(DataBuf, MultiSegmentBasics) {
	Sg sg;
	DataBuf b = sg.buf();
	EXPECT_EQ(b.size(), 16u);
	EXPECT_FALSE(b.contiguous());
	EXPECT_EQ(gather(b), iota(0, 16));
	std::vector<usize> lens;
	EXPECT_TRUE(b.for_each_segment([&](MutableBytes m) {
			     lens.push_back(m.size());
			     return Result<void>();
		     }).is_ok());
	EXPECT_EQ(lens, (std::vector<usize>{3, 5, 1, 7})) << "empty segments skipped";
	// Stops at the first error and returns it.
	int calls = 0;
	Result<void> r = b.for_each_segment([&](MutableBytes) -> Result<void> {
		if (++calls == 2)
			return Error::from_errno(KABI_EIO);
		return {};
	});
	ASSERT_TRUE(r.is_error());
	EXPECT_EQ(r.error().errno_value(), KABI_EIO);
	EXPECT_EQ(calls, 2);
}

TEST(DataBuf, LeadingEmptySegmentsAndContiguity) {
	u8 mem[4] = {9, 8, 7, 6};
	DataSegment s[3] = {{nullptr, 0}, {mem, 4}, {nullptr, 0}};
	DataBuf b(Span<const DataSegment>(s, 3));
	EXPECT_TRUE(b.contiguous());
	EXPECT_EQ(b.contiguous_bytes().data(), mem);
	EXPECT_EQ(b.contiguous_bytes().size(), 4u);
}

TEST(DataBuf, SlicingAcrossBoundaries) {
	Sg sg;
	DataBuf b = sg.buf();
	for (usize off = 0; off <= 16; off++) {
		for (usize len = 0; off + len <= 16; len++) {
			DataBuf s = b.slice(off, len);
			ASSERT_EQ(s.size(), len);
			ASSERT_EQ(gather(s), iota(u8(off), len)) << off << "+" << len;
			// Contiguous exactly when the range lies in one segment {0-2, 3-7, 8, 9-15}.
			auto seg_of = [](usize i) { return i < 3 ? 0 : i < 8 ? 1 : i < 9 ? 2 : 3; };
			bool one = len == 0 || seg_of(off) == seg_of(off + len - 1);
			ASSERT_EQ(s.contiguous(), one) << off << "+" << len;
			if (one && len) {
				EXPECT_EQ(s.contiguous_bytes().data(), sg.mem.data() + off);
			}
		}
	}
	// Slices of slices.
	DataBuf mid = b.slice(2, 12).slice(3, 6);
	EXPECT_EQ(gather(mid), iota(5, 6));
	EXPECT_EQ(gather(mid.slice(5, 1)), iota(10, 1));
	EXPECT_TRUE(b.slice(16, 0).empty());
}

TEST(DataBuf, CopyFromAndFillAtOffsets) {
	Sg sg;
	DataBuf b = sg.buf();
	const u8 src[6] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5};
	b.copy_from(2, Bytes(src, 6));
	std::vector<u8> want = iota(0, 16);
	for (int i = 0; i < 6; i++)
		want[2 + i] = src[i];
	EXPECT_EQ(gather(b), want);
	b.slice(7, 5).fill(1, 3, 0x55);
	for (int i = 8; i < 11; i++)
		want[i] = 0x55;
	EXPECT_EQ(gather(b), want);
	std::vector<u8> part(4);
	b.copy_to(7, MutableBytes(part.data(), 4));
	EXPECT_EQ(part, std::vector<u8>(want.begin() + 7, want.begin() + 11));
}

TEST(DataBuf, ComparePositions) {
	Sg sg;
	DataBuf b = sg.buf();
	std::vector<u8> same = iota(0, 16);
	usize diff = 12345;
	EXPECT_TRUE(b.compare(0, Bytes(same.data(), 16), &diff));
	EXPECT_EQ(diff, 12345u) << "untouched when equal";
	for (usize at = 0; at < 16; at++) {
		std::vector<u8> other = iota(0, 16);
		other[at] ^= 0x40;
		if (at + 1 < 16)
			other[15] ^= 1; // a later difference must not win
		ASSERT_FALSE(b.compare(0, Bytes(other.data(), 16), &diff));
		EXPECT_EQ(diff, at);
		// Relative to off.
		if (at >= 4) {
			ASSERT_FALSE(b.compare(4, Bytes(other.data() + 4, 12), &diff));
			EXPECT_EQ(diff, at - 4);
		}
	}
	EXPECT_FALSE(b.compare(3, Bytes(same.data(), 2), nullptr));
	EXPECT_TRUE(b.compare(3, Bytes(same.data() + 3, 2), nullptr));
	EXPECT_TRUE(b.slice(9, 7).compare(2, Bytes(same.data() + 11, 5), nullptr));
}

} // namespace
} // namespace lio
