/* gadget: the FunctionFS transport of the fmodel device model, the second
 * transport beside bbemu's umockdev usbdevfs one.  The kernel's USB device
 * stack (libcomposite on a UDC such as dummy_hcd) does enumeration and the
 * standard requests; this module serves the rest from the model:
 *
 *  - ep0: FunctionFS events.  SETUP (the FTDI vendor requests) goes to
 *    fmodel_control(); its -EPIPE becomes a protocol stall.  BIND is a plug
 *    (model power-on, wire line "plug"), UNBIND an unplug ("unplug"), and
 *    every ENABLE that is not the first after a BIND (a bus reset or a
 *    SET_CONFIGURATION: the kernel does not tell which) is a USB reset
 *    (fmodel_reset(), "reset"): the endpoints were disabled, so the FTDI's
 *    buffers are lost either way.
 *  - bulk OUT 0x02: one 512-byte read always queued while enabled (a gadget
 *    OUT request completes on a short packet or when full, so one packet per
 *    read keeps the model acting on bytes as they arrive) -> fmodel_bulk_out().
 *  - bulk IN 0x81: one write at a time of what fmodel_bulk_in() builds (up
 *    to 128 packets), the first only after the host's first vendor request
 *    or bulk OUT since the ENABLE (so a fault set before the host came, e.g.
 *    --fault stall:1, acts on the host's transfers, not on an ENABLE that
 *    the host's next SET_CONFIGURATION undoes).  With nothing queued, the FTDI latency timer (an evl
 *    timer of fmodel_latency_ms()) makes it a status-only packet; a
 *    status-only packet still waiting for the host is withdrawn when data
 *    arrives.  The gadget cannot see IN tokens: a write is taken when the
 *    host next reads, and dummy_hcd completes small IN requests at once into
 *    its FIFO, so up to two status packets may be pending after an idle
 *    spell (the real chip has one).
 *  - a stall from the model (stall fault) halts the IN endpoint; the next
 *    IN transfer is prepared only after the host's next request or bulk
 *    OUT, or a re-enable (the host clears the halt with CLEAR_FEATURE or a
 *    SET_CONFIGURATION, which the UDC handles without telling us).
 *
 * Endpoint I/O is Linux AIO with eventfd completions (gaio), so everything
 * runs on one thread in one evl loop: no threads, no locks, no sleeps.
 * Faults are fmodel's; busy, access and unplug act on the host side or on
 * the bus and are refused (-ENOTSUP). */
#ifndef BB_GADGET_GADGET_H
#define BB_GADGET_GADGET_H

#include "fmodel.h"

struct evl;
struct gadget;

/* Opens ffs_dir/ep0 (a mounted FunctionFS instance), writes the descriptors
 * and strings (ffsdesc), opens the endpoint files and starts serving.
 * Takes ownership of model, also on error.  0 or -errno (logged). */
int gadget_new(struct evl *loop, struct fmodel *model, const char *ffs_dir, struct gadget **out);
/* Cancels transfers in flight and closes the FunctionFS files. */
void gadget_free(struct gadget *g);

struct fmodel *gadget_model(struct gadget *g);

/* Set (or arm, with @N) one fault: 0, -ENOTSUP for busy, access and unplug,
 * or -ENOSPC (FMODEL_MAX_ARMED armed already).  Clear all. */
int gadget_fault(struct gadget *g, const struct fmodel_fault_spec *f);
void gadget_clear_faults(struct gadget *g);

#endif
