# SPDX-License-Identifier: GPL-2.0
# Objects of the SCSI command engine (core/scsi/), linked into target_core_mod.
lio-scsi-objs := core/scsi/sense.o core/scsi/opcode_table.o core/scsi/spc.o \
	core/scsi/spc_rsoc.o core/scsi/spc_reserve.o core/scsi/sbc.o core/scsi/sbc_lbp.o \
	core/scsi/sbc_compare.o core/scsi/nexus.o \
	core/scsi/alua.o
