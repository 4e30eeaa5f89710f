/* evl: epoll + timers + signalfd event loop.  See evl.h. */
#include "evl.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

struct watch {
    int fd;
    evl_io_fn fn; /* NULL once removed */
    void *ud;
    struct watch *next;
};

struct evl_timer {
    struct evl *loop;
    evl_timer_fn fn;
    void *ud;
    bool armed;
    uint64_t due;
    struct evl_timer *next;
};

struct sighandler {
    int signo;
    evl_signal_fn fn;
    void *ud;
};

struct prepare {
    evl_prepare_fn fn;
    void *ud;
};

#define EVL_MAX_SIGNALS 16
#define EVL_MAX_PREPARE 8

struct evl {
    int epfd;
    int sigfd;
    sigset_t sigs;
    struct watch *watches;
    struct watch *dead; /* removed during dispatch, freed after the batch */
    struct evl_timer *timers;
    struct sighandler sig[EVL_MAX_SIGNALS];
    int nsig;
    struct prepare prep[EVL_MAX_PREPARE];
    int nprep;
    bool quit;
    int code;
};

uint64_t evl_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void free_watches(struct watch *w)
{
    while (w) {
        struct watch *next = w->next;
        free(w);
        w = next;
    }
}

int evl_new(struct evl **out)
{
    struct evl *loop = calloc(1, sizeof(*loop));
    if (!loop)
        return -ENOMEM;
    loop->sigfd = -1;
    sigemptyset(&loop->sigs);
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd < 0) {
        int e = -errno;
        free(loop);
        return e;
    }
    *out = loop;
    return 0;
}

void evl_free(struct evl *loop)
{
    if (!loop)
        return;
    free_watches(loop->watches);
    free_watches(loop->dead);
    /* Timers are owned by their creators; detach any left behind. */
    for (struct evl_timer *t = loop->timers; t; t = t->next)
        t->loop = NULL;
    if (loop->sigfd >= 0)
        close(loop->sigfd);
    close(loop->epfd);
    free(loop);
}

static struct watch *find_watch(struct evl *loop, int fd)
{
    for (struct watch *w = loop->watches; w; w = w->next)
        if (w->fd == fd)
            return w;
    return NULL;
}

int evl_add_fd(struct evl *loop, int fd, uint32_t events, evl_io_fn fn, void *ud)
{
    if (find_watch(loop, fd))
        return -EEXIST;
    struct watch *w = calloc(1, sizeof(*w));
    if (!w)
        return -ENOMEM;
    w->fd = fd;
    w->fn = fn;
    w->ud = ud;
    struct epoll_event ev = { .events = events, .data.ptr = w };
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        int e = -errno;
        free(w);
        return e;
    }
    w->next = loop->watches;
    loop->watches = w;
    return 0;
}

