// SPDX-License-Identifier: GPL-2.0
// tests/host/core/scsi/scsi_test_support.h: an in-memory LogicalUnit and command helpers.
#ifndef LIO_TESTS_HOST_CORE_SCSI_SUPPORT_H
#define LIO_TESTS_HOST_CORE_SCSI_SUPPORT_H

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "core/scsi/command.h"
#include "core/scsi/logical_unit.h"
#include "core/scsi/nexus.h"
#include "core/scsi/opcode_table.h"

namespace lio::scsi::test {

class FakeLu final : public LogicalUnit {
  public:
	// Sparse: unwritten blocks hold a pattern of (lba, offset), so huge LUs cost nothing.
	explicit FakeLu(u64 blocks = 2048, u32 bs = 512) : bs_(bs), nb_(blocks) {
		attrs.hw_max_sectors = 1024;
		attrs.optimal_sectors = 1024;
		attrs.max_write_same_len = 0xffff;
		attrs.max_unmap_lba_count = 8192;
		attrs.max_unmap_block_desc_count = 1;
		attrs.unmap_granularity = 1;
	}
	~FakeLu() = default;

	u32 block_size() const override { return bs_; }
	u64 num_blocks() const override { return nb_; }
	LuIdentity identity() const override {
		LuIdentity id;
		id.vendor = str_view(vendor.c_str());
		id.product = str_view(product.c_str());
		id.revision = str_view(revision.c_str());
		id.unit_serial = str_view(serial.c_str());
		id.lu_name = str_view(lu_name.c_str());
		return id;
	}
	LuAttributes attributes() const override { return attrs; }
	bool read_only() const override { return ro; }

	Result<void> read(u64 lba, u32 blocks, const DataBuf &dst) override {
		reads++;
		if (fail.is_error())
			return fail;
		EXPECT_EQ(dst.size(), u64(blocks) * bs_);
		std::vector<u8> c = contents(lba, blocks);
		dst.copy_from(0, Bytes(c.data(), c.size()));
		return {};
	}
	Result<void> write(u64 lba, u32 blocks, const DataBuf &src, bool fua) override {
		writes++;
		last_fua = fua;
		if (write_fail.is_error())
			return write_fail;
		if (fail.is_error())
			return fail;
		EXPECT_EQ(src.size(), u64(blocks) * bs_);
		if (drop_writes)
			return {}; // a medium that loses writes: WRITE AND VERIFY must notice
		std::vector<u8> flat(src.size());
		src.copy_to(0, MutableBytes(flat.data(), flat.size()));
		for (u32 b = 0; b < blocks; b++)
			written_[lba + b].assign(flat.data() + size_t(b) * bs_,
						 flat.data() + size_t(b + 1) * bs_);
		return {};
	}
	Result<void> flush(u64 lba, u64 blocks) override {
		flushes++;
		flush_lba = lba;
		flush_blocks = blocks;
		return fail;
	}
	Result<void> unmap(u64, u64) override { return fail; }
	Result<void> write_zeroes(u64, u64) override { return fail; }
	LuState &state() override { return state_; }
	void post_unit_attention_others(const ItlNexus *except, SenseReason reason) override {
		posted_except.push_back(except);
		posted.push_back(reason);
	}
	// ---- persistent reservations ----: the nexuses in `nexuses` are this LU's.
	void post_unit_attention_if(const NexusFilter &filter, SenseReason reason) override {
		for (ItlNexus *n : nexuses)
			if (filter.matches(*n))
				n->unit_attentions().post(reason);
	}
	void abort_tasks_if(const NexusFilter &filter) override {
		for (ItlNexus *n : nexuses)
			if (filter.matches(*n))
				aborted.push_back(n);
	}
	void save_pr_metadata(Bytes metadata) override {
		saved_pr.emplace_back(reinterpret_cast<const char *>(metadata.data()), metadata.size());
	}
	std::vector<ItlNexus *> nexuses;
	std::vector<ItlNexus *> aborted;
	std::vector<std::string> saved_pr;

