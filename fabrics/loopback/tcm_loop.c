// SPDX-License-Identifier: GPL-2.0
/*
 * tcm_loop: module glue of LIO's loopback fabric. The fabric itself is C++
 * (fabrics/loopback/loopback.cpp); this file holds what needs kernel headers: the tcm_loop
 * pseudo bus and its root device, one adapter device and Scsi_Host per target WWN (as LIO's
 * tcm_loop_make_scsi_hba), the SCSI host template (queuecommand and the error handlers), a
 * work queue, and two small sleeping primitives the C++ side uses through tcm_loop_abi.h.
 *
 * A command: queuecommand (any context) queues the command's submit work; the work hands it
 * to C++, which submits it to the core. The core's response is recorded in the scsi_cmnd and
 * the command's done work queued; that work releases the command to the core and only then
 * calls scsi_done(), so the scsi_cmnd (whose private area holds the C++ command) is never
 * reused while the core still knows the command.
 *
 * Error handling: the handlers issue a TMF and sleep until its response, then wait until the
 * commands the TMF concerned have left the driver (their `active` generation dropped to 0),
 * because the error handler reuses the scsi_cmnd as soon as a handler returns SUCCESS.
 */
#include <linux/blk-mq.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/version.h>
#include <linux/wait.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>
#include <scsi/scsi.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_eh.h>
#include <scsi/scsi_host.h>

#include "kabi/modules.h"
#include "tcm_loop_abi.h"

static unsigned int tcm_loop_nr_hw_queues = 1;
module_param_named(nr_hw_queues, tcm_loop_nr_hw_queues, uint, 0644);

static unsigned int tcm_loop_can_queue = 1024;
module_param_named(can_queue, tcm_loop_can_queue, uint, 0644);

static unsigned int tcm_loop_cmd_per_lun = 1024;
module_param_named(cmd_per_lun, tcm_loop_cmd_per_lun, uint, 0644);

struct tcm_loop_host {
	struct device dev;
	struct Scsi_Host *sh;
	struct lio_tcm_loop_wwn *owner;
};

/* The scsi_cmnd's private area. */
struct tcm_loop_priv {
	struct work_struct submit_work;
	struct scsi_cmnd *sc;
	/* Non-zero from queuecommand until the driver is done with the command: the
	 * command's generation, so that a late clear never hits the next use of the area. */
	atomic_t active;
	u64 cxx[]; /* the C++ command, lio_tcm_loop_cmd_size() bytes */
};

struct tcm_loop_gate {
	spinlock_t lock;
	unsigned int users;
	bool open;
	wait_queue_head_t drained;
};

struct tcm_loop_tmr {
	struct completion done;
	u64 cxx[]; /* the C++ TMF, lio_tcm_loop_tmr_size() bytes */
};

static struct workqueue_struct *tcm_loop_wq;
static struct device *tcm_loop_primary;
static atomic_t tcm_loop_generation = ATOMIC_INIT(0);
static atomic_t tcm_loop_hba_no_cnt = ATOMIC_INIT(0);

static struct tcm_loop_host *to_tcm_loop_host(struct Scsi_Host *sh)
{
	return *(struct tcm_loop_host **)shost_priv(sh);
}

static struct scsi_cmnd *to_scmnd(struct tcm_loop_scmd *scmd)
{
	return (struct scsi_cmnd *)scmd;
}

/* ---------------------------------------------------------------- data path */

static void tcm_loop_complete(struct tcm_loop_priv *p)
{
	int gen = atomic_read(&p->active);

	scsi_done(p->sc);
	/* After scsi_done the area may already serve the next command (new generation);
	 * commands the error handler owns are not completed by scsi_done and stay ours. */
	if (atomic_cmpxchg(&p->active, gen, 0) == gen)
		wake_up_var(&p->active);
}

static unsigned char tcm_loop_host_byte(uint8_t hb)
{
	switch (hb) {
	case TCM_LOOP_HOST_NO_CONNECT:
		return DID_NO_CONNECT;
	case TCM_LOOP_HOST_TRANSPORT_DISRUPTED:
		return DID_TRANSPORT_DISRUPTED;
	case TCM_LOOP_HOST_ERROR:
		return DID_ERROR;
	case TCM_LOOP_HOST_ABORT:
		return DID_ABORT;
	case TCM_LOOP_HOST_REQUEUE:
		return DID_REQUEUE;
	default:
		return DID_OK;
	}
}

