# SPDX-License-Identifier: GPL-2.0
#
# lio-cxx: the entry point for people. Kbuild does the kernel part (see Kbuild).
#
#   make                    build every module for KDIR (warnings are errors, subset checked)
#   make modules_install    install into /lib/modules/KVER/updates (INSTALL_MOD_PATH honoured)
#   make check              the whole test suite: host tests, both kernels, guest tests
#   make demo               boot a guest with our modules and show them serving
#   make host-test          host unit tests only (GoogleTest via ctest), plain and ASan+UBSan

SHELL := /bin/bash
SRC := $(CURDIR)

# Default kernel: the running one when its headers are installed, else Debian 12's 6.1.
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(shell ls -d /lib/modules/6.1.*/build 2>/dev/null | sort -V | tail -n 1))
# The release as the kernel reports it (uname -r, the /lib/modules directory). Debian's 6.1
# headers say otherwise in include/config/kernel.release, so read UTS_RELEASE.
KVER = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
BUILD_ROOT ?= $(SRC)/build
KBUILD_DIR = $(BUILD_ROOT)/kbuild/$(KVER)
INSTALL_MOD_PATH ?=
DEPMOD ?= /sbin/depmod
LIO_WERROR ?= y
V ?= 0

# Sources Kbuild sees, as links under build/kbuild/KVER (objects stay out of the source tree).
KBUILD_SOURCES := Kbuild include core configfs fabrics backstores tools/kbuild

.PHONY: all modules modules_install clean check demo host host-test deps kernels

all: modules

deps:
	@tools/install-deps.sh

$(BUILD_ROOT):
	@mkdir -p $@

# Module BTF is not generated: pahole (1.24 in Debian 12) cannot encode C++ DWARF (template
# parameters, references) and fails the link. Modules keep full DWARF for debuggers; only BPF
# introspection of our types is lost.
KBUILD_VARS = CONFIG_DEBUG_INFO_BTF_MODULES=

# Link the sources into the per-kernel build directory, then run Kbuild there. The whole
# log is kept; any "warning:" in it (compiler, objtool, modpost) fails the build.
modules:
	@test -n "$(KDIR)" -a -d "$(KDIR)" || { echo "no kernel build directory: set KDIR" >&2; exit 1; }
	@mkdir -p $(KBUILD_DIR)
	@find $(KBUILD_DIR) -xtype l -delete 2>/dev/null || true
	@for s in $(KBUILD_SOURCES); do \
		mkdir -p $(KBUILD_DIR)/$$(dirname $$s); \
		cp -rsf $(SRC)/$$s $(KBUILD_DIR)/$$(dirname $$s)/; \
	done
	@set -o pipefail; \
	$(MAKE) -C $(KDIR) M=$(KBUILD_DIR) $(KBUILD_VARS) LIO_WERROR=$(LIO_WERROR) V=$(V) modules 2>&1 \
		| tee $(KBUILD_DIR)/build.log
	@if grep -n -i 'warning:' $(KBUILD_DIR)/build.log; then \
		echo "lio-cxx: the build for $(KVER) printed warnings: refused" >&2; exit 1; fi
	@tools/check-subset.sh $$(find $(KBUILD_DIR) -name '*.ko' | sort)
	@echo "lio-cxx: modules for $(KVER) in $(KBUILD_DIR)"

# Kbuild's modules_install puts the modules under lib/modules/KVER/updates; depmod then makes
# them win over the stock ones of the same name. Signing is left to the distribution's
# tooling (the headers carry no key). INSTALL_MOD_PATH naming a whole root (it has the
# kernel's own modules) gets depmod there; a bare staging tree gets it where it is installed
# (tools/vm-run does so in the guest).
modules_install: modules
	$(MAKE) -C $(KDIR) M=$(KBUILD_DIR) $(KBUILD_VARS) INSTALL_MOD_DIR=updates KERNELRELEASE=$(KVER) \
		CONFIG_MODULE_SIG_ALL= \
		$(if $(INSTALL_MOD_PATH),INSTALL_MOD_PATH=$(INSTALL_MOD_PATH)) modules_install
	@if [ -z "$(INSTALL_MOD_PATH)" ]; then \
		echo "$(DEPMOD) -a $(KVER)"; $(DEPMOD) -a $(KVER); \
	elif [ -d "$(INSTALL_MOD_PATH)/lib/modules/$(KVER)/kernel" ]; then \
		echo "$(DEPMOD) -b $(INSTALL_MOD_PATH) -a $(KVER)"; $(DEPMOD) -b $(INSTALL_MOD_PATH) -a $(KVER); \
	else \
		echo "lio-cxx: $(INSTALL_MOD_PATH) is a staging tree: run depmod -a $(KVER) where it is installed"; \
	fi

# Both supported kernels (the check target builds both).
kernels:
	@for k in $$(ls -d /lib/modules/6.1.*/build /lib/modules/6.12.*/build 2>/dev/null | sort -V); do \
		$(MAKE) --no-print-directory modules KDIR=$$k || exit 1; done

host:
	cmake -S $(SRC) -B $(BUILD_ROOT)/host -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build $(BUILD_ROOT)/host -j$$(nproc)

host-test:
	@tools/run-host-tests.sh

check:
	@tools/check.sh

demo:
	@tools/demo.sh

clean:
	rm -rf $(BUILD_ROOT)
