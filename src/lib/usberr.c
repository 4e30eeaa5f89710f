/* usberr: libusb codes -> errno.  See usberr.h. */
#include "usberr.h"

#include <errno.h>
#include <libusb.h>
#include <string.h>

int usberr_to_errno(int e)
{
    switch (e) {
    case LIBUSB_SUCCESS:
        return 0;
    case LIBUSB_ERROR_IO:
        return -EIO;
    case LIBUSB_ERROR_INVALID_PARAM:
        return -EINVAL;
    case LIBUSB_ERROR_ACCESS:
        return -EACCES;
    case LIBUSB_ERROR_NO_DEVICE:
        return -ENODEV;
    case LIBUSB_ERROR_NOT_FOUND:
        return -ENOENT;
    case LIBUSB_ERROR_BUSY:
        return -EBUSY;
    case LIBUSB_ERROR_TIMEOUT:
        return -ETIMEDOUT;
    case LIBUSB_ERROR_OVERFLOW:
        return -EOVERFLOW;
    case LIBUSB_ERROR_PIPE:
        return -EPIPE;
    case LIBUSB_ERROR_INTERRUPTED:
        return -EINTR;
    case LIBUSB_ERROR_NO_MEM:
        return -ENOMEM;
    case LIBUSB_ERROR_NOT_SUPPORTED:
        return -ENOTSUP;
    default:
        return e > 0 ? e : -EPROTO;
    }
}

int usberr_transfer_to_errno(int status)
{
    switch (status) {
    case LIBUSB_TRANSFER_COMPLETED:
        return 0;
    case LIBUSB_TRANSFER_TIMED_OUT:
        return -ETIMEDOUT;
    case LIBUSB_TRANSFER_STALL:
        return -EPIPE;
    case LIBUSB_TRANSFER_NO_DEVICE:
        return -ENODEV;
    case LIBUSB_TRANSFER_OVERFLOW:
        return -EOVERFLOW;
    case LIBUSB_TRANSFER_CANCELLED:
        return -ECANCELED;
    default:
        return -EIO;
    }
}

const char *usberr_str(int e)
{
    switch (e) {
    case -EACCES:
        return "permission denied";
    case -ENODEV:
        return "device gone";
    case -EBUSY:
        return "device busy (claimed by another program)";
    case -ETIMEDOUT:
        return "timed out";
    case -EPIPE:
        return "endpoint stalled";
    case -EOVERFLOW:
        return "device sent more data than requested";
    case -EPROTO:
        return "protocol error";
    default:
        return strerror(-e);
    }
}
