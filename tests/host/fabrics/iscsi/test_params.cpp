// SPDX-License-Identifier: GPL-2.0
// tests/host/fabrics/iscsi/test_params.cpp: the key registry, TpgParams and the key
// negotiation (fabrics/iscsi/params.h).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "fabrics/iscsi/params.h"
#include "test_support.h"

using namespace lio;
using namespace lio::fabrics::iscsi;

namespace {

std::string str(StrView v) { return std::string(v.data(), v.size()); }
StrView sv(const std::string &s) { return StrView(s.data(), s.size()); }

TEST(IscsiParams, LioDefaults) {
	TpgParams p;
	EXPECT_EQ(str(p.value(ParamKey::kAuthMethod)), "CHAP");
	EXPECT_EQ(str(p.value(ParamKey::kHeaderDigest)), "CRC32C,None");
	EXPECT_EQ(str(p.value(ParamKey::kMaxRecvDataSegmentLength)), "8192");
	EXPECT_EQ(str(p.value(ParamKey::kMaxXmitDataSegmentLength)), "262144");
	EXPECT_EQ(str(p.value(ParamKey::kTargetAlias)), "LIO Target");
	EXPECT_EQ(str(p.value(ParamKey::kIFMarkInt)), "Reject");
	EXPECT_STREQ(param_name(ParamKey::kMaxBurstLength), "MaxBurstLength");
	EXPECT_STREQ(param_name(ParamKey::kOFMarkInt), "OFMarkInt");
}

TEST(IscsiParams, StoreChecksLikeLio) {
	TpgParams p;
	struct Case {
		ParamKey key;
		const char *value;
		bool ok;
	} cases[] = {
		{ParamKey::kAuthMethod, "CHAP,None\n", true},
		{ParamKey::kAuthMethod, "None", true},
		{ParamKey::kAuthMethod, "CHAP,Foo", false},
		{ParamKey::kAuthMethod, "CHAP,,None", false},
		{ParamKey::kHeaderDigest, "None,CRC32C", true},
		{ParamKey::kHeaderDigest, "CRC32", false},
		{ParamKey::kMaxConnections, "1", true},
		{ParamKey::kMaxConnections, "65535", true},
		{ParamKey::kMaxConnections, "0", false},
		{ParamKey::kMaxConnections, "65536", false},
		{ParamKey::kMaxRecvDataSegmentLength, "512", true},
		{ParamKey::kMaxRecvDataSegmentLength, "511", false},
		{ParamKey::kMaxRecvDataSegmentLength, "16777215", true},
		{ParamKey::kMaxRecvDataSegmentLength, "16777216", false},
		{ParamKey::kMaxBurstLength, "0x10000", true},
		{ParamKey::kMaxBurstLength, "abc", false},
		{ParamKey::kMaxBurstLength, "", false},
		{ParamKey::kDefaultTime2Wait, "3600", true},
		{ParamKey::kDefaultTime2Wait, "3601", false},
		{ParamKey::kDefaultTime2Retain, "0", true},
		{ParamKey::kMaxOutstandingR2T, "0", false},
		{ParamKey::kErrorRecoveryLevel, "2", true},
		{ParamKey::kErrorRecoveryLevel, "3", false},
		{ParamKey::kInitialR2T, "No", true},
		{ParamKey::kInitialR2T, "no", false},
		{ParamKey::kImmediateData, "Maybe", false},
		{ParamKey::kTargetAlias, "my alias", true},
		{ParamKey::kTargetAlias, "a,b", false},
		{ParamKey::kIFMarkInt, "2048~4096", true},
	};
	for (const Case &c : cases) {
		Result<void> r = p.store(c.key, str_view(c.value));
		EXPECT_EQ(r.is_ok(), c.ok) << param_name(c.key) << "=" << c.value;
	}
	EXPECT_EQ(str(p.value(ParamKey::kMaxBurstLength)), "0x10000");
	EXPECT_EQ(str(p.value(ParamKey::kTargetAlias)), "my alias");
	EXPECT_TRUE(p.store(ParamKey::kTargetAlias, sv(std::string(255, 'a'))).is_ok());
	EXPECT_TRUE(p.store(ParamKey::kTargetAlias, sv(std::string(256, 'a'))).is_error());
}

TEST(IscsiParams, SetAuthentication) {
	TpgParams p;
	p.set_authentication(false);
	EXPECT_EQ(str(p.value(ParamKey::kAuthMethod)), "CHAP,None");
	p.set_authentication(false);
	EXPECT_EQ(str(p.value(ParamKey::kAuthMethod)), "CHAP,None");
	p.set_authentication(true);
	EXPECT_EQ(str(p.value(ParamKey::kAuthMethod)), "CHAP");
	ASSERT_TRUE(p.store(ParamKey::kAuthMethod, str_view("None,CHAP")).is_ok());
	p.set_authentication(true);
	EXPECT_EQ(str(p.value(ParamKey::kAuthMethod)), "CHAP");
	ASSERT_TRUE(p.store(ParamKey::kAuthMethod, str_view("None")).is_ok());
	p.set_authentication(true);
	EXPECT_EQ(str(p.value(ParamKey::kAuthMethod)), "None"); // as LIO: left alone
}

TEST(IscsiParams, Registry) {
	EXPECT_EQ(find_key(str_view("MaxBurstLength"))->id, KeyId::kMaxBurstLength);
	EXPECT_EQ(find_key(str_view("CHAP_R"))->kind, KeyKind::kSecurity);
	EXPECT_EQ(find_key(str_view("maxburstlength")), nullptr); // case matters
	EXPECT_EQ(find_key(str_view("X-foo")), nullptr);
	EXPECT_EQ(key_info(KeyId::kDefaultTime2Wait).kind, KeyKind::kNumMax);
	EXPECT_EQ(key_info(KeyId::kInitialR2T).kind, KeyKind::kBoolOr);
	EXPECT_EQ(key_info(KeyId::kImmediateData).kind, KeyKind::kBoolAnd);
	EXPECT_EQ(key_info(KeyId::kMaxConnections).use, KeyUse::kLeadingOnly);
	EXPECT_EQ(parse_key_number(str_view("0x200")).value(), 512u);
	EXPECT_TRUE(parse_key_number(str_view("12a")).is_error());
	EXPECT_TRUE(parse_key_number(str_view("1\n")).is_error());
	EXPECT_TRUE(parse_key_number(str_view("99999999999")).is_error());
}

class NullSink final : public KeySink {
  public:
	LoginStatus consume(KeyId id, StrView) override {
		consumed.push_back(id);
		return LoginStatus::kSuccess;
	}
	std::vector<KeyId> consumed;
};

struct Outcome {
	LoginStatus status;
	std::map<std::string, std::string> keys;
};

class NegotiatorTest : public ::testing::Test {
  protected:
	Outcome run(const std::vector<std::pair<std::string, std::string>> &kv,
		    Stage stage = Stage::kOperational) {
		std::string t;
		for (auto &[k, v] : kv) {
			t += k + "=" + v;
			t.push_back('\0');
		}
		TextBuilder out(MutableBytes(buf, sizeof(buf)));
		Outcome o;
		o.status = neg.negotiate(Bytes(reinterpret_cast<const u8 *>(t.data()), t.size()),
					 stage, sink, out);
		std::string all(reinterpret_cast<const char *>(buf), out.size());
		size_t pos = 0;
		while (pos < all.size()) {
			size_t end = all.find('\0', pos);
			std::string p = all.substr(pos, end - pos);
			size_t eq = p.find('=');
			o.keys[p.substr(0, eq)] = p.substr(eq + 1);
			pos = end + 1;
		}
		return o;
	}
	std::string one(const std::string &k, const std::string &v) {
		neg.start(&tpg, true);
		Outcome o = run({{k, v}});
		EXPECT_EQ(o.status, LoginStatus::kSuccess);
		return o.keys[k];
	}

