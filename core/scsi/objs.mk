# SPDX-License-Identifier: GPL-2.0
# Objects of the SCSI command engine (core/scsi/), linked into target_core_mod.
lio-scsi-objs := core/scsi/sense.o core/scsi/opcode_table.o core/scsi/spc.o \
	core/scsi/spc_rsoc.o core/scsi/spc_reserve.o core/scsi/sbc.o core/scsi/sbc_lbp.o \
	core/scsi/sbc_compare.o core/scsi/nexus.o
lio-scsi-objs += core/scsi/sbc_atomic.o core/scsi/sbc_defect.o
lio-scsi-objs += core/scsi/pi.o core/scsi/sbc_pi.o
lio-scsi-objs += core/scsi/spc_xcopy.o
lio-scsi-objs += core/scsi/pr.o core/scsi/spc_pr.o
lio-scsi-objs += core/scsi/alua.o
