// sandbox-runner: the engine's supervisor inside a sandbox. Static, no dependency on the image.
//
//   sandbox-runner exec TOKEN MS -- ARGV...  run ARGV as our child; we are the subreaper of
//                                          everything it starts, so setsid, double forks and
//                                          `env -i` cannot leave our process tree; after MS
//                                          milliseconds (0: never) kill it all and exit 124
//   sandbox-runner kill TOKEN              end the `exec` with that token and every process
//                                          under it; exit 0, or 3 when no such runner lives
//   sandbox-runner version
//
// `exec` exits with the command's status (128+N for a signal). On SIGUSR1, SIGTERM, SIGINT or
// SIGHUP it kills its whole tree and exits 130. When the command exits, processes it left in
// the background are let go (they live on, as with plain `docker exec`) once none of them
// writes to the exec's output any more.
#define _GNU_SOURCE
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

#define VERSION "2"
#define MAX_PIDS 65536

static void say(const char *message) {
    if (write(2, "sandbox-runner: ", 16) < 0 || write(2, message, strlen(message)) < 0 || write(2, "\n", 1) < 0) {}
}

// The parent pid of a process, from /proc/PID/stat ("pid (comm) state ppid ..."; comm may hold
// spaces and parentheses, so parse after the last ')'), and whether it shows as a zombie. -1
// when it is gone. A zombie is kept: one whose main thread called exit(2) while other threads
// run shows as 'Z' too, and its threads (and their children) are very much alive.
static pid_t parent_of(pid_t pid, int *zombie) {
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
static void kill_tree(pid_t root) {
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
        while (waitpid(-1, NULL, WNOHANG) > 0) {}  // ours to reap when root is this process
        nanosleep(&pause, NULL);
    }
}

// Whether any process below root still has our stdout or stderr (the exec's output pipes)
// open: then the caller is still waiting on the command, and its timeout still applies.
static int output_held(pid_t root, const struct stat *outputs, int count) {
    int n = descendants(root, scan, NULL, MAX_PIDS);
    for (int i = 0; i < n; i++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/fd", (int)scan[i]);
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

// Milliseconds on the monotonic clock.
static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int run(long long timeout_ms, char **argv) {
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        say("cannot become a subreaper");
        return 125;
    }
    sigset_t watched, previous;
    sigemptyset(&watched);
    int signals[] = {SIGCHLD, SIGUSR1, SIGTERM, SIGINT, SIGHUP};
    for (size_t i = 0; i < sizeof signals / sizeof *signals; i++) sigaddset(&watched, signals[i]);
    sigprocmask(SIG_BLOCK, &watched, &previous);

    struct stat outputs[2];
    int output_count = 0;
    for (int fd = 1; fd <= 2; fd++) {
        if (fstat(fd, &outputs[output_count]) == 0 && S_ISFIFO(outputs[output_count].st_mode)) output_count++;
    }
    long long deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
    int finished = 0, result = 0;
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
    // Once the command has exited, what it left in the background is let go, unless it still
    // writes to the exec's output: then the caller is still waiting, so we stay (checking every
    // 50 ms) to apply the timeout or a cancel to it, as to the command.
    for (;;) {
        if (finished && !output_held(getpid(), outputs, output_count)) return result;
        long long left = deadline ? deadline - now_ms() : 0;
        if (deadline && left <= 0) {
            kill_tree(getpid());
            return 124;
        }
        if (finished && (!deadline || left > 50)) left = 50;
        int signo;
        if (left > 0) {
            struct timespec wait = {left / 1000, (left % 1000) * 1000000};
            signo = sigtimedwait(&watched, NULL, &wait);
        } else {
            signo = sigwaitinfo(&watched, NULL);
        }
        if (signo < 0) continue;  // EAGAIN at a deadline or a check, or EINTR
        if (signo != SIGCHLD) {
            kill_tree(getpid());
            return 130;
        }
        int status;
        pid_t done;
        while ((done = waitpid(-1, &status, WNOHANG)) > 0) {
            if (done != child) continue;  // an adopted orphan
            finished = 1;
            result = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
    }
}

// The `exec` runners started with this token: their own argv (which the commands they run
// cannot rewrite) names it, and their executable is this very file (a process that only
// claims the token in its argv is not one of ours). Returns how many, into `out`.
static int find_runners(const char *token, pid_t *out, int capacity) {
    struct stat self;
    if (stat("/proc/self/exe", &self) != 0) return 0;
    DIR *proc = opendir("/proc");
    if (!proc) return 0;
    struct dirent *entry;
    int found = 0;
    while (found < capacity && (entry = readdir(proc))) {
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
        char *second = args + strlen(args) + 1;
        if (second >= args + n || strcmp(second, "exec") != 0) continue;
        char *third = second + strlen(second) + 1;
        if (third >= args + n || strcmp(third, token) != 0) continue;
        struct stat exe;
        snprintf(path, sizeof path, "/proc/%ld/exe", pid);
        if (stat(path, &exe) != 0 || exe.st_dev != self.st_dev || exe.st_ino != self.st_ino) continue;
        out[found++] = (pid_t)pid;
    }
    closedir(proc);
    return found;
}

static int end_runner(const char *token) {
    static pid_t runners[64];
    int count = find_runners(token, runners, 64);
    if (count == 0) return 3;
    for (int i = 0; i < count; i++) kill(runners[i], SIGUSR1);
    struct timespec pause = {0, 5 * 1000 * 1000};
    for (int wait = 0; wait < 200; wait++) {  // about a second for them to kill their trees and exit
        int left = 0;
        for (int i = 0; i < count; i++) if (kill(runners[i], 0) == 0) left++;
        if (left == 0) return 0;
        nanosleep(&pause, NULL);
    }
    // One does not answer (stopped, say): do its work from here, then end it.
    for (int i = 0; i < count; i++) {
        if (kill(runners[i], 0) != 0) continue;
        kill_tree(runners[i]);
        kill(runners[i], SIGKILL);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "version") == 0) {
        puts(VERSION);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "kill") == 0) return end_runner(argv[2]);
    // exec TOKEN TIMEOUT_MS -- ARGV...   (TIMEOUT_MS 0: none)
    if (argc >= 6 && strcmp(argv[1], "exec") == 0 && strcmp(argv[4], "--") == 0) {
        char *end;
        long long timeout_ms = strtoll(argv[3], &end, 10);
        if (*end == 0 && timeout_ms >= 0) return run(timeout_ms, argv + 5);
    }
    say("usage: sandbox-runner exec TOKEN TIMEOUT_MS -- ARGV... | kill TOKEN | version");
    return 2;
}
