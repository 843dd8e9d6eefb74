// `init`: the container's own command, as its PID 1 (the engine creates it without Docker's
// init). What a command could otherwise kill, stop or look into is here:
//
// - The kernel delivers to a namespace's init no signal from inside the namespace that it has
//   no handler for, SIGKILL and SIGSTOP included. We have none: SIGTERM, SIGINT and SIGHUP are
//   blocked and read from a signalfd, and end us only when they come from outside the namespace
//   (si_pid 0: `docker stop`; `docker kill` sends SIGKILL from outside, which the kernel lets
//   through). Every runner process is non-dumpable (no_dump), so without CAP_SYS_PTRACE nothing
//   in the sandbox can ptrace it or open its /proc/PID/{mem,fd,environ}.
// - A child serves the container's session on our stdin and stdout (serve.c); when it ends, we
//   say so on stderr (SESSION_OVER) and the engine's attach ends on it. Other sessions are
//   `sandbox-runner serve` execs.
// - Every command's supervisor (supervise.c) and every job's is our child, forked, never
//   re-executed from a path a command could replace: a session asks for it on INIT_SOCKET
//   ('X', with the command's output pipes), and we answer 'S' (its pid), then 'E' (its exit
//   status) at the end. The command writes its own pid to us before it runs what it was given.
// - A supervisor killed from inside leaves its command to us (its orphans come to PID 1): we
//   take the command, and every orphan that came after the supervisor started and is no one
//   else's, as its roots, and enforce its timeout on them and all below them, or wait for its
//   exit. A session killed from inside leaves its commands running: a new session re-attaches
//   to one by its token ('W': its output pipes come back, or its status when it has ended).
// - Jobs' output is kept by us ('J'), so killing a job's supervisor neither ends the job nor
//   loses what it prints. `kill TOKEN` ends a command or job through us ('K').
#include "runner.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>

#define MAX_RUNS 512
#define MAX_ROOTS 256
#define MAX_PENDING 64
#define MAX_KILLERS 8
#define MAX_FREE 4096
#define GRACE_MS 1000        // past a timeout or a cancel, before we kill a supervisor that did not end
#define KEEP_RESULT_MS 60000  // a result no session waits for is kept this long for a re-attach
#define CHECK_MS 50           // how often an orphaned command whose output is held is looked at

void no_dump(void) { prctl(PR_SET_DUMPABLE, 0); }

struct run {
    int used;
    char token[128];
    pid_t supervisor;  // while it lives
    pid_t supervisor_pid;  // for good
    unsigned long long supervisor_start;
    pid_t command;  // as it reported itself; 0 until then
    unsigned long long command_start;
    int report;  // where it reports (a pipe's read end), -1 once read
    long long deadline, hard_kill_at, check_at;
    int conn;  // the session's connection, -1: none (its session was killed)
    int outputs[2];  // the read ends of a session command's pipes, for a re-attached session
    int orphaned;  // its supervisor was killed: we supervise its roots
    pid_t roots[MAX_ROOTS];
    unsigned long long root_starts[MAX_ROOTS];
    int root_count;
    int cancelled, timed_out;
    int command_done, command_status;
    int done, status;
    long long done_at;
    int killers[MAX_KILLERS], killer_count;
    struct job_keeper *job;
    int job_pipe;  // a job's output, which we keep
    pid_t job_pid;  // its supervisor, as its state file names it
};

static struct run runs[MAX_RUNS];
static int pending[MAX_PENDING];
// The sandbox's user (USER_FILE, written by the engine before the start): every command and
// job runs as it, whoever asks (gVisor's SO_PEERCRED names our own user for every peer).
static char sandbox_user[32 + MAX_GROUPS * 11];
// Whom each pending connection runs as. One of another user than ours (root, or an image's
// user we run as) is a command of the sandbox's user: what it asks for runs as it (pending_as), never more.
static struct {
    int foreign;
    char as[32 + MAX_GROUPS * 11];
} pending_peer[MAX_PENDING];
static pid_t session_child;
static struct { pid_t pid; unsigned long long start; } let_go[MAX_FREE];
static int let_go_next;

// Connections