	std::vector<u8> contents(u64 lba, u64 blocks) const {
		std::vector<u8> out;
		for (u64 b = lba; b < lba + blocks; b++) {
			auto it = written_.find(b);
			if (it != written_.end()) {
				out.insert(out.end(), it->second.begin(), it->second.end());
				continue;
			}
			for (u32 i = 0; i < bs_; i++)
				out.push_back(static_cast<u8>(b * 13 + i * 7 + (b >> 8)));
		}
		return out;
	}

	std::string vendor = "LIO-ORG";
	std::string product = "RAMDISK-MCP";
	std::string revision = "4.0";
	std::string serial = "a1b2c3d4-e5f6-4789-9abc-def012345678";
	std::string lu_name;
	LuAttributes attrs;
	bool ro = false;
	Result<void> fail;
	Result<void> write_fail; // writes only
	bool drop_writes = false;
	std::vector<const ItlNexus *> posted_except;
	std::vector<SenseReason> posted;
	int reads = 0, writes = 0, flushes = 0;
	bool last_fua = false;
	u64 flush_lba = ~0ull, flush_blocks = ~0ull;

  private:
	u32 bs_;
	u64 nb_;
	std::map<u64, std::vector<u8>> written_;
	LuState state_;
};

class FakeNexus final : public ItlNexus {
  public:
	explicit FakeNexus(u64 id) : id_(id) {}
	~FakeNexus() = default;
	u64 it_nexus_id() const override { return id_; }
	UnitAttentionQueue &unit_attentions() override { return ua; }
	const TargetPortInfo *target_port() const override { return has_port ? &port : nullptr; }
	InitiatorPort initiator_port() const override {
		InitiatorPort p;
		p.protocol_id = protocol_id;
		p.name = str_view(initiator.c_str());
		p.isid = str_view(isid.c_str());
		return p;
	}
	UnitAttentionQueue ua;
	bool has_port = false;
	TargetPortInfo port;
	// ---- persistent reservations ----
	u8 protocol_id = 0x5; // iSCSI
	std::string initiator;
	std::string isid;

  private:
	u64 id_;
};

class FakeLuns final : public LunMap {
  public:
	void for_each_lun(LunVisitor &v) const override {
		for (u64 l : luns)
			v.visit(l);
	}
	~FakeLuns() = default;
	std::vector<u64> luns;
};

// Cuts [0, size) of `mem` into segments of the given lengths (cycled), for scatter-gather.
inline std::vector<DataSegment> cut(u8 *mem, size_t size, std::vector<size_t> lens) {
	std::vector<DataSegment> out;
	size_t off = 0;
	for (size_t i = 0; off < size; i++) {
		size_t n = std::min(size - off, lens[i % lens.size()]);
		out.push_back({mem + off, n});
		off += n;
	}
	return out;
}

// One executed command with its buffers. With `sg` lengths, data-in and data-out are
// scatter-gather lists cut into pieces of those lengths.
class Exec {
  public:
	Exec(LogicalUnit &lu, std::vector<u8> cdb, size_t data_in_len,
	     std::vector<u8> data_out = {}, const LunMap *luns = nullptr, bool dsense = false,
	     ItlNexus *nexus = nullptr, std::vector<size_t> sg = {})
	    : cdb_(std::move(cdb)), in_(data_in_len, 0xcc), out_(std::move(data_out)),
	      cmd_(Bytes(cdb_.data(), cdb_.size()), make_in(sg), make_out(sg)) {
		cmd_.descriptor_sense = dsense;
		execute(cmd_, lu, nexus, luns);
	}
	Command &cmd() { return cmd_; }
	bool good() const { return cmd_.status() == ScsiStatus::kGood; }
	std::vector<u8> data() const {
		return std::vector<u8>(in_.begin(), in_.begin() + cmd_.data_in_length());
	}
	u8 at(size_t i) const { return in_.at(i); }
	u32 be(size_t off, size_t width) const {
		u32 v = 0;
		for (size_t i = 0; i < width; i++)
			v = (v << 8) | in_.at(off + i);
		return v;
	}
	u64 be64(size_t off) const { return (u64(be(off, 4)) << 32) | be(off + 4, 4); }
	std::vector<u8> sense() const {
		Bytes s = cmd_.sense();
		return std::vector<u8>(s.data(), s.data() + s.size());
	}

