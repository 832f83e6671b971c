// SPDX-License-Identifier: GPL-2.0
// The ramdisk's block I/O API (backstores/ramdisk): reads, writes across page and table
// boundaries, zeroing, bounds, nullio, and the state before enable.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "backstores/ramdisk/ramdisk.h"
#include "core/hba.h"
#include "core/target_core.h"
#include "test_support.h"

namespace {

using lio::Bytes;

// A data-out view: the backstore only reads it.
lio::DataBuf out_buf(lio::Bytes b) {
	return lio::DataBuf(lio::MutableBytes(const_cast<uint8_t *>(b.data()), b.size()));
}

using lio::MutableBytes;
using lio::StrView;
using lio::backstores::RamdiskDevice;

struct Rig {
	static lio::OwnPtr<lio::core::TargetCore> make_core() {
		return MUST(lio::core::TargetCore::create());
	}
	lio::OwnPtr<lio::core::TargetCore> core = make_core();
	lio::core::Hba hba{*core, lio::backstores::g_ramdisk_backend, lio::str_view("rd_mcp_0"), 0,
			   0, 1};

	lio::OwnPtr<RamdiskDevice> make(const char *control_pages, bool nullio, bool enable = true) {
		lio::OwnPtr<RamdiskDevice> dev =
		    lio::make<RamdiskDevice>(lio::Gfp::Kernel, hba, lio::str_view("rd0"));
		lio::LockGuard guard(dev->lock());
		EXPECT_TRUE(dev->control_locked(lio::str_view("rd_pages"), lio::str_view(control_pages))
				.is_ok());
		if (nullio) {
			EXPECT_TRUE(
			    dev->control_locked(lio::str_view("rd_nullio"), lio::str_view("1")).is_ok());
		}
		if (enable) {
			EXPECT_TRUE(dev->configure_locked(dev->config_locked()).is_ok());
		}
		return dev;
	}
};

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
	std::vector<uint8_t> v(n);
	for (size_t i = 0; i < n; i++)
		v[i] = static_cast<uint8_t>(seed + i * 7 + (i >> 9));
	return v;
}

TEST(RamdiskIo, FreshDiskReadsZeroes) {
	LeakCheck leaks;
	Rig rig;
	auto dev = rig.make("4", false);
	EXPECT_EQ(dev->size_bytes(), 4u * 4096);
	EXPECT_EQ(dev->pages_allocated(), 4u);
	std::vector<uint8_t> buf(4 * 4096, 0xaa);
	ASSERT_TRUE(dev->read(0, lio::DataBuf(MutableBytes(buf.data(), buf.size()))).is_ok());
	for (uint8_t b : buf)
		ASSERT_EQ(b, 0);
}

TEST(RamdiskIo, WriteReadAcrossPagesAndTables) {
	LeakCheck leaks;
	Rig rig;
	auto dev = rig.make("1030", false); // 3 second-level tables
	uint64_t size = dev->size_bytes();
	ASSERT_EQ(size, 1030u * 4096);
	struct Case {
		uint64_t off;
		size_t len;
	} cases[] = {{0, 1},	     {4095, 2},		    {4096 * 511 + 100, 8192},
		     {4096 * 512, 4096}, {size - 4097, 4097}, {12345, 3 * 4096 + 17},
		     {0, 0},		 {size, 0}};
	uint8_t seed = 1;
	for (const Case &c : cases) {
		std::vector<uint8_t> w = pattern(c.len, seed++);
		ASSERT_TRUE(dev->write(c.off, out_buf(Bytes(w.data(), w.size())), false).is_ok()) << c.off;
		std::vector<uint8_t> r(c.len, 0);
		ASSERT_TRUE(dev->read(c.off, lio::DataBuf(MutableBytes(r.data(), r.size()))).is_ok()) << c.off;
		EXPECT_EQ(r, w) << c.off;
	}
	// Neighbours of a write are untouched.
	std::vector<uint8_t> a(10, 0x11);
	ASSERT_TRUE(dev->write(8192 + 5, out_buf(Bytes(a.data(), a.size())), false).is_ok());
	std::vector<uint8_t> r(20);
	ASSERT_TRUE(dev->read(8192, lio::DataBuf(MutableBytes(r.data(), r.size()))).is_ok());
	for (size_t i = 0; i < 20; i++)
		EXPECT_EQ(r[i], (i >= 5 && i < 15) ? 0x11 : 0) << i;
	EXPECT_TRUE(dev->flush().is_ok());
}

TEST(RamdiskIo, ZeroesAndUnmap) {
	LeakCheck leaks;
	Rig rig;
	auto dev = rig.make("8", false);
	std::vector<uint8_t> w = pattern(8 * 4096, 3);
	ASSERT_TRUE(dev->write(0, out_buf(Bytes(w.data(), w.size())), false).is_ok());
	ASSERT_TRUE(dev->write_zeroes(4000, 5000).is_ok());
	ASSERT_TRUE(dev->unmap(20000, 4096).is_ok());
	std::vector<uint8_t> r(w.size());
	ASSERT_TRUE(dev->read(0, lio::DataBuf(MutableBytes(r.data(), r.size()))).is_ok());
	for (size_t i = 0; i < r.size(); i++) {
		bool zero = (i >= 4000 && i < 9000) || (i >= 20000 && i < 24096);
		ASSERT_EQ(r[i], zero ? 0 : w[i]) << i;
	}
}