	TpgParams tpg;
	Negotiator neg;
	NullSink sink;
	u8 buf[4096];
};

TEST_F(NegotiatorTest, NumericKeysMinMaxAndRange) {
	struct Case {
		const char *key, *lo, *hi, *below, *above, *mid, *mid_answer;
	} cases[] = {
		{"MaxConnections", "1", "65535", "0", "65536", "4", "1"},
		{"MaxBurstLength", "512", "16777215", "511", "16777216", "1024", "1024"},
		{"FirstBurstLength", "512", "16777215", "511", "16777216", "1024", "1024"},
		{"DefaultTime2Wait", "0", "3600", nullptr, "3601", "5", "5"},
		{"DefaultTime2Retain", "0", "3600", nullptr, "3601", "5", "5"},
		{"MaxOutstandingR2T", "1", "65535", "0", "65536", "8", "1"},
		{"ErrorRecoveryLevel", "0", "2", nullptr, "3", "1", "0"},
		{"iSCSIProtocolLevel", "0", "31", nullptr, "32", "2", "1"},
	};
	for (const Case &c : cases) {
		EXPECT_NE(one(c.key, c.lo), "Reject") << c.key;
		EXPECT_NE(one(c.key, c.hi), "Reject") << c.key;
		if (c.below) {
			EXPECT_EQ(one(c.key, c.below), "Reject") << c.key;
		}
		EXPECT_EQ(one(c.key, c.above), "Reject") << c.key;
		EXPECT_EQ(one(c.key, "junk"), "Reject") << c.key;
		EXPECT_EQ(one(c.key, c.mid), c.mid_answer) << c.key;
	}
	EXPECT_EQ(one("MaxBurstLength", "16777215"), "262144"); // min with ours
	EXPECT_EQ(one("DefaultTime2Wait", "0"), "2");           // max with ours
	EXPECT_EQ(one("DefaultTime2Retain", "3600"), "20");
	EXPECT_EQ(one("MaxRecvDataSegmentLength", "511"), "Reject");
	EXPECT_EQ(one("MaxRecvDataSegmentLength", "16777215"), "262144"); // our declaration
}

TEST_F(NegotiatorTest, BooleanAndOr) {
	EXPECT_EQ(one("ImmediateData", "Yes"), "Yes");
	EXPECT_EQ(one("ImmediateData", "No"), "No");
	EXPECT_EQ(one("InitialR2T", "No"), "Yes"); // ours is Yes: OR
	ASSERT_TRUE(tpg.store(ParamKey::kInitialR2T, str_view("No")).is_ok());
	EXPECT_EQ(one("InitialR2T", "No"), "No");
	EXPECT_EQ(one("InitialR2T", "Yes"), "Yes");
	ASSERT_TRUE(tpg.store(ParamKey::kImmediateData, str_view("No")).is_ok());
	EXPECT_EQ(one("ImmediateData", "Yes"), "No"); // AND
	EXPECT_EQ(one("DataPDUInOrder", "No"), "Yes");
	EXPECT_EQ(one("DataSequenceInOrder", "maybe"), "Reject");
	EXPECT_EQ(one("ImmediateData", "yes"), "Reject");
}

TEST_F(NegotiatorTest, Lists) {
	EXPECT_EQ(one("HeaderDigest", "None,CRC32C"), "None");
	EXPECT_EQ(one("HeaderDigest", "CRC32C,None"), "CRC32C");
	EXPECT_EQ(one("DataDigest", "Foo,CRC32C"), "CRC32C");
	EXPECT_EQ(one("DataDigest", "Foo"), "Reject");
	EXPECT_EQ(one("DataDigest", "CRC32C,,None"), "Reject");
	ASSERT_TRUE(tpg.store(ParamKey::kHeaderDigest, str_view("None")).is_ok());
	EXPECT_EQ(one("HeaderDigest", "CRC32C,None"), "None");
	EXPECT_EQ(one("TaskReporting", "FastAbort,RFC3720"), "RFC3720");
}

TEST_F(NegotiatorTest, MarkersAndSpecialValues) {
	EXPECT_EQ(one("IFMarker", "Yes"), "No");
	EXPECT_EQ(one("OFMarker", "No"), "No");
	EXPECT_EQ(one("OFMarkInt", "1~65535"), "Reject");
	EXPECT_EQ(one("MaxBurstLength", "Irrelevant"), "Reject");
	EXPECT_EQ(one("X-vendor.key", "1"), "NotUnderstood");
}

TEST_F(NegotiatorTest, FirstBurstLengthIrrelevant) {
	neg.start(&tpg, true);
	Outcome o = run({{"FirstBurstLength", "4096"}, {"InitialR2T", "Yes"}, {"ImmediateData", "No"}});
	EXPECT_EQ(o.keys["FirstBurstLength"], "Irrelevant");
	neg.start(&tpg, true);
	o = run({{"FirstBurstLength", "4096"}, {"ImmediateData", "Yes"}});
	EXPECT_EQ(o.keys["FirstBurstLength"], "4096");
	neg.start(&tpg, true);
	o = run({{"MaxBurstLength", "1024"}, {"FirstBurstLength", "4096"}});
	EXPECT_EQ(o.keys["FirstBurstLength"], "1024"); // <= MaxBurstLength
	EXPECT_EQ(neg.result().first_burst_length, 1024u);
}

TEST_F(NegotiatorTest, DuplicatesFail) {
	neg.start(&tpg, true);
	EXPECT_EQ(run({{"MaxBurstLength", "1024"}, {"MaxBurstLength", "1024"}}).status,
		  LoginStatus::kInitiatorError);
	neg.start(&tpg, true);
	EXPECT_EQ(run({{"HeaderDigest", "None"}}).status, LoginStatus::kSuccess);
	EXPECT_EQ(run({{"HeaderDigest", "None"}}).status, LoginStatus::kInitiatorError);
	// Unknown keys are not negotiated: answered again.
	neg.start(&tpg, true);
	EXPECT_EQ(run({{"X-a", "1"}, {"X-a", "1"}}).status, LoginStatus::kSuccess);
}

TEST_F(NegotiatorTest, StagesAndSecurityKeys) {
	neg.start(&tpg, true);
	Outcome o = run({{"AuthMethod", "CHAP"}, {"CHAP_A", "5"}, {"MaxBurstLength", "1024"},
			 {"InitiatorName", "iqn.x"}},
			Stage::kSecurity);
	EXPECT_EQ(o.status, LoginStatus::kSuccess);
	EXPECT_EQ(o.keys["MaxBurstLength"], "NotUnderstood");
	EXPECT_EQ(o.keys.count("AuthMethod"), 0u);
	ASSERT_EQ(sink.consumed.size(), 3u);
	EXPECT_EQ(sink.consumed[0], KeyId::kAuthMethod);
	EXPECT_EQ(sink.consumed[1], KeyId::kChapA);
	EXPECT_EQ(sink.consumed[2], KeyId::kInitiatorName);
	o = run({{"CHAP_N", "x"}}, Stage::kOperational);
	EXPECT_EQ(o.keys["CHAP_N"], "NotUnderstood");
}

TEST_F(NegotiatorTest, ResultAndDeclaration) {
	neg.start(&tpg, true);
	Outcome o = run({{"MaxRecvDataSegmentLength", "1048576"}, {"HeaderDigest", "CRC32C"}});
	EXPECT_EQ(o.keys["MaxRecvDataSegmentLength"], "262144"); // MaxXmitDataSegmentLength, as LIO
	SessionParams p = neg.result();
	EXPECT_EQ(p.max_xmit_dsl, 262144u); // bounded by MaxXmitDataSegmentLength
	EXPECT_EQ(p.max_recv_dsl, 262144u);
	EXPECT_TRUE(p.header_digest);
	TextBuilder out(MutableBytes(buf, sizeof(buf)));
	EXPECT_EQ(neg.declare(Stage::kOperational, out), LoginStatus::kSuccess);
	EXPECT_EQ(out.size(), 0u); // declared once
}

TEST_F(NegotiatorTest, ResponseOverflowFails) {
	neg.start(&tpg, true);
	std::vector<std::pair<std::string, std::string>> many;
	for (int i = 0; i < 400; i++)
		many.push_back({"X-" + std::to_string(i), ""});
	EXPECT_EQ(run(many).status, LoginStatus::kInitiatorError); // buf is 4 KiB
}

} // namespace
