/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fabrics/iscsi/iscsi_net.h: between the two C files of iscsi_target_mod's glue (kernel
 * only; the C++ side uses iscsi_abi.h). iscsi_net.c owns the glue's state: the allowed CPU
 * mask, the cached digest transforms.
 */
#ifndef ISCSI_NET_H
#define ISCSI_NET_H

/* At module load, before the C++ fabric registers (the mask starts with every CPU). */
int iscsi_glue_setup(void);
/* At module unload, after the C++ fabric is gone (no portal, connection or thread left). */
void iscsi_glue_teardown(void);

#endif /* ISCSI_NET_H */
