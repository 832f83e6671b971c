// SPDX-License-Identifier: GPL-2.0
/*
 * target_core_pscsi: module glue of the pscsi backstore and its SCSI passthrough boundary
 * (kabi/scsi_pt.h). The backend is C++ (backstores/pscsi/pscsi.cpp); this file alone includes
 * kernel headers: finding the scsi_device, and running a CDB on it as a passthrough request.
 */
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_host.h>

#include "kabi/modules.h"
#include "kabi/scsi_pt.h"

#define KSDEV(s) ((struct scsi_device *)(s))

int32_t kabi_sdev_open(uint32_t host, uint32_t channel, uint32_t target, uint64_t lun,
		       struct kabi_sdev **out)
{
	struct Scsi_Host *shost = scsi_host_lookup(host);
	struct scsi_device *sd;

	if (!shost)
		return -ENODEV;
	/* With a reference of its own (scsi_device_get): the device stays a valid object
	 * after a deletion until kabi_sdev_close. */
	sd = scsi_device_lookup(shost, channel, target, lun);
	scsi_host_put(shost);
	if (!sd)
		return -ENODEV;
	*out = (struct kabi_sdev *)sd;
	return 0;
}

void kabi_sdev_close(struct kabi_sdev *s)
{
	if (s)
		scsi_device_put(KSDEV(s));
}

static void kabi_sdev_copy(char *dst, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = src && src[i] >= 0x20 && src[i] < 0x7f ? src[i] : ' ';
	dst[n] = 0;
}

int32_t kabi_sdev_get_info(struct kabi_sdev *s, struct kabi_sdev_info *out)
{
	struct scsi_device *sd = KSDEV(s);

	memset(out, 0, sizeof(*out));
	out->type = sd->type;
	out->sector_size = sd->sector_size;
	out->max_hw_sectors = min_not_zero(sd->host->max_sectors,
					   queue_max_hw_sectors(sd->request_queue));
	out->queue_depth = sd->queue_depth;
	kabi_sdev_copy(out->vendor, sd->vendor, 8);
	kabi_sdev_copy(out->model, sd->model, 16);
	kabi_sdev_copy(out->rev, sd->rev, 4);
	out->online = scsi_device_online(sd);
	return 0;
}

int32_t kabi_sdev_execute(struct kabi_sdev *s, const uint8_t *cdb, uint32_t cdb_len,
			  uint32_t dir, void *buf, uint32_t len, uint32_t timeout_ms,
			  uint32_t retries, struct kabi_sdev_result *out)
{
	struct scsi_device *sd = KSDEV(s);
	struct request *rq;
	struct scsi_cmnd *scmd;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!cdb_len || cdb_len > sizeof(scmd->cmnd) || (len && dir == KABI_SDEV_NONE))
		return -EINVAL;
	if (!scsi_device_online(sd))
		return -ENODEV;
	rq = scsi_alloc_request(sd->request_queue,
				dir == KABI_SDEV_TO_DEVICE ? REQ_OP_DRV_OUT : REQ_OP_DRV_IN, 0);
	if (IS_ERR(rq))
		return PTR_ERR(rq);
	if (len) {
		ret = blk_rq_map_kern(sd->request_queue, rq, buf, len, GFP_NOIO);
		if (ret) {
			blk_mq_free_request(rq);
			return ret;
		}
	}
	scmd = blk_mq_rq_to_pdu(rq);
	memcpy(scmd->cmnd, cdb, cdb_len);
	scmd->cmd_len = cdb_len;
	scmd->allowed = retries;
	rq->timeout = msecs_to_jiffies(timeout_ms);

	blk_execute_rq(rq, false);

	out->status = scmd->result & 0xff;
	out->host_byte = host_byte(scmd->result);
	out->resid = scmd->resid_len;
	out->sense_len = min_t(uint32_t, scmd->sense_len, sizeof(out->sense));
	if (out->sense_len)
		memcpy(out->sense, scmd->sense_buffer, out->sense_len);
	blk_mq_free_request(rq);
	return 0;
}

static int __init target_core_pscsi_init(void)
{
	int ret = lio_pscsi_init((struct kabi_module *)THIS_MODULE);

	if (ret)
		pr_err("target_core_pscsi: initialisation failed: %d\n", ret);
	return ret;
}

static void __exit target_core_pscsi_exit(void)
{
	lio_pscsi_exit();
}

module_init(target_core_pscsi_init);
module_exit(target_core_pscsi_exit);

MODULE_DESCRIPTION("lio-cxx PSCSI passthrough backstore (LIO-compatible)");
MODULE_AUTHOR("lio-cxx developers");
MODULE_LICENSE("GPL");
MODULE_VERSION("lio-cxx-0.1");
