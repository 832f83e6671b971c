// SPDX-License-Identifier: GPL-2.0
/*
 * fabrics/iscsi/text.h: iSCSI text keys (RFC 7143 6.1): the "key=value" pairs of Login and
 * Text PDU data segments, each followed by one NUL.
 *
 * Reading a complete buffer (all C-bit continuations already joined):
 *
 *   TextReader r(buf);
 *   TextPair p;
 *   for (;;) {
 *           Result<bool> more = r.next(p);
 *           if (more.is_error()) ...;           // EINVAL: malformed pair (protocol error)
 *           if (!more.value()) break;           // end of buffer
 *           use p.key, p.value (views into buf, valid as long as buf);
 *   }
 *
 * What next() refuses (EINVAL): a pair without '=', an empty key, a key longer than 63 bytes
 * or with a byte outside [A-Za-z0-9.-+@_] ("X#" may start a key: IANA extension keys),
 * a value longer than text_value_limit(key) (255 bytes; 1024 for the binary CHAP_C /
 * CHAP_R). A missing NUL after the last pair and NULs after it (padding some initiators count in DataSegmentLength) are tolerated, as LIO does;
 * an empty pair between two pairs is malformed.
 *
 * Joining continuations (Login or Text Requests with C=1): TextAccumulator appends each data
 * segment to one heap buffer, at most limit bytes (64 KiB unless told): E2BIG past it, ENOMEM
 * when the allocation fails. A pair may be split anywhere between two PDUs.
 *
 * Writing responses: TextBuilder appends "key=value\0" into a caller-owned buffer; add()
 * returns E2BIG and leaves the buffer unchanged when the pair does not fit, so a caller can
 * stop at a pair boundary (or split the finished buffer over PDUs with the C bit).
 */
#ifndef LIO_FABRICS_ISCSI_TEXT_H
#define LIO_FABRICS_ISCSI_TEXT_H

#include "lio/alloc.h"
#include "lio/result.h"
#include "lio/span.h"
#include "lio/string.h"
#include "lio/types.h"

namespace lio::fabrics::iscsi {

constexpr usize kMaxKeyLength = 63;          // RFC 7143 6.1
constexpr usize kMaxValueLength = 255;       // RFC 7143 6.1 (text values)
constexpr usize kMaxBinaryValueLength = 1024; // our bound for CHAP_C / CHAP_R strings
constexpr usize kMaxTextLength = 65536;      // joined continuations

struct TextPair {
	StrView key;
	StrView value;
};

// The byte is allowed in a key name.
bool text_key_char_ok(char c);
// The longest value accepted for key.
usize text_value_limit(StrView key);

class TextReader final {
  public:
	explicit TextReader(Bytes buf) : buf_(buf) {}
	// The next pair into out: true, or false at the end; EINVAL when malformed (the reader
	// then stays at the malformed pair).
	Result<bool> next(TextPair &out);

  private:
	Bytes buf_;
	usize pos_ = 0;
};

class TextAccumulator final {
  public:
	explicit TextAccumulator(usize limit = kMaxTextLength) : limit_(limit) {}
	~TextAccumulator();
	TextAccumulator(const TextAccumulator &) = delete;
	TextAccumulator &operator=(const TextAccumulator &) = delete;

	// Appends chunk; E2BIG if the total would pass the limit, ENOMEM. Unchanged on error.
	Result<void> append(Bytes chunk, Gfp gfp);
	Bytes bytes() const { return Bytes(buf_, size_); }
	usize size() const { return size_; }
	// Forgets the text (keeps the memory for the next sequence).
	void clear() { size_ = 0; }

  private:
	usize limit_;
	u8 *buf_ = nullptr;
	usize size_ = 0;
	usize capacity_ = 0;
};

class TextBuilder final {
  public:
	explicit TextBuilder(MutableBytes buf) : buf_(buf) {}

	// Appends "key=value\0"; E2BIG (buffer unchanged) if it does not fit.
	Result<void> add(StrView key, StrView value);
	Result<void> add(const char *key, const char *value) {
		return add(str_view(key), str_view(value));
	}
	Result<void> add_u32(StrView key, u32 value);

	Bytes bytes() const { return Bytes(buf_.data(), size_); }
	usize size() const { return size_; }
	usize capacity() const { return buf_.size(); }
	void clear() { size_ = 0; }

  private:
	MutableBytes buf_;
	usize size_ = 0;
};

// Formats v in decimal into buf (at least 11 bytes); the digits, not NUL-terminated.
StrView format_u32(u32 v, char (&buf)[11]);

// Calls fn(token) for each comma-separated token of a list value (RFC 7143 6.1), empty ones
// included; stops when fn returns false.
template <typename Fn> void for_each_token(StrView list, Fn fn) {
	usize start = 0;
	for (usize i = 0; i <= list.size(); i++) {
		if (i == list.size() || list.data()[i] == ',') {
			if (!fn(StrView(list.data() + start, i - start)))
				return;
			start = i + 1;
		}
	}
}

} // namespace lio::fabrics::iscsi

#endif // LIO_FABRICS_ISCSI_TEXT_H