static void tcm_loop_submit_work(struct work_struct *work)
{
	struct tcm_loop_priv *p = container_of(work, struct tcm_loop_priv, submit_work);
	struct scsi_cmnd *sc = p->sc;
	struct tcm_loop_host *h = to_tcm_loop_host(sc->device->host);
	struct tcm_loop_request req = {
		.scmd = (struct tcm_loop_scmd *)sc,
		.lun = sc->device->lun,
		.tag = blk_mq_unique_tag(scsi_cmd_to_rq(sc)),
		.target_id = sc->device->id,
		.bufflen = scsi_bufflen(sc),
		.sg_count = scsi_sg_count(sc),
		.cdb_len = sc->cmd_len,
		.cdb = sc->cmnd,
	};
	uint8_t hb;

	switch (sc->sc_data_direction) {
	case DMA_TO_DEVICE:
		req.dir = TCM_LOOP_DIR_WRITE;
		break;
	case DMA_FROM_DEVICE:
		req.dir = TCM_LOOP_DIR_READ;
		break;
	case DMA_BIDIRECTIONAL:
		req.dir = TCM_LOOP_DIR_BIDI;
		break;
	default:
		req.dir = TCM_LOOP_DIR_NONE;
		break;
	}
	sc->result = 0;
	hb = lio_tcm_loop_submit(h->owner, p->cxx, &req);
	if (hb != TCM_LOOP_HOST_OK) {
		if (hb == TCM_LOOP_HOST_ERROR)
			scmd_printk(KERN_ERR, sc, "TCM_Loop I_T Nexus does not exist\n");
		set_host_byte(sc, tcm_loop_host_byte(hb));
		tcm_loop_complete(p);
	}
}

static int tcm_loop_init_cmd_priv(struct Scsi_Host *sh, struct scsi_cmnd *sc)
{
	struct tcm_loop_priv *p = scsi_cmd_priv(sc);

	INIT_WORK(&p->submit_work, tcm_loop_submit_work);
	p->sc = sc;
	atomic_set(&p->active, 0);
	return 0;
}

/* Any context: the core may sleep, so the command goes to the work queue. */
static int tcm_loop_queuecommand(struct Scsi_Host *sh, struct scsi_cmnd *sc)
{
	struct tcm_loop_priv *p = scsi_cmd_priv(sc);
	int gen = atomic_inc_return(&tcm_loop_generation);

	if (!gen)
		gen = 1;
	/* The error handler's and the reset ioctl's commands never saw init_cmd_priv. */
	INIT_WORK(&p->submit_work, tcm_loop_submit_work);
	p->sc = sc;
	atomic_set(&p->active, gen);
	queue_work(tcm_loop_wq, &p->submit_work);
	return 0;
}

void tcm_loop_glue_sg_fill(struct tcm_loop_scmd *scmd, struct tcm_loop_seg *segs,
			   uint32_t count)
{
	struct scsi_cmnd *sc = to_scmnd(scmd);
	struct scatterlist *sg;
	int i;

	/* x86-64: every page is in the direct map. */
	scsi_for_each_sg(sc, sg, count, i) {
		segs[i].data = sg_virt(sg);
		segs[i].len = sg->length;
	}
}

void tcm_loop_glue_respond(struct tcm_loop_scmd *scmd, const struct tcm_loop_response *rsp)
{
	struct scsi_cmnd *sc = to_scmnd(scmd);

	if (rsp->host_byte != TCM_LOOP_HOST_OK) {
		sc->result = 0;
		set_host_byte(sc, tcm_loop_host_byte(rsp->host_byte));
		return;
	}
	if (rsp->sense_len) {
		size_t n = min_t(size_t, rsp->sense_len, SCSI_SENSE_BUFFERSIZE);

		memcpy(sc->sense_buffer, rsp->sense, n);
		memset(sc->sense_buffer + n, 0, SCSI_SENSE_BUFFERSIZE - n);
	}
	sc->result = rsp->status;
	set_host_byte(sc, DID_OK);
	if (rsp->resid)
		scsi_set_resid(sc, rsp->resid);
}

/* The core allows release() from within queue_response()/aborted() (core/fabric.h), so the
 * command is finished right here in the submitting work item: released to the core first,
 * then completed to the midlayer, with no second trip through the work queue. */
void tcm_loop_glue_finish(struct tcm_loop_scmd *scmd)
{
	struct tcm_loop_priv *p = scsi_cmd_priv(to_scmnd(scmd));

	lio_tcm_loop_finish(p->cxx);
	tcm_loop_complete(p);
}

/* ---------------------------------------------------------------- gates */

struct tcm_loop_gate *tcm_loop_glue_gate_alloc(void)
{
	struct tcm_loop_gate *g = kzalloc(sizeof(*g), GFP_KERNEL);

