// SPDX-License-Identifier: GPL-2.0
/*
 * core/scsi/spc.cpp: SPC-4 commands every logical unit answers: TEST UNIT READY, REQUEST
 * SENSE, INQUIRY (standard data and VPD pages 0x00, 0x80, 0x83, 0x86, 0xB0, 0xB1, 0xB2),
 * MODE SENSE(6/10) and REPORT LUNS. Formats are LIO's, so that initiators see the same
 * identifiers and limits when a LIO target is replaced by this one.
 */
#include "core/scsi/handlers.h"
#include "lio/string.h"

namespace lio::scsi {

namespace {

constexpr u16 kVersionSam5 = 0x00a0;
constexpr u16 kVersionSpc4 = 0x0460;
constexpr u16 kVersionSbc3 = 0x04c0;

// The VPD pages, in the order VPD 0x00 lists them.
constexpr u8 kVpdPages[] = {0x00, 0x80, 0x83, 0x86, 0xb0, 0xb1, 0xb2};

bool lbp_enabled(const LuAttributes &a) { return a.emulate_tpu || a.emulate_tpws; }

// What INQUIRY claims follows the opcode table, so that it never offers a command that is
// not implemented: ALUA needs REPORT TARGET PORT GROUPS, 3PC needs EXTENDED COPY, and a
// compare-and-write length needs COMPARE AND WRITE. Each appears once its row does.
bool has_command(u8 opcode, int service_action = -1) {
	const OpcodeRow *row = find_opcode(opcode);
	if (!row || service_action < 0)
		return row != nullptr;
	return row->has_service_actions() &&
	       find_service_action(*row, static_cast<u8>(service_action)) != nullptr;
}
constexpr u8 kOpExtendedCopy = 0x83;
constexpr u8 kOpCompareAndWrite = 0x89;
constexpr u8 kOpMaintenanceIn = 0xa3;
constexpr u8 kSaReportTargetPortGroups = 0x0a;
constexpr u8 kOpWriteAtomic16 = 0x9c; // VPD 0xB0's atomic fields (sbc_atomic.cpp)

void inquiry_standard(ExecContext &ctx, Response &r) {
	LuIdentity id = ctx.lu.identity();
	LuAttributes a = ctx.lu.attributes();
	r.put(0, 0x00); // connected, direct access block device
	r.put(2, 0x06); // SPC-4
	r.put(3, 0x02); // response data format 2
	r.put(4, 91);   // additional length: 96 bytes in all
	u8 b5 = 0;
	// ---- ALUA: SCCS, and TPGS from the access type of the LUN's target port group (LIO) ----
	if (a.alua_supported && has_command(kOpMaintenanceIn, kSaReportTargetPortGroups)) {
		b5 |= 0x80;
		AluaPortState alua = ctx.nexus ? ctx.nexus->alua_port_state() : AluaPortState();
		if (alua.has_group)
			b5 |= static_cast<u8>((alua.access_type & 3) << 4);
	}
	if (a.emulate_3pc && has_command(kOpExtendedCopy))
		b5 |= 0x08;
	if (a.pi_prot_type)
		b5 |= 0x01; // PROTECT (T10-PI, sbc_pi.cpp)
	r.put(5, b5);
	r.put(7, 0x02); // CMDQUE
	r.put_padded(8, id.vendor, 8);
	r.put_padded(16, id.product, 16);
	r.put_padded(32, id.revision, 4);
	// Version descriptors, packed: tools stop at the first zero (sg_inq -d).
	r.put_be16(58, kVersionSam5);
	r.put_be16(60, kVersionSpc4);
	r.put_be16(62, kVersionSbc3);
	r.extend(96);
}

// NAA IEEE Registered Extended (NAA 6): lu_naa_designator() (spc_xcopy.cpp, shared with
// EXTENDED COPY's identification descriptors).
void put_naa6(Response &r, usize off, const LuIdentity &id) {
	u8 naa[kNaaDesignatorLength];
	lu_naa_designator(id, naa);
	for (usize i = 0; i < kNaaDesignatorLength; i++)
		r.put(off + i, naa[i]);
}

// A SCSI name string designator (UTF-8, NUL-terminated, padded to a multiple of 4) made of
// `a` then `b`; association/type byte `assoc_type`, PIV+protocol in the code set byte when
// piv_protocol is not negative. Returns the bytes used.
usize put_name_designator(Response &r, usize off, u8 assoc_type, int piv_protocol, StrView a,
			  StrView b) {
	usize n = min<usize>(a.size() + b.size(), 251);
	usize padded = (n + 1 + 3) & ~usize(3);
	r.put(off + 0, static_cast<u8>(0x03 | (piv_protocol >= 0 ? (piv_protocol << 4) : 0)));
	r.put(off + 1, static_cast<u8>(assoc_type | (piv_protocol >= 0 ? 0x80 : 0)));
	r.put(off + 3, static_cast<u8>(padded));
	for (usize i = 0; i < padded; i++) {
		u8 c = 0;
		if (i < n)
			c = static_cast<u8>(i < a.size() ? a.data()[i] : b.data()[i - a.size()]);
		r.put(off + 4 + i, c);
	}
	return 4 + padded;
}

// VPD 0x83: designators for the logical unit, then (when the command came through a target
// port) for the port: relative target port, target port group, the port's and the target
// device's SCSI name strings, as LIO reports them.
usize vpd_device_identification(ExecContext &ctx, Response &r) {
	LuIdentity id = ctx.lu.identity();
	usize off = 4;
	bool has_serial = !id.unit_serial.is_empty();
	if (has_serial) {
		r.put(off + 0, 0x01); // binary
		r.put(off + 1, 0x03); // LU association, NAA
		r.put(off + 3, 16);
		put_naa6(r, off + 4, id);
		off += 20;
	}
	// T10 vendor id: vendor (8, space padded), then "product:serial" and a NUL.
	usize len = 8;
	r.put(off + 0, 0x02); // ASCII
	r.put(off + 1, 0x01); // LU association, T10 vendor ID
	r.put_padded(off + 4, id.vendor, 8);
	if (has_serial) {
		// The designator length is one byte: the serial is cut to fit (with its NUL).
		StrView prod(id.product.data(), min<usize>(id.product.size(), 16));
		usize room = 255 - 8 - prod.size() - 2;
		StrView serial(id.unit_serial.data(), min(id.unit_serial.size(), room));
		r.put_text(off + 12, prod);
		r.put(off + 12 + prod.size(), ':');
		r.put_text(off + 13 + prod.size(), serial);
		r.put(off + 13 + prod.size() + serial.size(), 0);
		len += prod.size() + 1 + serial.size() + 1;
	}
	r.put(off + 3, static_cast<u8>(len));
	off += 4 + len;
	if (!id.lu_name.is_empty()) {
		// SCSI name string, UTF-8, NUL-terminated, padded to a multiple of 4.
		usize n = min<usize>(id.lu_name.size(), 251);
		usize padded = (n + 1 + 3) & ~usize(3);
		r.put(off + 0, 0x03); // UTF-8
		r.put(off + 1, 0x08); // LU association, SCSI name string
		r.put(off + 3, static_cast<u8>(padded));
		r.put_text(off + 4, StrView(id.lu_name.data(), n));
		for (usize i = n; i < padded; i++)
			r.put(off + 4 + i, 0);
		off += 4 + padded;
	}
	const TargetPortInfo *port = ctx.nexus ? ctx.nexus->target_port() : nullptr;
	if (port) {
		u8 proto = static_cast<u8>(port->protocol_id << 4);
		// Relative target port identifier: binary, PIV, target port association, type 4.
		r.put(off + 0, static_cast<u8>(proto | 0x01));
		r.put(off + 1, 0x94);
		r.put(off + 3, 4);
		r.put_be16(off + 6, port->relative_port_id);
		off += 8;
		// ---- ALUA: the LUN's target port group, as it is now ----
		AluaPortState alua = ctx.nexus->alua_port_state();
		if (alua.has_group || port->has_port_group) {
			// Target port group: type 5.
			r.put(off + 0, static_cast<u8>(proto | 0x01));
			r.put(off + 1, 0x95);
			r.put(off + 3, 4);
			r.put_be16(off + 6, alua.has_group ? alua.group_id : port->port_group_id);
			off += 8;
		}
		// SCSI name string of the target port: "<name>,t,0x<tpgt>" (type 8, association
		// target port), then of the target device (association 10b).
		char tag[12];
		static const char kHex[] = "0123456789abcdef";
		tag[0] = ',';
		tag[1] = 't';
		tag[2] = ',';
		tag[3] = '0';
		tag[4] = 'x';
		for (int i = 0; i < 4; i++)
			tag[5 + i] = kHex[(port->tpg_tag >> (12 - 4 * i)) & 0xf];
		off += put_name_designator(r, off, 0x18, port->protocol_id, port->target_name,
					   StrView(tag, 9));
		off += put_name_designator(r, off, 0x28, port->protocol_id, port->target_name,
					   StrView());
	}
	return off;
}

Result<void> inquiry_vpd(ExecContext &ctx, Response &r, u8 page) {
	LuAttributes a = ctx.lu.attributes();
	r.put(0, 0x00);
	r.put(1, page);
	usize end = 4;
	switch (page) {
	case 0x00:
		for (usize i = 0; i < sizeof(kVpdPages); i++)
			r.put(4 + i, kVpdPages[i]);
		end = 4 + sizeof(kVpdPages);
		break;
	case 0x80: {
		LuIdentity id = ctx.lu.identity();
		usize n = min<usize>(id.unit_serial.size(), 250);
		if (n) {
			r.put_text(4, StrView(id.unit_serial.data(), n));
			end = 4 + n + 1; // and a NUL, as LIO
		}
		break;
	}
	case 0x83:
		end = vpd_device_identification(ctx, r);
		break;
	case 0x86: // Extended INQUIRY Data
		// T10-PI: SPT 111b (types 1, 2 and 3); GRD_CHK always, REF_CHK for types 1 and 2,
		// APP_CHK for type 2 (the 32-byte CDBs carry the expected application tag).
		if (a.pi_prot_type)
			r.put(4, static_cast<u8>(0x38 | 0x04 | (a.pi_prot_type != 3 ? 0x01 : 0) |
						 (a.pi_prot_type == 2 ? 0x02 : 0)));
		r.put(5, 0x07); // HEADSUP, ORDSUP, SIMPSUP
		if (a.emulate_write_cache)
			r.put(6, 0x01); // V_SUP
		r.put(8, 0x10);  // LUICLR
		end = 64;
		break;
	case 0xb0: { // Block Limits
		r.put(4, 0x01); // WSNZ
		if (a.emulate_caw && has_command(kOpCompareAndWrite))
			r.put(5, max_compare_and_write_blocks(a)); // MAXIMUM COMPARE AND WRITE LENGTH
		r.put_be16(6, 1);  // OPTIMAL TRANSFER LENGTH GRANULARITY
		r.put_be32(8, a.hw_max_sectors);
		r.put_be32(12, a.optimal_sectors);
		if (lbp_enabled(a)) {
			r.put_be32(20, a.max_unmap_lba_count);
			r.put_be32(24, a.max_unmap_block_desc_count);
			r.put_be32(28, a.unmap_granularity);
			u32 align = a.unmap_granularity_alignment;
			r.put_be32(32, align ? (align | 0x80000000u) : 0); // UGAVALID
		}
		r.put_be64(36, a.max_write_same_len);
		if (has_command(kOpWriteAtomic16)) {
			// WRITE ATOMIC(16) (sbc_atomic.cpp); 56..63, the atomic boundary limits,
			// stay 0: ATOMIC BOUNDARY is not supported.
			r.put_be32(44, max_atomic_transfer_blocks(ctx.lu));
			r.put_be32(48, a.atomic_alignment);
			r.put_be32(52, a.atomic_granularity);
		}
		end = 64;
		break;
	}
	case 0xb1: // Block Device Characteristics
		r.put_be16(4, a.is_nonrot ? 1 : 0); // MEDIUM ROTATION RATE
		end = 64;
		break;
	case 0xb2: { // Logical Block Provisioning
		u8 b5 = 0;
		if (a.emulate_tpu)
			b5 |= 0x80; // LBPU
		if (a.emulate_tpws)
			b5 |= 0x60; // LBPWS, LBPWS10
		if (a.unmap_zeroes_data)
			b5 |= 0x04; // LBPRZ
		r.put(5, b5);
		if (lbp_enabled(a))
			r.put(6, 0x02); // PROVISIONING TYPE: thin
		end = 8;
		break;
	}
	default:
		return cdb_field_error(ctx.cmd, 2, 7);
	}
	r.put_be16(2, end - 4);
	r.extend(end);
	return {};
}

} // namespace

Result<void> handle_test_unit_ready(ExecContext &ctx) { return {}; }

// SPC-4 6.39: a pending unit attention is returned as the parameter data (and, with
// UA_INTLCK_CTRL = 0, cleared); otherwise NO SENSE (no deferred errors are kept). In the
// format DESC asks for.
Result<void> handle_request_sense(ExecContext &ctx) {
	Cdb cdb = ctx.cmd.cdb();
	bool desc = cdb.bit(1, 0);
	SenseReason ua = SenseReason::kNone;
	if (ctx.nexus)
		ua = ctx.nexus->unit_attentions().take();
	u8 buf[SenseData::kMaxLength];
	usize n = SenseData::build(MutableBytes(buf, sizeof(buf)), ua, SenseDetail(), desc);
	Response r(ctx.cmd, cdb[4]);
	for (usize i = 0; i < n; i++)
		r.put(i, buf[i]);
	r.finish();
	return {};
}

Result<void> handle_inquiry(ExecContext &ctx) {
	Cdb cdb = ctx.cmd.cdb();
	bool evpd = cdb.bit(1, 0);
	u8 page = cdb[2];
	if (!evpd && page != 0)
		return cdb_field_error(ctx.cmd, 2, 7);
	Response r(ctx.cmd, cdb.be16(3));
	if (evpd)
		TRY(inquiry_vpd(ctx, r, page));
	else
		inquiry_standard(ctx, r);
	r.finish();
	return {};
}

// ---- MODE SENSE ----

namespace {

enum class PageControl : u8 { kCurrent = 0, kChangeable = 1, kDefault = 2, kSaved = 3 };

// Writes one mode page at off; returns its length (0: page not supported).
usize put_mode_page(ExecContext &ctx, Response &r, usize off, u8 page, PageControl pc) {
	LuAttributes a = ctx.lu.attributes();
	// Nothing is changeable yet (no MODE SELECT): the changeable masks are all zeros.
	bool values = pc != PageControl::kChangeable;
	switch (page) {
	case 0x01: // Read-Write Error Recovery
		r.put(off, 0x01);
		r.put(off + 1, 0x0a);
		r.extend(off + 12);
		return 12;
	case 0x08: // Caching
		r.put(off, 0x08);
		r.put(off + 1, 0x12);
		if (values && a.emulate_write_cache)
			r.put(off + 2, 0x04); // WCE
		r.extend(off + 20);
		return 20;
	case 0x0a: // Control
		r.put(off, 0x0a);
		r.put(off + 1, 0x0a);
		if (values) {
			u8 b2 = 0x02; // GLTSD
			if (pc == PageControl::kCurrent && ctx.cmd.descriptor_sense)
				b2 |= 0x04; // D_SENSE
			r.put(off + 2, b2);
			r.put(off + 3, 0x10); // QUEUE ALGORITHM MODIFIER: unrestricted reordering
			u8 b5 = 0;
			if (a.emulate_tas)
				b5 |= 0x40; // TAS
			if (a.pi_prot_type)
				b5 |= 0x80; // ATO
			r.put(off + 5, b5);
			r.put_be16(off + 8, 0xffff); // BUSY TIMEOUT PERIOD: unlimited
			r.put_be16(off + 10, 30);    // EXTENDED SELF-TEST COMPLETION TIME
		}
		r.extend(off + 12);
		return 12;
	case 0x1c: // Informational Exceptions Control
		r.put(off, 0x1c);
		r.put(off + 1, 0x0a);
		r.extend(off + 12);
		return 12;
	default:
		return 0;
	}
}

constexpr u8 kModePages[] = {0x01, 0x08, 0x0a, 0x1c};

} // namespace

Result<void> handle_mode_sense(ExecContext &ctx) {
	Cdb cdb = ctx.cmd.cdb();
	bool ten = cdb.opcode() == 0x5a;
	bool dbd = cdb.bit(1, 3);
	bool llbaa = ten && cdb.bit(1, 4);
	auto pc = static_cast<PageControl>(cdb[2] >> 6);
	u8 page = cdb[2] & 0x3f;
	u8 subpage = cdb[3];
	usize alloc = ten ? cdb.be16(7) : cdb[4];

	if (pc == PageControl::kSaved)
		return sense_error(SenseReason::kSavingParamsUnsupported);
	if (subpage != 0 && !(page == 0x3f && subpage == 0xff))
		return cdb_field_error(ctx.cmd, 3, 7);

	Response r(ctx.cmd, alloc);
	usize header = ten ? 8 : 4;
	u8 dev_specific = 0;
	if (ctx.lu.read_only())
		dev_specific |= 0x80; // WP
	if (ctx.lu.attributes().emulate_fua_write)
		dev_specific |= 0x10; // DPOFUA
	r.put(ten ? 3 : 2, dev_specific);

	usize off = header;
	if (!dbd) {
		u64 blocks = ctx.lu.num_blocks();
		u32 bs = ctx.lu.block_size();
		if (llbaa) {
			r.or_bits(4, 0x01); // LONGLBA
			r.put_be64(off, blocks);
			r.put_be32(off + 12, bs);
			off += 16;
		} else {
			r.put_be32(off, blocks > 0xffffffffull ? 0xffffffffu : static_cast<u32>(blocks));
			r.put_be24(off + 5, bs);
			off += 8;
		}
		if (ten)
			r.put_be16(6, off - header);
		else
			r.put(3, static_cast<u8>(off - header));
	}

	if (page == 0x3f) {
		for (u8 p : kModePages)
			off += put_mode_page(ctx, r, off, p, pc);
	} else {
		usize n = put_mode_page(ctx, r, off, page, pc);
		if (!n)
			return cdb_field_error(ctx.cmd, 2, 5);
		off += n;
	}
	r.extend(off);
	if (ten)
		r.put_be16(0, off - 2);
	else
		r.put(0, static_cast<u8>(off - 1));
	r.finish();
	return {};
}

// ---- MODE SELECT ----

// Nothing is changeable (the changeable masks MODE SENSE reports are zeros), so, as LIO
// does, a MODE SELECT is accepted when every page it sends equals the current page, and a
// block descriptor only when it keeps the block length.
Result<void> handle_mode_select(ExecContext &ctx) {
	Cdb cdb = ctx.cmd.cdb();
	bool ten = cdb.opcode() == 0x55;
	if (!cdb.bit(1, 4))
		return cdb_field_error(ctx.cmd, 1, 4); // PF = 0: vendor-specific pages
	if (cdb.bit(1, 0))
		return sense_error(SenseReason::kSavingParamsUnsupported);
	usize plen = ten ? cdb.be16(7) : cdb[4];
	if (plen == 0)
		return {};
	Bytes data = ctx.cmd.data_out_buffer();
	usize header = ten ? 8 : 4;
	if (data.size() < plen || plen < header)
		return sense_error(SenseReason::kParameterListLength);
	Bytes p = MUST(data.subspan(0, plen));
	usize bd_len = ten ? MUST(p.get_be16(6)) : MUST(p.get_u8(3));
	bool long_lba = ten && (MUST(p.get_u8(4)) & 0x01);
	usize bd_size = long_lba ? 16 : 8;
	if (bd_len % bd_size || header + bd_len > plen)
		return sense_error(SenseReason::kParameterListLength);
	for (usize off = header; off < header + bd_len; off += bd_size) {
		usize len_off = long_lba ? off + 12 : off + 5;
		u32 bs = long_lba ? MUST(p.get_be32(len_off)) : MUST(p.get_be24(len_off));
		if (bs != ctx.lu.block_size()) {
			ctx.cmd.sense_detail() = SenseDetail::param_field(static_cast<u16>(len_off), 7);
			return sense_error(SenseReason::kInvalidFieldInParamList);
		}
	}
	usize off = header + bd_len;
	while (off < plen) {
		if (off + 2 > plen)
			return sense_error(SenseReason::kParameterListLength);
		u8 b0 = MUST(p.get_u8(off));
		if (b0 & 0xc0) { // PS is reserved here; SPF: no subpages are supported
			ctx.cmd.sense_detail() = SenseDetail::param_field(
				static_cast<u16>(off), (b0 & 0x80) ? 7 : 6);
			return sense_error(SenseReason::kInvalidFieldInParamList);
		}
		u8 page_buf[32];
		Response cur{MutableBytes(page_buf, sizeof(page_buf))};
		usize len = put_mode_page(ctx, cur, 0, b0 & 0x3f, PageControl::kCurrent);
		if (!len) {
			ctx.cmd.sense_detail() = SenseDetail::param_field(static_cast<u16>(off), 5);
			return sense_error(SenseReason::kInvalidFieldInParamList);
		}
		if (off + len > plen)
			return sense_error(SenseReason::kParameterListLength);
		if (MUST(p.get_u8(off + 1)) != page_buf[1]) {
			ctx.cmd.sense_detail() = SenseDetail::param_field(static_cast<u16>(off + 1), 7);
			return sense_error(SenseReason::kInvalidFieldInParamList);
		}
		for (usize i = 2; i < len; i++) {
			u8 got = MUST(p.get_u8(off + i));
			if (got != page_buf[i]) {
				u8 diff = static_cast<u8>(got ^ page_buf[i]);
				ctx.cmd.sense_detail() = SenseDetail::param_field(
					static_cast<u16>(off + i), static_cast<u8>(31 - __builtin_clz(diff)));
				return sense_error(SenseReason::kInvalidFieldInParamList);
			}
		}
		off += len;
	}
	return {};
}

// ---- REPORT LUNS ----

namespace {

class LunWriter final : public LunVisitor {
  public:
	explicit LunWriter(Response &r) : r_(r) {}
	void visit(u64 lun) override {
		// Linux's int_to_scsilun: two bytes per addressing level, lowest level first.
		usize off = 8 + 8 * count_;
		for (usize level = 0; level < 4; level++) {
			r_.put(off + 2 * level, static_cast<u8>(lun >> 8));
			r_.put(off + 2 * level + 1, static_cast<u8>(lun));
			lun >>= 16;
		}
		count_++;
	}
	usize count() const { return count_; }

  private:
	Response &r_;
	usize count_ = 0;
};

} // namespace

Result<void> handle_report_luns(ExecContext &ctx) {
	Cdb cdb = ctx.cmd.cdb();
	u8 select = cdb[2];
	u32 alloc = cdb.be32(6);
	if (alloc < 16)
		return cdb_field_error(ctx.cmd, 6, 7);
	if (select > 2)
		return cdb_field_error(ctx.cmd, 2, 7);
	// SPC-4: REPORT LUNS clears REPORTED LUNS DATA HAS CHANGED for the nexus it runs on.
	if (ctx.nexus)
		ctx.nexus->unit_attentions().clear(SenseReason::kReportedLunsDataChanged);
	Response r(ctx.cmd, alloc);
	LunWriter w(r);
	if (select != 1) { // 1: well-known LUs only, of which there are none
		if (ctx.luns)
			ctx.luns->for_each_lun(w);
		if (w.count() == 0)
			w.visit(0); // no LUN mapped: LUN 0 stands in, as LIO reports it
	}
	r.put_be32(0, 8 * w.count());
	r.extend(8 + 8 * w.count());
	r.finish();
	return {};
}

} // namespace lio::scsi
