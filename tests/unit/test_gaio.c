/* Unit tests for gaio, bbgadget's Linux AIO wrapper (src/gadget): a write
 * and a read on a regular file complete through the eventfd, one op slot
 * at a time. */
#include "unit.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gaio.h"

struct seen {
    struct gaio_op *op;
    long res;
    int n;
};

static void on_done(struct gaio_op *op, long res, void *ud)
{
    struct seen *s = ud;
    s->op = op;
    s->res = res;
    s->n++;
}

/* Wait (bounded) for the eventfd, then reap. */
static void reap(struct gaio *a, struct seen *s)
{
    struct pollfd p = { .fd = gaio_fd(a), .events = POLLIN };
    assert_int_equal(poll(&p, 1, 5000), 1);
    assert_int_equal(gaio_reap(a, on_done, s), 0);
}

static void test_write_read(void **state)
{
    char path[] = "/tmp/test_gaio.XXXXXX";
    int fd = mkstemp(path);
    struct gaio *a = NULL;
    struct gaio_op op = { 0 };
    struct seen s = { 0 };
    char buf[16] = "", data[] = "fmodel";
    (void)state;

    assert_true(fd >= 0);
    unlink(path);
    assert_int_equal(gaio_new(2, &a), 0);
    assert_int_equal(gaio_submit(a, &op, fd, true, data, 6, 7), 0);
    assert_true(op.busy);
    assert_int_equal(gaio_submit(a, &op, fd, true, data, 6, 7), -EBUSY);
    reap(a, &s);
    assert_int_equal(s.n, 1);
    assert_ptr_equal(s.op, &op);
    assert_int_equal(s.res, 6);
    assert_false(op.busy);
    assert_int_equal(op.tag, 7);

    assert_int_equal(gaio_submit(a, &op, fd, false, buf, sizeof(buf), 8), 0);
    reap(a, &s);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.res, 6);
    assert_memory_equal(buf, "fmodel", 6);
    assert_int_equal(gaio_cancel(a, &op), -EINVAL);   /* nothing in flight */

    /* an error comes back as a completion with -errno */
    assert_int_equal(gaio_submit(a, &op, fd, false, NULL, 4, 9), 0);
    reap(a, &s);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.res, -EFAULT);
    /* nothing more to reap: no callback, no blocking */
    assert_int_equal(gaio_reap(a, on_done, &s), 0);
    assert_int_equal(s.n, 3);
    gaio_free(a);
    gaio_free(NULL);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_read),
    };
    return unit_run(tests);
}
