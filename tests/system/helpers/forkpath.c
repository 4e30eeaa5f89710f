/* forkpath: fork while other threads are inside umockdev's path wrappers
 * (emu-fork.sh).  Run under bbemu.  Two threads call opendir() on a
 * testbed path in a loop (umockdev holds its trap_path_lock meanwhile);
 * the main thread forks N times, each child opendir()s /proc/self/fd (as
 * libvirt's virCommand does before exec) and exits.  A child that has not
 * ended 2 s later is stuck (the lock inherited locked): killed, counted.
 * Prints "forks N stuck M"; exit 0 when none was stuck, 1 otherwise. */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int stop;

static void *hammer(void *arg)
{
    (void)arg;
    while (!stop) {
        DIR *d = opendir("/sys/bus/usb/devices");
        if (d)
            closedir(d);
    }
    return NULL;
}

/* 1: the child ended within 2 s. */
static int reaped(pid_t p)
{
    struct timespec ms = { 0, 1000000 };
    int st;
    for (int i = 0; i < 2000; i++) {
        if (waitpid(p, &st, WNOHANG) == p)
            return WIFEXITED(st) && WEXITSTATUS(st) == 0;
        nanosleep(&ms, NULL);
    }
    kill(p, SIGKILL);
    waitpid(p, &st, 0);
    return 0;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 500, stuck = 0;
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, hammer, NULL) != 0)
            return 2;
    for (int i = 0; i < n; i++) {
        pid_t p = fork();
        if (p < 0)
            return 2;
        if (p == 0) {
            DIR *d = opendir("/proc/self/fd");
            if (d)
                closedir(d);
            _exit(0);
        }
        stuck += !reaped(p);
    }
    stop = 1;
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    printf("forks %d stuck %d\n", n, stuck);
    return stuck != 0;
}