// Whether PID 1 is our init (`… init [serve]`): then it took INIT_SOCKET before anything in the
// sandbox ran, so whoever answers there is it. (gVisor's SO_PEERCRED gives a pid of another
// namespace, so the peer's pid alone does not say.)
static int init_is_ours(void) {
    char args[512];
    int fd = open("/proc/1/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, args, sizeof args - 1);
    close(fd);
    if (n <= 0) return 0;
    args[n] = 0;
    size_t first = strlen(args);
    return (size_t)n > first + 1 && strstr(args, "sandbox-runner") && strcmp(args + first + 1, "init") == 0;
}

int init_connect(void) {
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    memcpy(address.sun_path + 1, INIT_SOCKET, strlen(INIT_SOCKET));
    socklen_t length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(INIT_SOCKET));
    struct ucred peer;
    socklen_t size = sizeof peer;
    // Only PID 1 is ours: a process of the sandbox's that took the name first is not answered.
    if (connect(fd, (struct sockaddr *)&address, length) != 0 || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0
        || (peer.pid != 1 && !init_is_ours())) {
        close(fd);
        return -1;
    }
    return fd;
}

int init_send(int fd, char type, const void *payload, size_t length, const int *fds, int fd_count) {
    struct iovec parts[2] = {{&type, 1}, {(void *)payload, length}};
    union {
        char buffer[CMSG_SPACE(sizeof(int) * 4)];
        struct cmsghdr align;
    } control;
    struct msghdr message = {.msg_iov = parts, .msg_iovlen = length ? 2 : 1};
    if (fd_count > 0) {
        memset(&control, 0, sizeof control);
        message.msg_control = control.buffer;
        message.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)fd_count);
        struct cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET, header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)fd_count);
        memcpy(CMSG_DATA(header), fds, sizeof(int) * (size_t)fd_count);
    }
    for (;;) {
        ssize_t n = sendmsg(fd, &message, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        return n < 0 ? -1 : 0;
    }
}

// One message (at most `size` bytes) and the descriptors that came with it (at most 4, into
// `fds`, their count into *fd_count). Waits `timeout_ms` at most (-1: no limit, 0: not at all).
// 0 at the end of the connection, -1 on an error or when nothing came in time.
ssize_t init_receive(int fd, void *buffer, size_t size, int *fds, int *fd_count, int timeout_ms) {
    if (timeout_ms != 0) {
        struct pollfd polled = {.fd = fd, .events = POLLIN};
        int ready;
        while ((ready = poll(&polled, 1, timeout_ms)) < 0 && errno == EINTR) {}
        if (ready <= 0) return -1;
    }
    union {
        char buffer[CMSG_SPACE(sizeof(int) * 4)];
        struct cmsghdr align;
    } control;
    struct iovec part = {buffer, size};
    struct msghdr message = {.msg_iov = &part, .msg_iovlen = 1, .msg_control = control.buffer, .msg_controllen = sizeof control.buffer};
    ssize_t n;
    while ((n = recvmsg(fd, &message, MSG_CMSG_CLOEXEC | MSG_DONTWAIT)) < 0 && errno == EINTR) {}
    int count = 0;
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
        int carried = (int)((header->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < carried; i++) {
            int received;
            memcpy(&received, CMSG_DATA(header) + i * sizeof(int), sizeof received);
            if (fds && count < 4) fds[count++] = received;
            else close(received);
        }
    }
    if (fd_count) *fd_count = count;
    if (n > 0 && (message.msg_flags & MSG_TRUNC)) {
        for (int i = 0; i < count; i++) close(fds[i]);
        if (fd_count) *fd_count = 0;
        return -1;
    }
    return n;
}

static void reply(int fd, char type, const void *payload, size_t length) {
    if (fd >= 0) init_send(fd, type, payload, length, NULL, 0);
}

static void reply_status(int fd, char type, int status) {
    int32_t value = status;
    reply(fd, type, &value, sizeof value);
}

// Processes

static int known_pid(pid_t pid) {
    if (pid == session_child) return 1;
    for (int i = 0; i < MAX_RUNS; i++) {
        if (!runs[i].used) continue;
        if (runs[i].supervisor == pid || runs[i].command == pid) return 1;
        for (int k = 0; k < runs[i].root_count; k++) if (runs[i].roots[k] == pid) return 1;
    }
    return 0;
}

static int was_let_go(pid_t pid, unsigned long long start) {
    for (int i = 0; i < MAX_FREE; i++) if (let_go[i].pid == pid && let_go[i].start == start) return 1;
    return 0;
}

