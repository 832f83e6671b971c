// SPDX-License-Identifier: GPL-2.0
// core/scsi/pr.cpp: persistent reservation state and TransportIDs (pr.h).
#include "core/scsi/pr.h"

#include "core/scsi/nexus.h"
#include "core/scsi/sense.h"
#include "lio/alloc.h"
#include "lio/log.h"

namespace lio::scsi {

namespace {

constinit LockClass pr_class("lio_pr_state");

constexpr char kHex[] = "0123456789abcdef";

// Writes 8 bytes as 16 hex digits (SAS) or as colon-separated pairs (FC) into name.
void hex_name(PrPortId *out, Bytes addr, bool colons, const char *prefix) {
	usize o = 0;
	for (const char *p = prefix; *p; p++)
		out->name[o++] = *p;
	for (usize i = 0; i < addr.size(); i++) {
		if (colons && i)
			out->name[o++] = ':';
		out->name[o++] = kHex[addr.data()[i] >> 4];
		out->name[o++] = kHex[addr.data()[i] & 0xf];
	}
	out->name[o] = '\0';
}

// Parses the hex digits of `text` (colons skipped when colons) into 8 bytes.
bool parse_hex_address(StrView text, bool colons, u8 *addr) {
	usize n = 0;
	for (usize i = 0; i < text.size(); i++) {
		char c = text.data()[i];
		if (colons && c == ':')
			continue;
		int v = hex_digit_value(c);
		if (v < 0 || n >= 16)
			return false;
		if (n % 2 == 0)
			addr[n / 2] = static_cast<u8>(v << 4);
		else
			addr[n / 2] |= static_cast<u8>(v);
		n++;
	}
	return n == 16;
}

Error param_error(usize *bad_offset, usize offset) {
	*bad_offset = offset;
	return sense_error(SenseReason::kInvalidFieldInParamList);
}

} // namespace

bool pr_type_valid(u8 type) {
	switch (static_cast<PrType>(type)) {
	case PrType::kWriteExclusive:
	case PrType::kExclusiveAccess:
	case PrType::kWriteExclusiveRegOnly:
	case PrType::kExclusiveAccessRegOnly:
	case PrType::kWriteExclusiveAllReg:
	case PrType::kExclusiveAccessAllReg:
		return true;
	default:
		return false;
	}
}

bool PrPortId::assign(const InitiatorPort &p) {
	protocol_id = p.protocol_id;
	if (str_copy(Span<char>(name, sizeof(name)), p.name).is_error())
		return false;
	if (p.isid.size() > kIsidText)
		return false;
	(void)str_copy(Span<char>(isid, sizeof(isid)), p.isid);
	return true;
}

// ---- TransportIDs ----

Result<usize> parse_transport_id(Bytes buf, PrPortId *out, usize *bad_offset) {
	*out = PrPortId();
	if (buf.size() < 4)
		return param_error(bad_offset, 0);
	const u8 *b = buf.data();
	u8 format = b[0] >> 6;
	u8 proto = b[0] & 0x0f;
	if (b[0] & 0x30)
		return param_error(bad_offset, 0);
	out->protocol_id = proto;
	switch (proto) {
	case kProtoSas:
	case kProtoFc: {
		if (format != 0)
			return param_error(bad_offset, 0);
		if (buf.size() < 24)
			return param_error(bad_offset, buf.size());
		usize at = proto == kProtoSas ? 4 : 8;
		const char *prefix = proto == kProtoSas ? "naa." : "";
		hex_name(out, Bytes(b + at, 8), proto == kProtoFc, prefix);
		return static_cast<usize>(24);
	}
	case kProtoIscsi: {
		if (format > 1)
			return param_error(bad_offset, 0);
		usize add = (usize(b[2]) << 8) | b[3];
		// ADDITIONAL LENGTH: a multiple of 4 (SPC-4 7.6.4.6), with room for a NUL.
		if (add < 4 || add % 4 || 4 + add > buf.size())
			return param_error(bad_offset, 2);
		StrView field(reinterpret_cast<const char *>(b + 4), add);
		usize len = str_nlen(field.data(), add);
		if (len == add || len == 0) // no NUL inside the field, or no name
			return param_error(bad_offset, 4);
		StrView text(field.data(), len);
		StrView name = text;
		StrView isid;
		// ",i,0x<ISID>" separates the ISID (format 01b); format 00b must not have it.
		for (usize i = 0; i + 5 <= len; i++) {
			const char *p = text.data() + i;
			if (p[0] == ',' && detail::ascii_lower(p[1]) == 'i' && p[2] == ',' &&
			    p[3] == '0' && detail::ascii_lower(p[4]) == 'x') {
				name = StrView(text.data(), i);
				isid = StrView(p + 5, len - i - 5);
				break;
			}
		}
		if ((format == 1) != (isid.data() != nullptr) || name.size() == 0)
			return param_error(bad_offset, 4);
		if (format == 1) {
			if (isid.size() != kIsidText)
				return param_error(bad_offset, 4 + name.size());
			for (usize i = 0; i < isid.size(); i++)
				if (hex_digit_value(isid.data()[i]) < 0)
					return param_error(bad_offset, 4 + name.size() + 5 + i);
				else
					out->isid[i] = detail::ascii_lower(isid.data()[i]);
			out->isid[kIsidText] = '\0';
		}
		if (str_copy(Span<char>(out->name, sizeof(out->name)), name).is_error())
			return param_error(bad_offset, 4);
		return 4 + add;
	}
	default:
		return param_error(bad_offset, 0);
	}
}

usize format_transport_id(const PrPortId &port, MutableBytes out) {
	out.fill(0);
	auto put = [&](usize off, u8 v) {
		if (off < out.size())
			out.data()[off] = v;
	};
	if (port.protocol_id == kProtoSas || port.protocol_id == kProtoFc) {
		u8 addr[8] = {};
		StrView hex = port.name_view();
		if (port.protocol_id == kProtoSas && starts_with(hex, str_view("naa.")))
			hex = StrView(port.name + 4, hex.size() - 4);
		(void)parse_hex_address(hex, port.protocol_id == kProtoFc, addr);
		put(0, port.protocol_id);
		usize at = port.protocol_id == kProtoSas ? 4 : 8;
		for (usize i = 0; i < 8; i++)
			put(at + i, addr[i]);
		return 24;
	}
	// iSCSI (and any other protocol: its name as an iSCSI-style string).
	bool with_isid = port.isid[0] != '\0';
	usize text = str_len(port.name) + (with_isid ? 5 + kIsidText : 0) + 1; // with the NUL
	usize add = (text + 3) & ~usize(3);
	if (add < 20)
		add = 20;
	put(0, static_cast<u8>((with_isid ? 0x40 : 0x00) | (port.protocol_id & 0x0f)));
	put(2, static_cast<u8>(add >> 8));
	put(3, static_cast<u8>(add));
	usize o = 4;
	for (const char *p = port.name; *p; p++)
		put(o++, static_cast<u8>(*p));
	if (with_isid) {
		for (const char *p = ",i,0x"; *p; p++)
			put(o++, static_cast<u8>(*p));
		for (const char *p = port.isid; *p; p++)
			put(o++, static_cast<u8>(*p));
	}
	return 4 + add;
}

// ---- PrState ----

PrState::PrState() : mutex_(pr_class) {}

PrState::~PrState() { remove_all(); }

bool PrState::matches(const PrRegistration &r, const InitiatorPort &p,
		      const TargetPortInfo *tp, bool enforce_isids) {
	if (r.port.protocol_id != p.protocol_id || !str_equal_nocase(r.port.name_view(), p.name))
		return false;
	if (enforce_isids && p.protocol_id == kProtoIscsi && r.port.isid[0] &&
	    !str_equal_nocase(r.port.isid_view(), p.isid))
		return false;
	if (r.all_tg_pt)
		return true;
	if (r.rtpi_pending)
		return tp && str_equal(str_view(r.target.target_node), tp->target_name) &&
		       r.target.tpgt == tp->tpg_tag;
	return r.rtpi == (tp ? tp->relative_port_id : 0);
}

PrRegistration *PrState::find(const InitiatorPort &p, const TargetPortInfo *tp,
			      bool enforce_isids) {
	for (PrRegistration &r : regs_) {
		if (!matches(r, p, tp, enforce_isids))
			continue;
		if (r.rtpi_pending && tp) {
			r.rtpi = tp->relative_port_id;
			r.rtpi_pending = false;
		}
		return &r;
	}
	return nullptr;
}

PrRegistration *PrState::find_port(const PrPortId &port, u16 rtpi, bool all_tg_pt,
				   bool enforce_isids) {
	InitiatorPort p;
	p.protocol_id = port.protocol_id;
	p.name = port.name_view();
	p.isid = port.isid_view();
	for (PrRegistration &r : regs_) {
		if (r.port.protocol_id != p.protocol_id ||
		    !str_equal_nocase(r.port.name_view(), p.name))
			continue;
		// Overlapping ISIDs: equal, or either one names every ISID of the initiator.
		if (enforce_isids && p.protocol_id == kProtoIscsi && r.port.isid[0] &&
		    port.isid[0] && !str_equal_nocase(r.port.isid_view(), p.isid))
			continue;
		if (r.all_tg_pt || all_tg_pt || r.rtpi == rtpi)
			return &r;
	}
	return nullptr;
}

PrRegistration *PrState::make_registration() {
	return new (Gfp::Kernel) PrRegistration();
}

void PrState::add(PrRegistration *r) {
	regs_.push_back(*r);
	publish();
}

bool PrState::remove(PrRegistration *r) {
	bool released = false;
	if (type_ != PrType::kNone &&
	    (holder_ == r || (pr_type_all_registrants(type_) && regs_.size() == 1))) {
		release();
		released = true;
	}
	regs_.remove(*r);
	delete r;
	publish();
	return released;
}

void PrState::remove_all() {
	release();
	while (PrRegistration *r = regs_.pop_front())
		delete r;
	publish();
}

void PrState::reserve(PrRegistration *r, PrType t) {
	type_ = t;
	holder_ = pr_type_all_registrants(t) ? nullptr : r;
	publish();
}

void PrState::release() {
	type_ = PrType::kNone;
	holder_ = nullptr;
	publish();
}

// ---- APTPL metadata ----

usize PrState::format_aptpl(MutableBytes out) {
	usize len = 0;
	auto put = [&](const char *text) {
		usize n = str_len(text);
		if (len < out.size())
			__builtin_memcpy(out.data() + len, text, min(n, out.size() - len));
		len += n;
	};
	char line[kMaxInitiatorName + 64];
	if (!aptpl_ || regs_.is_empty()) {
		put("No Registrations or Reservations\n");
		return len;
	}
	unsigned count = 0;
	for (PrRegistration &r : regs_) {
		kabi_snprintf(line, sizeof(line), "PR_REG_START: %u\ninitiator_fabric=%s\n", count,
			      r.target.fabric);
		put(line);
		kabi_snprintf(line, sizeof(line), "initiator_node=%s\n", r.port.name);
		put(line);
		if (r.port.isid[0]) {
			kabi_snprintf(line, sizeof(line), "initiator_sid=%s\n", r.port.isid);
			put(line);
		}
		kabi_snprintf(line, sizeof(line), "sa_res_key=%llu\n",
			      static_cast<unsigned long long>(r.key));
		put(line);
		if (is_holder(&r))
			kabi_snprintf(line, sizeof(line),
				      "res_holder=1\nres_type=%02x\nres_scope=00\n",
				      static_cast<unsigned>(type_));
		else
			kabi_snprintf(line, sizeof(line), "res_holder=0\n");
		put(line);
		kabi_snprintf(line, sizeof(line), "res_all_tg_pt=%d\nmapped_lun=%llu\n",
			      r.all_tg_pt ? 1 : 0,
			      static_cast<unsigned long long>(r.target.mapped_lun));
		put(line);
		kabi_snprintf(line, sizeof(line), "target_fabric=%s\ntarget_node=%s\n",
			      r.target.fabric, r.target.target_node);
		put(line);
		kabi_snprintf(line, sizeof(line), "tpgt=%u\nport_rtpi=%u\ntarget_lun=%llu\n",
			      static_cast<unsigned>(r.target.tpgt), static_cast<unsigned>(r.rtpi),
			      static_cast<unsigned long long>(r.target.target_lun));
		put(line);
		kabi_snprintf(line, sizeof(line), "PR_REG_END: %u\n", count);
		put(line);
		count++;
	}
	return len;
}

Result<void> PrState::restore_aptpl_record(StrView record) {
	PrPortId port;
	PrTargetPort target;
	bool have_node = false, have_target = false, holder = false, all_tg_pt = false;
	u64 key = 0;
	u32 type = 0;
	StrView fabric;
	const Error einval = Error::from_errno(KABI_EINVAL);
	usize i = 0;
	while (i < record.size()) {
		usize end = i;
		while (end < record.size() && record.data()[end] != ',' &&
		       record.data()[end] != '\n')
			end++;
		StrView item(record.data() + i, end - i);
		i = end + 1;
		usize eq = 0;
		while (eq < item.size() && item.data()[eq] != '=')
			eq++;
		if (eq == item.size())
			continue; // not key=value ("PR_REG_START:" pieces): ignored, as LIO
		StrView k(item.data(), eq);
		StrView v(item.data() + eq + 1, item.size() - eq - 1);
		auto text = [&](char *dst, usize size) -> Result<void> {
			if (v.size() == 0 || str_copy(Span<char>(dst, size), v).is_error())
				return einval;
			return {};
		};
		if (str_equal(k, "initiator_node")) {
			TRY(text(port.name, sizeof(port.name)));
			have_node = true;
		} else if (str_equal(k, "initiator_sid")) {
			if (v.size() != kIsidText)
				return einval;
			TRY(text(port.isid, sizeof(port.isid)));
		} else if (str_equal(k, "initiator_fabric")) {
			fabric = v;
			TRY(text(target.fabric, sizeof(target.fabric)));
		} else if (str_equal(k, "sa_res_key")) {
			key = TRY(parse_u64(v, 0));
		} else if (str_equal(k, "res_holder")) {
			holder = TRY(parse_u32(v, 10)) != 0;
		} else if (str_equal(k, "res_type")) {
			type = TRY(parse_u32(v, 10));
		} else if (str_equal(k, "res_all_tg_pt")) {
			all_tg_pt = TRY(parse_u32(v, 10)) != 0;
		} else if (str_equal(k, "mapped_lun")) {
			target.mapped_lun = TRY(parse_u64(v, 10));
		} else if (str_equal(k, "target_node")) {
			TRY(text(target.target_node, sizeof(target.target_node)));
			have_target = true;
		} else if (str_equal(k, "tpgt")) {
			u32 t = TRY(parse_u32(v, 10));
			if (t > 0xffff)
				return einval;
			target.tpgt = static_cast<u16>(t);
		} else if (str_equal(k, "target_lun")) {
			target.target_lun = TRY(parse_u64(v, 10));
		} else if (str_equal(k, "res_scope") || str_equal(k, "port_rtpi")) {
			(void)TRY(parse_u32(v, 10)); // checked, not used (LIO ignores them too)
		}
	}
	if (!have_node || !have_target || key == 0 || (holder && !pr_type_valid(type)))
		return einval;
	if (holder && type_ != PrType::kNone)
		return einval; // one reservation per LU
	// The protocol: iSCSI by fabric or name; SAS for naa. names; FC for colon-separated.
	StrView name = port.name_view();
	if (str_equal(fabric, "iSCSI") || starts_with(name, str_view("iqn.")) ||
	    starts_with(name, str_view("eui.")))
		port.protocol_id = kProtoIscsi;
	else if (starts_with(name, str_view("naa.")))
		port.protocol_id = kProtoSas;
	else
		port.protocol_id = kProtoFc;
	if (regs_.size() >= kMaxRegistrations)
		return Error::from_errno(KABI_ENOSPC);
	PrRegistration *r = make_registration();
	if (!r)
		return Error::from_errno(KABI_ENOMEM);
	r->port = port;
	r->key = key;
	r->all_tg_pt = all_tg_pt;
	r->rtpi_pending = true;
	r->target = target;
	r->generation = generation_;
	add(r);
	if (holder)
		reserve(r, static_cast<PrType>(type));
	aptpl_ = true;
	return {};
}

void PrState::publish() {
	reserved_.store(type_ != PrType::kNone, MemoryOrder::Release);
	registered_.store(!regs_.is_empty(), MemoryOrder::Release);
}

} // namespace lio::scsi
