// SPDX-License-Identifier: GPL-2.0
// tests/host/fabrics/iscsi/test_login.cpp: IscsiLogin (fabrics/iscsi/login.h) driven with
// Login Requests and a fake LoginHost: plain logins, the security stage, CHAP through the
// login, stage rules, continuations both ways and failure statuses.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fabrics/iscsi/chap.h"
#include "fabrics/iscsi/iscsi_abi.h"
#include "fabrics/iscsi/login.h"
#include "test_support.h"

using namespace lio;
using namespace lio::fabrics::iscsi;

namespace {

constexpr char kIqnI[] = "iqn.1994-05.com.redhat:client";
constexpr char kIqnT[] = "iqn.2003-01.org.linux-iscsi.host:target";

class FakeHost final : public LoginHost {
  public:
	FakeHost() { cfg.params.set_authentication(false); }
	LoginStatus resolve(const LoginIdentity &id, LoginConfig &c) override {
		resolves++;
		seen = id;
		if (resolve_status != LoginStatus::kSuccess)
			return resolve_status;
		c = cfg;
		return LoginStatus::kSuccess;
	}
	LoginStatus attach(const LoginIdentity &id, const SessionParams &p, u16 *t) override {
		attaches++;
		attached = p;
		if (attach_status != LoginStatus::kSuccess)
			return attach_status;
		*t = tsih;
		return LoginStatus::kSuccess;
	}

	LoginConfig cfg;
	LoginStatus resolve_status = LoginStatus::kSuccess;
	LoginStatus attach_status = LoginStatus::kSuccess;
	u16 tsih = 0x1234;
	int resolves = 0, attaches = 0;
	LoginIdentity seen;
	SessionParams attached;
};

using Keys = std::vector<std::pair<std::string, std::string>>;

std::string text(const Keys &keys) {
	std::string s;
	for (auto &[k, v] : keys) {
		s += k + "=" + v;
		s.push_back('\0');
	}
	return s;
}

struct Req {
	u8 csg = 0, nsg = 1;
	bool t = true, c = false;
	u8 vmax = 0, vmin = 0;
	u16 tsih = 0, cid = 1;
	u32 itt = 0x10, cmd_sn = 100, exp_stat_sn = 0;
};

Bhs header(const Req &r, u32 len) {
	Bhs h = Bhs::make(Opcode::kLoginReq);
	h.set_u8(0, 0x43);
	h.set_flags(static_cast<u8>((r.t ? 0x80 : 0) | (r.c ? 0x40 : 0) | r.csg << 2 | r.nsg));
	h.set_u8(2, r.vmax);
	h.set_u8(3, r.vmin);
	h.set_data_segment_length(len);
	const u8 isid[6] = {0x80, 0, 0x02, 0x3d, 0, 0x01};
	for (u32 i = 0; i < 6; i++)
		h.set_u8(8 + i, isid[i]);
	h.set_be16(14, r.tsih);
	h.set_itt(r.itt);
	h.set_be16(20, r.cid);
	h.set_be32(24, r.cmd_sn);
	h.set_be32(28, r.exp_stat_sn);
	return h;
}

struct Reply {
	LoginOutcome outcome;
	u16 status;
	u8 flags;
	u16 tsih;
	u32 stat_sn, exp_cmd_sn, max_cmd_sn;
	std::string data;
	std::map<std::string, std::string> keys;
	std::vector<std::string> order;
};

Reply parse(LoginOutcome o, const LoginReply &r) {
	Reply p;
	p.outcome = o;
	p.status = static_cast<u16>(r.bhs.u8_at(36) << 8 | r.bhs.u8_at(37));
	p.flags = r.bhs.flags();
	p.tsih = r.bhs.be16(14);
	p.stat_sn = r.bhs.be32(24);
	p.exp_cmd_sn = r.bhs.be32(28);
	p.max_cmd_sn = r.bhs.be32(32);
	EXPECT_EQ(r.bhs.opcode(), Opcode::kLoginRsp);
	EXPECT_EQ(r.bhs.data_segment_length(), r.data_length);
	EXPECT_LE(r.data_length, LoginReply::kMaxReplyData);
	EXPECT_EQ(r.bhs.itt(), 0x10u);
	p.data.assign(reinterpret_cast<const char *>(r.data), r.data_length);
	return p;
}

void split_keys(Reply &p, const std::string &all) {
	size_t pos = 0;
	while (pos < all.size()) {
		size_t end = all.find('\0', pos);
		if (end == std::string::npos)
			end = all.size();
		std::string kv = all.substr(pos, end - pos);
		size_t eq = kv.find('=');
		EXPECT_NE(eq, std::string::npos) << kv;
		std::string k = kv.substr(0, eq);
		EXPECT_EQ(p.keys.count(k), 0u) << "key answered twice: " << k;
		p.keys[k] = kv.substr(eq + 1);
		p.order.push_back(k);
		pos = end + 1;
	}
}

class LoginTest : public ::testing::Test {
  protected:
	Reply send(const Req &r, const std::string &data) {
		Bhs h = header(r, static_cast<u32>(data.size()));
		LoginOutcome o = login->receive(
			h, Bytes(reinterpret_cast<const u8 *>(data.data()), data.size()), *reply);
		Reply p = parse(o, *reply);
		if (!(p.flags & 0x40)) // a piece of a longer response: the caller joins them
			split_keys(p, p.data);
		return p;
	}
	Reply send(const Req &r, const Keys &k) { return send(r, text(k)); }