int evl_mod_fd(struct evl *loop, int fd, uint32_t events)
{
    struct watch *w = find_watch(loop, fd);
    if (!w)
        return -ENOENT;
    struct epoll_event ev = { .events = events, .data.ptr = w };
    return epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

int evl_del_fd(struct evl *loop, int fd)
{
    for (struct watch **pp = &loop->watches; *pp; pp = &(*pp)->next) {
        struct watch *w = *pp;
        if (w->fd != fd)
            continue;
        *pp = w->next;
        /* The fd may already be closed (libusb removes after close): ignore. */
        epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
        /* A dispatch batch in progress may still hold the pointer: park it
         * on the dead list, the dispatcher skips it and frees it later. */
        w->fn = NULL;
        w->next = loop->dead;
        loop->dead = w;
        return 0;
    }
    return -ENOENT;
}

int evl_timer_new(struct evl *loop, evl_timer_fn fn, void *ud, struct evl_timer **out)
{
    struct evl_timer *t = calloc(1, sizeof(*t));
    if (!t)
        return -ENOMEM;
    t->loop = loop;
    t->fn = fn;
    t->ud = ud;
    t->next = loop->timers;
    loop->timers = t;
    *out = t;
    return 0;
}

void evl_timer_free(struct evl_timer *t)
{
    if (!t)
        return;
    if (t->loop) {
        for (struct evl_timer **pp = &t->loop->timers; *pp; pp = &(*pp)->next) {
            if (*pp == t) {
                *pp = t->next;
                break;
            }
        }
    }
    free(t);
}

void evl_timer_arm(struct evl_timer *t, uint64_t ms)
{
    t->armed = true;
    t->due = evl_now_ms() + ms;
}

void evl_timer_disarm(struct evl_timer *t)
{
    t->armed = false;
}

bool evl_timer_armed(const struct evl_timer *t)
{
    return t->armed;
}

int evl_add_signal(struct evl *loop, int signo, evl_signal_fn fn, void *ud)
{
    if (loop->nsig >= EVL_MAX_SIGNALS)
        return -ENOSPC;
    sigaddset(&loop->sigs, signo);
    if (sigprocmask(SIG_BLOCK, &loop->sigs, NULL) < 0)
        return -errno;
    int fd = signalfd(loop->sigfd, &loop->sigs, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (loop->sigfd < 0) {
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
        if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            int e = -errno;
            close(fd);
            return e;
        }
    }
    loop->sigfd = fd;
    loop->sig[loop->nsig++] = (struct sighandler){ signo, fn, ud };
    return 0;
}

int evl_add_prepare(struct evl *loop, evl_prepare_fn fn, void *ud)
{
    if (loop->nprep >= EVL_MAX_PREPARE)
        return -ENOSPC;
    loop->prep[loop->nprep++] = (struct prepare){ fn, ud };
    return 0;
}

void evl_del_prepare(struct evl *loop, evl_prepare_fn fn, void *ud)
{
    for (int i = 0; i < loop->nprep; i++) {
        if (loop->prep[i].fn == fn && loop->prep[i].ud == ud) {
            memmove(&loop->prep[i], &loop->prep[i + 1],
                    (size_t)(loop->nprep - i - 1) * sizeof(loop->prep[0]));
            loop->nprep--;
            return;
        }
    }
}

void evl_quit(struct evl *loop, int code)
{
    if (!loop->quit)
        loop->code = code;
    loop->quit = true;
}

bool evl_quitting(const struct evl *loop)
{
    return loop->quit;
}

static void dispatch_signals(struct evl *loop)
{
    struct signalfd_siginfo si;
    while (read(loop->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        for (int i = 0; i < loop->nsig; i++)
            if (loop->sig[i].signo == (int)si.ssi_signo)
                loop->sig[i].fn(loop, (int)si.ssi_signo, loop->sig[i].ud);
    }
}

/* Fire every due timer once.  A callback may free or re-arm any timer, so
 * restart the scan after each one. */
static void dispatch_timers(struct evl *loop)
{
    uint64_t now = evl_now_ms();
    bool fired;
    do {
        fired = false;
        for (struct evl_timer *t = loop->timers; t; t = t->next) {
            if (t->armed && t->due <= now) {
                t->armed = false;
                t->fn(loop, t, t->ud);
                fired = true;
                break;
            }
        }
    } while (fired && !loop->quit);
}

static int next_timeout(struct evl *loop)
{
    uint64_t now = evl_now_ms();
    int64_t best = -1;
    for (struct evl_timer *t = loop->timers; t; t = t->next) {
        if (!t->armed)
            continue;
        int64_t d = t->due > now ? (int64_t)(t->due - now) : 0;
        if (best < 0 || d < best)
            best = d;
    }
    if (best > 60000)
        best = 60000;
    return (int)best;
}

int evl_run(struct evl *loop)
{
    while (!loop->quit) {
        for (int i = 0; i < loop->nprep; i++)
            loop->prep[i].fn(loop, loop->prep[i].ud);
        dispatch_timers(loop);
        if (loop->quit)
            break;

        struct epoll_event evs[16];
        int n = epoll_wait(loop->epfd, evs, 16, next_timeout(loop));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            log_msg(0, "event loop: epoll_wait: %s", strerror(errno));
            return -errno;
        }
        for (int i = 0; i < n && !loop->quit; i++) {
            struct watch *w = evs[i].data.ptr;
            if (!w) {
                dispatch_signals(loop);
                continue;
            }
            /* Removed by an earlier callback of this batch: fn is NULL. */
            if (w->fn)
                w->fn(loop, w->fd, evs[i].events, w->ud);
        }
        free_watches(loop->dead);
        loop->dead = NULL;
        dispatch_timers(loop);
    }
    /* The quit is consumed: the loop can be run again. */
    int code = loop->code;
    loop->quit = false;
    loop->code = 0;
    return code;
}
