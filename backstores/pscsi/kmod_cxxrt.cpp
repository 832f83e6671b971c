// SPDX-License-Identifier: GPL-2.0
// target_core_pscsi's own copy of the C++ runtime (an object belongs to one module only).
// Kernel build only: the host links core/runtime/cxxrt.cpp once (CMake skips kmod_*.cpp).
#include "core/runtime/cxxrt.cpp"
