// SPDX-License-Identifier: GPL-2.0
/*
 * backstores/fileio/fileio.h: LIO's fileio backend (module target_core_file): a device whose
 * storage is a regular file or a block device opened by path (kabi/file.h).
 *
 * control keys (before enable; ',' or newline separated, as LIO's):
 *   fd_dev_name=<absolute path>   at most 255 bytes (FD_MAX_DEV_NAME)
 *   fd_dev_size=<bytes>           kstrtoull base 0; required for a regular file
 *   fd_buffered_io=1              page cache as a write cache (LIO's Buffered-WCE mode):
 *                                 forces attrib/emulate_write_cache=1
 *   fd_async_io=1                 accepted and shown, as LIO; I/O here is synchronous
 * Only 1 is a valid value of the two flags (LIO: "bogus fd_buffered_io=%d value").
 *
 * enable opens the path read-write, creating a missing regular file (0600). Without
 * fd_buffered_io=1 every write is stable on completion (O_DSYNC, LIO's default mode). A
 * regular file shorter than fd_dev_size is grown to it (never shrunk); the device's size is
 * fd_dev_size for a file and the capacity for a block device, in whole blocks (512 bytes, or
 * the block device's logical block size). The file is closed with the device.
 */
#ifndef LIO_BACKSTORES_FILEIO_FILEIO_H
#define LIO_BACKSTORES_FILEIO_FILEIO_H

#include "core/device.h"
#include "kabi/file.h"
#include "lio/atomic.h"

namespace lio::backstores {

class FileioBackend final : public core::Backend {
  public:
	constexpr FileioBackend() : Backend("fileio", "FILEIO", "4.0") {}
	Result<OwnPtr<core::Device>> create_device(core::Hba &hba, StrView name) const override;
};

extern constinit const FileioBackend g_fileio_backend;

class FileioDevice final : public core::Device {
  public:
	static constexpr u32 kMaxDevName = 256;       // FD_MAX_DEV_NAME (with the NUL)
	static constexpr u32 kBlockSize = 512;        // FD_BLOCKSIZE
	static constexpr u32 kMaxBytes = 8388608;     // FD_MAX_BYTES
	static constexpr u32 kMaxQueueDepth = 128;    // FD_MAX_DEVICE_QUEUE_DEPTH

	FileioDevice(core::Hba &hba, StrView name);
	~FileioDevice() override;

	Result<void> control_locked(StrView key, StrView value) override;
	Result<void> configure_locked(core::DeviceConfig &cfg) override;
	s64 show_params_locked(char *buf, usize size) override;

	u64 size_bytes() const override;
	Result<void> read(u64 offset, const DataBuf &out) override;
	Result<void> write(u64 offset, const DataBuf &data, bool fua) override;
	Result<void> flush() override;
	Result<void> unmap(u64 offset, u64 len) override;
	Result<void> write_zeroes(u64 offset, u64 len) override;

	// Protection information (core/device.h) in the side file "<fd_dev_name>.protection"
	// (LIO's layout: the tuple of block b at byte b * 8, opened with the data file's
	// O_DSYNC mode), regular files only (LIO refuses it on a block device: ENOSYS). Setup
	// opens or creates it and formats (0xff) whatever lies beyond its end, so a side file
	// left by an earlier configuration keeps its tuples; it stays on disk after release.
	bool pi_supported() const override { return true; }
	Result<void> pi_setup_locked(u32 block_size) override;
	void pi_release_locked() override;
	Result<void> pi_format_locked() override;
	Result<void> read_pi(u64 block, MutableBytes out) override;
	Result<void> write_pi(u64 block, Bytes in, bool fua) override;
	static constexpr const char *kPiSuffix = ".protection";

	// For tests.
	bool buffered() const { return buffered_; }
	bool is_block_device() const { return is_blockdev_; }

  private:
	Result<void> begin_io(u64 offset, u64 len) const;
	Result<void> fail_io(const char *op, s64 ret, u64 offset, u64 len) const;

	char path_[kMaxDevName] = {};
	u64 dev_size_ = 0; // fd_dev_size as written
	bool has_path_ = false;
	bool has_size_ = false;
	bool buffered_ = false;
	bool async_ = false;
	bool is_blockdev_ = false;
	u32 fd_dev_id_ = 0;
	u32 block_size_ = kBlockSize;
	u64 size_ = 0;                 // usable bytes, set at enable
	kabi_file *file_ = nullptr;    // open from enable to destruction
	Atomic<bool> ready_{false};    // file_ and size_ in place
	// Protection information.
	Result<void> fill_pi(u64 from, u64 to);
	Result<void> begin_pi(u64 block, u64 bytes) const;
	kabi_file *pi_file_ = nullptr; // open from pi setup to release
	u32 pi_block_size_ = kBlockSize;
	Atomic<bool> pi_ready_{false};
};

} // namespace lio::backstores

#endif // LIO_BACKSTORES_FILEIO_FILEIO_H