TEST(RamdiskIo, BoundsAreChecked) {
	LeakCheck leaks;
	Rig rig;
	auto dev = rig.make("2", false);
	uint8_t b[16] = {};
	EXPECT_EQ(dev->read(8192 - 15, lio::DataBuf(MutableBytes(b, 16))).error().errno_value(), KABI_EINVAL);
	EXPECT_EQ(dev->write(8192, out_buf(Bytes(b, 1)), false).error().errno_value(), KABI_EINVAL);
	EXPECT_EQ(dev->write(~0ull - 4, out_buf(Bytes(b, 16)), false).error().errno_value(), KABI_EINVAL);
	EXPECT_EQ(dev->write_zeroes(1, 8192).error().errno_value(), KABI_EINVAL);
	EXPECT_EQ(dev->unmap(8193, 0).error().errno_value(), KABI_EINVAL);
	EXPECT_EQ(dev->unmap(4096, ~0ull).error().errno_value(), KABI_EINVAL);
	EXPECT_TRUE(dev->read(8192 - 16, lio::DataBuf(MutableBytes(b, 16))).is_ok());
}

TEST(RamdiskIo, NotEnabledIsNoDevice) {
	LeakCheck leaks;
	Rig rig;
	auto dev = rig.make("2", false, false);
	uint8_t b[4] = {};
	EXPECT_EQ(dev->size_bytes(), 0u);
	EXPECT_EQ(dev->read(0, lio::DataBuf(MutableBytes(b, 4))).error().errno_value(), KABI_ENODEV);
	EXPECT_EQ(dev->write(0, out_buf(Bytes(b, 4)), false).error().errno_value(), KABI_ENODEV);
	EXPECT_EQ(dev->flush().error().errno_value(), KABI_ENODEV);
	EXPECT_EQ(dev->write_zeroes(0, 4).error().errno_value(), KABI_ENODEV);
	EXPECT_EQ(dev->unmap(0, 4).error().errno_value(), KABI_ENODEV);
}

TEST(RamdiskIo, NullioAllocatesNothingAndReadsZeroes) {
	LeakCheck leaks;
	Rig rig;
	int64_t before = kabi_mem_live();
	auto dev = rig.make("262144", true); // 1 GiB, nothing behind it
	EXPECT_EQ(kabi_mem_live() - before, 1); // the device object only
	EXPECT_EQ(dev->pages_allocated(), 0u);
	EXPECT_EQ(dev->size_bytes(), 262144ull * 4096);
	std::vector<uint8_t> w = pattern(5000, 9), r(5000, 0xee);
	ASSERT_TRUE(dev->write(1ull << 29, out_buf(Bytes(w.data(), w.size())), false).is_ok());
	ASSERT_TRUE(dev->read(1ull << 29, lio::DataBuf(MutableBytes(r.data(), r.size()))).is_ok());
	for (uint8_t b : r)
		ASSERT_EQ(b, 0);
	EXPECT_TRUE(dev->unmap(0, 4096).is_ok());
	EXPECT_TRUE(dev->write_zeroes(0, 4096).is_ok());
}

TEST(RamdiskIo, ThroughTheDeviceInterface) {
	LeakCheck leaks;
	Rig rig;
	lio::OwnPtr<lio::core::Device> dev =
	    MUST(lio::backstores::g_ramdisk_backend.create_device(rig.hba, lio::str_view("x")));
	{
		lio::LockGuard guard(dev->lock());
		ASSERT_TRUE(dev->control_locked(lio::str_view("rd_pages"), lio::str_view("3")).is_ok());
		ASSERT_TRUE(dev->configure_locked(dev->config_locked()).is_ok());
		EXPECT_EQ(dev->config_locked().attrib.hw_block_size, 512u);
	}
	const char msg[] = "hello, ramdisk";
	ASSERT_TRUE(dev->write(4090, out_buf(Bytes::of(msg, sizeof(msg))), false).is_ok());
	char back[sizeof(msg)] = {};
	ASSERT_TRUE(dev->read(4090, lio::DataBuf(MutableBytes::of(back, sizeof(back)))).is_ok());
	EXPECT_STREQ(back, msg);
}

// Scatter-gather: odd segment sizes (and an empty one) over page boundaries, both ways.
TEST(RamdiskIo, ScatterGatherAcrossPages) {
	LeakCheck leaks;
	Rig rig;
	auto dev = rig.make("4", false);
	const size_t lens[] = {1, 4095, 3000, 0, 5000};
	std::vector<uint8_t> w = pattern(12096, 5), r(12096, 0xee);
	lio::DataSegment ws[5], rs[5];
	size_t off = 0;
	for (int i = 0; i < 5; i++) {
		ws[i] = {w.data() + off, lens[i]};
		rs[4 - i] = {r.data() + (12096 - off - lens[i]), lens[i]}; // other boundaries
		off += lens[i];
	}
	// Read segments in reverse layout: rs covers r in order but with different cut points.
	lio::DataSegment rseg[5];
	size_t roff = 0;
	for (int i = 0; i < 5; i++) {
		rseg[i] = {r.data() + roff, rs[i].len};
		roff += rs[i].len;
	}
	ASSERT_TRUE(dev->write(4090, lio::DataBuf(lio::Span<const lio::DataSegment>(ws, 5)), true)
			.is_ok());
	ASSERT_TRUE(
	    dev->read(4090, lio::DataBuf(lio::Span<const lio::DataSegment>(rseg, 5))).is_ok());
	EXPECT_EQ(r, w);
	// A slice of the view reads the middle only.
	std::vector<uint8_t> mid(100, 0);
	lio::DataSegment m[2] = {{mid.data(), 30}, {mid.data() + 30, 70}};
	ASSERT_TRUE(dev->read(4090 + 4000, lio::DataBuf(lio::Span<const lio::DataSegment>(m, 2)))
			.is_ok());
	EXPECT_EQ(mid, std::vector<uint8_t>(w.begin() + 4000, w.begin() + 4100));
}

} // namespace