	static Keys names(bool discovery = false) {
		Keys k = {{"InitiatorName", kIqnI}, {"SessionType", discovery ? "Discovery" : "Normal"}};
		if (!discovery)
			k.push_back({"TargetName", kIqnT});
		return k;
	}
	static Req op_to_ffp() {
		Req r;
		r.csg = 1;
		r.nsg = 3;
		return r;
	}

	FakeHost host;
	std::unique_ptr<LoginReply> reply = std::make_unique<LoginReply>();
	std::unique_ptr<IscsiLogin> login = std::make_unique<IscsiLogin>(host);
};

TEST_F(LoginTest, NormalLoginInOnePdu) {
	Keys k = names();
	k.insert(k.end(), {{"HeaderDigest", "None"},
			   {"DataDigest", "None"},
			   {"MaxRecvDataSegmentLength", "262144"},
			   {"InitialR2T", "No"},
			   {"ImmediateData", "Yes"},
			   {"MaxBurstLength", "16776192"},
			   {"FirstBurstLength", "262144"},
			   {"MaxConnections", "1"},
			   {"ErrorRecoveryLevel", "0"}});
	host.cfg.initial_stat_sn = 7;
	Reply r = send(op_to_ffp(), k);
	EXPECT_EQ(r.outcome, LoginOutcome::kFullFeature);
	EXPECT_EQ(r.status, 0);
	EXPECT_EQ(r.flags, 0x80 | 1 << 2 | 3);
	EXPECT_EQ(r.tsih, 0x1234);
	EXPECT_EQ(r.stat_sn, 7u);
	EXPECT_EQ(r.exp_cmd_sn, 100u);
	EXPECT_EQ(r.max_cmd_sn, 100u + 64 - 1);
	EXPECT_EQ(login->next_stat_sn(), 8u);
	EXPECT_EQ(host.resolves, 1);
	EXPECT_EQ(host.attaches, 1);
	EXPECT_STREQ(host.seen.initiator_name, kIqnI);
	EXPECT_STREQ(host.seen.target_name, kIqnT);
	EXPECT_FALSE(host.seen.discovery);
	EXPECT_EQ(host.seen.cmd_sn, 100u);
	EXPECT_EQ(r.keys["TargetPortalGroupTag"], "1");
	EXPECT_EQ(r.keys["TargetAlias"], "LIO Target");
	EXPECT_EQ(r.keys["HeaderDigest"], "None");
	EXPECT_EQ(r.keys["MaxRecvDataSegmentLength"], "262144"); // MaxXmitDataSegmentLength, as LIO
	EXPECT_EQ(r.keys["InitialR2T"], "Yes"); // OR with ours (Yes)
	EXPECT_EQ(r.keys["ImmediateData"], "Yes");
	EXPECT_EQ(r.keys["MaxBurstLength"], "262144");
	EXPECT_EQ(r.keys["FirstBurstLength"], "65536");
	EXPECT_EQ(r.keys.count("InitiatorName"), 0u);
	const SessionParams &p = login->params();
	EXPECT_EQ(p.max_recv_dsl, 262144u);
	EXPECT_EQ(p.max_xmit_dsl, 262144u);
	EXPECT_EQ(p.max_burst_length, 262144u);
	EXPECT_EQ(p.first_burst_length, 65536u);
	EXPECT_TRUE(p.initial_r2t);
	EXPECT_TRUE(p.immediate_data);
	EXPECT_EQ(host.attached.max_burst_length, 262144u);
	EXPECT_STREQ(login->identity().initiator_name, kIqnI);
}

TEST_F(LoginTest, OpenIscsiStyleSecurityNoneThenOperational) {
	Keys k = names();
	k.push_back({"AuthMethod", "None"});
	Reply r1 = send(Req{}, k);
	EXPECT_EQ(r1.outcome, LoginOutcome::kContinue);
	EXPECT_EQ(r1.status, 0);
	EXPECT_EQ(r1.flags, 0x80 | 0 << 2 | 1); // T, CSG 0, NSG 1
	EXPECT_EQ(r1.keys["AuthMethod"], "None");
	EXPECT_EQ(r1.keys["TargetPortalGroupTag"], "1");
	EXPECT_EQ(r1.tsih, 0);
	EXPECT_EQ(r1.max_cmd_sn, 100u);

	Reply r2 = send(op_to_ffp(), Keys{{"HeaderDigest", "CRC32C,None"},
					  {"DataDigest", "CRC32C"},
					  {"MaxRecvDataSegmentLength", "65536"},
					  {"IFMarker", "No"},
					  {"OFMarker", "No"},
					  {"IFMarkInt", "2048~4096"},
					  {"DefaultTime2Wait", "0"},
					  {"DefaultTime2Retain", "0"}});
	EXPECT_EQ(r2.outcome, LoginOutcome::kFullFeature);
	EXPECT_EQ(r2.stat_sn, r1.stat_sn + 1);
	EXPECT_EQ(r2.keys["HeaderDigest"], "CRC32C");
	EXPECT_EQ(r2.keys["DataDigest"], "CRC32C");
	EXPECT_EQ(r2.keys["IFMarker"], "No");
	EXPECT_EQ(r2.keys["IFMarkInt"], "Reject");
	EXPECT_EQ(r2.keys["DefaultTime2Wait"], "2");
	EXPECT_EQ(r2.keys["DefaultTime2Retain"], "0");
	EXPECT_EQ(r2.keys.count("TargetPortalGroupTag"), 0u);
	EXPECT_TRUE(login->params().header_digest);
	EXPECT_TRUE(login->params().data_digest);
	EXPECT_EQ(login->params().max_xmit_dsl, 65536u);
	EXPECT_EQ(host.resolves, 1);
}

TEST_F(LoginTest, SecurityStageAskingForFullFeatureGoesToOperational) {
	Keys k = names();
	k.push_back({"AuthMethod", "None"});
	Req r;
	r.nsg = 3;
	Reply r1 = send(r, k);
	EXPECT_EQ(r1.outcome, LoginOutcome::kContinue);
	EXPECT_EQ(r1.flags, 0x80 | 1); // as LIO: the operational stage first
}

TEST_F(LoginTest, AuthRequiredRefusesNone) {
	host.cfg.params.set_authentication(true);
	Keys k = names();
	k.push_back({"AuthMethod", "None"});
	Reply r = send(Req{}, k);
	EXPECT_EQ(r.outcome, LoginOutcome::kFailed);
	EXPECT_EQ(r.status, 0x0201);
	EXPECT_TRUE(r.data.empty());
}

TEST_F(LoginTest, AuthRequiredRefusesSkippingSecurity) {
	host.cfg.params.set_authentication(true);
	Reply r = send(op_to_ffp(), names());
	EXPECT_EQ(r.outcome, LoginOutcome::kFailed);
	EXPECT_EQ(r.status, 0x0201);
	EXPECT_EQ(host.attaches, 0);
}

TEST_F(LoginTest, MissingInitiatorName) {
	Reply r = send(op_to_ffp(), Keys{{"TargetName", kIqnT}, {"SessionType", "Normal"}});
	EXPECT_EQ(r.outcome, LoginOutcome::kFailed);
	EXPECT_EQ(r.status, 0x0207);
	EXPECT_EQ(host.resolves, 0);
}

TEST_F(LoginTest, NormalSessionWithoutTargetName) {
	Reply r = send(op_to_ffp(), Keys{{"InitiatorName", kIqnI}});
	EXPECT_EQ(r.status, 0x0207);
	EXPECT_EQ(r.outcome, LoginOutcome::kFailed);
}

TEST_F(LoginTest, DiscoverySessionWithoutTargetName) {
	Keys k = names(true);
	k.push_back({"MaxRecvDataSegmentLength", "32768"});
	Reply r = send(op_to_ffp(), k);
	EXPECT_EQ(r.outcome, LoginOutcome::kFullFeature);
	EXPECT_TRUE(host.seen.discovery);
	EXPECT_EQ(host.seen.target_name[0], '\0');
	EXPECT_EQ(r.keys.count("TargetPortalGroupTag"), 0u);
	EXPECT_EQ(login->params().max_connections, 1u);
}

TEST_F(LoginTest, UnsupportedVersion) {
	Req r = op_to_ffp();
	r.vmax = 2;
	r.vmin = 1;
	Reply p = send(r, names());
	EXPECT_EQ(p.outcome, LoginOutcome::kFailed);
	EXPECT_EQ(p.status, 0x0205);
	EXPECT_EQ(host.resolves, 0);
}

TEST_F(LoginTest, TransitAndContinueTogether) {
	Req r;
	r.c = true;
	Reply p = send(r, names());
	EXPECT_EQ(p.outcome, LoginOutcome::kFailed);
	EXPECT_EQ(p.status, 0x0200);
}

TEST_F(LoginTest, IllegalStages) {
	Req r;
	r.csg = 0;
	r.nsg = 0; // transit to the same stage
	EXPECT_EQ(send(r, names()).status, 0x0200);
	login = std::make_unique<IscsiLogin>(host);
	Req r2;
	r2.csg = 2;
	r2.t = false;
	EXPECT_EQ(send(r2, names()).status, 0x0200);
	login = std::make_unique<IscsiLogin>(host);
	Req r3;
	r3.nsg = 2;
	EXPECT_EQ(send(r3, names()).status, 0x0200);
}

TEST_F(LoginTest, GoingBackAStageFails) {
	Keys k = names();
	k.push_back({"AuthMethod", "None"});
	ASSERT_EQ(send(Req{}, k).outcome, LoginOutcome::kContinue);
	Req back; // CSG 0 again after the transit to operational
	back.t = false;
	Reply r = send(back, Keys{});
	EXPECT_EQ(r.status, 0x0200);
}

TEST_F(LoginTest, ChangedIsidOrItt) {
	Keys k = names();
	k.push_back({"AuthMethod", "None"});
	ASSERT_EQ(send(Req{}, k).outcome, LoginOutcome::kContinue);
	Req r = op_to_ffp();
	r.cid = 9;
	EXPECT_EQ(send(r, Keys{}).status, 0x0200);
}

TEST_F(LoginTest, DuplicateKeyFails) {
	Keys k = names();
	k.push_back({"MaxBurstLength", "65536"});
	k.push_back({"MaxBurstLength", "65536"});
	Reply r = send(op_to_ffp(), k);
	EXPECT_EQ(r.outcome, LoginOutcome::kFailed);
	EXPECT_EQ(r.status, 0x0200);
}

TEST_F(LoginTest, RenegotiationAcrossPdusFails) {
	Keys k = names();
	k.push_back({"MaxBurstLength", "65536"});
	Req r = op_to_ffp();
	r.t = false;
	ASSERT_EQ(send(r, k).outcome, LoginOutcome::kContinue);
	Reply p = send(op_to_ffp(), Keys{{"MaxBurstLength", "8192"}});
	EXPECT_EQ(p.status, 0x0200);
}

TEST_F(LoginTest, UnknownAndExtensionKeysNotUnderstood) {
	Keys k = names();
	k.push_back({"X-com.example.Foo", "1"});
	k.push_back({"X#Bar", "2"});
	k.push_back({"FooBar", "3"});
	k.push_back({"SendTargets", "All"});   // full feature phase only
	k.push_back({"TargetAddress", "1.2.3.4"}); // target's key
	Reply r = send(op_to_ffp(), k);
	EXPECT_EQ(r.outcome, LoginOutcome::kFullFeature);
	EXPECT_EQ(r.keys["X-com.example.Foo"], "NotUnderstood");
	EXPECT_EQ(r.keys["X#Bar"], "NotUnderstood");
	EXPECT_EQ(r.keys["FooBar"], "NotUnderstood");
	EXPECT_EQ(r.keys["SendTargets"], "NotUnderstood");
	EXPECT_EQ(r.keys["TargetAddress"], "NotUnderstood");
}

TEST_F(LoginTest, OperationalKeyInSecurityStageNotUnderstood) {
	Keys k = names();
	k.push_back({"AuthMethod", "None"});
	k.push_back({"MaxBurstLength", "65536"});
	Reply r = send(Req{}, k);
	EXPECT_EQ(r.keys["MaxBurstLength"], "NotUnderstood"); // as LIO
}

TEST_F(LoginTest, MalformedTextFails) {
	std::string t = text(names());
	t += "NoEquals";
	t.push_back('\0');
	Reply r = send(op_to_ffp(), t);
	EXPECT_EQ(r.status, 0x0200);
}

TEST_F(LoginTest, RequestTextContinuation) {
	std::string t = text(names());
	t += text(Keys{{"MaxBurstLength", "65536"}});
	size_t cut = t.size() - 7; // inside the last pair
	Req first = op_to_ffp();
	first.t = false;
	first.c = true;
	Reply r1 = send(first, t.substr(0, cut));
	EXPECT_EQ(r1.outcome, LoginOutcome::kContinue);
	EXPECT_EQ(r1.status, 0);
	EXPECT_TRUE(r1.data.empty());
	EXPECT_EQ(r1.flags & 0xc0, 0);
	EXPECT_EQ(host.resolves, 0);
	Reply r2 = send(op_to_ffp(), t.substr(cut));
	EXPECT_EQ(r2.outcome, LoginOutcome::kFullFeature);
	EXPECT_EQ(r2.keys["MaxBurstLength"], "65536");
	EXPECT_EQ(r2.stat_sn, r1.stat_sn + 1);
}

TEST_F(LoginTest, ResponseLongerThanOnePdu) {
	Keys k = names();
	for (int i = 0; i < 300; i++)
		k.push_back({"X-unknown.key.with.a.long.name.to.fill.the.response." +
				     std::to_string(i),
			     "1"});
	Reply r = send(op_to_ffp(), k);
	EXPECT_EQ(r.outcome, LoginOutcome::kContinue);
	EXPECT_EQ(r.flags & 0xc0, 0x40); // C, no T
	EXPECT_EQ(r.data.size(), LoginReply::kMaxReplyData);
	std::string all = r.data;
	int pieces = 1;
	while (r.outcome == LoginOutcome::kContinue) {
		r = send(op_to_ffp(), std::string());
		all += r.data;
		pieces++;
		ASSERT_LT(pieces, 10);
	}
	EXPECT_EQ(r.outcome, LoginOutcome::kFullFeature);
	EXPECT_EQ(r.flags & 0xc3, 0x83);
	EXPECT_GE(pieces, 2);
	Reply whole;
	split_keys(whole, all);
	EXPECT_EQ(whole.keys.size(), 300u + 3); // + TPGT, TargetAlias, MaxRecvDataSegmentLength
	EXPECT_EQ(whole.keys["X-unknown.key.with.a.long.name.to.fill.the.response.299"],
		  "NotUnderstood");
	EXPECT_EQ(host.attaches, 1);
}

TEST_F(LoginTest, DataDuringTargetContinuationFails) {
	Keys k = names();
	for (int i = 0; i < 300; i++)
		k.push_back({"X-unknown.key.with.a.long.name.to.fill.the.response." +
				     std::to_string(i),
			     "1"});
	ASSERT_EQ(send(op_to_ffp(), k).outcome, LoginOutcome::kContinue);
	Reply r = send(op_to_ffp(), Keys{{"MaxBurstLength", "512"}});
	EXPECT_EQ(r.status, 0x0200);
}

TEST_F(LoginTest, ResolveFailureIsAnswered) {
	host.resolve_status = LoginStatus::kNotFound;
	Reply r = send(op_to_ffp(), names());
	EXPECT_EQ(r.outcome, LoginOutcome::kFailed);
	EXPECT_EQ(r.status, 0x0203);
	EXPECT_TRUE(r.data.empty());
}

TEST_F(LoginTest, AttachFailureIsAnswered) {
	host.attach_status = LoginStatus::kSessionDoesNotExist;
	Req q = op_to_ffp();
	q.tsih = 0x55;
	Reply r = send(q, names());
	EXPECT_EQ(r.outcome, LoginOutcome::kFailed);
	EXPECT_EQ(r.status, 0x020a);
	EXPECT_EQ(r.tsih, 0x55);
}

TEST_F(LoginTest, NonLeadingConnectionLeadingOnlyKeys) {
	Req q = op_to_ffp();
	q.tsih = 0x1234;
	Keys k = names();
	k.push_back({"MaxBurstLength", "65536"});
	k.push_back({"MaxRecvDataSegmentLength", "65536"});
	Reply r = send(q, k);
	EXPECT_EQ(r.outcome, LoginOutcome::kFullFeature);
	EXPECT_EQ(r.keys["MaxBurstLength"], "NotUnderstood");
	EXPECT_EQ(r.keys["MaxRecvDataSegmentLength"], "262144"); // MaxXmitDataSegmentLength, as LIO
	EXPECT_EQ(r.keys.count("TargetPortalGroupTag"), 0u);
}

TEST_F(LoginTest, NothingAfterFailure) {
	Reply r = send(op_to_ffp(), Keys{{"InitiatorName", kIqnI}});
	ASSERT_EQ(r.outcome, LoginOutcome::kFailed);
	EXPECT_EQ(send(op_to_ffp(), names()).outcome, LoginOutcome::kFailed);
	EXPECT_EQ(host.attaches, 0);
}

// ---- CHAP through the login ----

bool have_digest(const char *alg) {
	u8 out[64];
	iscsi_iovec iov = {"", 0};
	return iscsi_glue_digest(alg, &iov, 1, out, sizeof(out)) > 0;
}

std::vector<u8> unhex(const std::string &s) {
	std::vector<u8> out(s.size());
	Result<usize> n = chap_decode(Span<const char>(s.data(), s.size()),
				      MutableBytes(out.data(), out.size()));
	EXPECT_TRUE(n.is_ok()) << s;
	out.resize(n.is_ok() ? n.value() : 0);
	return out;
}

std::string hex(const std::vector<u8> &v) {
	static const char d[] = "0123456789abcdef";
	std::string s = "0x";
	for (u8 b : v) {
		s.push_back(d[b >> 4]);
		s.push_back(d[b & 15]);
	}
	return s;
}

std::vector<u8> digest(const char *alg, u8 id, const std::string &secret,
		       const std::vector<u8> &challenge) {
	std::vector<u8> out(64);
	iscsi_iovec iov[3] = {{&id, 1}, {secret.data(), secret.size()},
			      {challenge.data(), challenge.size()}};
	int32_t n = iscsi_glue_digest(alg, iov, 3, out.data(), 64);
	EXPECT_GT(n, 0);
	out.resize(n > 0 ? n : 0);
	return out;
}

class ChapLoginTest : public LoginTest {
  protected:
	void SetUp() override {
		if (!have_digest("md5"))
			GTEST_SKIP() << "iscsi_glue_digest has no md5 here";
		host.cfg.params.set_authentication(true);
		strcpy(host.cfg.secrets.userid, "user1");
		strcpy(host.cfg.secrets.password, "secret-of-12");
		strcpy(host.cfg.secrets.userid_mutual, "target1");
		strcpy(host.cfg.secrets.password_mutual, "mutual-secret-34");
	}
	// AuthMethod then CHAP_A: sets id, c and alg to the target's CHAP_I, CHAP_C and algorithm.
	void challenge(const char *chap_a) {
		Keys k = names();
		k.push_back({"AuthMethod", "CHAP,None"});
		Req r;
		Reply r1 = send(r, k);
		ASSERT_EQ(r1.outcome, LoginOutcome::kContinue);
		EXPECT_EQ(r1.keys["AuthMethod"], "CHAP");
		EXPECT_EQ(r1.flags & 0x80, 0); // no transit before authentication
		Reply r2 = send(r, Keys{{"CHAP_A", chap_a}});
		ASSERT_EQ(r2.outcome, LoginOutcome::kContinue);
		ASSERT_EQ(r2.status, 0);
		EXPECT_EQ(r2.flags & 0x80, 0);
		const ChapAlgorithm *a = chap_algorithm(std::stoi(r2.keys["CHAP_A"]));
		ASSERT_NE(a, nullptr);
		alg = a->name;
		id = static_cast<u8>(std::stoi(r2.keys["CHAP_I"]));
		c = unhex(r2.keys["CHAP_C"]);
		EXPECT_EQ(c.size(), a->digest_size);
		EXPECT_GE(c.size(), 16u);
	}
	Reply answer(const Keys &k) { return send(Req{}, k); }

