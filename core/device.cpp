// SPDX-License-Identifier: GPL-2.0
#include "core/device.h"

#include "core/hba.h"
#include "lio/log.h"

namespace lio::core {

namespace {
constinit LockClass device_lock_class("lio_device");
} // namespace

Device::Device(Hba &hba, StrView name, const Backend &backend)
    : hba_(hba), name_{}, lock_(device_lock_class) {
	(void)str_copy(Span<char>(name_, sizeof(name_)), name); // callers bound the length
	// LIO: emulate_model_alias (on by default) makes the model the device name, cut to 15
	// characters; otherwise it is the backend's inquiry product.
	usize n = min(name.size(), static_cast<usize>(kInquiryModelLen - 1));
	(void)str_copy(Span<char>(config_.wwn.model, sizeof(config_.wwn.model)),
		       StrView(name.data(), n));
	(void)str_copy(Span<char>(config_.wwn.revision, sizeof(config_.wwn.revision)),
		       str_view(backend.inquiry_rev()));
}

Device::~Device() = default;

Result<void> Device::check_range(u64 offset, u64 len) const {
	u64 size = size_bytes();
	if (offset > size || len > size - offset)
		return Error::from_errno(KABI_EINVAL);
	return {};
}

} // namespace lio::core