  private:
	DataBuf make_in(const std::vector<size_t> &sg) {
		if (sg.empty())
			return DataBuf(MutableBytes(in_.data(), in_.size()));
		in_segs_ = cut(in_.data(), in_.size(), sg);
		return DataBuf(Span<const DataSegment>(in_segs_.data(), in_segs_.size()));
	}
	DataBuf make_out(const std::vector<size_t> &sg) {
		if (sg.empty())
			return DataBuf(MutableBytes(out_.data(), out_.size()));
		out_segs_ = cut(out_.data(), out_.size(), sg);
		return DataBuf(Span<const DataSegment>(out_segs_.data(), out_segs_.size()));
	}

	std::vector<u8> cdb_;
	std::vector<u8> in_;
	std::vector<u8> out_;
	std::vector<DataSegment> in_segs_;
	std::vector<DataSegment> out_segs_;
	Command cmd_;
};

// Runs one command with a nexus (and optionally scatter-gather buffers).
inline Exec exec_on(LogicalUnit &lu, ItlNexus &nexus, std::vector<u8> cdb, size_t in_len,
		    std::vector<u8> out = {}) {
	return Exec(lu, std::move(cdb), in_len, std::move(out), nullptr, false, &nexus);
}

// Checks CHECK CONDITION with fixed-format sense key/ASC/ASCQ.
inline void expect_sense(Exec &e, u8 key, u8 asc, u8 ascq) {
	ASSERT_EQ(e.cmd().status(), ScsiStatus::kCheckCondition);
	std::vector<u8> s = e.sense();
	ASSERT_EQ(s.size(), 18u);
	EXPECT_EQ(s[0] & 0x7f, 0x70);
	EXPECT_EQ(s[2] & 0x0f, key);
	EXPECT_EQ(s[12], asc);
	EXPECT_EQ(s[13], ascq);
	EXPECT_EQ(e.cmd().data_in_length(), 0u);
}

// INVALID FIELD IN CDB with the field pointer at (byte, bit).
inline void expect_invalid_field(Exec &e, u16 byte, u8 bit) {
	expect_sense(e, 0x05, 0x24, 0x00);
	std::vector<u8> s = e.sense();
	ASSERT_EQ(s.size(), 18u);
	EXPECT_EQ(s[15], 0x80 | 0x40 | 0x08 | bit) << "SKSV, C/D, BPV, bit pointer";
	EXPECT_EQ((s[16] << 8) | s[17], byte) << "field pointer";
}

inline void expect_no_field_pointer(Exec &e) { EXPECT_EQ(e.sense().at(15), 0); }

inline std::vector<u8> cdb6(u8 op, u8 b1, u8 b2, u8 b3, u8 b4, u8 ctl = 0) {
	return {op, b1, b2, b3, b4, ctl};
}
inline std::vector<u8> cdb10(u8 op, u8 b1, u32 lba, u8 b6, u16 len, u8 ctl = 0) {
	return {op, b1, u8(lba >> 24), u8(lba >> 16), u8(lba >> 8), u8(lba), b6, u8(len >> 8),
		u8(len), ctl};
}
inline std::vector<u8> cdb12(u8 op, u8 b1, u32 lba, u32 len, u8 b10 = 0, u8 ctl = 0) {
	return {op, b1, u8(lba >> 24), u8(lba >> 16), u8(lba >> 8), u8(lba), u8(len >> 24),
		u8(len >> 16), u8(len >> 8), u8(len), b10, ctl};
}
inline std::vector<u8> cdb16(u8 op, u8 b1, u64 lba, u32 len, u8 b14 = 0, u8 ctl = 0) {
	std::vector<u8> c = {op, b1};
	for (int i = 7; i >= 0; i--)
		c.push_back(u8(lba >> (8 * i)));
	for (int i = 3; i >= 0; i--)
		c.push_back(u8(len >> (8 * i)));
	c.push_back(b14);
	c.push_back(ctl);
	return c;
}

} // namespace lio::scsi::test

#endif
