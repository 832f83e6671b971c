// SPDX-License-Identifier: GPL-2.0
/*
 * fabrics/iscsi/chap.h: CHAP, the target's side (RFC 1994, RFC 7143 12.1.3).
 *
 *   initiator                         target (ChapServer)
 *   CHAP_A=<a1,a2,...>        ->      start(): the first offered algorithm we support
 *                             <-      CHAP_A=<a> CHAP_I=<id> CHAP_C=<challenge>
 *   CHAP_N=<name> CHAP_R=<r>  ->      finish(): name == secrets.userid and
 *   [CHAP_I=<i> CHAP_C=<c>]             r == H(id || secrets.password || challenge)
 *                             <-      [mutual: CHAP_N=userid_mutual
 *                                      CHAP_R=H(i || password_mutual || c)]
 *
 * Algorithms (CHAP_A values, IANA PPP "Authentication Algorithms"): 5 MD5, 6 SHA-1,
 * 7 SHA-256, 8 SHA3-256, hashed by iscsi_glue_digest (an algorithm the glue does not have
 * is skipped when picking). Our challenge has the digest's size (16..32 bytes, as LIO) and
 * comes from iscsi_glue_random; binary values are sent as 0x hex and accepted as 0x hex or
 * 0b base64. The comparison of CHAP_R is constant-time; a CHAP_R whose length is not the
 * digest size fails. The initiator's challenge (mutual) is at most 1024 bytes and must not
 * equal ours (reflection). Failures are kAuthFailed; the log never holds secrets, responses
 * or challenges.
 */
#ifndef LIO_FABRICS_ISCSI_CHAP_H
#define LIO_FABRICS_ISCSI_CHAP_H

#include "fabrics/iscsi/config.h"
#include "fabrics/iscsi/pdu.h"
#include "fabrics/iscsi/text.h"
#include "lio/result.h"
#include "lio/span.h"
#include "lio/types.h"

namespace lio::fabrics::iscsi {

constexpr u32 kChapMaxDigest = 32;
constexpr u32 kChapMaxChallenge = 1024; // the initiator's, decoded

struct ChapAlgorithm {
	u8 id;            // CHAP_A value
	const char *name; // iscsi_glue_digest's name
	u32 digest_size;
};
// The algorithm with CHAP_A value id, or null.
const ChapAlgorithm *chap_algorithm(u32 id);

// A CHAP binary value: "0x"/"0X" + hex digits (an odd count has an implied leading 0) or
// "0b"/"0B" + base64. The decoded length; EINVAL when malformed, E2BIG when longer than out.
Result<usize> chap_decode(StrView text, MutableBytes out);
// "0x" + lowercase hex of data into out; the text (E2BIG when out is too small).
Result<StrView> chap_encode_hex(Bytes data, Span<char> out);

// H(id || secret || challenge) with alg into out (alg->digest_size bytes); EIO/ENOENT from
// the glue.
Result<void> chap_hash(const ChapAlgorithm &alg, u8 id, StrView secret, Bytes challenge,
		       MutableBytes out);

// The CHAP keys of the initiator's answer (empty view: the key was not sent).
struct ChapAnswer {
	StrView n, r, i, c;
	bool has_n = false, has_r = false, has_i = false, has_c = false;
};

class ChapServer final {
  public:
	// The initiator's CHAP_A list: appends CHAP_A, CHAP_I, CHAP_C. kAuthFailed when no
	// offered algorithm is supported; kTargetError when out has no room.
	LoginStatus start(StrView chap_a, TextBuilder &out);
	// The answer to our challenge; on success (and for mutual CHAP) appends our CHAP_N and
	// CHAP_R. kSuccess means authenticated.
	LoginStatus finish(const ChapAnswer &ans, const ChapSecrets &secrets, TextBuilder &out);

	bool challenged() const { return alg_ != nullptr; }

  private:
	const ChapAlgorithm *alg_ = nullptr;
	u8 id_ = 0;
	u32 challenge_len_ = 0;
	u8 challenge_[kChapMaxDigest] = {};
	u8 peer_challenge_[kChapMaxChallenge] = {}; // the initiator's (mutual)
};

} // namespace lio::fabrics::iscsi

#endif // LIO_FABRICS_ISCSI_CHAP_H