// Calls `each` for every process whose parent is us (orphans come to PID 1) that started after
// the run's supervisor, is not a process we know (a supervisor, a command, another run's root),
// and was not let go. Start times are clock ticks (10 ms): within the supervisor's own tick, a
// process started after it has a higher pid (pids are given in turn).
static void orphans_since(struct run *run, void (*each)(struct run *, pid_t, unsigned long long)) {
    unsigned long long since = run->supervisor_start;
    pid_t after = run->supervisor_pid;
    DIR *proc = opendir("/proc");
    if (!proc) return;
    struct dirent *entry;
    pid_t self = getpid();
    while ((entry = readdir(proc))) {
        char *end;
        long pid = strtol(entry->d_name, &end, 10);
        if (*end || pid <= 1 || pid == self) continue;
        int zombie;
        unsigned long long start;
        if (proc_info((pid_t)pid, &zombie, &start) != self || start < since || (start == since && (pid_t)pid <= after)) continue;
        if (known_pid((pid_t)pid) || was_let_go((pid_t)pid, start)) continue;
        each(run, (pid_t)pid, start);
    }
    closedir(proc);
}

static void add_root(struct run *run, pid_t pid, unsigned long long start) {
    for (int k = 0; k < run->root_count; k++) if (run->roots[k] == pid) return;
    if (run->root_count < MAX_ROOTS) {
        run->roots[run->root_count] = pid, run->root_starts[run->root_count] = start;
        run->root_count++;
    } else {
        kill(pid, SIGKILL);  // more orphans than we can track: not one of them may escape
    }
}

static void free_orphan(struct run *run, pid_t pid, unsigned long long start) {
    (void)run;
    let_go[let_go_next].pid = pid, let_go[let_go_next].start = start;
    let_go_next = (let_go_next + 1) % MAX_FREE;
}

// The run's roots that are still the processes they were (a pid can be given again).
static void prune_roots(struct run *run) {
    int kept = 0;
    for (int k = 0; k < run->root_count; k++) {
        int zombie;
        unsigned long long start;
        if (proc_info(run->roots[k], &zombie, &start) < 0 || start != run->root_starts[k]) continue;
        run->roots[kept] = run->roots[k], run->root_starts[kept] = run->root_starts[k];
        kept++;
    }
    run->root_count = kept;
}

// What a killed supervisor left: its command, and the orphans that came to us since it started.
static void claim(struct run *run) {
    int zombie;
    unsigned long long start;
    if (run->command > 0 && !run->command_done && proc_info(run->command, &zombie, &start) >= 0 && start == run->command_start) {
        int present = 0;
        for (int k = 0; k < run->root_count; k++) present |= run->roots[k] == run->command;
        if (!present && run->root_count < MAX_ROOTS) {
            run->roots[run->root_count] = run->command, run->root_starts[run->root_count] = start;
            run->root_count++;
        }
    }
    orphans_since(run, add_root);
    prune_roots(run);
}

static void reaped(pid_t pid, int status);

static void reap_all(void) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) reaped(pid, status);
}

static pid_t victims[65536];
static int victims_dead[65536];
static int sweeping;  // within kill_orphans: what it reaps is only recorded

// Kills a taken-over run's roots and everything below them, scanning again (and taking new
// orphans) until nothing is left, as kill_tree does.
static void kill_orphans(struct run *run) {
    struct timespec pause = {0, 1000 * 1000};
    sweeping++;
    for (int pass = 0; pass < 5000; pass++) {
        claim(run);
        int n = tree_of(run->roots, run->root_count, victims, victims_dead, 65536);
        int alive = 0;
        for (int i = 0; i < n; i++) {
            kill(victims[i], SIGKILL);
            if (!victims_dead[i]) alive++;
        }
        reap_all();
        if (n == 0 || (alive == 0 && pass > 0)) break;
        nanosleep(&pause, NULL);
    }
    sweeping--;
    run->root_count = 0;
}

// Runs

static void release(struct run *run) {
    for (int s = 0; s < 2; s++) if (run->outputs[s] >= 0) close(run->outputs[s]);
    if (run->report >= 0) close(run->report);
    if (run->conn >= 0) close(run->conn);
    if (run->job_pipe >= 0) close(run->job_pipe);
    for (int k = 0; k < run->killer_count; k++) close(run->killers[k]);
    if (run->job) job_close(run->job);
    memset(run, 0, sizeof *run);
    run->conn = run->report = run->job_pipe = run->outputs[0] = run->outputs[1] = -1;
}

