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
# objtool: runs once per module over the combination of its C++ objects (lio_cxx_combined),
# with the kernel's own cmd_objtool; on kernels that delay objtool to the linked module (6.12
# with IBT) the module link covers them.

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

# No ftrace entry (-pg -mfentry -mrecord-mcount) in C++ objects: GCC writes __mcount_loc
# outside the COMDAT groups of inline functions, template instances and vtable members, so
# every copy a link discards leaves a reference into a discarded section (ld fails), and on
# 6.12 objtool only runs after that link. Our C++ functions are therefore not ftrace-able
# (kprobes and the function graph tracer see the C boundary); they also pay no fentry call.
lio-cxx-no-ftrace := $(CC_FLAGS_FTRACE)

lio_cxx_flags = -Wp,-MMD,$(depfile) $(NOSTDINC_FLAGS) -isystem $(lio-cxx-gcc-include) \
	$(filter-out $(lio-cxx-c-only) $(lio-cxx-no-ftrace) $(ccflags-remove-y) \
		$(CFLAGS_REMOVE_$(target-stem).o), \
		$(KBUILD_CPPFLAGS) $(KBUILD_CFLAGS) $(KBUILD_CFLAGS_MODULE)) \
	$(lio-cxx-only) $(lio-cxxflags-y) $(CXXFLAGS_$(target-stem).o) \
	$(basename_flags) $(modname_flags)

# C++ objects get no objtool pass of their own: see lio_cxx_combined. The function padding
# (-fpatchable-function-entry, 6.12's CALL_PADDING) stays, but its __patchable_function_entries
# table goes: GCC 12 writes it outside COMDAT groups (the same discarded-copy problem as
# __mcount_loc), and x86 discards the table at link anyway (HAVE_DYNAMIC_FTRACE_NO_PATCHABLE).
quiet_cmd_cxx_o_cpp = CXX $(quiet_modtag) $@
      cmd_cxx_o_cpp = $(LIO_KCXX) $(lio_cxx_flags) -c -o $@ $< && \
	$(OBJCOPY) --remove-section=__patchable_function_entries \
		--remove-section=.rela__patchable_function_entries $@

define rule_cxx_o_cpp
	$(call cmd_and_fixdep,cxx_o_cpp)
endef

$(obj)/%.o: $(src)/%.cpp $(LIO_GENERATED) FORCE
	$(call if_changed_rule,cxx_o_cpp)

# $(call lio_cxx_combined,COMBINED.o,CXX-OBJECTS): COMBINED.o = ld -r of a module's C++
# objects, then the kernel's cmd_objtool on it exactly as on a C object (on kernels that
# delay objtool to the linked module, 6.12 with IBT, cmd_objtool is empty here and the
# module link runs it). ld -r keeps one copy of each COMDAT group (inline functions,
# template instances, vtables emitted in several objects), so objtool annotates each once.
# Per-object objtool annotates every copy: the copies the link then discards leave
# duplicate .return_sites/__mcount_loc entries (6.1 warns "missing return thunk" at load)
# or references into discarded sections (ld fails).
#
# The COMDAT groups themselves go once ld -r has resolved them (objcopy --remove-section=.group
# keeps their member sections as ordinary ones): nothing links against another copy any more,
# and on 6.12 objtool's run over the linked module inserts local symbols in front of the
# globals without updating the groups' signature indices, so groups end up named after
# unrelated __pfx_ symbols; two that share one are merged by the final link, which then
# discards code still referenced (".return_sites ... defined in discarded section").
quiet_cmd_cxx_combine = LD [C++] $@
      cmd_cxx_combine = $(LD) $(KBUILD_LDFLAGS) -r -o $@ $(filter %.o,$(real-prereqs)) && \
	$(OBJCOPY) --remove-section=.group $@ $(cmd_objtool)

define rule_cxx_combine
	$(call cmd_and_savecmd,cxx_combine)
	$(call cmd,gen_objtooldep)
endef

# objtool sees several source files in the combined object and would switch to --link
# itself (with an "error:" line): say so up front.
define lio_cxx_combined
targets += $(1) $(2)
$$(obj)/$(1): objtool-args-y += --link
$$(obj)/$(1): $$(addprefix $$(obj)/,$(2)) FORCE
	$$(call if_changed_rule,cxx_combine)
endef
