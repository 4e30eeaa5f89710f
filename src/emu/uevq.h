/* uevq: uevents that do not fit are queued, not lost.
 *
 * umockdev sends each uevent with a non-blocking sendmsg() to every
 * listener's socket (TESTBED/eventN, one per udev monitor of the COMMAND)
 * and aborts the whole process when one of them is full (EAGAIN: the
 * listener has 10 unread events, net.unix.max_dgram_qlen).  A burst of
 * control commands (20 "add" lines in one write) does that as soon as the
 * COMMAND reads its monitor a little slower than bbemu plugs.
 *
 * bbemu defines sendmsg() itself (the executable comes first in symbol
 * lookup, so umockdev's calls land here).  A message to TESTBED/event* that
 * would block, and every later one to the same listener, is copied into
 * that listener's queue and reported as sent; the main loop sends the
 * queue, in order, as the socket has room again.  A listener that went
 * away (ECONNREFUSED/ENOENT) has its queue dropped, as umockdev does.
 * Every other sendmsg() goes straight through.
 *
 * bbemu defines connect() the same way: umockdev connects to each listener
 * it found by globbing TESTBED/event* and aborts on any failure but
 * ECONNREFUSED, so a listener removed between the glob and the connect
 * (ENOENT: a short-lived COMMAND's udev monitor closing) killed bbemu.  A
 * connect to TESTBED/event* failing with ENOENT is reported as
 * ECONNREFUSED, which umockdev takes as "listener gone".  Every other
 * connect() goes straight through. */
#ifndef BB_EMU_UEVQ_H
#define BB_EMU_UEVQ_H

#include <stddef.h>

/* Start queueing for listeners under root (the testbed directory); the
 * flush sources go to the default GMainContext.  0 or -ENOMEM. */
int uevq_init(const char *root);
/* Stop queueing and drop what is still queued (bbemu is ending). */
void uevq_fini(void);
/* Messages queued now, over all listeners (for tests and messages). */
size_t uevq_pending(void);

#endif
