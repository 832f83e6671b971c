// SPDX-License-Identifier: GPL-2.0
/*
 * tests/fuzz/fuzz_iscsi_login.cpp: libFuzzer target for the iSCSI login state machine
 * (fabrics/iscsi/login.h) with its text key parser, key negotiation and CHAP.
 *
 * Input: a sequence of Login Requests, each [0] flags (T, C, CSG, NSG as the wire has
 * them), [1] bits 0-1: version-min, bit 2: change the ITT, bit 3: TSIH != 0, bits 4-7: key
 * dictionary hint, [2..3] data length (mod 4096), then that many data bytes. Before the data
 * a dictionary of valid keys may be prepended (hint != 0) so that the fuzzer reaches the
 * later stages (CHAP, operational keys) quickly. The fake host has CHAP secrets and
 * authentication required on odd first bytes.
 *
 * Checks: no memory error (ASan), every reply is a Login Response with the request's ITT, a
 * data segment within kMaxReplyData, a failure status only with LoginOutcome::kFailed, T and
 * C never both set, kFullFeature only after attach() and never without authentication when
 * it is required, nothing but failures after kFailed / kFullFeature.
 */
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "fabrics/iscsi/login.h"

using namespace lio;
using namespace lio::fabrics::iscsi;

namespace {

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "fuzz_iscsi_login: check failed: %s (line %d)\n",   \
				#cond, __LINE__);                                          \
			abort();                                                           \
		}                                                                          \
	} while (0)

class FuzzHost final : public LoginHost {
  public:
	explicit FuzzHost(bool auth) {
		cfg.params.set_authentication(auth);
		strcpy(cfg.secrets.userid, "user");
		strcpy(cfg.secrets.password, "password1234");
		strcpy(cfg.secrets.userid_mutual, "target");
		strcpy(cfg.secrets.password_mutual, "password5678");
	}
	LoginStatus resolve(const LoginIdentity &id, LoginConfig &c) override {
		CHECK(resolves == 0);
		CHECK(id.initiator_name[0] != '\0');
		CHECK(id.discovery || id.target_name[0] != '\0');
		resolves++;
		c = cfg;
		return LoginStatus::kSuccess;
	}
	LoginStatus attach(const LoginIdentity &, const SessionParams &p, u16 *tsih) override {
		CHECK(attaches == 0);
		CHECK(p.first_burst_length <= p.max_burst_length);
		CHECK(p.max_recv_dsl >= 512 && p.max_xmit_dsl >= 512);
		attaches++;
		*tsih = 7;
		return LoginStatus::kSuccess;
	}
	LoginConfig cfg;
	int resolves = 0, attaches = 0;
};

const char *const kDict[] = {
	"InitiatorName=iqn.1994-05.com.example:i",
	"TargetName=iqn.2003-01.org.example:t",
	"SessionType=Normal",
	"SessionType=Discovery",
	"AuthMethod=CHAP,None",
	"AuthMethod=None",
	"CHAP_A=5",
	"CHAP_A=7,6,5",
	"CHAP_N=user",
	"CHAP_R=0x00112233445566778899aabbccddeeff",
	"CHAP_I=1",
	"CHAP_C=0x0102030405060708090a0b0c0d0e0f10",
	"HeaderDigest=CRC32C,None",
	"MaxRecvDataSegmentLength=65536",
	"FirstBurstLength=4096",
	"ImmediateData=No",
	"X-foo=bar",
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	if (size < 1)
		return 0;
	FuzzHost host(data[0] & 1);
	IscsiLogin login(host);
	static LoginReply reply; // 8 KiB: not on the stack
	std::string text;
	bool over = false;
	size_t pos = 1;
	while (pos + 4 <= size) {
		u8 flags = data[pos];
		u8 ctl = data[pos + 1];
		size_t len = ((data[pos + 2] << 8) | data[pos + 3]) % 4096;
		pos += 4;
		len = len < size - pos ? len : size - pos;
		text.clear();
		u8 hint = ctl >> 4;
		for (unsigned i = 0; i < 4 && hint; i++, hint >>= 1)
			if (hint & 1) {
				text += kDict[(ctl + i * 5 + flags) % (sizeof(kDict) / sizeof(kDict[0]))];
				text.push_back('\0');
			}
		text.append(reinterpret_cast<const char *>(data + pos), len);
		pos += len;

		Bhs req = Bhs::make(Opcode::kLoginReq);
		req.set_flags(flags);
		req.set_u8(2, 0);
		req.set_u8(3, ctl & 3);
		req.set_be16(14, (ctl & 8) ? 7 : 0);
		req.set_itt((ctl & 4) ? 0x99 : 0x10);
		req.set_be32(24, 1);
		req.set_data_segment_length(static_cast<u32>(text.size()));
		LoginOutcome o = login.receive(
			req, Bytes(reinterpret_cast<const u8 *>(text.data()), text.size()), reply);

		CHECK(reply.bhs.opcode() == Opcode::kLoginRsp);
		CHECK(reply.bhs.itt() == req.itt());
		CHECK(reply.data_length <= LoginReply::kMaxReplyData);
		CHECK(reply.bhs.data_segment_length() == reply.data_length);
		CHECK((reply.bhs.flags() & 0xc0) != 0xc0);
		u16 status = static_cast<u16>(reply.bhs.u8_at(36) << 8 | reply.bhs.u8_at(37));
		CHECK((status != 0) == (o == LoginOutcome::kFailed));
		if (over)
			CHECK(o == LoginOutcome::kFailed);
		if (o == LoginOutcome::kFullFeature) {
			CHECK(host.attaches == 1);
			CHECK(reply.bhs.be16(14) == 7);
			CHECK((reply.bhs.flags() & 0x83) == 0x83);
		}
		if (o != LoginOutcome::kContinue)
			over = true;
	}
	return 0;
}
