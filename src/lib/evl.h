/* evl: the single event loop every program runs on.
 *
 * epoll over file descriptors (libusb's, udev's, sockets, signalfd), plus
 * monotonic one-shot timers and signals delivered through a signalfd.
 * Callbacks run on the loop's thread, one at a time.  No busy polling: the
 * loop sleeps in epoll_wait until an fd is ready or the nearest timer is due.
 */
#ifndef BB_EVL_H
#define BB_EVL_H

#include <stdbool.h>
#include <stdint.h>

struct evl;
struct evl_timer;

typedef void (*evl_io_fn)(struct evl *loop, int fd, uint32_t events, void *ud);
typedef void (*evl_timer_fn)(struct evl *loop, struct evl_timer *t, void *ud);
typedef void (*evl_signal_fn)(struct evl *loop, int signo, void *ud);
/* Called before every wait; may arm timers (libusb's timeout hook). */
typedef void (*evl_prepare_fn)(struct evl *loop, void *ud);

int evl_new(struct evl **out);
void evl_free(struct evl *loop);

/* Watch fd for events (EPOLLIN/EPOLLOUT...).  One watch per fd. */
int evl_add_fd(struct evl *loop, int fd, uint32_t events, evl_io_fn fn, void *ud);
int evl_mod_fd(struct evl *loop, int fd, uint32_t events);
int evl_del_fd(struct evl *loop, int fd);

int evl_timer_new(struct evl *loop, evl_timer_fn fn, void *ud, struct evl_timer **out);
void evl_timer_free(struct evl_timer *t);
/* (Re)arm to fire once after ms milliseconds (0: on the next iteration). */
void evl_timer_arm(struct evl_timer *t, uint64_t ms);
void evl_timer_disarm(struct evl_timer *t);
bool evl_timer_armed(const struct evl_timer *t);

/* Deliver signo through the loop (the signal is blocked for the process). */
int evl_add_signal(struct evl *loop, int signo, evl_signal_fn fn, void *ud);

int evl_add_prepare(struct evl *loop, evl_prepare_fn fn, void *ud);
/* Removes the hook added with these fn and ud (not from inside a hook). */
void evl_del_prepare(struct evl *loop, evl_prepare_fn fn, void *ud);

/* Run until evl_quit(); returns the code given to evl_quit(), or a negative
 * errno if waiting failed.  A quit asked before the run ends it at once;
 * the run consumes it, so the loop can be run again. */
int evl_run(struct evl *loop);
void evl_quit(struct evl *loop, int code);
bool evl_quitting(const struct evl *loop);

uint64_t evl_now_ms(void);

#endif
