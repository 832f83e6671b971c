/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fabrics/loopback/tcm_loop_abi.h: the C ABI inside the tcm_loop module, between its C glue
 * (tcm_loop.c: the SCSI host, the pseudo bus, the work queue) and its C++ fabric
 * (loopback.cpp). Private to the module: nothing here is exported.
 *
 * Handles: struct tcm_loop_host (an adapter device and its Scsi_Host), struct tcm_loop_scmd
 * (a scsi_cmnd), struct tcm_loop_gate (a drain gate), struct tcm_loop_tmr (a TMF waiter) are
 * C objects that C++ never dereferences; struct lio_tcm_loop_wwn (the fabric's WWN object) is
 * C++ that C never dereferences.
 *
 * Per-command memory: the scsi_cmnd's private area (host template cmd_size) holds the glue's
 * part and then lio_tcm_loop_cmd_size() bytes, 8-aligned, where the C++ command lives from
 * lio_tcm_loop_submit() to the end of lio_tcm_loop_finish().
 */
#ifndef TCM_LOOP_ABI_H
#define TCM_LOOP_ABI_H

#include "kabi/types.h"

KABI_BEGIN_DECLS

struct kabi_module;
struct tcm_loop_host;
struct tcm_loop_scmd;
struct tcm_loop_gate;
struct tcm_loop_tmr;
struct lio_tcm_loop_wwn;

/* As lio::DataSegment (static_assert'ed on the C++ side). */
struct tcm_loop_seg {
	uint8_t *data;
	size_t len;
};

enum {
	TCM_LOOP_DIR_NONE = 0,
	TCM_LOOP_DIR_WRITE = 1,
	TCM_LOOP_DIR_READ = 2,
	TCM_LOOP_DIR_BIDI = 3,
};

/* Host bytes the C++ side may ask for (the glue maps them to DID_*). */
enum {
	TCM_LOOP_HOST_OK = 0,
	TCM_LOOP_HOST_NO_CONNECT = 1,   /* no TPG behind this target id */
	TCM_LOOP_HOST_TRANSPORT_DISRUPTED = 2, /* transport_status offline */
	TCM_LOOP_HOST_ERROR = 3,        /* no I_T nexus */
	TCM_LOOP_HOST_ABORT = 4,        /* aborted by task management */
	TCM_LOOP_HOST_REQUEUE = 5,      /* out of memory: try again */
};

/* What the glue tells C++ about one scsi_cmnd (process context). */
struct tcm_loop_request {
	struct tcm_loop_scmd *scmd;
	uint64_t lun;
	uint64_t tag;      /* blk_mq_unique_tag */
	uint32_t target_id; /* = the TPG tag */
	uint32_t bufflen;
	uint32_t sg_count;
	uint32_t cdb_len;
	const uint8_t *cdb;
	uint8_t dir;        /* TCM_LOOP_DIR_* */
};

struct tcm_loop_response {
	uint8_t host_byte;  /* TCM_LOOP_HOST_* */
	uint8_t status;     /* SCSI status byte */
	uint8_t sense_len;
	uint32_t resid;     /* 0: none */
	const uint8_t *sense;
};

/* TMF functions and outcomes the glue uses. */
enum {
	TCM_LOOP_TMR_ABORT_TASK = 1,
	TCM_LOOP_TMR_LUN_RESET = 5,
};
enum {
	TCM_LOOP_TMR_COMPLETE = 0, /* FUNCTION COMPLETE */
	TCM_LOOP_TMR_FAILED = 1,   /* anything else */
};

/* ---- the C++ side (loopback.cpp), called by the glue ---- */
int32_t lio_tcm_loop_init(struct kabi_module *self); /* also declared in kabi/modules.h */
void lio_tcm_loop_exit(void);
/* Bytes of the C++ command / TMF objects (fixed; asked once at init). */
uint32_t lio_tcm_loop_cmd_size(void);
uint32_t lio_tcm_loop_tmr_size(void);
/* Starts one command. 0: the response comes later through tcm_loop_glue_respond() +
 * tcm_loop_glue_finish(); else a TCM_LOOP_HOST_* to complete it with at once (no C++ object
 * remains). */
uint8_t lio_tcm_loop_submit(struct lio_tcm_loop_wwn *wwn, void *area,
			    const struct tcm_loop_request *req);
/* From the deferred work: releases the command to the core and destroys the C++ object. */
void lio_tcm_loop_finish(void *area);
/* Issues a TMF. 0: tcm_loop_glue_tmr_done(tmr) will be called, then call
 * lio_tcm_loop_tmr_finish(area); else -errno (no nexus) and nothing remains. */
int32_t lio_tcm_loop_tmr(struct lio_tcm_loop_wwn *wwn, void *area, struct tcm_loop_tmr *tmr,
			 uint32_t target_id, uint64_t lun, uint8_t function, uint64_t ref_tag);
/* TCM_LOOP_TMR_*; destroys the C++ TMF object. */
uint8_t lio_tcm_loop_tmr_finish(void *area);
/* After a target reset: transport_status back to online (as LIO). */
void lio_tcm_loop_set_online(struct lio_tcm_loop_wwn *wwn, uint32_t target_id);

/* ---- the glue (tcm_loop.c), called by C++ ---- */
/* An adapter on the tcm_loop bus with its Scsi_Host; owner goes to the host's hostdata. */
int32_t tcm_loop_glue_host_create(struct lio_tcm_loop_wwn *owner, struct tcm_loop_host **out);
void tcm_loop_glue_host_destroy(struct tcm_loop_host *host);
int32_t tcm_loop_glue_host_no(const struct tcm_loop_host *host);
/* scsi_add_device(host, 0, target, lun): 0 or -errno. */
int32_t tcm_loop_glue_add_device(struct tcm_loop_host *host, uint32_t target, uint64_t lun);
/* scsi_device_lookup + scsi_remove_device; false when there was no such device. */
bool tcm_loop_glue_remove_device(struct tcm_loop_host *host, uint32_t target, uint64_t lun);

/* The command's scatterlist as segments (count = request.sg_count). */
void tcm_loop_glue_sg_fill(struct tcm_loop_scmd *scmd, struct tcm_loop_seg *segs,
			   uint32_t count);
/* Records the outcome in the scsi_cmnd (not completed yet). Any context. */
void tcm_loop_glue_respond(struct tcm_loop_scmd *scmd, const struct tcm_loop_response *rsp);
/* Finishes the command at once: lio_tcm_loop_finish() (release to the core), then
 * scsi_done(). Process context (the core calls queue_response/aborted there). */
void tcm_loop_glue_finish(struct tcm_loop_scmd *scmd);

/* Gate: counts users between enter and leave; close_wait refuses new users and waits for the
 * count to drop to zero. Created closed. enter/leave never sleep. */
struct tcm_loop_gate *tcm_loop_glue_gate_alloc(void);
void tcm_loop_glue_gate_free(struct tcm_loop_gate *gate);
bool tcm_loop_glue_gate_enter(struct tcm_loop_gate *gate);
void tcm_loop_glue_gate_leave(struct tcm_loop_gate *gate);
void tcm_loop_glue_gate_open(struct tcm_loop_gate *gate);
void tcm_loop_glue_gate_close_wait(struct tcm_loop_gate *gate);

/* The TMF's response is in: wakes the waiting error handler. Any context. */
void tcm_loop_glue_tmr_done(struct tcm_loop_tmr *tmr);

KABI_END_DECLS

#endif /* TCM_LOOP_ABI_H */