// The result is known (a job's, once its output has ended too): to its session, or kept for
// a re-attach.
static void finish(struct run *run, int status) {
    if (!run->used || run->done) return;
    if (run->orphaned) {
        prune_roots(run);
        for (int k = 0; k < run->root_count; k++) free_orphan(run, run->roots[k], run->root_starts[k]);
        run->root_count = 0;
    }
    if (run->cancelled) status = 130;
    else if (run->timed_out) status = 124;
    run->done = 1, run->status = status, run->done_at = now_ms();
    if (run->job) {
        if (run->job_pipe >= 0) return;  // done once its output ends (job_output)
        job_record(run->job, run->job_pid, 1, status);
    }
    for (int k = 0; k < run->killer_count; k++) {
        reply_status(run->killers[k], 'E', status);
        close(run->killers[k]);
    }
    run->killer_count = 0;
    if (run->conn >= 0 || run->job) {
        reply_status(run->conn, 'E', status);
        release(run);
    } else {
        for (int s = 0; s < 2; s++) if (run->outputs[s] >= 0) close(run->outputs[s]), run->outputs[s] = -1;
    }
}

static void read_report(struct run *run) {
    if (run->report < 0) return;
    int32_t pid;
    ssize_t n = read(run->report, &pid, sizeof pid);
    if (n < 0 && errno == EAGAIN) return;
    if (n == sizeof pid && pid > 1) {
        int zombie;
        unsigned long long start = 0;
        if (proc_info(pid, &zombie, &start) >= 0) run->command = pid, run->command_start = start;
    }
    close(run->report);
    run->report = -1;
}

// Whether an orphaned run has ended: its command has, and nothing below its roots holds its
// output (as its supervisor would have waited for).
static void check_orphaned(struct run *run) {
    if (!run->used || !run->orphaned || run->done) return;
    long long now = now_ms();
    if (run->deadline && now >= run->deadline) {
        run->timed_out = 1;
        kill_orphans(run);
        finish(run, 124);
        return;
    }
    if (!run->command_done) return;
    claim(run);
    struct stat outputs[2];
    int count = 0;
    for (int s = 0; s < 2; s++) if (run->outputs[s] >= 0 && fstat(run->outputs[s], &outputs[count]) == 0) count++;
    if (count && output_held_below(run->roots, run->root_count, outputs, count)) {
        run->check_at = now + CHECK_MS;
        return;
    }
    finish(run, run->command_status);
}

static void supervisor_ended(struct run *run, int status) {
    if (!run->used) return;
    read_report(run);
    run->supervisor = 0;
    run->hard_kill_at = 0;
    if (WIFEXITED(status)) {
        // What it left in the background was let go: the orphans that came to us with its end.
        orphans_since(run, free_orphan);
        finish(run, WEXITSTATUS(status));
        return;
    }
    // Killed: by us past its time, or from inside the sandbox. Its command is ours now.
    run->orphaned = 1;
    if (run->command_done) {
        // reaped by us already (it came to us when the supervisor died)
    } else if (run->command > 0) {
        int zombie;
        unsigned long long start;
        if (proc_info(run->command, &zombie, &start) < 0 || start != run->command_start) {
            run->command_done = 1, run->command_status = 128 + SIGKILL;  // it had ended; its status went with the supervisor
        }
    } else if (run->command <= 0) {
        run->command_done = 1, run->command_status = 128 + SIGKILL;
    }
    claim(run);
    if (run->cancelled || run->timed_out) {
        kill_orphans(run);
        finish(run, 0);
        return;
    }
    check_orphaned(run);
}

static void reaped(pid_t pid, int status) {
    if (pid == session_child) {
        session_child = 0;
        dprintf(2, "\n" SESSION_OVER "\n");
        return;
    }
    for (int i = 0; i < MAX_RUNS; i++) {
        struct run *run = &runs[i];
        if (!run->used || run->done) continue;
        if (run->supervisor == pid) {
            supervisor_ended(run, status);
            return;
        }
        if (run->command == pid) {  // ours to reap only once its supervisor died
            run->command_done = 1;
            run->command_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            for (int k = 0; k < run->root_count; k++) if (run->roots[k] == pid) run->roots[k] = run->roots[--run->root_count];
            if (!sweeping) check_orphaned(run);
            return;
        }
    }
}

static void cancel(struct run *run) {
    if (run->done || run->cancelled) return;
    run->cancelled = 1;
    if (run->supervisor > 0) {
        kill(run->supervisor, SIGUSR1);
        run->hard_kill_at = now_ms() + GRACE_MS;
    } else if (run->orphaned) {
        kill_orphans(run);
        finish(run, 130);
    }
}

// A supervisor that did not end when it should have (stopped by what it runs): we do its work.
static void hard_kill(struct run *run) {
    if (!run->cancelled) run->timed_out = 1;
    run->hard_kill_at = 0;
    kill_tree(run->supervisor);
    kill(run->supervisor, SIGKILL);
}

