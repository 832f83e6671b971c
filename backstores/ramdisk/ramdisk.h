// SPDX-License-Identifier: GPL-2.0
/*
 * backstores/ramdisk/ramdisk.h: LIO's rd_mcp backend: a device whose storage is rd_pages
 * pages of kernel memory, allocated (zeroed) at enable and freed with the device. With
 * rd_nullio=1 nothing is allocated: reads return zeroes and writes are discarded.
 *
 * control keys: rd_pages=<pages> (number as kstrtou32 base 0, at least 1), rd_nullio=0|1,
 * rd_dummy=0|1 (accepted as LIO does; no effect here). Only before enable.
 */
#ifndef LIO_BACKSTORES_RAMDISK_RAMDISK_H
#define LIO_BACKSTORES_RAMDISK_RAMDISK_H

#include "core/device.h"
#include "lio/atomic.h"

namespace lio::backstores {

class RamdiskBackend final : public core::Backend {
  public:
	constexpr RamdiskBackend() : Backend("rd_mcp", "RAMDISK-MCP", "4.0") {}
	Result<OwnPtr<core::Device>> create_device(core::Hba &hba, StrView name) const override;
};

extern constinit const RamdiskBackend g_ramdisk_backend;

// Pages of one kind of ramdisk storage (the medium, or its protection information) in a
// two-level table: page i at tables[i / kPagesPerTable][i % kPagesPerTable]. Not locked: the
// owner allocates and frees it under its device lock, before and after I/O may reach it.
class RamdiskPages final {
  public:
	static constexpr u64 kPageSize = 4096;
	static constexpr u32 kPagesPerTable = 512; // page pointers per second-level table

	RamdiskPages() = default;
	~RamdiskPages() { free(); }
	RamdiskPages(const RamdiskPages &) = delete;
	RamdiskPages &operator=(const RamdiskPages &) = delete;

	// `pages` pages, every byte `fill`; false when memory ran out (nothing is kept then).
	bool alloc(u32 pages, u8 fill);
	void free();
	void fill(u8 value);
	u32 pages() const { return pages_; }
	// Applies fn(pointer, offset from `offset`, length) to each page piece of a range the
	// caller has checked.
	template <typename Fn> void for_each_piece(u64 offset, u64 len, Fn &&fn) {
		u64 done = 0;
		while (done < len) {
			u64 pos = offset + done;
			u64 page = pos / kPageSize;
			u64 in_page = pos % kPageSize;
			u64 n = min(kPageSize - in_page, len - done);
			fn(tables_[page / kPagesPerTable][page % kPagesPerTable] + in_page, done, n);
			done += n;
		}
	}

  private:
	u8 ***tables_ = nullptr;
	u32 table_count_ = 0;
	u32 pages_ = 0;
};

class RamdiskDevice final : public core::Device {
  public:
	static constexpr u64 kPageSize = RamdiskPages::kPageSize;
	// sg tables LIO would use (65536 / sizeof(struct scatterlist)): for the info line only.
	static constexpr u32 kLioSgPerTable = 2048;

	RamdiskDevice(core::Hba &hba, StrView name);
	~RamdiskDevice() override;

	Result<void> control_locked(StrView key, StrView value) override;
	Result<void> configure_locked(core::DeviceConfig &cfg) override;
	s64 show_params_locked(char *buf, usize size) override;

	u64 size_bytes() const override;
	Result<void> read(u64 offset, const DataBuf &out) override;
	Result<void> write(u64 offset, const DataBuf &data, bool fua) override;
	Result<void> flush() override;
	Result<void> unmap(u64 offset, u64 len) override;
	Result<void> write_zeroes(u64 offset, u64 len) override;

	// Protection information (core/device.h): its own pages, 8 bytes per 512 bytes of the
	// medium (enough for any block size), all 0xff when made; nullio keeps none (reads
	// 0xff, writes are dropped).
	bool pi_supported() const override { return true; }
	Result<void> pi_setup_locked(u32 block_size) override;
	void pi_release_locked() override;
	Result<void> pi_format_locked() override;
	Result<void> read_pi(u64 block, MutableBytes out) override;
	Result<void> write_pi(u64 block, Bytes in, bool fua) override;

	// Pages allocated (0 for nullio or before enable): for tests.
	u64 pages_allocated() const { return data_.pages(); }
	u64 pi_pages_allocated() const { return pi_.pages(); }

  private:
	Result<void> begin_io(u64 offset, u64 len) const;

	u32 page_count_ = 0;
	bool has_page_count_ = false;
	bool nullio_ = false;
	bool dummy_ = false;
	u32 rd_dev_id_ = 0;
	u32 sg_table_count_ = 0;
	Atomic<bool> ready_{false}; // storage in place (set at enable, before I/O may start)
	RamdiskPages data_;         // the medium (none for nullio)
	// Protection information: the tuple of block b (block size pi_block_size_) at byte b * 8.
	Result<void> begin_pi(u64 block, u64 bytes) const;
	void free_pi();
	RamdiskPages pi_;
	u32 pi_block_size_ = 512;
	Atomic<bool> pi_ready_{false};
};

} // namespace lio::backstores

#endif // LIO_BACKSTORES_RAMDISK_RAMDISK_H
