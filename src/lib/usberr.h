/* usberr: the one place where libusb error and transfer-status codes become
 * negative errno values and words.  Nothing outside this module interprets
 * LIBUSB_ERROR_* codes. */
#ifndef BB_USBERR_H
#define BB_USBERR_H

/* LIBUSB_ERROR_* -> -errno (0 stays 0, positive values pass through). */
int usberr_to_errno(int libusb_err);

/* LIBUSB_TRANSFER_* status -> 0 or -errno:
 * COMPLETED 0, TIMED_OUT -ETIMEDOUT, STALL -EPIPE, NO_DEVICE -ENODEV,
 * OVERFLOW -EOVERFLOW, CANCELLED -ECANCELED, ERROR -EIO. */
int usberr_transfer_to_errno(int transfer_status);

/* A short description for an errno produced by the two functions above,
 * worded for USB ("device busy (claimed by another program)", ...). */
const char *usberr_str(int neg_errno);

#endif
