// The processes below a root: finding them, and ending them all.
#include "runner.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PIDS 65536

void say(const char *message) {
    if (write(2, "sandbox-runner: ", 16) < 0 || write(2, message, strlen(message)) < 0 || write(2, "\n", 1) < 0) {}
}

// The parent pid of a process, from /proc/PID/stat ("pid (comm) state ppid ..."; comm may hold
// spaces and parentheses, so parse after the last ')'), and whether it shows as a zombie. -1
// when it is gone. A zombie is kept: one whose main thread called exit(2) while other threads
// run shows as 'Z' too, and its threads (and their children) are very much alive.
static pid_t parent_of(pid_t pid, int *zombie) {
    unsigned long long start;
    return proc_info(pid, zombie, &start);
}

// parent_of, and the process's start time (clock ticks since boot: with the pid, it names one
// process, not a later one given the same pid).
pid_t proc_info(pid_t pid, int *zombie, unsigned long long *start) {
    char path[64], buffer[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buffer, sizeof buffer - 1);
    close(fd);
    if (n <= 0) return -1;
    buffer[n] = 0;
    char *end = strrchr(buffer, ')');
    if (!end) return -1;
    char state;
    int ppid;
    // state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
    // cutime cstime priority nice num_threads itrealvalue starttime
    if (sscanf(end + 1, " %c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
               &state, &ppid, start) != 3) return -1;
    *zombie = state == 'Z';
    return (pid_t)ppid;
}

static pid_t pids[MAX_PIDS], parents[MAX_PIDS];
static int zombies[MAX_PIDS];

// Every process below `root`, into `out` (and whether each shows as a zombie, into `dead`);
// returns the count.
static int descendants(pid_t root, pid_t *out, int *dead, int capacity) {
    int count = 0, found = 0;
    DIR *proc = opendir("/proc");
    if (!proc) return 0;
    struct dirent *entry;
    while ((entry = readdir(proc)) && count < MAX_PIDS) {
        char *end;
        long pid = strtol(entry->d_name, &end, 10);
        if (*end || pid <= 0) continue;
        int zombie = 0;
        pid_t parent = parent_of((pid_t)pid, &zombie);
        if (parent < 0) continue;
        pids[count] = (pid_t)pid;
        parents[count] = parent;
        zombies[count] = zombie;
        count++;
    }
    closedir(proc);
    // Breadth first from root: out[] doubles as the queue.
    int head = 0;
    pid_t current = root;
    for (;;) {
        for (int i = 0; i < count && found < capacity; i++) {
            if (parents[i] == current && pids[i] != root) {
                if (dead) dead[found] = zombies[i];
                out[found++] = pids[i];
            }
        }
        if (head >= found) break;
        current = out[head++];
    }
    return found;
}

static pid_t scan[MAX_PIDS];
static int scan_dead[MAX_PIDS];

// Kills every process below root, scanning again until a scan finds none alive: a process
// forked while we scanned is found (and killed) by the next pass, and a killed process cannot
// fork, so even a fork bomb runs out. Zombies are killed too (that ends a thread group whose
// leader exited) and are done once killed. Killing needs no new process, so it works when the
// pids limit is exhausted. Orphans of killed processes come to root, the subreaper.
void kill_tree(pid_t root) {
    struct timespec pause = {0, 1000 * 1000};
    for (int pass = 0; pass < 5000; pass++) {
        int n = descendants(root, scan, scan_dead, MAX_PIDS);
        int alive = 0;
        for (int i = 0; i < n; i++) {
            kill(scan[i], SIGKILL);
            if (!scan_dead[i]) alive++;
        }
        if (alive == 0 && pass > 0) return;  // the zombies found were killed last pass too
        if (n == 0) return;
        // Ours to reap when root is this process (`exec`); `serve` killing a supervisor must
        // not reap its other children, whose exits it has yet to report.
        if (root == getpid()) while (waitpid(-1, NULL, WNOHANG) > 0) {}
        nanosleep(&pause, NULL);
    }
}

// Whether any of `pids` has one of `outputs` (pipes: a command's output) open.
static int holds(const pid_t *pids, int n, const struct stat *outputs, int count) {
    for (int i = 0; i < n; i++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/fd", (int)pids[i]);
        DIR *fds = opendir(path);
        if (!fds) continue;
        struct dirent *entry;
        int held = 0;
        while (!held && (entry = readdir(fds))) {
            if (entry->d_name[0] == '.') continue;
            struct stat st;
            if (fstatat(dirfd(fds), entry->d_name, &st, 0) != 0) continue;
            for (int k = 0; k < count; k++) {
                if (st.st_dev == outputs[k].st_dev && st.st_ino == outputs[k].st_ino) held = 1;
            }
        }
        closedir(fds);
        if (held) return 1;
    }
    return 0;
}

// Whether any process below root still has our stdout or stderr (the exec's output pipes)
// open: then the caller is still waiting on the command, and its timeout still applies.
int output_held(pid_t root, const struct stat *outputs, int count) {
    return holds(scan, descendants(root, scan, NULL, MAX_PIDS), outputs, count);
}

// The processes of `roots` that live, and every process below them, into `out` (whether each
// shows as a zombie, into `dead`); returns the count.
int tree_of(const pid_t *roots, int root_count, pid_t *out, int *dead, int capacity) {
    int count = 0, found = 0;
    DIR *proc = opendir("/proc");
    if (!proc) return 0;
    struct dirent *entry;
    while ((entry = readdir(proc)) && count < MAX_PIDS) {
        char *end;
        long pid = strtol(entry->d_name, &end, 10);
        if (*end || pid <= 0) continue;
        int zombie = 0;
        pid_t parent = parent_of((pid_t)pid, &zombie);
        if (parent < 0) continue;
        pids[count] = (pid_t)pid, parents[count] = parent, zombies[count] = zombie;
        count++;
    }
    closedir(proc);
    for (int r = 0; r < root_count; r++) {
        for (int i = 0; i < count && found < capacity; i++) {
            if (pids[i] != roots[r]) continue;
            if (dead) dead[found] = zombies[i];
            out[found++] = pids[i];
        }
    }
    for (int head = 0; head < found; head++) {
        for (int i = 0; i < count && found < capacity; i++) {
            if (parents[i] != out[head]) continue;
            int seen = 0;
            for (int k = 0; k < found && !seen; k++) seen = out[k] == pids[i];
            if (seen) continue;
            if (dead) dead[found] = zombies[i];
            out[found++] = pids[i];
        }
    }
    return found;
}

// Whether any process of `roots` or below them has one of `outputs` open.
int output_held_below(const pid_t *roots, int root_count, const struct stat *outputs, int count) {
    return holds(scan, tree_of(roots, root_count, scan, NULL, MAX_PIDS), outputs, count);
}

// Milliseconds on the monotonic clock.
long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

