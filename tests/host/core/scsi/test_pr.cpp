// SPDX-License-Identifier: GPL-2.0
// Tests for SPC-4 persistent reservations (spc_pr.cpp, pr.cpp): every PR OUT service action's
// state transitions and errors, PR IN's four service actions, TransportIDs, admission under
// each reservation type, the SPC-2 interplay (CRH) and the unit attentions owed to others.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "core/scsi/pr.h"
#include "scsi_test_support.h"

namespace lio::scsi::test {
namespace {

constexpr u8 kWe = 1, kEa = 3, kWeRo = 5, kEaRo = 6, kWeAr = 7, kEaAr = 8;
constexpr u8 kRegister = 0, kReserve = 1, kRelease = 2, kClear = 3, kPreempt = 4,
	     kPreemptAbort = 5, kRegIgnore = 6, kRegMove = 7;
constexpr u8 kSpecIPt = 0x08, kAllTgPt = 0x04, kAptpl = 0x01;

std::vector<u8> pro_cdb(u8 sa, u8 type, u32 len, u8 scope = 0) {
	return {0x5f, sa, u8(scope << 4 | type), 0, 0, u8(len >> 24), u8(len >> 16), u8(len >> 8),
		u8(len), 0};
}
std::vector<u8> pri_cdb(u8 sa, u16 alloc) {
	return {0x5e, sa, 0, 0, 0, 0, 0, u8(alloc >> 8), u8(alloc), 0};
}

void put64(std::vector<u8> &v, size_t off, u64 x) {
	for (int i = 0; i < 8; i++)
		v[off + i] = u8(x >> (56 - 8 * i));
}
void put32(std::vector<u8> &v, size_t off, u32 x) {
	for (int i = 0; i < 4; i++)
		v[off + i] = u8(x >> (24 - 8 * i));
}
std::vector<u8> basic(u64 key, u64 sa_key, u8 flags) {
	std::vector<u8> p(24, 0);
	put64(p, 0, key);
	put64(p, 8, sa_key);
	p[20] = flags;
	return p;
}
// An iSCSI TransportID (format 01b with an ISID, 00b without).
std::vector<u8> iscsi_tid(const std::string &name, const std::string &isid = "") {
	std::string text = isid.empty() ? name : name + ",i,0x" + isid;
	size_t add = (text.size() + 1 + 3) & ~size_t(3);
	if (add < 20)
		add = 20;
	std::vector<u8> t(4 + add, 0);
	t[0] = u8((isid.empty() ? 0x00 : 0x40) | 0x05);
	t[2] = u8(add >> 8);
	t[3] = u8(add);
	std::copy(text.begin(), text.end(), t.begin() + 4);
	return t;
}
std::vector<u8> sas_tid(u64 addr) {
	std::vector<u8> t(24, 0);
	t[0] = 0x06;
	put64(t, 4, addr);
	return t;
}
std::vector<u8> fc_tid(u64 wwpn) {
	std::vector<u8> t(24, 0);
	put64(t, 8, wwpn);
	return t;
}
// REGISTER with SPEC_I_PT and these TransportIDs.
std::vector<u8> spec_params(u64 sa_key, std::vector<std::vector<u8>> tids, u8 flags = 0) {
	std::vector<u8> p = basic(0, sa_key, u8(kSpecIPt | flags));
	p.resize(28);
	for (auto &t : tids)
		p.insert(p.end(), t.begin(), t.end());
	put32(p, 24, u32(p.size() - 28));
	return p;
}
std::vector<u8> move_params(u64 key, u64 sa_key, u16 rtpi, std::vector<u8> tid, u8 b17 = 0) {
	std::vector<u8> p(24, 0);
	put64(p, 0, key);
	put64(p, 8, sa_key);
	p[17] = b17;
	p[18] = u8(rtpi >> 8);
	p[19] = u8(rtpi);
	put32(p, 20, u32(tid.size()));
	p.insert(p.end(), tid.begin(), tid.end());
	return p;
}

void expect_conflict(Exec &e) {
	EXPECT_EQ(e.cmd().status(), ScsiStatus::kReservationConflict);
	EXPECT_TRUE(e.sense().empty());
}
void expect_param_field(Exec &e, u16 byte, u8 bit) {
	expect_sense(e, 0x05, 0x26, 0x00);
	std::vector<u8> s = e.sense();
	ASSERT_EQ(s.size(), 18u);
	EXPECT_EQ(s[15], 0x80 | 0x08 | bit) << "SKSV, C/D = 0, BPV";
	EXPECT_EQ((s[16] << 8) | s[17], byte);
}

const std::vector<u8> kTidA = iscsi_tid("iqn.2003-01.org.example:a", "23d000000001");
const std::vector<u8> kWrite10 = cdb10(0x2a, 0, 0, 0, 1);
const std::vector<u8> kRead10 = cdb10(0x28, 0, 0, 0, 1);

class Pr : public ::testing::Test {
  protected:
	Pr() {
		setup(a, "iqn.2003-01.org.example:a", "23d000000001", 1);
		setup(b, "iqn.2003-01.org.example:b", "23d000000002", 1);
		setup(c, "iqn.2003-01.org.example:c", "23d000000003", 1);
		lu.nexuses = {&a, &b, &c};
		setup(obs, "iqn.2003-01.org.example:observer", "23d000000099", 1);
	}
	static void setup(FakeNexus &n, const char *name, const char *isid, u16 rtpi) {
		n.initiator = name;
		n.isid = isid;
		n.has_port = true;
		n.port.relative_port_id = rtpi;
		n.port.target_name = str_view("iqn.2003-01.org.linux-iscsi.t:sn.1");
		n.port.tpg_tag = 1;
		n.port.fabric_name = str_view("iSCSI");
		n.port.target_lun = 0;
		n.port.mapped_lun = 2;
	}
	Exec pro(FakeNexus &n, u8 sa, u8 type, std::vector<u8> params, u8 scope = 0) {
		u32 len = u32(params.size());
		return exec_on(lu, n, pro_cdb(sa, type, len, scope), 0, std::move(params));
	}
	Exec pro(FakeNexus &n, u8 sa, u8 type, u64 key, u64 sa_key, u8 flags = 0) {
		return pro(n, sa, type, basic(key, sa_key, flags));
	}
	Exec pri(FakeNexus &n, u8 sa, u16 alloc = 1024) {
		return exec_on(lu, n, pri_cdb(sa, alloc), alloc);
	}
	void reg(FakeNexus &n, u64 key, u8 flags = 0) {
		Exec e = pro(n, kRegister, 0, 0, key, flags);
		ASSERT_TRUE(e.good());
	}
	void reserve(FakeNexus &n, u64 key, u8 type) {
		Exec e = pro(n, kReserve, type, key, 0);
		ASSERT_TRUE(e.good());
	}
	// PR IN through an unregistered observer with no pending unit attentions.
	std::vector<u64> keys() {
		Exec e = pri(obs, 0, 4096);
		EXPECT_TRUE(e.good());
		std::vector<u64> out;
		for (u32 i = 0; i < e.be(4, 4) / 8; i++)
			out.push_back(e.be64(8 + 8 * i));
		return out;
	}
	u32 generation() {
		Exec e = pri(obs, 0);
		EXPECT_TRUE(e.good());
		return e.be(0, 4);
	}
	// (key, type) of the reservation; type 0 = none.
	std::pair<u64, u8> reservation() {
		Exec e = pri(obs, 1);
		EXPECT_TRUE(e.good());
		if (e.be(4, 4) == 0)
			return {0, 0};
		EXPECT_EQ(e.be(4, 4), 16u);
		return {e.be64(8), e.at(21)};
	}
	ScsiStatus status_of(FakeNexus &n, const std::vector<u8> &cdb, size_t in, size_t out = 0) {
		Exec e(lu, cdb, in, std::vector<u8>(out, 0), nullptr, false, &n);
		return e.cmd().status();
	}