static struct run *find_run(const char *token) {
    for (int i = 0; i < MAX_RUNS; i++) if (runs[i].used && token[0] && strcmp(runs[i].token, token) == 0) return &runs[i];
    return NULL;
}

// Closes every descriptor above 3: close_range where the kernel has it, else those /proc lists.
static void close_above_3(void) {
    if (syscall(SYS_close_range, 4, ~0U, 0) == 0) return;
    DIR *fds = opendir("/proc/self/fd");
    if (!fds) {
        for (int fd = 4; fd < 4096; fd++) close(fd);
        return;
    }
    int mine = dirfd(fds);
    struct dirent *entry;
    while ((entry = readdir(fds))) {
        int fd = atoi(entry->d_name);
        if (fd > 3 && fd != mine) close(fd);
    }
    closedir(fds);
}

// Forks a supervisor for `argv` (its stdout and stderr `out` and `err`), in `workdir`, with
// `env` added to ours (or, `replace`, instead of ours), run as `as` whatever `env` says when
// given. Fills in the run's supervisor and report.
static int spawn(struct run *run, uint32_t timeout_ms, const char *workdir, char **env, unsigned envc, int replace,
                 const char *as, char **argv, int out, int err) {
    int report[2];
    if (pipe2(report, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(report[0]), close(report[1]);
        return -1;
    }
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        int null = open("/dev/null", O_RDONLY);
        if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0 || dup2(report[1], 3) < 0) _exit(125);
        close_above_3();
        fcntl(3, F_SETFD, FD_CLOEXEC);
        fcntl(3, F_SETFL, 0);
        setsid();  // its own process group: a `kill 0` in one command reaches no other's
        if (chdir(workdir) != 0) {
            dprintf(2, "sandbox-runner: cannot enter %s: %s\n", workdir, strerror(errno));
            _exit(126);
        }
        if (replace) clearenv();
        for (unsigned i = 0; i < envc; i++) putenv(env[i]);
        if (as) setenv(USER_VARIABLE, as, 1);
        report_fd = 3;
        _exit(supervise(timeout_ms, argv));
    }
    close(report[1]);
    int zombie;
    run->supervisor = run->supervisor_pid = pid;
    proc_info(pid, &zombie, &run->supervisor_start);
    run->report = report[0];
    if (timeout_ms) {
        run->deadline = now_ms() + timeout_ms;
        run->hard_kill_at = run->deadline + GRACE_MS;
    }
    return 0;
}

static char *take_string(char **at, char *end) {
    char *nul = memchr(*at, 0, (size_t)(end - *at));
    if (!nul) return NULL;
    char *s = *at;
    *at = nul + 1;
    return s;
}

static struct run *new_run(void) {
    for (int i = 0; i < MAX_RUNS; i++) {
        if (!runs[i].used) {
            memset(&runs[i], 0, sizeof runs[i]);
            runs[i].used = 1;
            runs[i].conn = runs[i].report = runs[i].job_pipe = runs[i].outputs[0] = runs[i].outputs[1] = -1;
            return &runs[i];
        }
    }
    // Full: the oldest result no one waited for goes.
    struct run *oldest = NULL;
    for (int i = 0; i < MAX_RUNS; i++) if (runs[i].done && (!oldest || runs[i].done_at < oldest->done_at)) oldest = &runs[i];
    if (!oldest) return NULL;
    release(oldest);
    return new_run();
}

// An exec's payload (serve.c's EXEC): u32 timeout_ms, u32 cap, u16 envc, u16 argc, then token,
// workdir, env..., argv... NUL-terminated. 0 when malformed.
static int parse_exec(char *payload, char *end, uint32_t *timeout, char **token, char **workdir, char ***env, unsigned *envc, char ***argv) {
    static char *env_list[65536], *arg_list[65536 + 1];
    if (end - payload < 12) return 0;
    uint8_t *p = (uint8_t *)payload;
    *timeout = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    *envc = (unsigned)p[8] << 8 | p[9];
    unsigned argc = (unsigned)p[10] << 8 | p[11];
    char *at = payload + 12;
    if (!(*token = take_string(&at, end)) || !(*workdir = take_string(&at, end)) || argc == 0) return 0;
    for (unsigned i = 0; i < *envc; i++) if (!(env_list[i] = take_string(&at, end))) return 0;
    for (unsigned i = 0; i < argc; i++) if (!(arg_list[i] = take_string(&at, end))) return 0;
    arg_list[argc] = NULL;
    *env = env_list, *argv = arg_list;
    return 1;
}

