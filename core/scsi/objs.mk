# SPDX-License-Identifier: GPL-2.0
# Objects of the SCSI command engine (core/scsi/), linked into target_core_mod.
lio-scsi-objs :=