	FakeLu lu;
	FakeNexus a{1}, b{2}, c{3};
	FakeNexus obs{99};
};

// ---- REGISTER, REGISTER AND IGNORE EXISTING KEY ----

TEST_F(Pr, RegisterReadKeysAndGeneration) {
	EXPECT_EQ(generation(), 0u);
	EXPECT_TRUE(keys().empty());
	reg(a, 0xaa);
	reg(b, 0xbb);
	EXPECT_EQ(keys(), (std::vector<u64>{0xaa, 0xbb}));
	EXPECT_EQ(generation(), 2u);
	// Change the key: RESERVATION KEY must be the registered one.
	Exec wrong = pro(a, kRegister, 0, 0x11, 0xa2);
	expect_conflict(wrong);
	Exec ok = pro(a, kRegister, 0, 0xaa, 0xa2);
	EXPECT_TRUE(ok.good());
	EXPECT_EQ(keys(), (std::vector<u64>{0xa2, 0xbb}));
	EXPECT_EQ(generation(), 3u);
	// Unregister.
	Exec un = pro(a, kRegister, 0, 0xa2, 0);
	EXPECT_TRUE(un.good());
	EXPECT_EQ(keys(), (std::vector<u64>{0xbb}));
	EXPECT_EQ(generation(), 4u);
}

TEST_F(Pr, RegisterUnregisteredWithKeyConflictsAndZeroIsNoOp) {
	Exec e = pro(a, kRegister, 0, 0x5, 0x6);
	expect_conflict(e);
	Exec z = pro(a, kRegister, 0, 0, 0);
	EXPECT_TRUE(z.good());
	EXPECT_TRUE(keys().empty());
	EXPECT_EQ(generation(), 0u);
}

TEST_F(Pr, RegisterAndIgnoreExistingKey) {
	Exec e = pro(a, kRegIgnore, 0, 0x1234, 0xaa); // key ignored when unregistered
	EXPECT_TRUE(e.good());
	Exec f = pro(a, kRegIgnore, 0, 0x9999, 0xab); // and when registered
	EXPECT_TRUE(f.good());
	EXPECT_EQ(keys(), (std::vector<u64>{0xab}));
	Exec g = pro(a, kRegIgnore, 0, 0, 0);
	EXPECT_TRUE(g.good());
	EXPECT_TRUE(keys().empty());
}

TEST_F(Pr, RegistrationBelongsToTheInitiatorPortAndTargetPort) {
	reg(a, 0xaa);
	// Same name, another ISID: another I_T nexus (enforce_pr_isids = 1).
	FakeNexus a2(9);
	setup(a2, "iqn.2003-01.org.example:a", "23d0000000ff", 1);
	Exec r = pro(a2, kReserve, kWe, 0xaa, 0);
	expect_conflict(r);
	// Another target port: another I_T nexus too.
	FakeNexus a3(10);
	setup(a3, "iqn.2003-01.org.example:a", "23d000000001", 2);
	Exec r3 = pro(a3, kReserve, kWe, 0xaa, 0);
	expect_conflict(r3);
	// enforce_pr_isids = 0: the ISID is not part of the identity.
	lu.attrs.enforce_pr_isids = false;
	Exec r2 = pro(a2, kReserve, kWe, 0xaa, 0);
	EXPECT_TRUE(r2.good());
	EXPECT_EQ(reservation().second, kWe);
}

TEST_F(Pr, AllTargetPorts) {
	reg(a, 0xaa, kAllTgPt);
	FakeNexus a2(9);
	setup(a2, "iqn.2003-01.org.example:a", "23d000000001", 7);
	Exec e = pro(a2, kReserve, kEa, 0xaa, 0);
	EXPECT_TRUE(e.good());
	Exec fs = pri(a, 3);
	ASSERT_TRUE(fs.good());
	EXPECT_EQ(fs.at(8 + 12), 0x03) << "ALL_TG_PT, R_HOLDER";
	EXPECT_EQ(fs.be(8 + 18, 2), 0u);
}

TEST_F(Pr, RegisteredNexusWithSpecIPtIsInvalid) {
	reg(a, 0xaa);
	Exec e = pro(a, kRegister, 0, spec_params(0xab, {iscsi_tid("iqn.x:y")}));
	// The basic list's RESERVATION KEY is 0 in spec_params: a conflict comes first.
	expect_conflict(e);
	std::vector<u8> p = spec_params(0xab, {iscsi_tid("iqn.x:y")});
	put64(p, 0, 0xaa);
	Exec f = pro(a, kRegister, 0, p);
	expect_param_field(f, 20, 3);
}

TEST_F(Pr, SpecIPtRegistersEveryTransportId) {
	Exec e = pro(a, kRegister, 0,
		     spec_params(0x77, {iscsi_tid("iqn.2003-01.org.example:b", "23d000000002"),
					iscsi_tid("iqn.2003-01.org.example:c")}));
	ASSERT_TRUE(e.good());
	EXPECT_EQ(keys(), (std::vector<u64>{0x77, 0x77, 0x77}));
	EXPECT_EQ(generation(), 1u);
	// c was named without an ISID: every ISID of c on this port is registered.
	FakeNexus c2(11);
	setup(c2, "iqn.2003-01.org.example:c", "aaaaaaaaaaaa", 1);
	Exec r = pro(c2, kReserve, kWe, 0x77, 0);
	EXPECT_TRUE(r.good());
	// READ FULL STATUS gives the TransportIDs back.
	Exec fs = pri(a, 3, 4096);
	ASSERT_TRUE(fs.good());
	size_t off = 8;
	std::vector<std::string> names;
	for (int i = 0; i < 3; i++) {
		u32 tl = fs.be(off + 20, 4);
		EXPECT_EQ(fs.at(off + 24) & 0x0f, 0x05);
		std::string t(reinterpret_cast<const char *>(fs.data().data() + off + 28));
		names.push_back(t);
		EXPECT_EQ(tl % 4, 0u);
		off += 24 + tl;
	}
	EXPECT_EQ(fs.be(4, 4), off - 8);
	EXPECT_EQ(names[0], "iqn.2003-01.org.example:a,i,0x23d000000001");
	EXPECT_EQ(names[1], "iqn.2003-01.org.example:b,i,0x23d000000002");
	EXPECT_EQ(names[2], "iqn.2003-01.org.example:c");
}

TEST_F(Pr, SpecIPtSasAndFc) {
	FakeNexus s(20);
	s.protocol_id = 0x06;
	s.initiator = "naa.5001405aabbccdd0";
	s.has_port = true;
	s.port.relative_port_id = 1;
	lu.nexuses.push_back(&s);
	Exec e = pro(a, kRegister, 0,
		     spec_params(0x55, {sas_tid(0x5001405aabbccdd0ull),
					fc_tid(0x2100001b32a1b2c3ull)}));
	ASSERT_TRUE(e.good());
	EXPECT_EQ(keys().size(), 3u);
	// The SAS initiator (tcm_loop's naa. name) is registered.
	Exec r = pro(s, kReserve, kEa, 0x55, 0);
	EXPECT_TRUE(r.good());
	Exec fs = pri(a, 3, 4096);
	size_t off = 8 + 24 + fs.be(8 + 20, 4); // past a's descriptor
	EXPECT_EQ(fs.be(off + 20, 4), 24u);
	EXPECT_EQ(fs.at(off + 24), 0x06);
	EXPECT_EQ(fs.be64(off + 24 + 4), 0x5001405aabbccdd0ull);
	EXPECT_EQ(fs.at(off + 13), kEa);
	off += 48;
	EXPECT_EQ(fs.at(off + 24), 0x00);
	EXPECT_EQ(fs.be64(off + 24 + 8), 0x2100001b32a1b2c3ull);
}

TEST_F(Pr, SpecIPtErrorsRegisterNothing) {
	// Already registered.
	reg(b, 0xbb);
	Exec e = pro(a, kRegister, 0,
		     spec_params(0x77, {iscsi_tid("iqn.2003-01.org.example:b", "23d000000002")}));
	expect_param_field(e, 28, 7);
	// Named twice.
	Exec d = pro(a, kRegister, 0,
		     spec_params(0x77, {iscsi_tid("iqn.x:c"), iscsi_tid("iqn.x:c")}));
	expect_param_field(d, 28 + 24, 7);
	// Malformed: unknown protocol, bad format, bad ISID, no NUL.
	std::vector<u8> bad = iscsi_tid("iqn.x:c");
	bad[0] = 0x09;
	Exec p = pro(a, kRegister, 0, spec_params(0x77, {bad}));
	expect_param_field(p, 28, 7);
	std::vector<u8> isid = iscsi_tid("iqn.x:c", "12345");
	Exec q = pro(a, kRegister, 0, spec_params(0x77, {isid}));
	expect_sense(q, 0x05, 0x26, 0x00);
	std::vector<u8> nonul = iscsi_tid("iqn.x:c");
	for (size_t i = 4; i < nonul.size(); i++)
		nonul[i] = 'x';
	Exec r = pro(a, kRegister, 0, spec_params(0x77, {nonul}));
	expect_param_field(r, 28 + 4, 7);
	std::vector<u8> fmt = sas_tid(1);
	fmt[0] |= 0x40;
	Exec f = pro(a, kRegister, 0, spec_params(0x77, {fmt}));
	expect_param_field(f, 28, 7);
	EXPECT_EQ(keys(), (std::vector<u64>{0xbb}));
	// SPEC_I_PT with other service actions.
	Exec s = pro(b, kReserve, kWe, basic(0xbb, 0, kSpecIPt));
	expect_param_field(s, 20, 3);
}

TEST_F(Pr, ParameterListLength) {
	std::vector<u8> p = basic(0, 0xaa, 0);
	p.push_back(0);
	Exec e = pro(a, kRegister, 0, p); // 25 bytes without SPEC_I_PT
	expect_sense(e, 0x05, 0x1a, 0x00);
	Exec s = pro(a, kRegister, 0, std::vector<u8>(23, 0));
	expect_sense(s, 0x05, 0x1a, 0x00);
	Exec z = exec_on(lu, a, pro_cdb(kRegister, 0, 0), 0);
	expect_sense(z, 0x05, 0x1a, 0x00);
	// SPEC_I_PT: at least 28, and the TransportIDs inside the list.
	Exec t = pro(a, kRegister, 0, basic(0, 0xaa, kSpecIPt));
	expect_sense(t, 0x05, 0x1a, 0x00);
	std::vector<u8> sp = spec_params(0xaa, {iscsi_tid("iqn.x:y")});
	put32(sp, 24, u32(sp.size()));
	Exec u = pro(a, kRegister, 0, sp);
	expect_sense(u, 0x05, 0x1a, 0x00);
	// The CDB asks for more than the transport carries.
	Exec v = exec_on(lu, a, pro_cdb(kRegister, 0, 48), 0, basic(0, 0xaa, 0));
	expect_sense(v, 0x05, 0x1a, 0x00);
	// REGISTER AND MOVE: the TransportID must fit.
	reg(a, 0xaa);
	reserve(a, 0xaa, kWe);
	std::vector<u8> mp = move_params(0xaa, 0xbb, 1, iscsi_tid("iqn.x:y"));
	put32(mp, 20, 200);
	Exec m = pro(a, kRegMove, 0, mp);
	expect_sense(m, 0x05, 0x1a, 0x00);
	EXPECT_EQ(keys(), (std::vector<u64>{0xaa}));
}

TEST_F(Pr, ReservedBitsAndCdbFields) {
	Exec e = pro(a, kRegister, 0, basic(0, 0xaa, 0x10));
	expect_param_field(e, 20, 4);
	Exec f = pro(a, kRegister, 0, basic(0, 0xaa, 0x02));
	expect_param_field(f, 20, 1);
	reg(a, 0xaa);
	Exec scope = pro(a, kReserve, kWe, basic(0xaa, 0, 0), 1);
	expect_invalid_field(scope, 2, 7);
	for (u8 t : {0, 2, 4, 9, 15}) {
		Exec bad = pro(a, kReserve, t, 0xaa, 0);
		expect_invalid_field(bad, 2, 3);
	}
	// Reserved CDB bytes and an unknown service action.
	std::vector<u8> cdb = pro_cdb(kRegister, 0, 24);
	cdb[3] = 1;
	Exec r = exec_on(lu, a, cdb, 0, basic(0xaa, 0xab, 0));
	expect_invalid_field(r, 3, 0);
	Exec sa = exec_on(lu, a, pro_cdb(8, 0, 24), 0, basic(0xaa, 0xab, 0));
	expect_invalid_field(sa, 1, 4);
	Exec in = pri(a, 4);
	expect_invalid_field(in, 1, 4);
	EXPECT_EQ(keys(), (std::vector<u64>{0xaa}));
}

TEST_F(Pr, InsufficientRegistrationResources) {
	FakeNexus none(30); // no initiator name: cannot register
	Exec e = pro(none, kRegister, 0, 0, 0xaa);
	expect_sense(e, 0x05, 0x55, 0x04);
	std::vector<std::unique_ptr<FakeNexus>> many;
	for (size_t i = 0; i < PrState::kMaxRegistrations; i++) {
		many.push_back(std::make_unique<FakeNexus>(100 + i));
		setup(*many.back(), ("iqn.x:" + std::to_string(i)).c_str(), "000000000001", 1);
		Exec r = pro(*many.back(), kRegister, 0, 0, i + 1);
		ASSERT_TRUE(r.good()) << i;
	}
	Exec full = pro(a, kRegister, 0, 0, 0xaa);
	expect_sense(full, 0x05, 0x55, 0x04);
	Exec k = pri(obs, 0, 2048);
	EXPECT_EQ(k.be(4, 4), PrState::kMaxRegistrations * 8);
}

// ---- RESERVE, RELEASE ----

TEST_F(Pr, ReserveRules) {
	Exec unreg = pro(a, kReserve, kWe, 0, 0);
	expect_conflict(unreg);
	reg(a, 0xaa);
	reg(b, 0xbb);
	Exec wrong = pro(a, kReserve, kWe, 0xab, 0);
	expect_conflict(wrong);
	u32 gen = generation();
	reserve(a, 0xaa, kWe);
	EXPECT_EQ(generation(), gen) << "RESERVE does not change PRgeneration";
	EXPECT_EQ(reservation(), (std::pair<u64, u8>{0xaa, kWe}));
	reserve(a, 0xaa, kWe); // again: GOOD
	Exec other_type = pro(a, kReserve, kEa, 0xaa, 0);
	expect_conflict(other_type);
	Exec other = pro(b, kReserve, kWe, 0xbb, 0);
	expect_conflict(other);
}

TEST_F(Pr, ReleaseRules) {
	reg(a, 0xaa);
	reg(b, 0xbb);
	Exec nothing = pro(a, kRelease, kWe, 0xaa, 0);
	EXPECT_TRUE(nothing.good());
	reserve(a, 0xaa, kWe);
	Exec unreg = pro(c, kRelease, kWe, 0, 0);
	expect_conflict(unreg);
	Exec wrong_key = pro(a, kRelease, kWe, 0xbb, 0);
	expect_conflict(wrong_key);
	Exec not_holder = pro(b, kRelease, kWe, 0xbb, 0);
	EXPECT_TRUE(not_holder.good());
	EXPECT_EQ(reservation().second, kWe);
	Exec bad_type = pro(a, kRelease, kEa, 0xaa, 0);
	expect_sense(bad_type, 0x05, 0x26, 0x04);
	Exec ok = pro(a, kRelease, kWe, 0xaa, 0);
	EXPECT_TRUE(ok.good());
	EXPECT_EQ(reservation().second, 0);
	EXPECT_FALSE(b.ua.pending()) << "releasing WE tells nobody";
}

TEST_F(Pr, ReleaseOfRegistrantsOnlyTellsOtherRegistrants) {
	reg(a, 0xaa);
	reg(b, 0xbb);
	reserve(a, 0xaa, kWeRo);
	Exec ok = pro(a, kRelease, kWeRo, 0xaa, 0);
	ASSERT_TRUE(ok.good());
	EXPECT_EQ(b.ua.take(), SenseReason::kReservationsReleased);
	EXPECT_FALSE(a.ua.pending());
	EXPECT_FALSE(c.ua.pending()) << "not registered";
}

TEST_F(Pr, AllRegistrantsEveryRegistrantHolds) {
	reg(a, 0xaa);
	reg(b, 0xbb);
	reserve(a, 0xaa, kEaAr);
	EXPECT_EQ(reservation(), (std::pair<u64, u8>{0, kEaAr})) << "key 0 for all-registrants";
	EXPECT_EQ(status_of(b, kWrite10, 0, 512), ScsiStatus::kGood);
	EXPECT_EQ(status_of(c, kRead10, 512), ScsiStatus::kReservationConflict);
	// a unregisters: b still holds it; b unregisters: it is gone.
	Exec ua = pro(a, kRegister, 0, 0xaa, 0);
	ASSERT_TRUE(ua.good());
	EXPECT_EQ(reservation().second, kEaAr);
	Exec fs = pri(c, 3);
	EXPECT_EQ(fs.at(8 + 12), 0x01) << "R_HOLDER";
	Exec ub = pro(b, kRegister, 0, 0xbb, 0);
	ASSERT_TRUE(ub.good());
	EXPECT_EQ(reservation().second, 0);
	// Any registrant may release it.
	reg(a, 0xaa);
	reg(b, 0xbb);
	reserve(a, 0xaa, kWeAr);
	Exec rel = pro(b, kRelease, kWeAr, 0xbb, 0);
	ASSERT_TRUE(rel.good());
	EXPECT_EQ(reservation().second, 0);
	EXPECT_EQ(a.ua.take(), SenseReason::kReservationsReleased);
}

TEST_F(Pr, UnregisteringTheHolderReleases) {
	reg(a, 0xaa);
	reg(b, 0xbb);
	reserve(a, 0xaa, kEaRo);
	Exec un = pro(a, kRegister, 0, 0xaa, 0);
	ASSERT_TRUE(un.good());
	EXPECT_EQ(reservation().second, 0);
	EXPECT_EQ(b.ua.take(), SenseReason::kReservationsReleased);
}

// ---- admission ----

struct AdmissionCase {
	u8 type;
	// Writer / reader outcomes for: holder, registered non-holder, unregistered.
	bool write_ok[3];
	bool read_ok[3];
};

TEST_F(Pr, AdmissionByType) {
	const AdmissionCase cases[] = {
	    {kWe, {true, false, false}, {true, true, true}},
	    {kEa, {true, false, false}, {true, false, false}},
	    {kWeRo, {true, true, false}, {true, true, true}},
	    {kEaRo, {true, true, false}, {true, true, false}},
	    {kWeAr, {true, true, false}, {true, true, true}},
	    {kEaAr, {true, true, false}, {true, true, false}},
	};
	for (const AdmissionCase &k : cases) {
		FakeLu fresh;
		lu.nexuses.clear();
		Exec ra = exec_on(fresh, a, pro_cdb(kRegister, 0, 24), 0, basic(0, 0xaa, 0));
		Exec rb = exec_on(fresh, b, pro_cdb(kRegister, 0, 24), 0, basic(0, 0xbb, 0));
		Exec rs = exec_on(fresh, a, pro_cdb(kReserve, k.type, 24), 0, basic(0xaa, 0, 0));
		ASSERT_TRUE(ra.good() && rb.good() && rs.good());
		FakeNexus *who[3] = {&a, &b, &c};
		for (int i = 0; i < 3; i++) {
			Exec w(fresh, kWrite10, 0, std::vector<u8>(512), nullptr, false, who[i]);
			EXPECT_EQ(w.good(), k.write_ok[i]) << int(k.type) << " nexus " << i;
			if (!k.write_ok[i])
				expect_conflict(w);
			Exec r(fresh, kRead10, 512, {}, nullptr, false, who[i]);
			EXPECT_EQ(r.good(), k.read_ok[i]) << int(k.type) << " nexus " << i;
		}
		// Always allowed: INQUIRY, TEST UNIT READY, READ CAPACITY, REPORT LUNS, PR IN.
		for (auto cdb : {cdb6(0x12, 0, 0, 0, 96), cdb6(0x00, 0, 0, 0, 0),
				 cdb10(0x25, 0, 0, 0, 0), pri_cdb(0, 64)}) {
			Exec e(fresh, cdb, 96, {}, nullptr, false, &c);
			EXPECT_TRUE(e.good()) << "opcode " << int(cdb[0]);
		}
		// SYNCHRONIZE CACHE is not a read.
		Exec sc(fresh, cdb10(0x35, 0, 0, 0, 0), 0, {}, nullptr, false, &c);
		expect_conflict(sc);
	}
}

TEST_F(Pr, Spc2Interplay) {
	// An SPC-2 reservation of another nexus: PR IN and PR OUT conflict.
	Exec r6 = exec_on(lu, b, cdb6(0x16, 0, 0, 0, 0), 0);
	ASSERT_TRUE(r6.good());
	Exec out = pro(a, kRegister, 0, 0, 0xaa);
	expect_conflict(out);
	Exec in = pri(a, 0);
	expect_conflict(in);
	Exec mine = pro(b, kRegister, 0, 0, 0xbb);
	EXPECT_TRUE(mine.good());
	// Registered, not a PR holder: RELEASE conflicts (as LIO) and changes nothing.
	Exec rel = exec_on(lu, b, cdb6(0x17, 0, 0, 0, 0), 0);
	expect_conflict(rel);
	EXPECT_EQ(lu.state().reservation_holder(), 2u);
	lu.state().clear_reservation();
	// With registrations (CRH = 1): RESERVE/RELEASE from the holder are GOOD and change
	// nothing; from others they conflict.
	reserve(b, 0xbb, kWe);
	Exec h = exec_on(lu, b, cdb10(0x56, 0, 0, 0, 0), 0);
	EXPECT_TRUE(h.good());
	EXPECT_EQ(lu.state().reservation_holder(), 0u);
	Exec o = exec_on(lu, a, cdb6(0x16, 0, 0, 0, 0), 0);
	expect_conflict(o);
	Exec orel = exec_on(lu, a, cdb10(0x57, 0, 0, 0, 0), 0);
	expect_conflict(orel);
	// Registrations alone (no reservation) also refuse SPC-2 RESERVE from others.
	Exec relpr = pro(b, kRelease, kWe, 0xbb, 0);
	ASSERT_TRUE(relpr.good());
	Exec o2 = exec_on(lu, a, cdb6(0x16, 0, 0, 0, 0), 0);
	expect_conflict(o2);
	// The registration survives what SPC-2 reservations do not (LU reset in the device
	// model clears only the SPC-2 holder).
	lu.state().clear_reservation();
	EXPECT_EQ(keys(), (std::vector<u64>{0xbb}));
}

TEST_F(Pr, EmulatePrOffMakesThemUnsupported) {
	lu.attrs.emulate_pr = false;
	Exec o = pro(a, kRegister, 0, 0, 0xaa);
	expect_sense(o, 0x05, 0x20, 0x00);
	Exec i = pri(a, 0);
	expect_sense(i, 0x05, 0x20, 0x00);
	Exec r = exec_on(lu, a, cdb6(0x16, 0, 0, 0, 0), 0);
	expect_sense(r, 0x05, 0x20, 0x00);
	Exec l = exec_on(lu, a, cdb10(0x57, 0, 0, 0, 0), 0);
	expect_sense(l, 0x05, 0x20, 0x00);
	// RSOC reports them as not supported, and leaves them out of the full list.
	for (u8 op : {0x16, 0x17, 0x56, 0x57, 0x5e, 0x5f}) {
		u8 opts = (op == 0x5e || op == 0x5f) ? 2 : 1;
		Exec one(lu, {0xa3, 0x0c, opts, op, 0, 0, 0, 0, 0, 64, 0, 0}, 64);
		ASSERT_TRUE(one.good());
		EXPECT_EQ(one.at(1) & 0x07, 0x01) << int(op);
	}
	Exec all(lu, {0xa3, 0x0c, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0}, 4096);
	ASSERT_TRUE(all.good());
	for (size_t off = 4; off + 8 <= 4 + all.be(0, 4); off += 8)
		EXPECT_TRUE(all.at(off) != 0x5e && all.at(off) != 0x5f && all.at(off) != 0x16)
		    << int(all.at(off));
	lu.attrs.emulate_pr = true;
	Exec on(lu, {0xa3, 0x0c, 2, 0x5f, 0, 0x07, 0, 0, 0, 64, 0, 0}, 64);
	EXPECT_EQ(on.at(1) & 0x07, 0x03) << "REGISTER AND MOVE supported";
}

// ---- CLEAR, PREEMPT, PREEMPT AND ABORT ----

TEST_F(Pr, Clear) {
	reg(a, 0xaa);
	reg(b, 0xbb);
	reserve(a, 0xaa, kWe);
	Exec unreg = pro(c, kClear, 0, 0, 0);
	expect_conflict(unreg);
	Exec wrong = pro(b, kClear, 0, 0xaa, 0);
	expect_conflict(wrong);
	u32 gen = generation();
	Exec ok = pro(b, kClear, 0, 0xbb, 0);
	ASSERT_TRUE(ok.good());
	EXPECT_TRUE(keys().empty());
	EXPECT_EQ(reservation().second, 0);
	EXPECT_EQ(generation(), gen + 1);
	EXPECT_EQ(a.ua.take(), SenseReason::kReservationsPreempted);
	EXPECT_FALSE(b.ua.pending());
	EXPECT_FALSE(c.ua.pending());
}

TEST_F(Pr, PreemptTheHolder) {
	reg(a, 0xaa);
	reg(b, 0xbb);
	reg(c, 0xcc);
	reserve(a, 0xaa, kWe);
	Exec unreg_key = pro(b, kPreempt, kEa, 0xbc, 0xaa);
	expect_conflict(unreg_key);
	u32 gen = generation();
	Exec p = pro(b, kPreempt, kEa, 0xbb, 0xaa);
	ASSERT_TRUE(p.good());
	EXPECT_EQ(reservation(), (std::pair<u64, u8>{0xbb, kEa}));
	EXPECT_EQ(keys(), (std::vector<u64>{0xbb, 0xcc}));
	EXPECT_EQ(generation(), gen + 1);
	EXPECT_EQ(a.ua.take(), SenseReason::kRegistrationsPreempted);
	// The type changed: the registrants left (c) are told the reservation was released.
	EXPECT_EQ(c.ua.take(), SenseReason::kReservationsReleased);
	EXPECT_FALSE(b.ua.pending());
	EXPECT_TRUE(lu.aborted.empty()) << "PREEMPT aborts nothing";
	// a is no longer registered.
	Exec ar = pro(a, kReserve, kWe, 0xaa, 0);
	expect_conflict(ar);
}

TEST_F(Pr, PreemptOwnReservationChangesType) {
	reg(a, 0xaa);
	reg(b, 0xbb);
	reserve(a, 0xaa, kWe);
	Exec p = pro(a, kPreempt, kEaRo, 0xaa, 0xaa);
	ASSERT_TRUE(p.good());
	EXPECT_EQ(reservation(), (std::pair<u64, u8>{0xaa, kEaRo}));
	EXPECT_EQ(keys().size(), 2u) << "a's own registration stays";
	EXPECT_EQ(b.ua.take(), SenseReason::kReservationsReleased);
}

TEST_F(Pr, PreemptRegistrationsOnly) {
	reg(a, 0xaa);
	reg(b, 0xbb);
	reg(c, 0xbb);
	// No reservation: the key's registrations go, no reservation is made.
	Exec p = pro(a, kPreempt, kWe, 0xaa, 0xbb);
	ASSERT_TRUE(p.good());
	EXPECT_EQ(keys(), (std::vector<u64>{0xaa}));
	EXPECT_EQ(reservation().second, 0);
	EXPECT_EQ(b.ua.take(), SenseReason::kRegistrationsPreempted);
	EXPECT_EQ(c.ua.take(), SenseReason::kRegistrationsPreempted);
	// SA key 0 without an all-registrants reservation: invalid.
	Exec z = pro(a, kPreempt, kWe, 0xaa, 0);
	expect_param_field(z, 8, 7);
	// A key nobody has: conflict.
	Exec none = pro(a, kPreempt, kWe, 0xaa, 0x99);
	expect_conflict(none);
	// A reservation held by a, b preempts a non-holder key: reservation untouched.
	reg(b, 0xbb);
	reg(c, 0xcc);
	reserve(a, 0xaa, kWe);
	Exec q = pro(b, kPreempt, kWe, 0xbb, 0xcc);
	ASSERT_TRUE(q.good());
	EXPECT_EQ(reservation(), (std::pair<u64, u8>{0xaa, kWe}));
	EXPECT_EQ(keys(), (std::vector<u64>{0xaa, 0xbb}));
	Exec qz = pro(b, kPreempt, kWe, 0xbb, 0);
	expect_param_field(qz, 8, 7);
}

TEST_F(Pr, PreemptAllRegistrants) {
	reg(a, 0xaa);
	reg(b, 0xbb);
	reg(c, 0xcc);
	reserve(a, 0xaa, kWeAr);
	// SA key 0: everyone else goes, the preempting nexus holds a new reservation.
	Exec p = pro(b, kPreempt, kEa, 0xbb, 0);
	ASSERT_TRUE(p.good());
	EXPECT_EQ(keys(), (std::vector<u64>{0xbb}));
	EXPECT_EQ(reservation(), (std::pair<u64, u8>{0xbb, kEa}));
	EXPECT_EQ(a.ua.take(), SenseReason::kRegistrationsPreempted);
	EXPECT_EQ(c.ua.take(), SenseReason::kRegistrationsPreempted);
	// Another key: only its registrations go.
	reg(a, 0xaa);
	Exec rel = pro(b, kRelease, kEa, 0xbb, 0);
	ASSERT_TRUE(rel.good());
	reserve(a, 0xaa, kEaAr);
	Exec q = pro(b, kPreempt, kEaAr, 0xbb, 0xaa);
	ASSERT_TRUE(q.good());
	EXPECT_EQ(keys(), (std::vector<u64>{0xbb}));
	EXPECT_EQ(reservation(), (std::pair<u64, u8>{0, kEaAr}));
}

TEST_F(Pr, PreemptAndAbortAbortsThePreemptedNexuses) {
	reg(a, 0xaa);
	reg(b, 0xbb);
	reg(c, 0xcc);
	reserve(a, 0xaa, kWe);
	Exec p = pro(b, kPreemptAbort, kWe, 0xbb, 0xaa);
	ASSERT_TRUE(p.good());
	ASSERT_EQ(lu.aborted.size(), 1u);
	EXPECT_EQ(lu.aborted[0], &a);
	EXPECT_EQ(reservation(), (std::pair<u64, u8>{0xbb, kWe}));
	EXPECT_EQ(a.ua.take(), SenseReason::kRegistrationsPreempted);
	EXPECT_FALSE(c.ua.pending()) << "same type: nothing released";
}

// ---- REGISTER AND MOVE ----

TEST_F(Pr, RegisterAndMove) {
	reg(a, 0xaa);
	reserve(a, 0xaa, kWe);
	std::vector<u8> tid = iscsi_tid("iqn.2003-01.org.example:b", "23d000000002");
	// Not the holder / wrong key / unregistered: conflict.
	reg(c, 0xcc);
	Exec nh = pro(c, kRegMove, 0, move_params(0xcc, 0xbb, 1, tid));
	expect_conflict(nh);
	Exec wk = pro(a, kRegMove, 0, move_params(0xab, 0xbb, 1, tid));
	expect_conflict(wk);
	// SA key 0, the same I_T nexus, a bad TransportID, reserved bits: invalid.
	Exec z = pro(a, kRegMove, 0, move_params(0xaa, 0, 1, tid));
	expect_param_field(z, 8, 7);
	Exec self = pro(a, kRegMove, 0,
			move_params(0xaa, 0xbb, 1, kTidA));
	expect_param_field(self, 24, 7);
	std::vector<u8> bad = tid;
	bad[0] = 0x0b;
	Exec bt = pro(a, kRegMove, 0, move_params(0xaa, 0xbb, 1, bad));
	expect_param_field(bt, 24, 7);
	Exec rb = pro(a, kRegMove, 0, move_params(0xaa, 0xbb, 1, tid, 0x04));
	expect_param_field(rb, 17, 2);
	// Move to b, keeping a registered.
	u32 gen = generation();
	Exec m = pro(a, kRegMove, 0, move_params(0xaa, 0xbb, 1, tid));
	ASSERT_TRUE(m.good());
	EXPECT_EQ(reservation(), (std::pair<u64, u8>{0xbb, kWe}));
	EXPECT_EQ(keys(), (std::vector<u64>{0xaa, 0xcc, 0xbb}));
	EXPECT_EQ(generation(), gen + 1);
	EXPECT_EQ(status_of(b, kWrite10, 0, 512), ScsiStatus::kGood);
	EXPECT_EQ(status_of(a, kWrite10, 0, 512), ScsiStatus::kReservationConflict);
	// Move back to a with UNREG: b's registration goes.
	Exec back = pro(b, kRegMove, 0,
			move_params(0xbb, 0xa1, 1, kTidA,
				    0x02));
	ASSERT_TRUE(back.good());
	EXPECT_EQ(reservation(), (std::pair<u64, u8>{0xa1, kWe}));
	EXPECT_EQ(keys(), (std::vector<u64>{0xa1, 0xcc}));
	// All-registrants reservations cannot be moved.
	Exec rel = pro(a, kRelease, kWe, 0xa1, 0);
	ASSERT_TRUE(rel.good());
	reserve(a, 0xa1, kWeAr);
	Exec ar = pro(a, kRegMove, 0, move_params(0xa1, 0xbb, 1, tid));
	expect_conflict(ar);
}

// ---- PR IN ----

TEST_F(Pr, ReportCapabilities) {
	Exec e = pri(a, 2, 8);
	ASSERT_TRUE(e.good());
	const u8 want[] = {0x00, 0x08, 0x1d, 0x90, 0xea, 0x01, 0x00, 0x00};
	EXPECT_EQ(e.data(), std::vector<u8>(want, want + 8));
	reg(a, 0xaa, kAptpl);
	Exec f = pri(a, 2, 8);
	EXPECT_EQ(f.at(3), 0x91) << "PTPL_A";
	Exec g = pro(a, kRegister, 0, 0xaa, 0xab, 0);
	ASSERT_TRUE(g.good());
	Exec h = pri(a, 2, 8);
	EXPECT_EQ(h.at(3), 0x90) << "APTPL cleared by the last REGISTER";
}

TEST_F(Pr, AllocationLengthClipsButReportsFullLength) {
	reg(a, 0xaa);
	reg(b, 0xbb);
	Exec e = pri(a, 0, 12);
	ASSERT_TRUE(e.good());
	EXPECT_EQ(e.cmd().data_in_length(), 12u);
	EXPECT_EQ(e.be(4, 4), 16u);
	Exec fs = pri(a, 3, 8);
	ASSERT_TRUE(fs.good());
	EXPECT_EQ(fs.cmd().data_in_length(), 8u);
	EXPECT_GT(fs.be(4, 4), 48u);
	Exec none = pri(a, 1, 0);
	EXPECT_TRUE(none.good());
	EXPECT_EQ(none.cmd().data_in_length(), 0u);
}

TEST_F(Pr, ReadFullStatusHolderAndRtpi) {
	FakeNexus p2(12);
	setup(p2, "iqn.2003-01.org.example:b", "23d000000002", 3);
	lu.nexuses.push_back(&p2);
	reg(a, 0xaa);
	reg(p2, 0xbb);
	reserve(p2, 0xbb, kEa);
	Exec fs = pri(a, 3);
	ASSERT_TRUE(fs.good());
	EXPECT_EQ(fs.be64(8), 0xaau);
	EXPECT_EQ(fs.at(8 + 12), 0x00);
	EXPECT_EQ(fs.be(8 + 18, 2), 1u);
	size_t off = 8 + 24 + fs.be(8 + 20, 4);
	EXPECT_EQ(fs.be64(off), 0xbbu);
	EXPECT_EQ(fs.at(off + 12), 0x01);
	EXPECT_EQ(fs.at(off + 13), kEa);
	EXPECT_EQ(fs.be(off + 18, 2), 3u);
}

// ---- APTPL ----

TEST_F(Pr, AptplMetadataIsSavedOnEveryChangeWhileActive) {
	reg(b, 0xbb);
	EXPECT_TRUE(lu.saved_pr.empty()) << "APTPL not set: nothing stored";
	reg(a, 0xaa, kAptpl);
	ASSERT_EQ(lu.saved_pr.size(), 1u);
	reserve(a, 0xaa, kWe);
	ASSERT_EQ(lu.saved_pr.size(), 2u);
	EXPECT_EQ(lu.saved_pr[1],
		  "PR_REG_START: 0\ninitiator_fabric=iSCSI\n"
		  "initiator_node=iqn.2003-01.org.example:b\ninitiator_sid=23d000000002\n"
		  "sa_res_key=187\nres_holder=0\nres_all_tg_pt=0\nmapped_lun=2\n"
		  "target_fabric=iSCSI\ntarget_node=iqn.2003-01.org.linux-iscsi.t:sn.1\n"
		  "tpgt=1\nport_rtpi=1\ntarget_lun=0\nPR_REG_END: 0\n"
		  "PR_REG_START: 1\ninitiator_fabric=iSCSI\n"
		  "initiator_node=iqn.2003-01.org.example:a\ninitiator_sid=23d000000001\n"
		  "sa_res_key=170\nres_holder=1\nres_type=01\nres_scope=00\n"
		  "res_all_tg_pt=0\nmapped_lun=2\n"
		  "target_fabric=iSCSI\ntarget_node=iqn.2003-01.org.linux-iscsi.t:sn.1\n"
		  "tpgt=1\nport_rtpi=1\ntarget_lun=0\nPR_REG_END: 1\n");
	// A failed command stores nothing.
	Exec bad = pro(c, kReserve, kWe, 0xcc, 0);
	expect_conflict(bad);
	EXPECT_EQ(lu.saved_pr.size(), 2u);
	// APTPL cleared: stored once more as "none", then no more.
	Exec clear = pro(a, kRegister, 0, 0xaa, 0xa1, 0);
	ASSERT_TRUE(clear.good());
	ASSERT_EQ(lu.saved_pr.size(), 3u);
	EXPECT_EQ(lu.saved_pr[2], "No Registrations or Reservations\n");
	Exec rel = pro(a, kRelease, kWe, 0xa1, 0);
	ASSERT_TRUE(rel.good());
	EXPECT_EQ(lu.saved_pr.size(), 3u);
}

TEST_F(Pr, ForcePrAptpl) {
	lu.attrs.force_pr_aptpl = true;
	reg(a, 0xaa); // APTPL = 0 in the parameter list
	ASSERT_EQ(lu.saved_pr.size(), 1u);
	EXPECT_NE(lu.saved_pr[0].find("sa_res_key=170"), std::string::npos);
	Exec caps = pri(obs, 2, 8);
	EXPECT_EQ(caps.at(3) & 1, 1) << "PTPL_A";
	reserve(a, 0xaa, kWe);
	std::vector<u8> tid = iscsi_tid("iqn.2003-01.org.example:b", "23d000000002");
	Exec m = pro(a, kRegMove, 0, move_params(0xaa, 0xbb, 1, tid));
	ASSERT_TRUE(m.good());
	Exec caps2 = pri(obs, 2, 8);
	EXPECT_EQ(caps2.at(3) & 1, 1) << "still PTPL_A after REGISTER AND MOVE";
	EXPECT_EQ(lu.saved_pr.size(), 3u);
}

TEST_F(Pr, AptplMetadataRoundTrip) {
	reg(a, 0xaa, kAptpl | kAllTgPt);
	reg(b, 0xbb, kAptpl);
	reserve(b, 0xbb, kEaRo);
	std::string text = lu.saved_pr.back();
	// rtslib writes each record between PR_REG_START/END, joined with ','.
	FakeLu restored;
	PrState &pr = restored.state().pr();
	size_t pos = 0;
	while ((pos = text.find("PR_REG_START:", pos)) != std::string::npos) {
		size_t end = text.find("PR_REG_END:", pos);
		std::string rec = text.substr(pos, end - pos);
		std::replace(rec.begin(), rec.end(), '\n', ',');
		LockGuard g(pr.mutex());
		ASSERT_TRUE(pr.restore_aptpl_record(StrView(rec.data(), rec.size())).is_ok()) << rec;
		pos = end;
	}
	FakeNexus nb(2);
	setup(nb, "iqn.2003-01.org.example:b", "23d000000002", 5); // the port's new rtpi
	Exec keys_in(restored, pri_cdb(0, 64), 64, {}, nullptr, false, &nb);
	ASSERT_TRUE(keys_in.good());
	EXPECT_EQ(keys_in.be(4, 4), 16u);
	Exec res(restored, pri_cdb(1, 64), 64, {}, nullptr, false, &nb);
	EXPECT_EQ(res.be64(8), 0xbbu);
	EXPECT_EQ(res.at(21), kEaRo);
	Exec caps(restored, pri_cdb(2, 8), 8, {}, nullptr, false, &nb);
	EXPECT_EQ(caps.at(3) & 1, 1) << "PTPL_A after a restore";
	// b, through the target port named in the metadata, is the holder again.
	Exec w(restored, kWrite10, 0, std::vector<u8>(512), nullptr, false, &nb);
	EXPECT_TRUE(w.good());
	FakeNexus other(4);
	setup(other, "iqn.2003-01.org.example:z", "23d000000009", 5);
	Exec ow(restored, kWrite10, 0, std::vector<u8>(512), nullptr, false, &other);
	expect_conflict(ow);
	// Another TPG of the same target is another port: b is not registered there.
	FakeNexus nb2(6);
	setup(nb2, "iqn.2003-01.org.example:b", "23d000000002", 9);
	nb2.port.tpg_tag = 2;
	Exec r2(restored, pro_cdb(kRelease, kEaRo, 24), 0, basic(0xbb, 0, 0), nullptr, false, &nb2);
	expect_conflict(r2);
}

TEST(PrAptpl, BadRecordsAreRefused) {
	PrState pr;
	LockGuard g(pr.mutex());
	const char *ok = "initiator_node=iqn.x:a,sa_res_key=5,target_node=iqn.t:1,tpgt=1";
	for (const char *bad : {
		 "sa_res_key=5,target_node=iqn.t:1",                       // no initiator_node
		 "initiator_node=iqn.x:a,target_node=iqn.t:1",             // no key
		 "initiator_node=iqn.x:a,sa_res_key=0,target_node=iqn.t:1", // key 0
		 "initiator_node=iqn.x:a,sa_res_key=5",                    // no target_node
		 "initiator_node=iqn.x:a,sa_res_key=5,target_node=iqn.t:1,res_holder=1",
		 "initiator_node=iqn.x:a,sa_res_key=5,target_node=iqn.t:1,res_holder=1,res_type=2",
		 "initiator_node=iqn.x:a,sa_res_key=x5,target_node=iqn.t:1",
		 "initiator_node=iqn.x:a,sa_res_key=5,target_node=iqn.t:1,tpgt=70000",
		 "initiator_node=iqn.x:a,initiator_sid=123,sa_res_key=5,target_node=iqn.t:1",
	     }) {
		Result<void> r = pr.restore_aptpl_record(str_view(bad));
		ASSERT_TRUE(r.is_error()) << bad;
		EXPECT_EQ(r.error().errno_value(), KABI_EINVAL) << bad;
	}
	EXPECT_EQ(pr.count(), 0u);
	EXPECT_TRUE(pr.restore_aptpl_record(str_view(ok)).is_ok());
	EXPECT_EQ(pr.count(), 1u);
	EXPECT_TRUE(pr.aptpl());
	EXPECT_EQ(pr.registrations().front()->port.protocol_id, kProtoIscsi);
}

// ---- TransportIDs ----

TEST(PrTransportId, ParseAndFormatRoundTrip) {
	PrPortId id;
	usize bad = 99;
	std::vector<u8> t = iscsi_tid("iqn.x:y", "ABCDEF012345");
	Result<usize> n = parse_transport_id(Bytes(t.data(), t.size()), &id, &bad);
	ASSERT_TRUE(n.is_ok());
	EXPECT_EQ(n.value(), t.size());
	EXPECT_STREQ(id.name, "iqn.x:y");
	EXPECT_STREQ(id.isid, "abcdef012345");
	u8 out[64];
	usize len = format_transport_id(id, MutableBytes(out, sizeof(out)));
	EXPECT_EQ(len % 4, 0u);
	EXPECT_STREQ(reinterpret_cast<char *>(out + 4), "iqn.x:y,i,0xabcdef012345");
	// Short buffers and lengths past the buffer are refused, not read.
	for (size_t cut = 0; cut < t.size(); cut++) {
		Result<usize> r = parse_transport_id(Bytes(t.data(), cut), &id, &bad);
		EXPECT_TRUE(r.is_error()) << cut;
	}
	std::vector<u8> odd = t;
	odd[3] = 21;
	EXPECT_TRUE(parse_transport_id(Bytes(odd.data(), odd.size()), &id, &bad).is_error());
	// Format 00b with ",i,0x" in it, and format 01b without.
	std::vector<u8> f0 = iscsi_tid("iqn.x:y", "abcdef012345");
	f0[0] = 0x05;
	EXPECT_TRUE(parse_transport_id(Bytes(f0.data(), f0.size()), &id, &bad).is_error());
	std::vector<u8> f1 = iscsi_tid("iqn.x:y");
	f1[0] = 0x45;
	EXPECT_TRUE(parse_transport_id(Bytes(f1.data(), f1.size()), &id, &bad).is_error());
	// SAS: tcm_loop's naa. name.
	std::vector<u8> s = sas_tid(0x5001405aabbccdd0ull);
	ASSERT_TRUE(parse_transport_id(Bytes(s.data(), s.size()), &id, &bad).is_ok());
	EXPECT_STREQ(id.name, "naa.5001405aabbccdd0");
	EXPECT_EQ(format_transport_id(id, MutableBytes(out, sizeof(out))), 24u);
	EXPECT_EQ(std::vector<u8>(out, out + 24), s);
	std::vector<u8> f = fc_tid(0x2100001b32a1b2c3ull);
	ASSERT_TRUE(parse_transport_id(Bytes(f.data(), f.size()), &id, &bad).is_ok());
	EXPECT_STREQ(id.name, "21:00:00:1b:32:a1:b2:c3");
	EXPECT_EQ(format_transport_id(id, MutableBytes(out, sizeof(out))), 24u);
	EXPECT_EQ(std::vector<u8>(out, out + 24), f);
}

} // namespace
} // namespace lio::scsi::test