static char message[INIT_MESSAGE + 1];

// The first message of a connection.
static void request(int fd) {
    int fds[4] = {-1, -1, -1, -1}, fd_count = 0;
    ssize_t n = init_receive(fd, message, INIT_MESSAGE, fds, &fd_count, 0);
    if (n < 0 && errno == EAGAIN) return;  // not yet: keep it pending
    const char *as = NULL;
    static char foreign_as[sizeof pending_peer[0].as];
    int foreign = 0;
    for (int i = 0; i < MAX_PENDING; i++) {
        if (pending[i] != fd) continue;
        pending[i] = -1;
        foreign = pending_peer[i].foreign;
        if (foreign) as = strcpy(foreign_as, pending_peer[i].as);
    }
    if (sandbox_user[0]) as = sandbox_user;
    if (n <= 0) {
        for (int i = 0; i < fd_count; i++) close(fds[i]);
        close(fd);
        return;
    }
    char type = message[0], *payload = message + 1, *end = message + n;
    *end = 0;
    struct run *run;
    if (type == 'X' || type == 'J') {
        uint32_t timeout;
        char *token, *workdir, **env, **argv;
        unsigned envc;
        int sane = parse_exec(payload, end, &timeout, &token, &workdir, &env, &envc, &argv) && strlen(token) < sizeof run->token;
        if (!sane || (type == 'X' && fd_count != 4) || !(run = new_run())) {
            reply(fd, 'F', "malformed request, or too many commands at once", 49);
            for (int i = 0; i < fd_count; i++) close(fds[i]);
            close(fd);
            return;
        }
        int output[2] = {-1, -1};
        if (type == 'J') {
            char error[512];
            long id;
            if (!(run->job = job_create(argv, &id, error, sizeof error)) || pipe2(output, O_CLOEXEC) != 0) {
                if (!run->job) snprintf(error, sizeof error, "cannot make a pipe");
                reply(fd, 'F', error, strlen(error) + 1);
                release(run);
                close(fd);
                return;
            }
            snprintf(run->token, sizeof run->token, "job-%ld", id);
            if (spawn(run, 0, workdir, env, envc, 1, as, argv, output[1], output[1]) != 0) {
                reply(fd, 'F', "cannot fork", 12);
                close(output[0]), close(output[1]);
                job_record(run->job, 0, 1, 125);
                release(run);
                close(fd);
                return;
            }
            close(output[1]);
            fcntl(output[0], F_SETFL, O_NONBLOCK);
            run->job_pipe = output[0];
            run->job_pid = run->supervisor;
            job_record(run->job, run->supervisor, 0, 0);
            char answer[32];
            int length = snprintf(answer, sizeof answer, "%ld", id);
            reply(fd, 'J', answer, (size_t)length + 1);
            close(fd);
            return;
        }
        strcpy(run->token, token);
        if (spawn(run, timeout, workdir, env, envc, 0, as, argv, fds[0], fds[1]) != 0) {
            reply(fd, 'F', "cannot fork", 12);
            for (int i = 0; i < 4; i++) close(fds[i]);
            release(run);
            close(fd);
            return;
        }
        close(fds[0]), close(fds[1]);
        run->outputs[0] = fds[2], run->outputs[1] = fds[3];
        run->conn = fd;
        reply_status(fd, 'S', run->supervisor);
        return;
    }
    for (int i = 0; i < fd_count; i++) close(fds[i]);
    // Finding a command again, or ending one, is the engine's (a session, `kill`): not a user's.
    run = foreign ? NULL : find_run(payload);
    if (type == 'W' && run && !run->job) {
        // A session re-attaching to a command whose session was lost.
        if (run->done) {
            reply_status(fd, 'E', run->status);
            close(fd);
            release(run);
            return;
        }
        if (run->conn >= 0) close(run->conn);
        run->conn = fd;
        int count = 0, given[2];
        for (int s = 0; s < 2; s++) if (run->outputs[s] >= 0) given[count++] = run->outputs[s];
        init_send(fd, 'A', NULL, 0, given, count);
        return;
    }
    if (type == 'K' && run) {
        if (run->done) {
            reply_status(fd, 'E', run->status);
            close(fd);
            return;
        }
        if (run->killer_count < MAX_KILLERS) run->killers[run->killer_count++] = fd;
        else close(fd);
        cancel(run);
        return;
    }
    reply(fd, 'N', NULL, 0);
    close(fd);
}

