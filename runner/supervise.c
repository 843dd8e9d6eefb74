// `exec`: one command under us, as our child; we are the subreaper of everything it starts, so
// setsid, double forks and `env -i` cannot leave our process tree. `kill TOKEN`: end such a
// runner from outside (a second exec), found by its argv and its executable.
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


int report_fd = -1;

int supervise(long long timeout_ms, char **argv) {
    no_dump();
    // Whom the command runs as: taken out of the environment, so it is neither inherited nor a
    // way for the command to say whom a later one runs as.
    struct identity as;
    const char *spec = getenv(USER_VARIABLE);
    int switching = spec != NULL;
    if (switching && parse_identity(spec, &as) != 0) {
        say("a malformed " USER_VARIABLE);
        return 126;
    }
    unsetenv(USER_VARIABLE);
    // A kernel without subreapers (gVisor before 2023) still runs the command: what it leaves
    // behind then goes to the container's init, and a process that double-forks can outlive a
    // timeout. `serve` says so in its greeting.
    prctl(PR_SET_CHILD_SUBREAPER, 1);
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
        if (report_fd >= 0) {
            int32_t self = (int32_t)getpid();
            if (write(report_fd, &self, sizeof self) < 0) {}
            close(report_fd);
        }
        if (switching && become(&as) != 0) {
            dprintf(2, "sandbox-runner: cannot run as %u:%u: %s\n", (unsigned)as.uid, (unsigned)as.gid, strerror(errno));
            _exit(126);
        }
        execvp(argv[0], argv);
        // As sh does: 127 when it is missing, 126 when it cannot run.
        dprintf(2, "sandbox-runner: %s: %s\n", argv[0], errno == ENOENT ? "not found" : strerror(errno));
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
        // Ours cannot be looked into (no_dump): a process the command can look into is not ours.
        struct stat exe;
        snprintf(path, sizeof path, "/proc/%ld/exe", pid);
        if (stat(path, &exe) == 0 ? exe.st_dev != self.st_dev || exe.st_ino != self.st_ino : errno != EACCES) continue;
        out[found++] = (pid_t)pid;
    }
    closedir(proc);
    return found;
}

// Through init (ours, PID 1), which runs every supervisor and knows each command by its token,
// even one whose supervisor was killed: 0 once it has ended, 3 when there is none; -1 when
// init is not ours.
static int end_by_init(const char *token) {
    int fd = init_connect();
    if (fd < 0) return -1;
    char answer[64];
    int none = 0;
    ssize_t n = init_send(fd, 'K', token, strlen(token) + 1, NULL, 0) == 0 ? init_receive(fd, answer, sizeof answer, NULL, &none, 10000) : -1;
    close(fd);
    if (n >= 1 && answer[0] == 'N') return -1;  // not one of init's: one a session ran itself, found below
    return n >= 1 && answer[0] == 'E' ? 0 : 1;
}

int end_runner(const char *token) {
    int by_init = end_by_init(token);
    if (by_init >= 0) return by_init;
    static pid_t runners[64];
    int count = find_runners(token, runners, 64);
    if (count == 0) return EXIT_NOT_FOUND;
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