	u8 id = 0;
	std::vector<u8> c;
	std::string alg;
};

TEST_F(ChapLoginTest, OneWay) {
	challenge("5");
	EXPECT_EQ(alg, "md5");
	Reply r = answer(Keys{{"CHAP_N", "user1"},
			      {"CHAP_R", hex(digest("md5", id, "secret-of-12", c))}});
	EXPECT_EQ(r.status, 0);
	EXPECT_EQ(r.outcome, LoginOutcome::kContinue);
	EXPECT_EQ(r.flags, 0x80 | 1); // transit to operational
	EXPECT_EQ(r.keys.count("CHAP_R"), 0u);
	Reply f = send(op_to_ffp(), Keys{});
	EXPECT_EQ(f.outcome, LoginOutcome::kFullFeature);
	EXPECT_EQ(f.keys["MaxRecvDataSegmentLength"], "262144"); // MaxXmitDataSegmentLength, as LIO
}

TEST_F(ChapLoginTest, Mutual) {
	challenge("7,6,5"); // the first we support: SHA-256 when there
	std::vector<u8> my_c = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
	Reply r = answer(Keys{{"CHAP_N", "user1"},
			      {"CHAP_R", hex(digest(alg.c_str(), id, "secret-of-12", c))},
			      {"CHAP_I", "77"},
			      {"CHAP_C", hex(my_c)}});
	ASSERT_EQ(r.status, 0);
	EXPECT_EQ(r.keys["CHAP_N"], "target1");
	EXPECT_EQ(unhex(r.keys["CHAP_R"]), digest(alg.c_str(), 77, "mutual-secret-34", my_c));
	EXPECT_EQ(r.flags, 0x80 | 1);
	EXPECT_EQ(send(op_to_ffp(), Keys{}).outcome, LoginOutcome::kFullFeature);
}

TEST_F(ChapLoginTest, Base64Response) {
	challenge("5");
	std::vector<u8> d = digest("md5", id, "secret-of-12", c);
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	std::string s = "0b";
	for (size_t i = 0; i < d.size(); i += 3) {
		u32 v = d[i] << 16 | (i + 1 < d.size() ? d[i + 1] << 8 : 0) |
			(i + 2 < d.size() ? d[i + 2] : 0);
		s += b64[v >> 18 & 63];
		s += b64[v >> 12 & 63];
		s += i + 1 < d.size() ? b64[v >> 6 & 63] : '=';
		s += i + 2 < d.size() ? b64[v & 63] : '=';
	}
	Reply r = answer(Keys{{"CHAP_N", "user1"}, {"CHAP_R", s}});
	EXPECT_EQ(r.status, 0);
}

TEST_F(ChapLoginTest, WrongSecret) {
	challenge("5");
	Reply r = answer(Keys{{"CHAP_N", "user1"},
			      {"CHAP_R", hex(digest("md5", id, "secret-of-13", c))}});
	EXPECT_EQ(r.outcome, LoginOutcome::kFailed);
	EXPECT_EQ(r.status, 0x0201);
	// Whatever comes next, the login is over.
	EXPECT_EQ(send(op_to_ffp(), Keys{}).outcome, LoginOutcome::kFailed);
	EXPECT_EQ(host.attaches, 0);
}

TEST_F(ChapLoginTest, WrongName) {
	challenge("5");
	Reply r = answer(Keys{{"CHAP_N", "user2"},
			      {"CHAP_R", hex(digest("md5", id, "secret-of-12", c))}});
	EXPECT_EQ(r.status, 0x0201);
}

TEST_F(ChapLoginTest, ResponseOfWrongLength) {
	challenge("5");
	std::vector<u8> d = digest("md5", id, "secret-of-12", c);
	std::vector<u8> longer = d;
	longer.resize(400, 0xaa);
	EXPECT_EQ(answer(Keys{{"CHAP_N", "user1"}, {"CHAP_R", hex(longer)}}).status, 0x0201);
}

TEST_F(ChapLoginTest, ShortResponse) {
	challenge("5");
	std::vector<u8> d = digest("md5", id, "secret-of-12", c);
	d.resize(15);
	EXPECT_EQ(answer(Keys{{"CHAP_N", "user1"}, {"CHAP_R", hex(d)}}).status, 0x0201);
}

TEST_F(ChapLoginTest, OverlongResponseValueIsMalformed) {
	challenge("5");
	std::string r = "0x" + std::string(1100, 'a'); // past the 1024-byte value bound
	EXPECT_EQ(answer(Keys{{"CHAP_N", "user1"}, {"CHAP_R", r}}).status, 0x0200);
}

TEST_F(ChapLoginTest, ReflectedChallenge) {
	challenge("5");
	Reply r = answer(Keys{{"CHAP_N", "user1"},
			      {"CHAP_R", hex(digest("md5", id, "secret-of-12", c))},
			      {"CHAP_I", std::to_string(id)},
			      {"CHAP_C", hex(c)}});
	EXPECT_EQ(r.status, 0x0201);
}

TEST_F(ChapLoginTest, UnsupportedAlgorithm) {
	Keys k = names();
	k.push_back({"AuthMethod", "CHAP"});
	ASSERT_EQ(send(Req{}, k).outcome, LoginOutcome::kContinue);
	EXPECT_EQ(send(Req{}, Keys{{"CHAP_A", "1,2,99"}}).status, 0x0201);
}

TEST_F(ChapLoginTest, TransitWithoutAnswerDoesNotAuthenticate) {
	challenge("5");
	Req r;
	r.nsg = 3;
	Reply p = send(r, Keys{});
	EXPECT_EQ(p.outcome, LoginOutcome::kContinue);
	EXPECT_EQ(p.flags & 0x80, 0); // no transit
	Reply q = send(op_to_ffp(), Keys{});
	EXPECT_EQ(q.outcome, LoginOutcome::kFailed);
	EXPECT_EQ(host.attaches, 0);
}

TEST_F(ChapLoginTest, FailedAnswerWithTransitToFullFeature) {
	challenge("5");
	Req r;
	r.nsg = 3;
	Reply p = send(r, Keys{{"CHAP_N", "user1"}, {"CHAP_R", hex(std::vector<u8>(16, 0))}});
	EXPECT_EQ(p.outcome, LoginOutcome::kFailed);
	EXPECT_EQ(p.status, 0x0201);
	EXPECT_EQ(host.attaches, 0);
}

TEST_F(ChapLoginTest, MutualWithoutTargetCredentials) {
	host.cfg.secrets.userid_mutual[0] = '\0';
	challenge("5");
	Reply r = answer(Keys{{"CHAP_N", "user1"},
			      {"CHAP_R", hex(digest("md5", id, "secret-of-12", c))},
			      {"CHAP_I", "3"},
			      {"CHAP_C", "0x0102030405060708090a0b0c0d0e0f10"}});
	EXPECT_EQ(r.status, 0x0201);
}

} // namespace
