/* forkpath: fork while other threads are inside umockdev's path wrappers
 * (emu-fork.sh).  Run under bbemu.  Two threads call opendir() on a
 * testbed path in a loop (umockdev holds its trap_path_lock meanwhile);
 * the main thread forks N times, each child opendir()s /proc/self/fd (as
 * libvirt's virCommand does before exec) and exits.  A child with the lock
 * inherited locked never ends: one that has not ended 30 s later (far
 * beyond any slowness of a loaded machine) is taken as stuck, its kernel
 * stack printed, killed and counted.  Prints "forks N stuck M"; exit 0
 * when none was stuck, 1 otherwise. */
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

static void show_stack(pid_t p)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/stack", (int)p);
    FILE *f = fopen(path, "r");
    fprintf(stderr, "forkpath: child %d stuck; its kernel stack:\n", (int)p);
    while (f && fgets(line, sizeof(line), f))
        fprintf(stderr, "  %s", line);
    if (f)
        fclose(f);
}

/* 1: the child ended (within 30 s). */
static int reaped(pid_t p)
{
    struct timespec ms = { 0, 1000000 };
    int st;
    for (int i = 0; i < 30000; i++) {
        if (waitpid(p, &st, WNOHANG) == p)
            return WIFEXITED(st) && WEXITSTATUS(st) == 0;
        nanosleep(&ms, NULL);
    }
    show_stack(p);
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
