/* Unit tests for srv over real sockets in a temp dir, on a real evl loop.
 *
 * Each case is a script of steps run from the loop's prepare hook: a step
 * acts (connect, write, close) or waits for a condition (a reply, EOF, a
 * counter) and the next one starts when it is done; the last one quits.
 * The clients' sockets are on the same loop, so nothing sleeps: a guard
 * timer (5 s) only ends a script that hangs, naming its step.  The test
 * service: NUL-framed requests (a first byte '!' is garbage), each answered
 * "R:<request>" with its NUL, "big" with BIG bytes, an oversize buffer with
 * "BIG:<len>". */
#include "unit.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>

#include "evl.h"
#include "srv.h"

#define NCL 4
#define BIG 65536
#define GUARD_MS 5000

struct client {
    int fd;
    char buf[4096];
    size_t len;
    bool eof;
};

struct fx;
struct step {
    bool (*fn)(struct fx *f, const struct step *s);
    int cl;
    const char *str;
    size_t n;
    size_t off; /* S_STAT: offset of a counter in srv_stats */
};

struct fx {
    char dir[64], path[128];
    struct evl *loop;
    struct srv *srv;
    struct srv_cfg cfg;
    struct srv_conn *conns[16];
    int nconns;
    struct client cl[NCL];
    const struct step *steps;
    int at;
    struct evl_timer *guard;
    bool tcp;
    unsigned short port;
    bool big_pending;
    uint64_t big_target;
};

/* ---- the test service ------------------------------------------------------ */

static ssize_t t_frame(void *ud, const uint8_t *buf, size_t len)
{
    if (buf[0] == '!')
        return -1;
    const uint8_t *nul = memchr(buf, 0, len);
    return nul ? nul - buf + 1 : 0;
}

static void t_request(void *ud, struct srv_conn *c, const uint8_t *req, size_t len)
{
    if (len == 4 && memcmp(req, "big", 4) == 0) {
        static char big[BIG];
        memset(big, 'x', sizeof(big));
        srv_conn_send(c, big, sizeof(big));
        return;
    }
    if (srv_conn_send(c, "R:", 2) == 0)
        srv_conn_send(c, req, len);
}

static void t_oversize(void *ud, struct srv_conn *c, const uint8_t *buf, size_t len)
{
    char r[32];
    int n = snprintf(r, sizeof(r), "BIG:%zu", len);
    srv_conn_send(c, r, (size_t)n + 1);
}

static void t_opened(void *ud, struct srv_conn *c)
{
    struct fx *f = ud;
    if (f->nconns < 16)
        f->conns[f->nconns++] = c;
}

static const struct srv_ops t_ops = { t_frame, t_request, t_oversize, t_opened, NULL };

/* ---- clients ---------------------------------------------------------------- */

static void on_client(struct evl *loop, int fd, uint32_t events, void *ud)
{
    struct client *c = ud;
    ssize_t n = read(fd, c->buf + c->len, sizeof(c->buf) - c->len);
    if (n <= 0 && !(n < 0 && errno == EAGAIN)) {
        c->eof = true;
        evl_del_fd(loop, fd);
        return;
    }
    if (n > 0)
        c->len += (size_t)n;
}

