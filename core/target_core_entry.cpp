// SPDX-License-Identifier: GPL-2.0
// target_core_mod's C++ entry points (kabi/modules.h).
#include "configfs/target_root.h"
#include "core/target_core.h"
#include "kabi/modules.h"
#include "lio/log.h"

namespace {
// Owned here from init to exit; a plain pointer, so no static constructor is involved.
lio::core::TargetCore *g_core = nullptr;
} // namespace

extern "C" int32_t lio_target_core_init(kabi_module *self) {
	using namespace lio;
	Result<OwnPtr<core::TargetCore>> made = core::TargetCore::create();
	if (made.is_error())
		return made.error().to_kernel();
	OwnPtr<core::TargetCore> core = move(made.value());
	Result<void> tree = cfs::register_target_tree(*core, self);
	if (tree.is_error())
		return tree.error().to_kernel();
	g_core = core.release();
	return 0;
}

extern "C" void lio_target_core_exit(void) {
	lio::cfs::unregister_target_tree();
	delete g_core;
	g_core = nullptr;
}
