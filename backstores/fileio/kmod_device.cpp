// SPDX-License-Identifier: GPL-2.0
// target_core_file's own copy of core::Device's out-of-line members (constructor, destructor,
// vtable, check_range): no C++ symbols cross between modules. Kernel build only (CMake skips
// kmod_*.cpp).
#include "core/device.cpp"
