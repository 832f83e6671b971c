// SPDX-License-Identifier: GPL-2.0
// Tests for core/scsi/opcode_table.h: the table's shape, the dispatcher's checks and RSOC.
#include "core/scsi/opcode_table.h"

#include <gtest/gtest.h>

#include <set>
#include <utility>

#include "core/scsi/cdb.h"
#include "scsi_test_support.h"

namespace lio::scsi::test {
namespace {

// Every executable row: top-level rows without SA, and the SA rows.
std::vector<const OpcodeRow *> leaf_rows() {
	std::vector<const OpcodeRow *> out;
	for (const OpcodeRow &r : opcode_rows()) {
		if (r.has_service_actions())
			for (const OpcodeRow &s : r.service_actions())
				out.push_back(&s);
		else
			out.push_back(&r);
	}
	return out;
}

TEST(OpcodeTable, EveryRowIsWellFormed) {
	int prev = -1;
	for (const OpcodeRow &r : opcode_rows()) {
		EXPECT_GT(int(r.opcode), prev) << "sorted, unique";
		prev = r.opcode;
		EXPECT_NE(r.name, nullptr);
		EXPECT_EQ(r.cdb_length, Cdb::length_for_opcode(r.opcode)) << r.name;
		EXPECT_EQ(r.usage[0], 0xff) << r.name;
		if (r.has_service_actions()) {
			EXPECT_EQ(r.handler, nullptr);
			ASSERT_GT(r.sa_count, 0);
			int prev_sa = -1;
			for (const OpcodeRow &s : r.service_actions()) {
				EXPECT_EQ(s.opcode, r.opcode);
				EXPECT_GT(int(s.service_action), prev_sa);
				prev_sa = s.service_action;
				EXPECT_LE(s.service_action, 0x1f);
				EXPECT_FALSE(s.has_service_actions());
				if (r.flags & kOpVariableLength)
					EXPECT_EQ(s.usage[9], 0xff) << s.name << ": SA bits allowed";
				else
					EXPECT_EQ(s.usage[1] & 0x1f, 0x1f) << s.name << ": SA bits allowed";
			}
		} else {
			EXPECT_EQ(r.sa_rows, nullptr);
		}
	}
	for (const OpcodeRow *r : leaf_rows()) {
		EXPECT_NE(r->handler, nullptr) << r->name;
		EXPECT_EQ(r->usage[0], 0xff) << r->name;
		EXPECT_EQ(r->cdb_length, Cdb::length_for_opcode(r->opcode)) << r->name;
		EXPECT_EQ(r->usage[r->cdb_length == 32 ? 1 : r->cdb_length - 1], 0x00)
		    << r->name << ": CONTROL byte";
		for (usize i = r->cdb_length; i < OpcodeRow::kMaxUsage; i++)
			EXPECT_EQ(r->usage[i], 0) << r->name << " usage past the CDB";
		if (r->flags & kOpWritesMedium) {
			EXPECT_EQ(r->direction, DataDirection::kOut) << r->name;
		}
	}
}

TEST(OpcodeTable, IndexMatchesTheRows) {
	for (int op = 0; op < 256; op++) {
		const OpcodeRow *want = nullptr;
		for (const OpcodeRow &r : opcode_rows())
			if (r.opcode == op)
				want = &r;
		EXPECT_EQ(find_opcode(u8(op)), want) << op;
	}
}

TEST(OpcodeTable, FindAndServiceActions) {
	EXPECT_NE(find_opcode(0x28), nullptr);
	EXPECT_EQ(find_opcode(0xff), nullptr);
	const OpcodeRow *sai = find_opcode(0x9e);
	ASSERT_NE(sai, nullptr);
	ASSERT_NE(find_service_action(*sai, 0x10), nullptr);
	EXPECT_EQ(find_service_action(*sai, 0x10)->handler != nullptr, true);
	EXPECT_EQ(find_service_action(*sai, 0x11), nullptr);
}

// Every leaf row with one reserved bit set at a time, in every byte, is refused with the
// field pointer at exactly that bit.
TEST(Dispatch, EveryReservedBitOfEveryRowIsRefused) {
	FakeLu lu;
	for (const OpcodeRow *r : leaf_rows()) {
		for (usize byte = 1; byte < r->cdb_length; byte++) {
			for (u8 bit = 0; bit < 8; bit++) {
				if (r->usage[byte] & (1u << bit))
					continue;
				// A row's SCSI-2 LUN bits are ignored on purpose (test_spc.cpp).
				if ((r->flags & kOpLegacyLunField) && byte == 1 && bit >= 5)
					continue;
				std::vector<u8> cdb(r->cdb_length, 0);
				cdb[0] = r->opcode;
				if (r->usage[1] == 0x1f || (r->opcode == 0x9e || r->opcode == 0xa3))
					cdb[1] = r->service_action;
				if (r->opcode == 0x7f) {
					if (byte == 8)
						continue; // the SA's high byte: no such row (test_sbc_pi.cpp)
					cdb[9] = r->service_action;
				}
				cdb[byte] |= u8(1u << bit);
				Exec e(lu, cdb, 512);
				SCOPED_TRACE(std::string(r->name) + " byte " + std::to_string(byte) +
					     " bit " + std::to_string(bit));
				expect_invalid_field(e, u16(byte), bit);
			}
		}
	}
}

TEST(Dispatch, ReportsTheFirstOffendingBit) {
	FakeLu lu;
	// TEST UNIT READY with bits in bytes 2 and 1: byte 1, its highest offending bit.
	Exec e(lu, {0x00, 0x05, 0x80, 0, 0, 0}, 0);
	expect_invalid_field(e, 1, 2);
	// NACA in the CONTROL byte.
	Exec c(lu, cdb10(0x28, 0, 0, 0, 1, 0x04), 512);
	expect_invalid_field(c, 9, 2);
}

TEST(Dispatch, UnknownOpcode) {
	FakeLu lu;
	for (u8 op : {0x02, 0x04, 0xc0, 0xff}) {
		Exec e(lu, {op, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 64);
		expect_sense(e, 0x05, 0x20, 0x00);
		expect_no_field_pointer(e);
	}
}

TEST(Dispatch, UnknownServiceActionPointsAtTheField) {
	FakeLu lu;
	Exec e(lu, cdb16(0x9e, 0x11, 0, 32), 32);
	expect_invalid_field(e, 1, 4);
	Exec m(lu, cdb12(0xa3, 0x05, 0, 64), 64); // MAINTENANCE IN SA 0x05: none
	expect_invalid_field(m, 1, 4);
}

TEST(Dispatch, ShortCdbIsRefused) {
	FakeLu lu;
	Exec e(lu, {0x28, 0, 0, 0, 0, 0, 0, 0, 1}, 512); // READ(10) in 9 bytes
	expect_sense(e, 0x05, 0x24, 0x00);
	expect_no_field_pointer(e);
	EXPECT_EQ(lu.reads, 0);
	Exec s(lu, {0x9e}, 32);
	expect_sense(s, 0x05, 0x24, 0x00);
	Exec empty(lu, {}, 32);
	expect_sense(empty, 0x05, 0x0e, 0x03);
	std::vector<u8> huge(33, 0);
	Exec h(lu, huge, 0);
	expect_sense(h, 0x05, 0x24, 0x00);
}

TEST(Dispatch, LongerCdbBufferIsFine) {
	FakeLu lu;
	std::vector<u8> cdb = {0x00, 0, 0, 0, 0, 0};
	cdb.resize(16, 0xee); // iSCSI pads to 16: the padding is not looked at
	Exec e(lu, cdb, 0);
	EXPECT_TRUE(e.good());
}

TEST(Dispatch, WriteProtectedAdmission) {
	FakeLu lu;
	lu.ro = true;
	std::vector<u8> data(512, 1);
	Exec e(lu, cdb10(0x2a, 0, 0, 0, 1), 0, data);
	expect_sense(e, 0x07, 0x27, 0x00);
	EXPECT_EQ(lu.writes, 0);
	Exec r(lu, cdb10(0x28, 0, 0, 0, 1), 512);
	EXPECT_TRUE(r.good());
}

TEST(Dispatch, DescriptorSenseWhenAsked) {
	FakeLu lu;
	Exec e(lu, {0x00, 0x01, 0, 0, 0, 0}, 0, {}, nullptr, true);
	ASSERT_EQ(e.cmd().status(), ScsiStatus::kCheckCondition);
	std::vector<u8> s = e.sense();
	ASSERT_EQ(s.size(), 16u);
	EXPECT_EQ(s[0], 0x72);
	EXPECT_EQ(s[1], 0x05);
	EXPECT_EQ(s[2], 0x24);
	EXPECT_EQ(s[8], 0x02);
	EXPECT_EQ(s[12], 0xc8);
	EXPECT_EQ(s[14], 1);
}

// ---- REPORT SUPPORTED OPERATION CODES ----

std::vector<u8> rsoc(u8 options, u8 op, u16 sa, u32 alloc, bool rctd = false) {
	return {0xa3, 0x0c, u8((rctd ? 0x80 : 0) | options), op, u8(sa >> 8), u8(sa),
		u8(alloc >> 24), u8(alloc >> 16), u8(alloc >> 8), u8(alloc), 0, 0};
}

TEST(Rsoc, AllCommandsIsExactlyTheTable) {
	FakeLu lu;
	lu.attrs.emulate_tpu = true; // every row enabled
	lu.attrs.pi_prot_type = 2;   // (the 32-byte CDBs too)
	for (bool rctd : {false, true}) {
		Exec e(lu, rsoc(0, 0, 0, 4096, rctd), 4096);
		ASSERT_TRUE(e.good());
		usize desc = rctd ? 20 : 8;
		std::vector<const OpcodeRow *> rows = leaf_rows();
		ASSERT_EQ(e.be(0, 4), rows.size() * desc);
		ASSERT_EQ(e.cmd().data_in_length(), 4 + rows.size() * desc);
		for (usize i = 0; i < rows.size(); i++) {
			usize off = 4 + i * desc;
			const OpcodeRow *r = rows[i];
			bool sa = find_opcode(r->opcode)->has_service_actions();
			EXPECT_EQ(e.at(off), r->opcode);
			EXPECT_EQ(e.be(off + 2, 2), sa ? r->service_action : 0u);
			EXPECT_EQ(e.at(off + 5), (rctd ? 2 : 0) | (sa ? 1 : 0)) << r->name;
			EXPECT_EQ(e.be(off + 6, 2), r->cdb_length);
			if (rctd) {
				EXPECT_EQ(e.be(off + 8, 2), 10u);
			}
		}
	}
}

TEST(Rsoc, OneCommandUsageData) {
	FakeLu lu;
	Exec e(lu, rsoc(1, 0x28, 0, 64), 64);
	ASSERT_TRUE(e.good());
	const u8 want[] = {0, 0x03, 0, 10, 0x28, 0xf8, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0};
	ASSERT_EQ(e.data(), std::vector<u8>(want, want + sizeof(want)));
	// With timeouts descriptor.
	Exec t(lu, rsoc(1, 0x00, 0, 64, true), 64);
	ASSERT_TRUE(t.good());
	EXPECT_EQ(t.at(1), 0x83);
	EXPECT_EQ(t.be(2, 2), 6u);
	EXPECT_EQ(t.cmd().data_in_length(), 4u + 6 + 12);
	EXPECT_EQ(t.be(10, 2), 10u);
}

TEST(Rsoc, OneCommandWithServiceAction) {
	FakeLu lu;
	Exec e(lu, rsoc(2, 0x9e, 0x10, 64), 64);
	ASSERT_TRUE(e.good());
	EXPECT_EQ(e.at(1), 0x03);
	EXPECT_EQ(e.be(2, 2), 16u);
	EXPECT_EQ(e.at(4), 0x9e);
	EXPECT_EQ(e.at(5), 0x10) << "the SA in its field";
	EXPECT_EQ(e.at(18), 0x01) << "PMI";
	EXPECT_EQ(e.cmd().data_in_length(), 20u);
	// Options 3 finds it too; an unknown SA is "not supported".
	Exec three(lu, rsoc(3, 0xa3, 0x0c, 64), 64);
	EXPECT_EQ(three.at(1), 0x03);
	EXPECT_EQ(three.at(5), 0x0c);
	Exec unknown(lu, rsoc(2, 0x9e, 0x13, 64), 64);
	ASSERT_TRUE(unknown.good());
	EXPECT_EQ(unknown.at(1), 0x01);
	EXPECT_EQ(unknown.cmd().data_in_length(), 4u);
	Exec bigsa(lu, rsoc(2, 0x9e, 0x1010, 64), 64);
	EXPECT_EQ(bigsa.at(1), 0x01);
}

// UNMAP without emulate_tpu and COMPARE AND WRITE without emulate_caw answer INVALID COMMAND
// OPERATION CODE: RSOC does not report them for that LU.
TEST(Rsoc, CommandsTurnedOffByAttributesAreLeftOut) {
	auto listed = [](FakeLu &lu, u8 op) {
		Exec e(lu, rsoc(0, 0, 0, 4096), 4096);
		EXPECT_TRUE(e.good());
		for (usize off = 4; off + 8 <= 4 + e.be(0, 4); off += 8)
			if (e.at(off) == op)
				return true;
		return false;
	};
	auto one = [](FakeLu &lu, u8 op) {
		Exec e(lu, rsoc(1, op, 0, 64), 64);
		EXPECT_TRUE(e.good());
		return e.at(1) & 0x07;
	};
	FakeLu lu;
	lu.attrs.emulate_tpu = false;
	lu.attrs.emulate_caw = true;
	EXPECT_FALSE(listed(lu, 0x42));
	EXPECT_EQ(one(lu, 0x42), 0x01) << "UNMAP: not supported";
	EXPECT_TRUE(listed(lu, 0x89));
	EXPECT_EQ(one(lu, 0x89), 0x03);
	Exec unmap(lu, {0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 0);
	expect_sense(unmap, 0x05, 0x20, 0x00);
	lu.attrs.emulate_tpu = true;
	lu.attrs.emulate_caw = false;
	EXPECT_TRUE(listed(lu, 0x42));
	EXPECT_EQ(one(lu, 0x42), 0x03);
	EXPECT_FALSE(listed(lu, 0x89));
	EXPECT_EQ(one(lu, 0x89), 0x01) << "COMPARE AND WRITE: not supported";
}

TEST(Rsoc, UnsupportedOpcodeAndBadOptions) {
	FakeLu lu;
	Exec e(lu, rsoc(1, 0xc1, 0, 64), 64);
	ASSERT_TRUE(e.good());
	EXPECT_EQ(e.at(1), 0x01);
	// Options 1 on an opcode with service actions, options 2 on one without.
	Exec a(lu, rsoc(1, 0x9e, 0, 64), 64);
	expect_invalid_field(a, 2, 2);
	Exec b(lu, rsoc(2, 0x28, 0, 64), 64);
	expect_invalid_field(b, 2, 2);
	Exec c(lu, rsoc(4, 0x28, 0, 64), 64);
	expect_invalid_field(c, 2, 2);
	Exec d(lu, rsoc(3, 0x28, 1, 64), 64);
	EXPECT_EQ(d.at(1), 0x01);
}

TEST(Rsoc, AllocationLengthTruncates) {
	FakeLu lu;
	lu.attrs.emulate_tpu = true;
	lu.attrs.pi_prot_type = 2; // every row enabled (the 32-byte CDBs too)
	Exec e(lu, rsoc(0, 0, 0, 10), 64);
	ASSERT_TRUE(e.good());
	EXPECT_EQ(e.cmd().data_in_length(), 10u);
	EXPECT_EQ(e.be(0, 4), leaf_rows().size() * 8) << "full length reported";
	EXPECT_EQ(e.cmd().residual(), Residual::kUnderflow);
	EXPECT_EQ(e.cmd().residual_count(), 54u);
	EXPECT_EQ(e.at(10), 0xcc) << "nothing past the allocation length";
}

TEST(Rstmf, BasicAndExtended) {
	FakeLu lu;
	Exec e(lu, {0xa3, 0x0d, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0}, 16);
	ASSERT_TRUE(e.good());
	ASSERT_EQ(e.data(), (std::vector<u8>{0xd8, 0x01, 0, 0}));
	Exec x(lu, {0xa3, 0x0d, 0x80, 0, 0, 0, 0, 0, 0, 16, 0, 0}, 16);
	ASSERT_TRUE(x.good());
	EXPECT_EQ(x.cmd().data_in_length(), 16u);
	EXPECT_EQ(x.at(3), 0x0c);
	Exec s(lu, {0xa3, 0x0d, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0}, 16);
	expect_invalid_field(s, 6, 7);
}

} // namespace
} // namespace lio::scsi::test