	if (!g)
		return NULL;
	spin_lock_init(&g->lock);
	init_waitqueue_head(&g->drained);
	return g;
}

void tcm_loop_glue_gate_free(struct tcm_loop_gate *g)
{
	if (g)
		WARN_ON(g->users);
	kfree(g);
}

bool tcm_loop_glue_gate_enter(struct tcm_loop_gate *g)
{
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&g->lock, flags);
	ok = g->open;
	if (ok)
		g->users++;
	spin_unlock_irqrestore(&g->lock, flags);
	return ok;
}

void tcm_loop_glue_gate_leave(struct tcm_loop_gate *g)
{
	unsigned long flags;

	spin_lock_irqsave(&g->lock, flags);
	if (!--g->users)
		wake_up_all(&g->drained);
	spin_unlock_irqrestore(&g->lock, flags);
}

void tcm_loop_glue_gate_open(struct tcm_loop_gate *g)
{
	spin_lock_irq(&g->lock);
	g->open = true;
	spin_unlock_irq(&g->lock);
}

static bool tcm_loop_gate_drained(struct tcm_loop_gate *g)
{
	bool drained;

	spin_lock_irq(&g->lock);
	drained = !g->users;
	spin_unlock_irq(&g->lock);
	return drained;
}

void tcm_loop_glue_gate_close_wait(struct tcm_loop_gate *g)
{
	spin_lock_irq(&g->lock);
	g->open = false;
	spin_unlock_irq(&g->lock);
	wait_event(g->drained, tcm_loop_gate_drained(g));
}

/* ---------------------------------------------------------------- error handling */

void tcm_loop_glue_tmr_done(struct tcm_loop_tmr *tmr)
{
	complete(&tmr->done);
}

/* SUCCESS or FAILED, as LIO: only FUNCTION COMPLETE is success. */
static int tcm_loop_issue_tmr(struct scsi_cmnd *sc, uint8_t function, u64 ref_tag)
{
	struct tcm_loop_host *h = to_tcm_loop_host(sc->device->host);
	struct tcm_loop_tmr *tmr;
	uint8_t rsp;

	/* GFP_NOIO: the error handler may be what memory reclaim waits for. */
	tmr = kzalloc(sizeof(*tmr) + lio_tcm_loop_tmr_size(), GFP_NOIO);
	if (!tmr)
		return FAILED;
	init_completion(&tmr->done);
	if (lio_tcm_loop_tmr(h->owner, tmr->cxx, tmr, sc->device->id, sc->device->lun, function,
			     ref_tag)) {
		kfree(tmr);
		return FAILED;
	}
	wait_for_completion(&tmr->done);
	rsp = lio_tcm_loop_tmr_finish(tmr->cxx);
	kfree(tmr);
	return rsp == TCM_LOOP_TMR_COMPLETE ? SUCCESS : FAILED;
}

static void tcm_loop_wait_idle(struct scsi_cmnd *sc)
{
	struct tcm_loop_priv *p = scsi_cmd_priv(sc);

	wait_var_event(&p->active, !atomic_read(&p->active));
}

struct tcm_loop_drain {
	struct scsi_device *sdev; /* or NULL: every device of target `id` */
	unsigned int id;
};

static bool tcm_loop_drain_iter(struct request *rq, void *data)
{
	struct tcm_loop_drain *d = data;
	struct scsi_cmnd *sc = blk_mq_rq_to_pdu(rq);

	if (d->sdev ? sc->device == d->sdev : sc->device->id == d->id)
		tcm_loop_wait_idle(sc);
	return true;
}

static int tcm_loop_abort_task(struct scsi_cmnd *sc)
{
	int ret = tcm_loop_issue_tmr(sc, TCM_LOOP_TMR_ABORT_TASK,
				     blk_mq_unique_tag(scsi_cmd_to_rq(sc)));

	if (ret == SUCCESS)
		tcm_loop_wait_idle(sc);
	return ret;
}

static int tcm_loop_device_reset(struct scsi_cmnd *sc)
{
	struct tcm_loop_drain d = { .sdev = sc->device };
	int ret = tcm_loop_issue_tmr(sc, TCM_LOOP_TMR_LUN_RESET, 0);

	if (ret == SUCCESS)
		blk_mq_tagset_busy_iter(&sc->device->host->tag_set, tcm_loop_drain_iter, &d);
	return ret;
}

/* As LIO: SAM has no TARGET RESET any more; a LUN RESET of the command's LUN, then every
 * command of the target drained, then the TPG back online. */