// A message on a command's connection: 'C' cancels it; its end means its session is gone
// (killed: a session that ends normally cancels first), and the command runs on for a re-attach.
static void session_message(struct run *run) {
    char type;
    int none = 0;
    ssize_t n = init_receive(run->conn, &type, 1, NULL, &none, 0);
    if (n < 0 && errno == EAGAIN) return;
    if (n == 1 && type == 'C') {
        cancel(run);
        return;
    }
    if (n <= 0) {
        close(run->conn);
        run->conn = -1;
    }
}

static void job_output(struct run *run) {
    static char buffer[64 * 1024];
    ssize_t n = read(run->job_pipe, buffer, sizeof buffer);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n > 0) {
        job_keep(run->job, buffer, (size_t)n);
        return;
    }
    close(run->job_pipe);
    run->job_pipe = -1;
    if (run->done) {  // its status came first: now it has ended
        run->done = 0;
        finish(run, run->status);
    }
}

static int listen_socket(void) {
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    memcpy(address.sun_path + 1, INIT_SOCKET, strlen(INIT_SOCKET));
    socklen_t length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(INIT_SOCKET));
    if (bind(fd, (struct sockaddr *)&address, length) != 0 || listen(fd, 64) != 0) {
        say("init: no socket for the sandbox's sessions; they supervise their commands themselves");
        close(fd);
        return -1;
    }
    return fd;
}

// Whether a signal comes from outside our pid namespace (the engine: `docker stop`), or, where
// we are not PID 1, from our parent (an init above us). A process inside cannot forge that: it
// may queue a signal of its own code (SI_QUEUE) with any pid, but not SI_USER or SI_TKILL.
static int from_outside(const struct signalfd_siginfo *info) {
    if (info->ssi_code != SI_USER && info->ssi_code != SI_TKILL) return 0;
    return info->ssi_pid == 0 || (getpid() != 1 && (pid_t)info->ssi_pid == getppid());
}

// The session's child is `serve` in `ps` as any other session is: its argv (`init serve`,
// long enough) rewritten in place.
static void call_it_serve(char **argv, int argc) {
    char *start = argv[0], *end = argv[argc - 1] + strlen(argv[argc - 1]);
    size_t path = strlen(argv[0]);
    if ((size_t)(end - start) < path + 6) return;
    memset(start + path + 1, 0, (size_t)(end - start) - path - 1);
    memcpy(start + path + 1, "serve", 5);
}

