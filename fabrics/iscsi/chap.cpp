// SPDX-License-Identifier: GPL-2.0
/*
 * fabrics/iscsi/chap.cpp: CHAP, the target's side (see chap.h).
 */
#include "fabrics/iscsi/chap.h"

#include "fabrics/iscsi/iscsi_abi.h"
#include "lio/log.h"

namespace lio::fabrics::iscsi {

namespace {

constexpr ChapAlgorithm kAlgorithms[] = {
	{5, "md5", 16},
	{6, "sha1", 20},
	{7, "sha256", 32},
	{8, "sha3-256", 32},
};

int base64_value(char c) {
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

bool equal_ct(const u8 *a, const u8 *b, usize n) {
	u8 diff = 0;
	for (usize i = 0; i < n; i++)
		diff |= static_cast<u8>(a[i] ^ b[i]);
	return diff == 0;
}

// secret as the C string of a ChapSecrets field.
StrView field(const char (&f)[kAuthLen]) { return StrView(f, str_nlen(f, kAuthLen)); }

// The glue has the algorithm (the kernel may lack sha3-256, say).
bool available(const ChapAlgorithm &alg) {
	u8 out[kChapMaxDigest];
	iscsi_iovec iov = {"", 0};
	return iscsi_glue_digest(alg.name, &iov, 1, out, sizeof(out)) ==
	       static_cast<s32>(alg.digest_size);
}

} // namespace

const ChapAlgorithm *chap_algorithm(u32 id) {
	for (const ChapAlgorithm &a : kAlgorithms)
		if (a.id == id)
			return &a;
	return nullptr;
}

Result<usize> chap_decode(StrView text, MutableBytes out) {
	if (text.size() < 3 || text.data()[0] != '0')
		return Error::from_errno(KABI_EINVAL);
	char form = text.data()[1];
	const char *p = text.data() + 2;
	usize n = text.size() - 2;
	if (form == 'x' || form == 'X') {
		usize bytes = (n + 1) / 2;
		if (bytes > out.size())
			return Error::from_errno(KABI_E2BIG);
		usize o = 0, i = 0;
		if (n % 2) { // implied leading zero nibble
			int d = hex_digit_value(p[0]);
			if (d < 0)
				return Error::from_errno(KABI_EINVAL);
			out.data()[o++] = static_cast<u8>(d);
			i = 1;
		}
		for (; i < n; i += 2) {
			int hi = hex_digit_value(p[i]), lo = hex_digit_value(p[i + 1]);
			if (hi < 0 || lo < 0)
				return Error::from_errno(KABI_EINVAL);
			out.data()[o++] = static_cast<u8>(hi << 4 | lo);
		}
		return o;
	}
	if (form == 'b' || form == 'B') {
		if (n % 4)
			return Error::from_errno(KABI_EINVAL);
		usize pad = 0;
		if (n >= 1 && p[n - 1] == '=')
			pad++;
		if (n >= 2 && p[n - 2] == '=')
			pad++;
		usize bytes = n / 4 * 3 - pad;
		if (bytes > out.size())
			return Error::from_errno(KABI_E2BIG);
		usize o = 0;
		for (usize i = 0; i < n; i += 4) {
			u32 acc = 0;
			for (usize j = 0; j < 4; j++) {
				char c = p[i + j];
				int v;
				if (c == '=' && i + 4 == n && j >= 4 - pad)
					v = 0;
				else if ((v = base64_value(c)) < 0)
					return Error::from_errno(KABI_EINVAL);
				acc = acc << 6 | static_cast<u32>(v);
			}
			u8 three[3] = {static_cast<u8>(acc >> 16), static_cast<u8>(acc >> 8),
				       static_cast<u8>(acc)};
			for (usize j = 0; j < 3 && o < bytes; j++)
				out.data()[o++] = three[j];
		}
		return o;
	}
	return Error::from_errno(KABI_EINVAL);
}

Result<StrView> chap_encode_hex(Bytes data, Span<char> out) {
	static const char kHex[] = "0123456789abcdef";
	usize need = 2 + 2 * data.size();
	if (need > out.size())
		return Error::from_errno(KABI_E2BIG);
	char *p = out.data();
	p[0] = '0';
	p[1] = 'x';
	for (usize i = 0; i < data.size(); i++) {
		p[2 + 2 * i] = kHex[data.data()[i] >> 4];
		p[3 + 2 * i] = kHex[data.data()[i] & 15];
	}
	return StrView(p, need);
}

Result<void> chap_hash(const ChapAlgorithm &alg, u8 id, StrView secret, Bytes challenge,
		       MutableBytes out) {
	iscsi_iovec iov[3] = {
		{&id, 1},
		{secret.data(), secret.size()},
		{challenge.data(), challenge.size()},
	};
	s32 r = iscsi_glue_digest(alg.name, iov, 3, out.data(), static_cast<u32>(out.size()));
	if (r < 0)
		return Error::from_kernel(r);
	if (static_cast<u32>(r) != alg.digest_size)
		return Error::from_errno(KABI_EIO);
	return {};
}

LoginStatus ChapServer::start(StrView chap_a, TextBuilder &out) {
	if (alg_) {
		log_err("iscsi: CHAP_A received twice\n");
		return LoginStatus::kAuthFailed;
	}
	const ChapAlgorithm *pick = nullptr;
	for_each_token(chap_a, [&](StrView t) {
		Result<u32> id = parse_u32(t, 10);
		const ChapAlgorithm *a = id.is_ok() ? chap_algorithm(id.value()) : nullptr;
		if (a && available(*a))
			pick = a;
		return pick == nullptr;
	});
	if (!pick) {
		log_err("iscsi: no supported CHAP_A algorithm offered\n");
		return LoginStatus::kAuthFailed;
	}
	alg_ = pick;
	iscsi_glue_random(&id_, 1);
	challenge_len_ = pick->digest_size; // >= 16
	iscsi_glue_random(challenge_, challenge_len_);

	char buf[2 + 2 * kChapMaxDigest];
	char digits[11];
	StrView hex = MUST(chap_encode_hex(Bytes(challenge_, challenge_len_),
					   Span<char>(buf, sizeof(buf))));
	if (out.add_u32(str_view("CHAP_A"), pick->id).is_error() ||
	    out.add(str_view("CHAP_I"), format_u32(id_, digits)).is_error() ||
	    out.add(str_view("CHAP_C"), hex).is_error())
		return LoginStatus::kTargetError;
	return LoginStatus::kSuccess;
}

LoginStatus ChapServer::finish(const ChapAnswer &ans, const ChapSecrets &secrets,
			       TextBuilder &out) {
	if (!alg_) {
		log_err("iscsi: CHAP response before CHAP_A\n");
		return LoginStatus::kAuthFailed;
	}
	const ChapAlgorithm &alg = *alg_;
	alg_ = nullptr; // one answer per challenge
	if (!ans.has_n || !ans.has_r) {
		log_err("iscsi: CHAP_N or CHAP_R missing\n");
		return LoginStatus::kAuthFailed;
	}
	if (!secrets.has_one_way()) {
		log_err("iscsi: CHAP userid or password not set for this initiator\n");
		return LoginStatus::kAuthFailed;
	}
	if (!str_equal(ans.n, field(secrets.userid))) {
		log_err("iscsi: CHAP_N does not match\n");
		return LoginStatus::kAuthFailed;
	}
	u8 got[kChapMaxDigest];
	Result<usize> got_len = chap_decode(ans.r, MutableBytes(got, sizeof(got)));
	if (got_len.is_error() || got_len.value() != alg.digest_size) {
		log_err("iscsi: malformed CHAP_R\n");
		return LoginStatus::kAuthFailed;
	}
	u8 want[kChapMaxDigest];
	if (chap_hash(alg, id_, field(secrets.password), Bytes(challenge_, challenge_len_),
		      MutableBytes(want, sizeof(want)))
		    .is_error())
		return LoginStatus::kTargetError;
	bool ok = equal_ct(got, want, alg.digest_size);
	__builtin_memset(want, 0, sizeof(want));
	if (!ok) {
		log_err("iscsi: CHAP authentication failed (wrong response)\n");
		return LoginStatus::kAuthFailed;
	}

	if (!ans.has_i && !ans.has_c)
		return LoginStatus::kSuccess; // one-way
	if (ans.has_i != ans.has_c) {
		log_err("iscsi: mutual CHAP needs both CHAP_I and CHAP_C\n");
		return LoginStatus::kAuthFailed;
	}
	if (!secrets.has_mutual()) {
		log_err("iscsi: initiator asks for mutual CHAP, no mutual credentials set\n");
		return LoginStatus::kAuthFailed;
	}
	Result<u32> peer_id = parse_u32(ans.i, 0);
	if (peer_id.is_error() || peer_id.value() > 255) {
		log_err("iscsi: malformed CHAP_I\n");
		return LoginStatus::kAuthFailed;
	}
	Result<usize> clen =
		chap_decode(ans.c, MutableBytes(peer_challenge_, sizeof(peer_challenge_)));
	if (clen.is_error() || clen.value() == 0) {
		log_err("iscsi: malformed CHAP_C\n");
		return LoginStatus::kAuthFailed;
	}
	if (clen.value() == challenge_len_ &&
	    equal_ct(peer_challenge_, challenge_, challenge_len_)) {
		log_err("iscsi: initiator CHAP_C equals ours (reflection), failing\n");
		return LoginStatus::kAuthFailed;
	}
	u8 resp[kChapMaxDigest];
	if (chap_hash(alg, static_cast<u8>(peer_id.value()), field(secrets.password_mutual),
		      Bytes(peer_challenge_, clen.value()), MutableBytes(resp, sizeof(resp)))
		    .is_error())
		return LoginStatus::kTargetError;
	char buf[2 + 2 * kChapMaxDigest];
	StrView hex = MUST(chap_encode_hex(Bytes(resp, alg.digest_size),
					   Span<char>(buf, sizeof(buf))));
	if (out.add(str_view("CHAP_N"), field(secrets.userid_mutual)).is_error() ||
	    out.add(str_view("CHAP_R"), hex).is_error())
		return LoginStatus::kTargetError;
	return LoginStatus::kSuccess;
}

} // namespace lio::fabrics::iscsi