static int tcm_loop_target_reset(struct scsi_cmnd *sc)
{
	struct Scsi_Host *sh = sc->device->host;
	struct tcm_loop_drain d = { .sdev = NULL, .id = sc->device->id };

	if (tcm_loop_issue_tmr(sc, TCM_LOOP_TMR_LUN_RESET, 0) != SUCCESS)
		return FAILED;
	blk_mq_tagset_busy_iter(&sh->tag_set, tcm_loop_drain_iter, &d);
	lio_tcm_loop_set_online(to_tcm_loop_host(sh)->owner, sc->device->id);
	return SUCCESS;
}

static int tcm_loop_show_info(struct seq_file *m, struct Scsi_Host *host)
{
	seq_puts(m, "tcm_loop_proc_info()\n");
	return 0;
}

/* cmd_size is set at module init, from the size of the C++ command. */
static struct scsi_host_template tcm_loop_driver_template = {
	.show_info = tcm_loop_show_info,
	.proc_name = "tcm_loopback",
	.name = "TCM_Loopback",
	.queuecommand = tcm_loop_queuecommand,
	.init_cmd_priv = tcm_loop_init_cmd_priv,
	.change_queue_depth = scsi_change_queue_depth,
	.eh_abort_handler = tcm_loop_abort_task,
	.eh_device_reset_handler = tcm_loop_device_reset,
	.eh_target_reset_handler = tcm_loop_target_reset,
	.this_id = -1,
	.sg_tablesize = 256,
	.max_sectors = 0xFFFF,
	.dma_boundary = PAGE_SIZE - 1,
	.module = THIS_MODULE,
	.track_queue_depth = 1,
};

/* ---------------------------------------------------------------- the pseudo bus */

static int tcm_loop_driver_probe(struct device *dev);
static void tcm_loop_driver_remove(struct device *dev);

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
static int pseudo_lld_bus_match(struct device *dev, const struct device_driver *drv)
#else
static int pseudo_lld_bus_match(struct device *dev, struct device_driver *drv)
#endif
{
	return 1;
}

static struct bus_type tcm_loop_lld_bus = {
	.name = "tcm_loop_bus",
	.match = pseudo_lld_bus_match,
	.probe = tcm_loop_driver_probe,
	.remove = tcm_loop_driver_remove,
};

static struct device_driver tcm_loop_driverfs = {
	.name = "tcm_loop",
	.bus = &tcm_loop_lld_bus,
};

static int tcm_loop_driver_probe(struct device *dev)
{
	struct tcm_loop_host *h = container_of(dev, struct tcm_loop_host, dev);
	struct Scsi_Host *sh;
	int error;

	sh = scsi_host_alloc(&tcm_loop_driver_template, sizeof(struct tcm_loop_host *));
	if (!sh) {
		pr_err("tcm_loop: Unable to allocate struct scsi_host\n");
		return -ENODEV;
	}
	*(struct tcm_loop_host **)shost_priv(sh) = h;
	/* One channel; target id = TPG tag; LUNs are added one by one, never scanned. */
	sh->max_id = 2;
	sh->max_lun = 0;
	sh->max_channel = 0;
	sh->max_cmd_len = sizeof(((struct scsi_cmnd *)NULL)->cmnd);
	/* Our target is SPC-4: the midlayer must not put the LUN in CDB byte 1 (SCSI-2) in the
	 * first INQUIRY of a new target id, which it does for a target whose first device is
	 * not LUN 0 (a TPG whose LUNs come in with its nexus); the core checks the CDB's
	 * reserved bits and would refuse that INQUIRY. */
	sh->no_scsi2_lun_in_cdb = 1;
	sh->nr_hw_queues = tcm_loop_nr_hw_queues;
	sh->can_queue = tcm_loop_can_queue;
	sh->cmd_per_lun = tcm_loop_cmd_per_lun;

	error = scsi_add_host(sh, &h->dev);
	if (error) {
		pr_err("tcm_loop: scsi_add_host failed: %d\n", error);
		scsi_host_put(sh);
		return -ENODEV;
	}
	h->sh = sh;
	return 0;
}

static void tcm_loop_driver_remove(struct device *dev)
{
	struct tcm_loop_host *h = container_of(dev, struct tcm_loop_host, dev);

	if (!h->sh)
		return;
	scsi_remove_host(h->sh);
	scsi_host_put(h->sh);
	h->sh = NULL;
}

static void tcm_loop_release_adapter(struct device *dev)
{
	kfree(container_of(dev, struct tcm_loop_host, dev));
}

