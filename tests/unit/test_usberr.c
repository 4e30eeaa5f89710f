/* Unit tests for usberr: libusb codes -> errno, in one place. */
#include "unit.h"

#include <errno.h>
#include <libusb.h>
#include <string.h>

#include "usberr.h"

static void test_errors(void **state)
{
    (void)state;
    assert_int_equal(usberr_to_errno(LIBUSB_SUCCESS), 0);
    assert_int_equal(usberr_to_errno(LIBUSB_ERROR_ACCESS), -EACCES);
    assert_int_equal(usberr_to_errno(LIBUSB_ERROR_NO_DEVICE), -ENODEV);
    assert_int_equal(usberr_to_errno(LIBUSB_ERROR_BUSY), -EBUSY);
    assert_int_equal(usberr_to_errno(LIBUSB_ERROR_PIPE), -EPIPE);
    assert_int_equal(usberr_to_errno(LIBUSB_ERROR_TIMEOUT), -ETIMEDOUT);
    assert_int_equal(usberr_to_errno(LIBUSB_ERROR_NOT_FOUND), -ENOENT);
    assert_int_equal(usberr_to_errno(LIBUSB_ERROR_OVERFLOW), -EOVERFLOW);
    assert_int_equal(usberr_to_errno(LIBUSB_ERROR_NO_MEM), -ENOMEM);
    assert_int_equal(usberr_to_errno(LIBUSB_ERROR_IO), -EIO);
    assert_int_equal(usberr_to_errno(LIBUSB_ERROR_OTHER), -EPROTO);
    assert_int_equal(usberr_to_errno(5), 5); /* byte counts pass through */
}

static void test_transfer_status(void **state)
{
    (void)state;
    assert_int_equal(usberr_transfer_to_errno(LIBUSB_TRANSFER_COMPLETED), 0);
    assert_int_equal(usberr_transfer_to_errno(LIBUSB_TRANSFER_STALL), -EPIPE);
    assert_int_equal(usberr_transfer_to_errno(LIBUSB_TRANSFER_NO_DEVICE), -ENODEV);
    assert_int_equal(usberr_transfer_to_errno(LIBUSB_TRANSFER_TIMED_OUT), -ETIMEDOUT);
    assert_int_equal(usberr_transfer_to_errno(LIBUSB_TRANSFER_OVERFLOW), -EOVERFLOW);
    assert_int_equal(usberr_transfer_to_errno(LIBUSB_TRANSFER_CANCELLED), -ECANCELED);
    assert_int_equal(usberr_transfer_to_errno(LIBUSB_TRANSFER_ERROR), -EIO);
}

static void test_words(void **state)
{
    (void)state;
    assert_string_equal(usberr_str(-EBUSY), "device busy (claimed by another program)");
    assert_string_equal(usberr_str(-EACCES), "permission denied");
    assert_string_equal(usberr_str(-ENODEV), "device gone");
    assert_string_equal(usberr_str(-ENOSPC), strerror(ENOSPC));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_transfer_status),
        cmocka_unit_test(test_words),
    };
    return unit_run(tests);
}