static int dial(struct fx *f)
{
    int fd;
    if (f->tcp) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(f->port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    } else {
        struct sockaddr_un a = { .sun_family = AF_UNIX };
        strcpy(a.sun_path, f->path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    }
    fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

/* ---- steps -------------------------------------------------------------------- */

static bool st_connect(struct fx *f, const struct step *s)
{
    struct client *c = &f->cl[s->cl];
    c->fd = dial(f);
    c->len = 0;
    c->eof = false;
    assert_int_equal(evl_add_fd(f->loop, c->fd, EPOLLIN, on_client, c), 0);
    return true;
}

/* A client that never reads: not on the loop. */
static bool st_connect_deaf(struct fx *f, const struct step *s)
{
    f->cl[s->cl].fd = dial(f);
    return true;
}

static bool st_write(struct fx *f, const struct step *s)
{
    assert_int_equal(write(f->cl[s->cl].fd, s->str, s->n), (ssize_t)s->n);
    return true;
}

static bool st_reply(struct fx *f, const struct step *s)
{
    struct client *c = &f->cl[s->cl];
    if (c->len < s->n)
        return false;
    assert_int_equal(c->len, s->n);
    assert_memory_equal(c->buf, s->str, s->n);
    c->len = 0;
    return true;
}

static bool st_noreply(struct fx *f, const struct step *s)
{
    assert_int_equal(f->cl[s->cl].len, 0);
    return true;
}

static bool st_eof(struct fx *f, const struct step *s)
{
    return f->cl[s->cl].eof;
}

static bool st_close(struct fx *f, const struct step *s)
{
    struct client *c = &f->cl[s->cl];
    evl_del_fd(f->loop, c->fd);
    close(c->fd);
    c->fd = -1;
    return true;
}

static bool st_shut(struct fx *f, const struct step *s)
{
    shutdown(f->cl[s->cl].fd, SHUT_WR);
    return true;
}

static uint64_t stat_at(struct fx *f, size_t off)
{
    struct srv_stats st;
    srv_get_stats(f->srv, &st);
    return *(const uint64_t *)((const char *)&st + off);
}

/* Wait until the counter reaches n. */
static bool st_stat(struct fx *f, const struct step *s)
{
    return stat_at(f, s->off) >= s->n;
}

/* The counter is exactly n now. */
static bool st_stat_is(struct fx *f, const struct step *s)
{
    assert_int_equal(stat_at(f, s->off), s->n);
    return true;
}

/* Client s->cl asks for "big" replies one at a time (each handled before
 * the next is sent) until its connection s->n has output queued (s->off 0)
 * or has been dropped for it (s->off 1). */
static bool st_big(struct fx *f, const struct step *s)
{
    uint64_t done = stat_at(f, offsetof(struct srv_stats, requests));
    if (f->big_pending && done < f->big_target)
        return false;
    f->big_pending = false;
    if (s->off ? stat_at(f, offsetof(struct srv_stats, ended[SRV_DROP_OUTPUT])) > 0
               : f->nconns > (int)s->n && srv_conn_queued(f->conns[s->n]) > 0)
        return true;
    assert_int_equal(write(f->cl[s->cl].fd, "big", 4), 4);
    f->big_pending = true;
    f->big_target = done + 1;
    return false;
}

#define S_CONNECT(i) { st_connect, i, NULL, 0, 0 }
#define S_DEAF(i) { st_connect_deaf, i, NULL, 0, 0 }
#define S_WRITE(i, lit) { st_write, i, lit, sizeof(lit) - 1, 0 }
#define S_REPLY(i, lit) { st_reply, i, lit, sizeof(lit) - 1, 0 }
#define S_NOREPLY(i) { st_noreply, i, NULL, 0, 0 }
#define S_EOF(i) { st_eof, i, NULL, 0, 0 }
#define S_CLOSE(i) { st_close, i, NULL, 0, 0 }
#define S_SHUT(i) { st_shut, i, NULL, 0, 0 }
#define S_STAT(field, v) { st_stat, 0, NULL, v, offsetof(struct srv_stats, field) }
#define S_STAT_IS(field, v) { st_stat_is, 0, NULL, v, offsetof(struct srv_stats, field) }
#define S_BIG_QUEUED(i, conn) { st_big, i, NULL, conn, 0 }
#define S_BIG_DROPPED(i) { st_big, i, NULL, 0, 1 }
#define S_END { NULL, 0, NULL, 0, 0 }

static void on_prepare(struct evl *loop, void *ud)
{
    struct fx *f = ud;
    while (f->steps[f->at].fn && f->steps[f->at].fn(f, &f->steps[f->at]))
        f->at++;
    if (!f->steps[f->at].fn)
        evl_quit(loop, 0);
}

static void on_guard(struct evl *loop, struct evl_timer *t, void *ud)
{
    evl_quit(loop, 1);
}

/* ---- fixture ------------------------------------------------------------------ */

static void fx_start(struct fx *f, const struct srv_cfg *cfg)
{
    memset(f, 0, sizeof(*f));
    strcpy(f->dir, "/tmp/test_srv.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/s.sock", f->dir);
    f->cfg = *cfg;
    f->cfg.ops = &t_ops;
    f->cfg.ud = f;
    for (int i = 0; i < NCL; i++)
        f->cl[i].fd = -1;
    assert_int_equal(evl_new(&f->loop), 0);
    assert_int_equal(srv_new(f->loop, &f->cfg, &f->srv), 0);
    assert_int_equal(evl_add_prepare(f->loop, on_prepare, f), 0);
    assert_int_equal(evl_timer_new(f->loop, on_guard, f, &f->guard), 0);
}

static void fx_listen_unix(struct fx *f)
{
    char err[256];
    assert_int_equal(srv_listen_unix(f->srv, f->path, (gid_t)-1, err, sizeof(err)), 0);
}

static void fx_run(struct fx *f, const struct step *steps)
{
    f->steps = steps;
    f->at = 0;
    evl_timer_arm(f->guard, GUARD_MS);
    int r = evl_run(f->loop);
    if (r != 0)
        fail_msg("the script hung at step %d", f->at);
}

static void fx_end(struct fx *f)
{
    for (int i = 0; i < NCL; i++)
        if (f->cl[i].fd >= 0) {
            evl_del_fd(f->loop, f->cl[i].fd);
            close(f->cl[i].fd);
        }
    srv_free(f->srv);
    evl_timer_free(f->guard);
    evl_free(f->loop);
    assert_int_equal(access(f->path, F_OK), -1); /* unlinked by srv_free */
    rmdir(f->dir);
}

/* ---- cases --------------------------------------------------------------------- */

static void test_framing(void **state)
{
    static const struct step steps[] = {
        S_CONNECT(0),
        S_WRITE(0, "\"ab"), /* a frame across reads */
        S_STAT(bytes_in, 3),
        S_STAT_IS(requests, 0),
        S_NOREPLY(0),
        S_WRITE(0, "c\"\0"),
        S_REPLY(0, "R:\"abc\"\0"),
        S_WRITE(0, "a\0bb\0ccc\0"), /* several in one read */
        S_REPLY(0, "R:a\0R:bb\0R:ccc\0"),
        S_WRITE(0, "\0"), /* an empty request is one byte */
        S_REPLY(0, "R:\0"),
        S_STAT_IS(requests, 5),
        S_END,
    };
    struct fx f;
    fx_start(&f, &(struct srv_cfg){ .name = "t" });
    fx_listen_unix(&f);
    fx_run(&f, steps);
    fx_end(&f);
}

static void test_oversize(void **state)
{
    /* max_request 8: 7 bytes and the NUL fit; 8 without a NUL are too
     * large, answered once, and the rest up to the NUL is discarded. */
    static const struct step steps[] = {
        S_CONNECT(0),
        S_WRITE(0, "1234567"), /* one byte short of full: not oversize */
        S_STAT(bytes_in, 7),
        S_STAT_IS(oversize, 0),
        S_WRITE(0, "\0"),
        S_REPLY(0, "R:1234567\0"),
        S_WRITE(0, "12345678"),
        S_REPLY(0, "BIG:8\0"),
        S_WRITE(0, "9abcdefghij"),
        S_STAT(bytes_in, 27),
        S_WRITE(0, "k\0x\0"),
        S_REPLY(0, "R:x\0"),
        S_STAT_IS(oversize, 1),
        S_STAT_IS(requests, 2),
        S_WRITE(0, "ABCDEFGH\0y\0"), /* the oversize frame ends in the same read */
        S_REPLY(0, "BIG:8\0R:y\0"),
        S_END,
    };
    struct fx f;
    fx_start(&f, &(struct srv_cfg){ .name = "t", .max_request = 8 });
    fx_listen_unix(&f);
    fx_run(&f, steps);
    fx_end(&f);
}

static void test_garbage_and_eof(void **state)
{
    static const struct step steps[] = {
        S_CONNECT(0),
        S_WRITE(0, "!x\0"),
        S_EOF(0),
        S_STAT(ended[SRV_DROP_PROTO], 1),
        S_CONNECT(1),
        S_WRITE(1, "half\0"), /* then half-closed: the reply still comes */
        S_SHUT(1),
        S_EOF(1),
        S_REPLY(1, "R:half\0"),
        S_STAT(ended[SRV_END_CLOSED], 1),
        S_STAT_IS(clients, 0),
        S_END,
    };
    struct fx f;
    fx_start(&f, &(struct srv_cfg){ .name = "t" });
    fx_listen_unix(&f);
    fx_run(&f, steps);
    fx_end(&f);
}

static void test_max_clients(void **state)
{
    /* Two at a time: the third waits in the backlog, unserved, while the
     * two are served; it is served once one leaves. */
    static const struct step steps[] = {
        S_CONNECT(0), S_WRITE(0, "a\0"), S_REPLY(0, "R:a\0"),
        S_CONNECT(1), S_WRITE(1, "b\0"), S_REPLY(1, "R:b\0"),
        S_CONNECT(2), S_WRITE(2, "c\0"),
        S_WRITE(0, "a2\0"), S_REPLY(0, "R:a2\0"),
        S_WRITE(1, "b2\0"), S_REPLY(1, "R:b2\0"),
        S_NOREPLY(2),
        S_STAT_IS(accepted, 2),
        S_STAT_IS(full, 1),
        S_CLOSE(0),
        S_REPLY(2, "R:c\0"),
        S_STAT_IS(accepted, 3),
        S_STAT_IS(clients, 2),
        S_END,
    };
    struct fx f;
    fx_start(&f, &(struct srv_cfg){ .name = "t", .max_clients = 2 });
    fx_listen_unix(&f);
    fx_run(&f, steps);
    fx_end(&f);
}

static void test_idle(void **state)
{
    /* A client that never sends is dropped; one that was answered and
     * then says nothing, too. */
    static const struct step steps[] = {
        S_CONNECT(0),
        S_CONNECT(1), S_WRITE(1, "a\0"), S_REPLY(1, "R:a\0"),
        S_EOF(0),
        S_EOF(1),
        S_STAT_IS(ended[SRV_DROP_IDLE], 2),
        S_STAT_IS(clients, 0),
        S_END,
    };
    struct fx f;
    fx_start(&f, &(struct srv_cfg){ .name = "t", .idle_ms = 50 });
    fx_listen_unix(&f);
    fx_run(&f, steps);
    fx_end(&f);
}

static void test_never_reads(void **state)
{
    /* Client 0 asks for 64 KiB replies and never reads: once its queue is
     * over max_output the next reply drops it; client 1 is served before,
     * while client 0 has output queued, and after. */
    static const struct step steps[] = {
        S_DEAF(0),
        S_CONNECT(1), S_WRITE(1, "a\0"), S_REPLY(1, "R:a\0"),
        S_BIG_QUEUED(0, 0),
        S_WRITE(1, "b\0"), S_REPLY(1, "R:b\0"),
        S_STAT_IS(clients, 2),
        S_STAT_IS(ended[SRV_DROP_OUTPUT], 0),
        S_BIG_DROPPED(0),
        S_WRITE(1, "c\0"), S_REPLY(1, "R:c\0"),
        S_STAT_IS(clients, 1),
        S_END,
    };
    struct fx f;
    fx_start(&f, &(struct srv_cfg){ .name = "t", .max_output = 4096 });
    fx_listen_unix(&f);
    fx_run(&f, steps);
    fx_end(&f);
}

static void test_stalled(void **state)
{
    /* Queued output that never drains: dropped after idle_ms even though
     * the queue stays under the bound. */
    static const struct step steps[] = {
        S_DEAF(0),
        S_BIG_QUEUED(0, 0),
        S_STAT(ended[SRV_DROP_STALLED], 1),
        S_END,
    };
    struct fx f;
    fx_start(&f, &(struct srv_cfg){ .name = "t", .idle_ms = 50 });
    fx_listen_unix(&f);
    fx_run(&f, steps);
    fx_end(&f);
}

/* accept() fails with EMFILE fault_left times, then works. */
static int fault_left;
static int faulty_accept(int fd, struct sockaddr *a, socklen_t *l, int flags)
{
    if (fault_left > 0) {
        fault_left--;
        errno = EMFILE;
        return -1;
    }
    return accept4(fd, a, l, flags);
}

static void test_accept_errors(void **state)
{
    static const struct step steps[] = {
        S_CONNECT(0), S_WRITE(0, "a\0"),
        S_REPLY(0, "R:a\0"),
        S_STAT_IS(accept_errors, 3),
        S_STAT_IS(accepted, 1),
        S_CONNECT(1), S_WRITE(1, "b\0"), S_REPLY(1, "R:b\0"),
        S_END,
    };
    struct fx f;
    fault_left = 3;
    fx_start(&f, &(struct srv_cfg){ .name = "t", .accept_fn = faulty_accept });
    fx_listen_unix(&f);
    fx_run(&f, steps);
    fx_end(&f);
}

static void test_unix_path(void **state)
{
    struct fx f;
    char err[256];
    struct stat st;
    fx_start(&f, &(struct srv_cfg){ .name = "t" });
    /* A regular file is not replaced. */
    int fd = open(f.path, O_CREAT | O_WRONLY, 0600);
    close(fd);
    assert_int_equal(srv_listen_unix(f.srv, f.path, (gid_t)-1, err, sizeof(err)), -EEXIST);
    unlink(f.path);
    /* A live socket is not replaced. */
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    strcpy(a.sun_path, f.path);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 1), 0);
    assert_int_equal(srv_listen_unix(f.srv, f.path, (gid_t)-1, err, sizeof(err)),
                     -EADDRINUSE);
    /* A stale one (nobody listening; mode 0644) is. */
    close(fd);
    chmod(f.path, 0644);
    assert_int_equal(srv_listen_unix(f.srv, f.path, getegid(), err, sizeof(err)), 0);
    assert_int_equal(lstat(f.path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0660); /* with a group */
    assert_int_equal(st.st_gid, getegid());
    /* Relative paths are refused (ctlpath's rules). */
    assert_int_equal(srv_listen_unix(f.srv, "rel/s.sock", (gid_t)-1, err, sizeof(err)),
                     -EINVAL);
    fx_end(&f); /* unlinks */
}

static void test_unix_mode_no_group(void **state)
{
    struct fx f;
    struct stat st;
    fx_start(&f, &(struct srv_cfg){ .name = "t" });
    fx_listen_unix(&f);
    assert_int_equal(lstat(f.path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    /* Not ours any more (replaced): left alone at the end. */
    char moved[160];
    snprintf(moved, sizeof(moved), "%s.old", f.path);
    assert_int_equal(rename(f.path, moved), 0);
    int fd = open(f.path, O_CREAT | O_WRONLY, 0600);
    close(fd);
    srv_free(f.srv);
    f.srv = NULL;
    assert_int_equal(access(f.path, F_OK), 0);
    unlink(f.path);
    unlink(moved);
    fx_end(&f);
}

static void test_tcp(void **state)
{
    static const struct step steps[] = {
        S_CONNECT(0), S_WRITE(0, "t\0"), S_REPLY(0, "R:t\0"),
        S_END,
    };
    struct fx f;
    char err[256], hp[64];
    fx_start(&f, &(struct srv_cfg){ .name = "t" });
    /* A free port: bind 0, read it, close (SO_REUSEADDR for the rest). */
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    close(fd);
    f.tcp = true;
    f.port = ntohs(a.sin_port);
    snprintf(hp, sizeof(hp), "127.0.0.1:%u", f.port);
    assert_int_equal(srv_listen_tcp(f.srv, hp, false, err, sizeof(err)), 0);
    fx_run(&f, steps);
    assert_int_equal(srv_listen_tcp(f.srv, "nocolon", false, err, sizeof(err)), -EINVAL);
    fx_end(&f);
}

static void test_split_hostport(void **state)
{
    char h[64], p[16];
    assert_int_equal(srv_split_hostport("localhost:1200", h, sizeof(h), p, sizeof(p)), 0);
    assert_string_equal(h, "localhost");
    assert_string_equal(p, "1200");
    assert_int_equal(srv_split_hostport("[::1]:http", h, sizeof(h), p, sizeof(p)), 0);
    assert_string_equal(h, "::1");
    assert_string_equal(p, "http");
    assert_int_equal(srv_split_hostport("::1:99", h, sizeof(h), p, sizeof(p)), 0);
    assert_string_equal(h, "::1");
    assert_int_equal(srv_split_hostport(":99", h, sizeof(h), p, sizeof(p)), 0);
    assert_string_equal(h, "");
    assert_int_equal(srv_split_hostport("host:", h, sizeof(h), p, sizeof(p)), -EINVAL);
    assert_int_equal(srv_split_hostport("host", h, sizeof(h), p, sizeof(p)), -EINVAL);
    assert_string_equal(srv_end_name(SRV_DROP_IDLE), "idle");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_garbage_and_eof),
        cmocka_unit_test(test_max_clients),
        cmocka_unit_test(test_idle),
        cmocka_unit_test(test_never_reads),
        cmocka_unit_test(test_stalled),
        cmocka_unit_test(test_accept_errors),
        cmocka_unit_test(test_unix_path),
        cmocka_unit_test(test_unix_mode_no_group),
        cmocka_unit_test(test_tcp),
        cmocka_unit_test(test_split_hostport),
    };
    return unit_run(tests);
}
