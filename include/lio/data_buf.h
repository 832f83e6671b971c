// SPDX-License-Identifier: GPL-2.0
/*
 * lio/data_buf.h: DataBuf, a non-owning byte range over an array of memory segments (a
 * scatter-gather list), as fabrics, the SCSI engine and backstores pass command data.
 *
 *   DataSegment segs[] = {{page0, 4096}, {page1, 4096}};
 *   DataBuf buf(Span<const DataSegment>(segs, 2));   // 8192 bytes; segs must outlive buf
 *   DataBuf tail = buf.slice(4000, 200);               // crosses the segment boundary
 *   tail.copy_to(0, dst);                              // gathers into a flat buffer
 *
 * A DataBuf is a small value (copy it freely). One contiguous segment is stored inline, so
 * DataBuf(MutableBytes) needs no array; copies point at their own inline segment. Offsets
 * are relative to the view; every access is checked and a range outside the view is a bug
 * (LIO_VERIFY): callers check wire-derived lengths against size() first. Zero-length
 * segments are allowed and skipped.
 */
#ifndef LIO_DATA_BUF_H
#define LIO_DATA_BUF_H

#include "lio/assert.h"
#include "lio/result.h"
#include "lio/span.h"
#include "lio/types.h"
#include "lio/utility.h"

namespace lio {

struct DataSegment {
	u8 *data;
	usize len;
};

class DataBuf final {
  public:
	constexpr DataBuf() = default;
	explicit DataBuf(MutableBytes one) : inline_{one.data(), one.size()}, size_(one.size()) {
		count_ = size_ ? 1 : 0;
	}
	explicit DataBuf(Span<const DataSegment> segs) {
		usize total = 0;
		for (const DataSegment &s : segs) {
			LIO_VERIFY(s.len <= ~usize(0) - total);
			total += s.len;
		}
		usize i = 0;
		while (i < segs.size() && segs.data()[i].len == 0)
			i++; // the first segment is never empty: contiguous() relies on it
		if (total) {
			segs_ = segs.data() + i;
			count_ = segs.size() - i;
			size_ = total;
		}
	}

	usize size() const { return size_; }
	bool empty() const { return size_ == 0; }

	// The bytes [off, off + len) of this view.
	DataBuf slice(usize off, usize len) const {
		LIO_VERIFY(off <= size_ && len <= size_ - off);
		if (len == 0)
			return DataBuf();
		DataBuf r = *this;
		const DataSegment *s = array();
		usize i = 0;
		usize skip = first_off_ + off;
		while (skip >= s[i].len) { // ends: off < size_ here
			skip -= s[i].len;
			i++;
		}
		if (segs_) {
			r.segs_ = segs_ + i;
			r.count_ = count_ - i;
		}
		r.first_off_ = skip;
		r.size_ = len;
		return r;
	}

	bool contiguous() const { return size_ == 0 || array()[0].len - first_off_ >= size_; }
	MutableBytes contiguous_bytes() const {
		LIO_VERIFY(contiguous());
		if (size_ == 0)
			return MutableBytes();
		return MutableBytes(array()[0].data + first_off_, size_);
	}

	// buffer[off, off + dst.size()) -> dst.
	void copy_to(usize off, MutableBytes dst) const {
		u8 *d = dst.data();
		walk(off, dst.size(), [&](u8 *p, usize n) {
			__builtin_memcpy(d, p, n);
			d += n;
			return true;
		});
	}
	// src -> buffer[off, off + src.size()).
	void copy_from(usize off, Bytes src) const {
		const u8 *s = src.data();
		walk(off, src.size(), [&](u8 *p, usize n) {
			__builtin_memcpy(p, s, n);
			s += n;
			return true;
		});
	}
	void fill(usize off, usize len, u8 v) const {
		walk(off, len, [&](u8 *p, usize n) {
			__builtin_memset(p, v, n);
			return true;
		});
	}
	// Compares buffer[off, off + other.size()) with other. Equal: true. Else false, and
	// *first_diff (if not null) = offset of the first differing byte relative to off.
	bool compare(usize off, Bytes other, usize *first_diff) const {
		const u8 *o = other.data();
		usize at = 0;
		bool equal = true;
		walk(off, other.size(), [&](u8 *p, usize n) {
			if (__builtin_memcmp(p, o + at, n) != 0) {
				usize i = 0;
				while (p[i] == o[at + i])
					i++;
				if (first_diff)
					*first_diff = at + i;
				equal = false;
				return false;
			}
			at += n;
			return true;
		});
		return equal;
	}

	// f(MutableBytes) -> Result<void> for each non-empty piece, in order; stops at the
	// first error and returns it.
	template <typename F> Result<void> for_each_segment(F &&f) const {
		Result<void> r;
		walk(0, size_, [&](u8 *p, usize n) {
			r = f(MutableBytes(p, n));
			return r.is_ok();
		});
		return r;
	}

  private:
	const DataSegment *array() const { return segs_ ? segs_ : &inline_; }

	// fn(u8 *piece, usize len) -> bool (false: stop) over [off, off + len).
	template <typename Fn> void walk(usize off, usize len, Fn &&fn) const {
		LIO_VERIFY(off <= size_ && len <= size_ - off);
		if (len == 0)
			return;
		const DataSegment *s = array();
		usize i = 0;
		usize skip = first_off_ + off;
		while (skip >= s[i].len) {
			skip -= s[i].len;
			i++;
		}
		while (len) {
			LIO_VERIFY(i < (segs_ ? count_ : 1));
			usize n = min(s[i].len - skip, len);
			if (n && !fn(s[i].data + skip, n))
				return;
			len -= n;
			skip = 0;
			i++;
		}
	}

	DataSegment inline_{nullptr, 0};  // the segment of DataBuf(MutableBytes)
	const DataSegment *segs_ = nullptr; // external array, or null: inline_
	usize count_ = 0;                  // segments from segs_ on
	usize first_off_ = 0;              // where the view starts in the first segment
	usize size_ = 0;
};

} // namespace lio

#endif // LIO_DATA_BUF_H
