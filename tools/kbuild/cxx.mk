# SPDX-License-Identifier: GPL-2.0
#
# C++ in Kbuild: included from the top Kbuild file, i.e. evaluated inside the kernel's own
# scripts/Makefile.build, so every variable below is the kernel's.
#
# Flags: the kernel's own C flags for this configuration (KBUILD_CPPFLAGS, KBUILD_CFLAGS,
# KBUILD_CFLAGS_MODULE, the module-name defines), minus what is C-only, plus the C++ subset's
# flags. Nothing ABI-relevant is written here by hand: -mcmodel=kernel, -mno-red-zone,
# retpoline/rethunk thunks, stack protector, -fcf-protection, -mharden-sls, patchable entries,
# -funsigned-char, ... all come from the kernel. Should a kernel add a new C-only flag, g++
# warns "valid for C/ObjC but not for C++" and the build fails (warnings are errors), so it
# gets added to the list below instead of slipping through silently.
#
# objtool: the kernel's cmd_objtool is appended exactly as its C rule does; on kernels that
# delay objtool to the linked module (6.12 with IBT) it is empty here and the link step
# covers C++ objects.

LIO_KCXX := $(subst gcc,g++,$(CC))
ifeq ($(findstring g++,$(LIO_KCXX)),)
$(error lio-cxx: C++ objects need a GCC kernel build (CC=$(CC)))
endif

lio-cxx-c-only := -std=gnu89 -std=gnu11 -std=gnu17 \
	-Werror=implicit-int -Werror=strict-prototypes -Werror=incompatible-pointer-types \
	-Werror=designated-init -Werror=implicit-function-declaration -Wno-pointer-sign \
	-Wno-override-init -Wmissing-prototypes -Wstrict-prototypes -Wdeclaration-after-statement \
	-Wold-style-definition -Wnested-externs -Wenum-conversion -Wabsolute-value \
	-Wno-shift-negative-value -Wno-old-style-declaration

lio-cxx-only := -std=gnu++20 -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics \
	-fno-use-cxa-atexit -nostdinc++ -fno-asynchronous-unwind-tables -fno-unwind-tables \
	-Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wnon-virtual-dtor \
	-Woverloaded-virtual -Wimplicit-fallthrough=5 -Wvla -Wframe-larger-than=2048 \
	-Wno-invalid-offsetof

lio-cxx-gcc-include := $(shell $(LIO_KCXX) -print-file-name=include)

lio_cxx_flags = -Wp,-MMD,$(depfile) $(NOSTDINC_FLAGS) -isystem $(lio-cxx-gcc-include) \
	$(filter-out $(lio-cxx-c-only) $(ccflags-remove-y) $(CFLAGS_REMOVE_$(target-stem).o), \
		$(KBUILD_CPPFLAGS) $(KBUILD_CFLAGS) $(KBUILD_CFLAGS_MODULE)) \
	$(lio-cxx-only) $(lio-cxxflags-y) $(CXXFLAGS_$(target-stem).o) \
	$(basename_flags) $(modname_flags)

quiet_cmd_cxx_o_cpp = CXX $(quiet_modtag) $@
      cmd_cxx_o_cpp = $(LIO_KCXX) $(lio_cxx_flags) -c -o $@ $< $(cmd_objtool)

define rule_cxx_o_cpp
	$(call cmd_and_fixdep,cxx_o_cpp)
	$(call cmd,gen_objtooldep)
endef

$(obj)/%.o: $(src)/%.cpp $(LIO_GENERATED) FORCE
	$(call if_changed_rule,cxx_o_cpp)
