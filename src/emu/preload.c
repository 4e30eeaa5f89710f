/* libbbemu-preload: what umockdev's preload library does not do for the
 * emulated devices, loaded ahead of it (bbemu puts it first in its
 * COMMAND's LD_PRELOAD and prints the whole list as BBEMU_PRELOAD=).
 *
 * lseek(): a usbfs node is seekable on Linux and read() gives the device's
 * descriptors from the file position; libusb_wrap_sys_device() (QEMU's
 * usb-host with a hostdevice path, as libvirt passes it) does lseek(fd, 0)
 * then read().  bbemu's nodes are FIFOs (poll() has to work), which the
 * kernel will not seek, so lseek() on a testbed usbfs node is forwarded to
 * bbemu as a private ioctl (BBEMU_IOC_SEEK, see usbdev_int.h), through
 * umockdev's ioctl channel; bbemu keeps the position and serves read().
 *
 * socket(): with BBEMU_REAL_NETLINK=1 every AF_NETLINK socket is a real
 * one.  umockdev turns NETLINK_KOBJECT_UEVENT sockets into unix sockets
 * for the testbed's uevents, which libnl (libvirtd) refuses.  Off by
 * default: our own programs want the testbed's uevents.
 *
 * fork(): umockdev 0.17's path wrappers (open, opendir, stat, ...) hold its
 * mutex trap_path_lock while they translate a path, and it registers no
 * fork handler.  A fork while another thread holds it leaves the child
 * with the mutex locked for good: libvirtd's virCommand child then hangs
 * in opendir("/proc/self/fd") before exec (seen in the VM tier: libvirtd
 * never answered).  Our fork handlers take the mutex around fork, so no
 * other thread holds it then, and release it in parent and child. */
/* both lseek and lseek64 are defined here: no redirection of one to the other */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "usbdev_ioc.h"

/* Exported interposers: declared here for -Wmissing-prototypes. */
off_t lseek(int fd, off_t off, int whence);
off64_t lseek64(int fd, off64_t off, int whence);
int socket(int domain, int type, int protocol);

/* fd is open on $UMOCKDEV_DIR/dev/bus/usb/... (possibly unlinked since). */
static int is_testbed_usbfs(int fd)
{
    const char *root = getenv("UMOCKDEV_DIR");
    char link[64], target[4096];
    size_t n;
    long len;

    if (!root || !*root || fd < 0)
        return 0;
    n = strlen(root);
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    /* the raw syscall: umockdev's readlink() redirects paths */
    len = syscall(SYS_readlink, link, target, sizeof(target) - 1);
    if (len <= 0)
        return 0;
    target[len] = '\0';
    return strncmp(target, root, n) == 0 && strncmp(target + n, "/dev/bus/usb/", 13) == 0;
}

static off_t seek(int fd, off_t off, int whence, off_t (*real)(int, off_t, int))
{
    if (!is_testbed_usbfs(fd))
        return real ? real(fd, off, whence) : (errno = ENOSYS, (off_t)-1);
    if (whence != SEEK_SET && whence != SEEK_CUR) {
        errno = EINVAL;                  /* as the kernel's usbdev_lseek() */
        return -1;
    }
    /* umockdev's ioctl() forwards the request to bbemu's handler */
    return ioctl(fd, whence == SEEK_SET ? BBEMU_IOC_SEEK_SET : BBEMU_IOC_SEEK_CUR,
                 (unsigned long)off);
}

off_t lseek(int fd, off_t off, int whence)
{
    static off_t (*real)(int, off_t, int);
    if (!real)
        real = (off_t (*)(int, off_t, int))dlsym(RTLD_NEXT, "lseek");
    return seek(fd, off, whence, real);
}

off64_t lseek64(int fd, off64_t off, int whence)
{
    static off_t (*real)(int, off_t, int);
    if (!real)
        real = (off_t (*)(int, off_t, int))dlsym(RTLD_NEXT, "lseek64");
    return seek(fd, off, whence, real);
}

int socket(int domain, int type, int protocol)
{
    static int (*real)(int, int, int);
    const char *rn = getenv("BBEMU_REAL_NETLINK");

    if (domain == AF_NETLINK && rn && strcmp(rn, "1") == 0)
        return (int)syscall(SYS_socket, domain, type, protocol);
    if (!real)
        real = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    return real(domain, type, protocol);
}

/* ---- fork safety of umockdev's path lock --------------------------------- */

static pthread_mutex_t *trap_lock;

static void fork_prepare(void)
{
    pthread_mutex_lock(trap_lock);
}

static void fork_release(void)
{
    pthread_mutex_unlock(trap_lock);
}

__attribute__((constructor)) static void bbemu_preload_init(void)
{
    /* exported by libumockdev-preload (a global, not static, in 0.17) */
    trap_lock = (pthread_mutex_t *)dlsym(RTLD_DEFAULT, "trap_path_lock");
    if (trap_lock)
        pthread_atfork(fork_prepare, fork_release, fork_release);
}