int32_t tcm_loop_glue_host_create(struct lio_tcm_loop_wwn *owner, struct tcm_loop_host **out)
{
	struct tcm_loop_host *h = kzalloc(sizeof(*h), GFP_KERNEL);
	int ret;

	if (!h)
		return -ENOMEM;
	h->owner = owner;
	h->dev.bus = &tcm_loop_lld_bus;
	h->dev.parent = tcm_loop_primary;
	h->dev.release = tcm_loop_release_adapter;
	dev_set_name(&h->dev, "tcm_loop_adapter_%d", atomic_inc_return(&tcm_loop_hba_no_cnt) - 1);

	ret = device_register(&h->dev);
	if (ret) {
		pr_err("tcm_loop: device_register() failed for tl_hba->dev: %d\n", ret);
		put_device(&h->dev);
		return -ENODEV;
	}
	/* device_register does not report a failed probe. */
	if (!h->sh) {
		device_unregister(&h->dev);
		return -ENODEV;
	}
	*out = h;
	return 0;
}

void tcm_loop_glue_host_destroy(struct tcm_loop_host *h)
{
	device_unregister(&h->dev); /* remove (scsi_remove_host), then release frees h */
}

int32_t tcm_loop_glue_host_no(const struct tcm_loop_host *h)
{
	return h->sh->host_no;
}

int32_t tcm_loop_glue_add_device(struct tcm_loop_host *h, uint32_t target, uint64_t lun)
{
	return scsi_add_device(h->sh, 0, target, lun);
}

bool tcm_loop_glue_remove_device(struct tcm_loop_host *h, uint32_t target, uint64_t lun)
{
	struct scsi_device *sd = scsi_device_lookup(h->sh, 0, target, lun);

	if (!sd)
		return false;
	scsi_remove_device(sd);
	scsi_device_put(sd);
	return true;
}

static int tcm_loop_alloc_core_bus(void)
{
	int ret;

	tcm_loop_primary = root_device_register("tcm_loop_0");
	if (IS_ERR(tcm_loop_primary)) {
		pr_err("tcm_loop: Unable to allocate tcm_loop_primary\n");
		return PTR_ERR(tcm_loop_primary);
	}
	ret = bus_register(&tcm_loop_lld_bus);
	if (ret) {
		pr_err("tcm_loop: bus_register() failed for tcm_loop_lld_bus\n");
		goto dev_unreg;
	}
	ret = driver_register(&tcm_loop_driverfs);
	if (ret) {
		pr_err("tcm_loop: driver_register() failed for tcm_loop_driverfs\n");
		goto bus_unreg;
	}
	return 0;

bus_unreg:
	bus_unregister(&tcm_loop_lld_bus);
dev_unreg:
	root_device_unregister(tcm_loop_primary);
	return ret;
}

static void tcm_loop_release_core_bus(void)
{
	driver_unregister(&tcm_loop_driverfs);
	bus_unregister(&tcm_loop_lld_bus);
	root_device_unregister(tcm_loop_primary);
}

/* ---------------------------------------------------------------- module */

static int __init tcm_loop_fabric_init(void)
{
	int ret;

	tcm_loop_driver_template.cmd_size =
		ALIGN(sizeof(struct tcm_loop_priv) + lio_tcm_loop_cmd_size(), 8);

	tcm_loop_wq = alloc_workqueue("tcm_loop", WQ_MEM_RECLAIM, 0);
	if (!tcm_loop_wq)
		return -ENOMEM;
	ret = tcm_loop_alloc_core_bus();
	if (ret)
		goto out_wq;
	ret = lio_tcm_loop_init((struct kabi_module *)THIS_MODULE);
	if (ret) {
		pr_err("tcm_loop: fabric registration failed: %d\n", ret);
		goto out_bus;
	}
	return 0;

out_bus:
	tcm_loop_release_core_bus();
out_wq:
	destroy_workqueue(tcm_loop_wq);
	return ret;
}

/* configfs pins the module while any loopback directory exists: no WWN, host or command is
 * left when this runs. */
static void __exit tcm_loop_fabric_exit(void)
{
	lio_tcm_loop_exit();
	tcm_loop_release_core_bus();
	destroy_workqueue(tcm_loop_wq);
}

module_init(tcm_loop_fabric_init);
module_exit(tcm_loop_fabric_exit);

MODULE_DESCRIPTION("lio-cxx TCM loopback virtual Linux/SCSI fabric module (LIO-compatible)");
MODULE_AUTHOR("lio-cxx developers");
MODULE_LICENSE("GPL");
MODULE_VERSION("lio-cxx-0.1");
