// sandbox-runner: the engine's supervisor inside a sandbox. Static, no dependency on the image.
//
//   sandbox-runner exec TOKEN -- ARGV...   run ARGV as our child; we are the subreaper of
//                                          everything it starts, so setsid, double forks and
//                                          `env -i` cannot leave our process tree
//   sandbox-runner kill TOKEN              end the `exec` with that token and every process
//                                          under it; exit 0, or 3 when no such runner lives
//   sandbox-runner version
//
// `exec` exits with the command's status (128+N for a signal). On SIGUSR1, SIGTERM, SIGINT or
// SIGHUP it freezes and kills its whole tree and exits 130. When the command exits, processes
// it left in the background are let go (they live on, as with plain `docker exec`).
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define VERSION "1"
#define MAX_PIDS 65536

static void say(const char *message) {
    if (write(2, "sandbox-runner: ", 16) < 0 || write(2, message, strlen(message)) < 0 || write(2, "\n", 1) < 0) {}
}

// The parent pid of a live process, from /proc/PID/stat ("pid (comm) state ppid ..."); comm may hold
// spaces and parentheses, so parse after the last ')'. -1 when it is gone or a zombie.
static pid_t parent_of(pid_t pid) {
    char path[64], buffer[512];
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
    if (sscanf(end + 1, " %c %d", &state, &ppid) != 2) return -1;
    return state == 'Z' ? -1 : (pid_t)ppid;  // a zombie is already dead and has no children
}

static pid_t pids[MAX_PIDS], parents[MAX_PIDS];

// Every live process below `root`, into `out`; returns the count.
static int descendants(pid_t root, pid_t *out, int capacity) {
    int count = 0, found = 0;
    DIR *proc = opendir("/proc");
    if (!proc) return 0;
    struct dirent *entry;
    while ((entry = readdir(proc)) && count < MAX_PIDS) {
        char *end;
        long pid = strtol(entry->d_name, &end, 10);
        if (*end || pid <= 0) continue;
        pid_t parent = parent_of((pid_t)pid);
        if (parent < 0) continue;
        pids[count] = (pid_t)pid;
        parents[count] = parent;
        count++;
    }
    closedir(proc);
    // Breadth first from root: out[] doubles as the queue.
    int head = 0;
    pid_t current = root;
    for (;;) {
        for (int i = 0; i < count && found < capacity; i++) {
            if (parents[i] == current && pids[i] != root) out[found++] = pids[i];
        }
        if (head >= found) break;
        current = out[head++];
    }
    return found;
}

static int contains(const pid_t *set, int count, pid_t pid) {
    for (int i = 0; i < count; i++) if (set[i] == pid) return 1;
    return 0;
}

static pid_t tree[MAX_PIDS], scan[MAX_PIDS];

// Freezes every process under root (repeating until a scan finds no new one, so nothing forks
// behind our back), then kills them all. Stopped processes cannot fork or react.
static void kill_tree(pid_t root) {
    for (int round = 0; round < 50; round++) {
        int total = 0;
        for (int pass = 0; pass < 200; pass++) {
            int n = descendants(root, scan, MAX_PIDS);
            int fresh = 0;
            for (int i = 0; i < n; i++) {
                if (!contains(tree, total, scan[i]) && total < MAX_PIDS) {
                    tree[total++] = scan[i];
                    kill(scan[i], SIGSTOP);
                    fresh++;
                }
            }
            if (!fresh) break;
        }
        if (total == 0) return;
        for (int i = 0; i < total; i++) kill(tree[i], SIGKILL);
        // Reap what was ours; the rest are reaped by their own parents (also dying).
        struct timespec pause = {0, 2 * 1000 * 1000};
        for (int wait = 0; wait < 500; wait++) {
            while (waitpid(-1, NULL, WNOHANG) > 0) {}
            if (descendants(root, scan, MAX_PIDS) == 0) return;
            nanosleep(&pause, NULL);
        }
    }
}

static int run(char **argv) {
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        say("cannot become a subreaper");
        return 125;
    }
    sigset_t watched, previous;
    sigemptyset(&watched);
    int signals[] = {SIGCHLD, SIGUSR1, SIGTERM, SIGINT, SIGHUP};
    for (size_t i = 0; i < sizeof signals / sizeof *signals; i++) sigaddset(&watched, signals[i]);
    sigprocmask(SIG_BLOCK, &watched, &previous);

    pid_t child = fork();
    if (child < 0) {
        say("cannot fork");
        return 125;
    }
    if (child == 0) {
        sigprocmask(SIG_SETMASK, &previous, NULL);
        execvp(argv[0], argv);
        // As sh does: 127 when it is missing, 126 when it cannot run.
        say(errno == ENOENT ? "command not found" : "command cannot run");
        _exit(errno == ENOENT ? 127 : 126);
    }
    for (;;) {
        int signo = sigwaitinfo(&watched, NULL);
        if (signo < 0) continue;
        if (signo != SIGCHLD) {
            kill_tree(getpid());
            return 130;
        }
        int status;
        pid_t done;
        while ((done = waitpid(-1, &status, WNOHANG)) > 0) {
            if (done != child) continue;  // an adopted orphan
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
    }
}

// The pid of the `exec` runner started with this token (its own argv, which the command it
// runs cannot rewrite), or -1.
static pid_t find_runner(const char *token) {
    DIR *proc = opendir("/proc");
    if (!proc) return -1;
    struct dirent *entry;
    pid_t found = -1;
    while (found < 0 && (entry = readdir(proc))) {
        char *end;
        long pid = strtol(entry->d_name, &end, 10);
        if (*end || pid <= 0 || pid == getpid()) continue;
        char path[64], args[4096];
        snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t n = read(fd, args, sizeof args - 1);
        close(fd);
        if (n <= 0) continue;
        args[n] = 0;
        // argv[0] \0 "exec" \0 TOKEN \0 ...
        char *first = args, *second = first + strlen(first) + 1;
        if (second >= args + n || strcmp(second, "exec") != 0) continue;
        char *third = second + strlen(second) + 1;
        if (third >= args + n || strcmp(third, token) != 0) continue;
        const char *base = strrchr(first, '/');
        if (strcmp(base ? base + 1 : first, "sandbox-runner") == 0) found = (pid_t)pid;
    }
    closedir(proc);
    return found;
}

static int end_runner(const char *token) {
    pid_t runner = find_runner(token);
    if (runner < 0) return 3;
    kill(runner, SIGUSR1);
    struct timespec pause = {0, 5 * 1000 * 1000};
    for (int i = 0; i < 200; i++) {  // about a second for it to kill its tree and exit
        if (kill(runner, 0) != 0) return 0;
        nanosleep(&pause, NULL);
    }
    // It does not answer (stopped, or replaced): do its work from here.
    kill(runner, SIGSTOP);
    kill_tree(runner);
    kill(runner, SIGKILL);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "version") == 0) {
        puts(VERSION);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "kill") == 0) return end_runner(argv[2]);
    if (argc >= 5 && strcmp(argv[1], "exec") == 0 && strcmp(argv[3], "--") == 0) return run(argv + 4);
    say("usage: sandbox-runner exec TOKEN -- ARGV... | kill TOKEN | version");
    return 2;
}
