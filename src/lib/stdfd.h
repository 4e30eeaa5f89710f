/* stdfd: standard descriptors that are really there.
 *
 * A program started with stdin, stdout or stderr closed would hand the
 * next descriptor it opens (libusb's eventfd, a socket, a log file) the
 * number 0, 1 or 2, and then write its messages or data into it.  Every
 * program calls stdfd_ensure() first thing in main.
 */
#ifndef BB_STDFD_H
#define BB_STDFD_H

/* Opens /dev/null on each of fds 0, 1 and 2 that is closed (read-only for
 * 0, write-only for 1 and 2).  Returns 0, or a negative errno when one
 * cannot be opened (then the caller cannot rely on its messages). */
int stdfd_ensure(void);

#endif