// USER_FILE: root's, a regular file, one identity; else there is none (and a malformed one is said).
static void read_sandbox_user(void) {
    int fd = open(USER_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st;
    char text[sizeof sandbox_user];
    ssize_t n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0 ? read(fd, text, sizeof text - 1) : -1;
    close(fd);
    struct identity parsed;
    if (n > 0 && text[n - 1] == '\n') n--;
    if (n > 0) text[n] = 0;
    if (n <= 0 || parse_identity(text, &parsed) != 0) {
        say("init: " USER_FILE " is not a user; commands run as root");
        return;
    }
    memcpy(sandbox_user, text, (size_t)n + 1);
}

int init(char **argv, int argc, int serving) {
    no_dump();
    read_sandbox_user();
    if (getpid() != 1) prctl(PR_SET_CHILD_SUBREAPER, 1);  // under another init: orphans come to us still
    sigset_t watched;
    sigemptyset(&watched);
    int blocked[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP};
    for (size_t i = 0; i < sizeof blocked / sizeof *blocked; i++) sigaddset(&watched, blocked[i]);
    sigprocmask(SIG_BLOCK, &watched, NULL);
    signal(SIGPIPE, SIG_IGN);
    int signals = signalfd(-1, &watched, SFD_CLOEXEC | SFD_NONBLOCK);
    int listener = listen_socket();
    for (int i = 0; i < MAX_PENDING; i++) pending[i] = -1;
    for (int fd = 0; fd <= 2; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);

    session_child = serving ? fork() : -1;
    if (session_child == 0) {
        call_it_serve(argv, argc);
        if (listener >= 0) close(listener);
        if (signals >= 0) close(signals);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        _exit(serve());
    }
    if (session_child < 0) {
        session_child = 0;
        if (serving) dprintf(2, "\n" SESSION_OVER "\n");
    }

    static struct pollfd polled[2 + MAX_PENDING + 3 * MAX_RUNS];
    static struct run *owner[2 + MAX_PENDING + 3 * MAX_RUNS];
    for (;;) {
        int count = 0;
        long long now = now_ms(), next = -1;
        polled[count] = (struct pollfd){.fd = signals, .events = POLLIN}, owner[count++] = NULL;
        polled[count] = (struct pollfd){.fd = listener, .events = POLLIN}, owner[count++] = NULL;
        for (int i = 0; i < MAX_PENDING; i++) {
            if (pending[i] >= 0) polled[count] = (struct pollfd){.fd = pending[i], .events = POLLIN}, owner[count++] = NULL;
        }
        for (int i = 0; i < MAX_RUNS; i++) {
            struct run *run = &runs[i];
            if (!run->used) continue;
            if (run->done) {
                if (!run->job && now - run->done_at > KEEP_RESULT_MS) {
                    release(run);
                    continue;
                }
                if (!run->job && (next < 0 || run->done_at + KEEP_RESULT_MS < next)) next = run->done_at + KEEP_RESULT_MS;
            }
            if (run->supervisor > 0 && run->hard_kill_at && now >= run->hard_kill_at) hard_kill(run);
            if (run->orphaned && !run->done && ((run->deadline && now >= run->deadline) || (run->check_at && now >= run->check_at))) {
                run->check_at = 0;
                check_orphaned(run);
                if (!run->used) continue;
            }
            long long times[3] = {run->supervisor > 0 ? run->hard_kill_at : 0, run->orphaned && !run->done ? run->deadline : 0,
                                  run->orphaned && !run->done ? run->check_at : 0};
            for (int t = 0; t < 3; t++) if (times[t] && (next < 0 || times[t] < next)) next = times[t];
            if (run->conn >= 0) polled[count] = (struct pollfd){.fd = run->conn, .events = POLLIN}, owner[count++] = run;
            if (run->report >= 0) polled[count] = (struct pollfd){.fd = run->report, .events = POLLIN}, owner[count++] = run;
            if (run->job_pipe >= 0) polled[count] = (struct pollfd){.fd = run->job_pipe, .events = POLLIN}, owner[count++] = run;
            for (int k = 0; k < run->killer_count; k++) {
                polled[count] = (struct pollfd){.fd = run->killers[k], .events = 0}, owner[count++] = run;
            }
        }
        int timeout = next < 0 ? -1 : next - now > INT_MAX ? INT_MAX : next - now < 0 ? 0 : (int)(next - now);
        if (poll(polled, (nfds_t)count, timeout) < 0) {
            if (errno == EINTR) continue;
            struct timespec pause = {0, 10 * 1000 * 1000};
            nanosleep(&pause, NULL);
            continue;
        }
        if (polled[0].revents) {
            struct signalfd_siginfo info;
            while (read(signals, &info, sizeof info) == sizeof info) {
                if (info.ssi_signo == SIGCHLD) continue;
                if (from_outside(&info)) _exit(0);  // the container ends: the kernel ends everything in it
            }
            reap_all();
        }
        if (polled[1].revents & POLLIN) {
            int fd;
            while ((fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
                struct ucred peer;
                socklen_t size = sizeof peer;
                int slot = -1;
                for (int i = 0; i < MAX_PENDING && slot < 0; i++) if (pending[i] < 0) slot = i;
                if (slot < 0 || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0) {
                    close(fd);
                    continue;
                }
                // Another user's (the sandbox's, asking for a job): what it starts runs as it,
                // with its groups where the kernel says them, else its group alone.
                pending_peer[slot].foreign = peer.uid != 0 && peer.uid != getuid();
                if (pending_peer[slot].foreign) {
                    struct identity as = {.uid = peer.uid, .gid = peer.gid};
                    socklen_t length = sizeof as.groups;
                    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, as.groups, &length) == 0 && length / sizeof(gid_t) <= MAX_GROUPS) {
                        as.count = (int)(length / sizeof(gid_t));
                    } else {
                        as.groups[0] = peer.gid, as.count = 1;
                    }
                    if (format_identity(&as, pending_peer[slot].as, sizeof pending_peer[slot].as) != 0) {
                        close(fd);
                        continue;
                    }
                }
                pending[slot] = fd;
            }
        }
        for (int k = 2; k < count; k++) {
            if (!polled[k].revents) continue;
            struct run *run = owner[k];
            int fd = polled[k].fd;
            if (!run) {
                request(fd);
                continue;
            }
            if (!run->used) continue;
            if (fd == run->report) read_report(run);
            else if (fd == run->conn) session_message(run);
            else if (fd == run->job_pipe) job_output(run);
            else {
                for (int i = 0; i < run->killer_count; i++) {
                    if (run->killers[i] != fd) continue;
                    close(fd);
                    run->killers[i] = run->killers[--run->killer_count];
                    break;
                }
            }
        }
        reap_all();
    }
}
