// `serve`: the resident runner. One client (the engine in one process) talks to it over the
// stdin and stdout of one `docker exec`; requests carry ids, so many commands run at once.
//
// A frame, both ways: u32 length (big-endian, of what follows), u8 type, u32 id, payload.
//   host → runner: EXEC  u32 timeout_ms (0: none), u32 cap (characters kept, 0: all), u16 envc,
//                        u16 argc, then NUL-terminated: token, workdir, env[envc], argv[argc]
//                  CANCEL
//                  WRITE u32 mode (KEEP_MODE: the existing file's), path NUL, then data;
//                  WDATA data; WEND → OK or ERROR (one answer, at the end; for a directory
//                        or special file in the way, the message is its path, links followed)
//                  READ  u64 limit, path NUL → DATA..., END u64 size, or ERROR (named as a write's)
//                  PING → PONG
//                  USER  spec NUL ("UID:GID[:G1,...]", user.c) → OK or ERROR: from now on this
//                        session's file requests act as that user (its groups and effective
//                        ids: its permissions, its ownership of what they create; root only for
//                        a moment, to reach init or start a supervisor); commands say whom they
//                        run as in their environment (USER_VARIABLE)
//                  WAIT  u32 cap, token NUL: a command started in a session something in the
//                        sandbox killed, by its token (init runs it on): STDOUT / STDERR from
//                        now on, then EXIT; EXIT at once when it has ended; or ERROR ENOENT
//   runner → host (answers, A_*): HELLO (id 0, the version, " no-subreaper" on a kernel without) first; STARTED u32 pid; STDOUT / STDERR bytes;
//                  EXIT i32 status, u8 truncated, u64 bytes dropped past the cap; ERROR u32
//                  code (errno or ERR_*), message (an EXEC whose program is not on PATH, an image
//                  with no shell: ERR_NO_PROGRAM, and no STARTED)
// Each command runs under a supervisor (supervise.c: the subreaper of all it starts, which
// enforces the timeout, even while we are blocked writing to a slow client). Where init is ours
// (PID 1, init.c) it is init's child, asked for over INIT_SOCKET with the output pipes, and init
// answers its exit; else `sandbox-runner exec` is our own child, and one that has not ended a
// second past its timeout (stopped by what it runs) we kill ourselves, and report 124 as it
// would have. Its output
// comes to us through pipes, and past the cap it is counted here, not sent. A request frame
// over MAX_REQUEST or under the header's size ends the session: the client is broken.
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
#include <sys/signalfd.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64 * 1024)
#define READ_CHUNK (256 * 1024)
#define MAX_COMMANDS 256
#define MAX_WRITES 16
// After its supervisor exits, a command's pipes hold at most their capacity (the command may
// raise it to pipe-max-size, 1 MiB); a process outside the tree still writing is not waited for.
#define DRAIN_LIMIT (1024 * 1024 + CHUNK)
#define CANCEL_GRACE_MS 1000

struct command {
    int used, cancelled, timed_out;
    uint32_t id;
    pid_t pid;
    int fds[2];  // stdout, stderr (read ends); -1 once closed
    uint32_t cap;
    uint64_t kept, dropped;
    int continuing;  // continuation bytes the last character kept still has to come
    long long hard_kill_at;  // a second past the timeout or a cancel: when to kill the supervisor's tree ourselves
    int conn;  // init's connection for a command it supervises (init.c), else -1
};

// Whether init is ours (PID 1, init.c): then it runs our commands' supervisors, and a command
// outlives this session when something in the sandbox kills it.
static int init_mode;

struct upload {
    int used, fd, failed;
    uint32_t id, mode;
    char temp[4096], target[4096];
};

static struct command commands[MAX_COMMANDS];
static struct identity user, *acting;  // the session's user (USER), once given
static struct upload uploads[MAX_WRITES];

static void put32(uint8_t *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }
static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)(v >> 32)); put32(p + 4, (uint32_t)v); }
static uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p) << 32 | get32(p + 4); }

// One frame to the client, whole or not at all; -1 when the client is gone.
static int send_frame(uint8_t type, uint32_t id, const void *a, size_t a_length, const void *b, size_t b_length) {
    uint8_t header[9];
    put32(header, (uint32_t)(5 + a_length + b_length));
    header[4] = type;
    put32(header + 5, id);
    struct iovec parts[3] = {{header, 9}, {(void *)a, a_length}, {(void *)b, b_length}};
    int count = 3, index = 0;
    while (index < count) {
        ssize_t n = writev(1, parts + index, count - index);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        while (index < count && (size_t)n >= parts[index].iov_len) n -= (ssize_t)parts[index++].iov_len;
        if (index < count) {
            parts[index].iov_base = (uint8_t *)parts[index].iov_base + n;
            parts[index].iov_len -= (size_t)n;
        }
    }
    return 0;
}

static int send_error(uint32_t id, int code, const char *message) {
    uint8_t head[4];
    put32(head, (uint32_t)code);
    if (!message) message = code == ERR_NOT_REGULAR ? "not a regular file" : code == ERR_TOO_LARGE ? "file too large" : strerror(code);
    return send_frame(A_ERROR, id, head, 4, message, strlen(message));
}

static struct command *find_command(uint32_t id) {
    for (int i = 0; i < MAX_COMMANDS; i++) if (commands[i].used && commands[i].id == id) return &commands[i];
    return NULL;
}

static struct upload *find_upload(uint32_t id) {
    for (int i = 0; i < MAX_WRITES; i++) if (uploads[i].used && uploads[i].id == id) return &uploads[i];
    return NULL;
}

// The NUL-terminated string at *at within [.., end), advancing past it; NULL when malformed.
static char *take_string(uint8_t **at, uint8_t *end) {
    uint8_t *nul = memchr(*at, 0, (size_t)(end - *at));
    if (!nul) return NULL;
    char *s = (char *)*at;
    *at = nul + 1;
    return s;
}

// Whether execvp would find `program` (in the PATH the command gets: its own, else ours), so a
// missing one (an image with no shell) is told apart from a command that exits 127 itself. A
// name with a slash, or a PATH with a relative entry, is left to the exec; so is a candidate that
// cannot be run (no execute bit): execvp then fails with EACCES, not ENOENT, and the exec says so (126).
static int findable(const char *program, char **env, unsigned envc) {
    if (strchr(program, '/')) return 1;
    const char *path = getenv("PATH");
    for (unsigned i = 0; i < envc; i++) if (strncmp(env[i], "PATH=", 5) == 0) path = env[i] + 5;
    if (!path) path = "/usr/local/bin:/bin:/usr/bin";  // musl's execvp default
    char candidate[4096];
    for (const char *at = path;; at++) {
        const char *end = strchrnul(at, ':');
        if (*at != '/') return 1;  // empty or relative: the work directory's, looked at by the exec
        int length = snprintf(candidate, sizeof candidate, "%.*s/%s", (int)(end - at), at, program);
        if (length > 0 && (size_t)length < sizeof candidate && (access(candidate, X_OK) == 0 || (errno != ENOENT && errno != ENOTDIR))) return 1;
        if (!*end) return 0;
        at = end;
    }
}

static int start_command(uint32_t id, uint8_t *payload, uint8_t *end) {
    if (find_command(id)) return send_error(id, ERR_MALFORMED, "a request with this id runs already");
    if (end - payload < 12) return send_error(id, ERR_MALFORMED, "short exec request");
    uint32_t timeout_ms = get32(payload), cap = get32(payload + 4);
    unsigned envc = (unsigned)payload[8] << 8 | payload[9], argc = (unsigned)payload[10] << 8 | payload[11];
    uint8_t *at = payload + 12;
    char *token = take_string(&at, end), *workdir = token ? take_string(&at, end) : NULL;
    static char *env[65536], *argv[65536 + 6];
    if (!workdir || argc == 0) return send_error(id, ERR_MALFORMED, "malformed exec request");
    for (unsigned i = 0; i < envc; i++) if (!(env[i] = take_string(&at, end))) return send_error(id, ERR_MALFORMED, "malformed exec request");
    char timeout[24];
    snprintf(timeout, sizeof timeout, "%u", timeout_ms);
    argv[0] = "sandbox-runner", argv[1] = "exec", argv[2] = token, argv[3] = timeout, argv[4] = "--";
    for (unsigned i = 0; i < argc; i++) if (!(argv[5 + i] = take_string(&at, end))) return send_error(id, ERR_MALFORMED, "malformed exec request");
    argv[5 + argc] = NULL;

    if (!findable(argv[5], env, envc)) {
        char message[256];
        snprintf(message, sizeof message, "%.200s: not found", argv[5]);
        return send_error(id, ERR_NO_PROGRAM, message);
    }
    struct command *command = NULL;
    for (int i = 0; i < MAX_COMMANDS && !command; i++) if (!commands[i].used) command = &commands[i];
    if (!command) return send_error(id, EAGAIN, "too many commands at once");
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0) return send_error(id, errno, NULL);
    if (pipe2(err, O_CLOEXEC) != 0) {
        int failed = errno;
        close(out[0]), close(out[1]);
        return send_error(id, failed, NULL);
    }
    if (init_mode && end - payload < INIT_MESSAGE - 1) {
        privileged(acting, 1);  // init takes a connection's credentials as they are at its connect
        int conn = init_connect();
        privileged(acting, 0);
        char answer[256];
        int fds[4] = {out[1], err[1], out[0], err[0]}, none = 0;
        ssize_t n = -1;
        int sent = conn >= 0 && init_send(conn, 'X', payload, (size_t)(end - payload), fds, 4) == 0;
        // Once init has the request, it is init's: never run a second time here. (It answers at
        // once unless it is busy killing a fork bomb.)
        if (sent) n = init_receive(conn, answer, sizeof answer - 1, NULL, &none, 30000);
        if (n >= 5 && answer[0] == 'S') {
            close(out[1]), close(err[1]);
            fcntl(out[0], F_SETFL, O_NONBLOCK);
            fcntl(err[0], F_SETFL, O_NONBLOCK);
            int32_t pid;
            memcpy(&pid, answer + 1, sizeof pid);
            *command = (struct command){.used = 1, .id = id, .pid = 0, .fds = {out[0], err[0]}, .cap = cap, .conn = conn};
            uint8_t started[4];
            put32(started, (uint32_t)pid);
            return send_frame(A_STARTED, id, started, 4, NULL, 0);
        }
        if (conn >= 0) close(conn);
        if (sent) {
            close(out[0]), close(out[1]), close(err[0]), close(err[1]);
            if (n < 1 || answer[0] != 'F') return send_error(id, EIO, "the sandbox's init did not answer");
            answer[n] = 0;
            return send_error(id, EAGAIN, answer + 1);
        }
        // Not sent (no init to take it, or too large a message): the supervisor is ours, as
        // where init is not ours.
    }
    pid_t self = getpid(), pid = fork();
    if (pid == 0) {
        // Our end (killed from inside the sandbox) ends the command too, as a cancel: the
        // client is told the runner ended, so nothing may run on unreported.
        if (prctl(PR_SET_PDEATHSIG, SIGUSR1) != 0 || getppid() != self) _exit(130);
        privileged(acting, 1);  // the supervisor is root: the command alone runs as the user
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);  // a signal mask and ignored signals survive exec
        signal(SIGPIPE, SIG_DFL);
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0) _exit(125);
        if (chdir(workdir) != 0) {
            dprintf(2, "sandbox-runner: cannot enter %s: %s\n", workdir, strerror(errno));
            _exit(126);
        }
        for (unsigned i = 0; i < envc; i++) putenv(env[i]);
        execv("/proc/self/exe", argv);
        _exit(supervise(timeout_ms, argv + 5));  // no /proc: supervise from this process
    }
    int failed = errno;
    close(out[1]), close(err[1]);
    if (pid < 0) {
        close(out[0]), close(err[0]);
        return send_error(id, failed, "cannot start the command");
    }
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    fcntl(err[0], F_SETFL, O_NONBLOCK);
    *command = (struct command){.used = 1, .id = id, .pid = pid, .fds = {out[0], err[0]}, .cap = cap, .conn = -1,
                                .hard_kill_at = timeout_ms ? now_ms() + timeout_ms + CANCEL_GRACE_MS : 0};
    uint8_t started[4];
    put32(started, (uint32_t)pid);
    return send_frame(A_STARTED, id, started, 4, NULL, 0);
}

// Output of a command to the client: all of it without a cap; else the first `cap` characters
// and a count of the rest. A character is a UTF-8 lead byte with the continuation bytes it
// announces (so none is split), or any other byte alone: bytes that are not UTF-8 count too, so
// at most 4 × cap bytes go out.
static int forward(struct command *command, int stream, const uint8_t *bytes, size_t length) {
    size_t cut = length;
    if (command->cap) {
        if (command->kept >= command->cap && command->dropped) {
            command->dropped += length;
            return 0;
        }
        for (size_t i = 0; i < length; i++) {
            uint8_t byte = bytes[i];
            if ((byte & 0xC0) == 0x80 && command->continuing > 0) {
                command->continuing--;
                continue;
            }
            if (command->kept == command->cap) {
                cut = i;
                break;
            }
            command->kept++;
            command->continuing = byte >= 0xF0 ? 3 : byte >= 0xE0 ? 2 : byte >= 0xC0 ? 1 : 0;
        }
        command->dropped += length - cut;
    }
    return cut ? send_frame(stream == 0 ? A_STDOUT : A_STDERR, command->id, bytes, cut, NULL, 0) : 0;
}

// Where output past the cap goes: spliced there, it is never copied into this process (reading
// and counting 100 MiB away cost as much as the command making it). -1: read and count instead.
static int discard_fd(void) {
    static int fd = -2;
    if (fd == -2) fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    return fd;
}

static int splice_works = 1;

// Reads what one of a command's pipes holds now (at most `limit` bytes): -1 when the client is gone.
static int pump(struct command *command, int stream, size_t limit) {
    static uint8_t buffer[CHUNK];
    size_t total = 0;
    while (command->fds[stream] >= 0 && total < limit) {
        ssize_t n = -1;
        int past_cap = command->cap && command->kept >= command->cap && command->dropped;
        if (past_cap && discard_fd() >= 0 && splice_works) {
            n = splice(command->fds[stream], NULL, discard_fd(), NULL, limit - total, SPLICE_F_NONBLOCK);
            if (n < 0 && errno != EAGAIN && errno != EINTR) {
                splice_works = 0;  // refused here (a seccomp profile, an old kernel): read and count instead
                continue;
            }
            if (n > 0) {
                command->dropped += (uint64_t)n;
                total += (size_t)n;
                continue;
            }
        } else {
            n = read(command->fds[stream], buffer, sizeof buffer);
        }
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0 || errno != EAGAIN) {
                close(command->fds[stream]);
                command->fds[stream] = -1;
            }
            break;
        }
        total += (size_t)n;
        if (forward(command, stream, buffer, (size_t)n) != 0) return -1;
        if (limit == CHUNK) break;  // one read per turn of the loop while the command runs
    }
    return 0;
}

static int finish_command(struct command *command, int status) {
    int failed = pump(command, 0, DRAIN_LIMIT) || pump(command, 1, DRAIN_LIMIT);
    for (int s = 0; s < 2; s++) if (command->fds[s] >= 0) close(command->fds[s]);
    if (command->conn >= 0) close(command->conn);
    if (command->cancelled) status = 130;
    else if (command->timed_out) status = 124;
    uint8_t exit[13];
    put32(exit, (uint32_t)status);
    exit[4] = command->dropped > 0;
    put64(exit + 5, command->dropped);
    uint32_t id = command->id;
    *command = (struct command){0};
    return failed ? -1 : send_frame(A_EXIT, id, exit, sizeof exit, NULL, 0);
}

static void cancel_command(struct command *command) {
    if (command->cancelled || command->timed_out) return;
    command->cancelled = 1;
    if (command->conn >= 0) {
        init_send(command->conn, 'C', NULL, 0, NULL, 0);  // init ends it, and answers its end
        return;
    }
    kill(command->pid, SIGUSR1);
    command->hard_kill_at = now_ms() + CANCEL_GRACE_MS;
}

// A supervisor that does not end when asked or at its timeout (stopped by what it runs, say):
// we do its work.
static void hard_kill(struct command *command) {
    if (!command->cancelled) command->timed_out = 1;
    kill_tree(command->pid);
    kill(command->pid, SIGKILL);
    command->hard_kill_at = 0;
}

static int reap(void) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (int i = 0; i < MAX_COMMANDS; i++) {
            if (!commands[i].used || commands[i].pid != pid) continue;
            int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            if (finish_command(&commands[i], code) != 0) return -1;
        }
    }
    return 0;
}

// init's answer on a command's connection: its exit status. The connection ending without one
// ends the session: init is gone (the container is being killed), or it gave the command to
// another session of this client's, which re-attached to it by its token (this one was given up).
static int init_answer(struct command *command) {
    char answer[16];
    int none = 0;
    ssize_t n = init_receive(command->conn, answer, sizeof answer, NULL, &none, 0);
    if (n < 0 && errno == EAGAIN) return 0;
    if (n >= 5 && answer[0] == 'E') {
        int32_t status;
        memcpy(&status, answer + 1, sizeof status);
        return finish_command(command, status);
    }
    for (int s = 0; s < 2; s++) if (command->fds[s] >= 0) close(command->fds[s]);
    close(command->conn);
    *command = (struct command){0};
    say("the sandbox's init let go of a command of this session; ending");
    return -1;
}

// WAIT (u32 cap, token): a command this client started in a session something in the sandbox
// killed, by its token: its output from now on, then its exit; or its exit at once when it has
// ended; ERROR ENOENT when no command has that token (or init is not ours).
static int wait_command(uint32_t id, uint8_t *payload, uint8_t *end) {
    if (find_command(id)) return send_error(id, ERR_MALFORMED, "a request with this id runs already");
    uint8_t *at = payload + 4;
    char *token = end - payload >= 4 ? take_string(&at, end) : NULL;
    if (!token) return send_error(id, ERR_MALFORMED, "malformed wait request");
    struct command *command = NULL;
    for (int i = 0; i < MAX_COMMANDS && !command; i++) if (!commands[i].used) command = &commands[i];
    if (!command) return send_error(id, EAGAIN, "too many commands at once");
    privileged(acting, 1);
    int conn = init_mode ? init_connect() : -1;
    privileged(acting, 0);
    char answer[16];
    int fds[4], count = 0;
    ssize_t n = conn >= 0 && init_send(conn, 'W', token, strlen(token) + 1, NULL, 0) == 0
        ? init_receive(conn, answer, sizeof answer, fds, &count, 5000) : -1;
    if (n >= 1 && answer[0] == 'A') {
        *command = (struct command){.used = 1, .id = id, .fds = {-1, -1}, .cap = get32(payload), .conn = conn};
        for (int s = 0; s < count && s < 2; s++) {
            fcntl(fds[s], F_SETFL, O_NONBLOCK);
            command->fds[s] = fds[s];
        }
        for (int s = 2; s < count; s++) close(fds[s]);
        return 0;
    }
    for (int s = 0; s < count; s++) close(fds[s]);
    if (conn >= 0) close(conn);
    if (n >= 5 && answer[0] == 'E') {
        int32_t status;
        memcpy(&status, answer + 1, sizeof status);
        uint8_t exit[13] = {0};
        put32(exit, (uint32_t)status);
        return send_frame(A_EXIT, id, exit, sizeof exit, NULL, 0);
    }
    return send_error(id, ENOENT, "no command with this token runs in the sandbox");
}

// Appends to an upload that has not failed; a failure is kept for its WEND.
static void append(struct upload *upload, const uint8_t *data, const uint8_t *end) {
    while (!upload->failed && data < end) {
        ssize_t n = write(upload->fd, data, (size_t)(end - data));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) upload->failed = n < 0 ? errno : EIO;
        else data += n;
    }
}

static int begin_write(uint32_t id, uint8_t *payload, uint8_t *end) {
    if (find_upload(id)) return send_error(id, ERR_MALFORMED, "a request with this id runs already");
    struct upload *upload = NULL;
    for (int i = 0; i < MAX_WRITES && !upload; i++) if (!uploads[i].used) upload = &uploads[i];
    if (!upload) return send_error(id, EAGAIN, "too many writes at once");
    *upload = (struct upload){.used = 1, .id = id, .fd = -1};
    uint8_t *at = payload + 4;
    char *path = end - payload >= 4 ? take_string(&at, end) : NULL;
    if (!path) {
        upload->failed = ERR_MALFORMED;
        return 0;
    }
    upload->mode = get32(payload);
    upload->failed = file_write_open(path, &upload->mode, &upload->fd, upload->temp, sizeof upload->temp,
                                     upload->target, sizeof upload->target);
    append(upload, at, end);
    return 0;
}

static void write_data(uint32_t id, uint8_t *data, uint8_t *end) {
    struct upload *upload = find_upload(id);
    if (upload) append(upload, data, end);
}

static int end_write(uint32_t id) {
    struct upload *upload = find_upload(id);
    if (!upload) return send_error(id, ERR_MALFORMED, "no write with this id");
    int failed = upload->failed;
    if (failed && upload->fd >= 0) file_write_abandon(upload->fd, upload->temp);
    if (!failed) failed = file_write_finish(upload->fd, upload->temp, upload->target, upload->mode);
    upload->used = 0;
    if (!failed) return send_frame(A_OK, id, NULL, 0, NULL, 0);
    // What is there is named by its own path when a link led to it (the caller names the link).
    if (failed == EISDIR || failed == ERR_NOT_REGULAR) return send_error(id, failed, upload->target);
    return send_error(id, failed, failed == ERR_MALFORMED ? "malformed write request" : NULL);
}

static int read_file(uint32_t id, uint8_t *payload, uint8_t *end) {
    uint8_t *at = payload + 8;
    char *path = end - payload >= 8 ? take_string(&at, end) : NULL;
    if (!path) return send_error(id, ERR_MALFORMED, "malformed read request");
    uint64_t limit = get64(payload), size, sent = 0;
    static char target[4096];
    int fd, failed = file_read_open(path, limit, &fd, &size, target, sizeof target);
    if (failed) return send_error(id, failed, failed == EISDIR || failed == ERR_NOT_REGULAR ? target : NULL);
    static uint8_t buffer[READ_CHUNK];
    for (;;) {
        ssize_t n = read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) failed = errno;
        if (n <= 0) break;
        sent += (uint64_t)n;
        if (sent > limit) {
            failed = ERR_TOO_LARGE;  // it grew while we read
            break;
        }
        if (send_frame(A_DATA, id, buffer, (size_t)n, NULL, 0) != 0) {
            close(fd);
            return -1;
        }
    }
    close(fd);
    if (failed) return send_error(id, failed, NULL);
    uint8_t total[8];
    put64(total, sent);
    return send_frame(A_END, id, total, 8, NULL, 0);
}

static int act_as_user(uint32_t id, uint8_t *payload, uint8_t *end) {
    if (acting) return send_error(id, EPERM, "this session acts as a user already");
    if (end == payload || end[-1] != 0 || parse_identity((char *)payload, &user) != 0) {
        return send_error(id, ERR_MALFORMED, "malformed user request");
    }
    if (act_as(&user) != 0) return send_error(id, errno, NULL);
    if (getuid() == 0) acting = &user;
    return send_frame(A_OK, id, NULL, 0, NULL, 0);
}

// One request; -1 ends the session.
static int handle(uint8_t type, uint32_t id, uint8_t *payload, uint8_t *end) {
    struct command *command;
    switch (type) {
    case T_EXEC: return start_command(id, payload, end);
    case T_CANCEL:
        if ((command = find_command(id))) cancel_command(command);
        return 0;
    case T_WRITE: return begin_write(id, payload, end);
    case T_WDATA: write_data(id, payload, end); return 0;
    case T_WEND: return end_write(id);
    case T_READ: return read_file(id, payload, end);
    case T_PING: return send_frame(A_PONG, id, NULL, 0, NULL, 0);
    case T_WAIT: return wait_command(id, payload, end);
    case T_USER: return act_as_user(id, payload, end);
    default:
        say("unknown request type");
        return -1;
    }
}

// Ends every command (their supervisors kill their trees) and waits for them, a second at most
// (init's: until init answers that each has ended, which it makes sure of).
static void end_all(void) {
    for (int i = 0; i < MAX_COMMANDS; i++) {
        if (!commands[i].used) continue;
        if (commands[i].conn >= 0) init_send(commands[i].conn, 'C', NULL, 0, NULL, 0);
        else kill(commands[i].pid, SIGUSR1);
    }
    struct timespec pause = {0, 5 * 1000 * 1000};
    for (int round = 0; round < 400; round++) {
        int left = 0, status;
        for (int i = 0; i < MAX_COMMANDS; i++) {
            if (!commands[i].used) continue;
            if (commands[i].conn >= 0) {
                char answer[16];
                int none = 0;
                ssize_t n = init_receive(commands[i].conn, answer, sizeof answer, NULL, &none, 0);
                if (n >= 0 || errno != EAGAIN) {
                    close(commands[i].conn);
                    commands[i].used = 0;
                } else {
                    left++;
                }
            } else if (round >= 200) {
                continue;
            } else if (waitpid(commands[i].pid, &status, WNOHANG) == commands[i].pid) {
                commands[i].used = 0;
            } else {
                left++;
            }
        }
        if (!left) break;
        if (round == 199) for (int i = 0; i < MAX_COMMANDS; i++) if (commands[i].used && commands[i].conn < 0) hard_kill(&commands[i]), commands[i].used = 0;
        nanosleep(&pause, NULL);
    }
}

int serve(void) {
    static uint8_t input[MAX_REQUEST + 9];
    no_dump();
    int probe = init_connect();
    init_mode = probe >= 0;
    if (probe >= 0) close(probe);
    size_t filled = 0;
    sigset_t watched;
    sigemptyset(&watched);
    sigaddset(&watched, SIGCHLD), sigaddset(&watched, SIGTERM), sigaddset(&watched, SIGINT), sigaddset(&watched, SIGHUP);
    sigprocmask(SIG_BLOCK, &watched, NULL);
    signal(SIGPIPE, SIG_IGN);  // a client gone shows as EPIPE
    int signals = signalfd(-1, &watched, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signals < 0) {
        say("cannot watch signals");
        return 125;
    }
    fcntl(0, F_SETFD, FD_CLOEXEC), fcntl(1, F_SETFD, FD_CLOEXEC);
    // The greeting: our version, and " no-subreaper" where the kernel has none (see supervise.c).
    int reaper = prctl(PR_SET_CHILD_SUBREAPER, 1) == 0 && prctl(PR_SET_CHILD_SUBREAPER, 0) == 0;
    const char *greeting = reaper ? RUNNER_VERSION : RUNNER_VERSION " no-subreaper";
    if (send_frame(A_HELLO, 0, greeting, strlen(greeting), NULL, 0) != 0) return 0;

    struct pollfd polled[2 + 3 * MAX_COMMANDS];
    for (;;) {
        int count = 0, timeout = -1;
        polled[count++] = (struct pollfd){.fd = 0, .events = POLLIN};
        polled[count++] = (struct pollfd){.fd = signals, .events = POLLIN};
        long long now = now_ms();
        for (int i = 0; i < MAX_COMMANDS; i++) {
            if (!commands[i].used) continue;
            for (int s = 0; s < 2; s++) polled[count++] = (struct pollfd){.fd = commands[i].fds[s], .events = POLLIN};
            polled[count++] = (struct pollfd){.fd = commands[i].conn, .events = POLLIN};
            if (commands[i].hard_kill_at) {
                long long left = commands[i].hard_kill_at - now;
                if (left <= 0) hard_kill(&commands[i]);
                else if (timeout < 0 || left < timeout) timeout = left > INT_MAX ? INT_MAX : (int)left;
            }
        }
        if (poll(polled, (nfds_t)count, timeout) < 0 && errno != EINTR) break;
        if (polled[1].revents) {
            struct signalfd_siginfo info;
            int stop = 0;
            while (read(signals, &info, sizeof info) == sizeof info) stop |= info.ssi_signo != SIGCHLD;
            if (stop || reap() != 0) break;
        }
        int gone = 0;
        for (int k = 2; k < count && !gone; k++) {
            if (!polled[k].revents || polled[k].fd < 0) continue;
            for (int i = 0; i < MAX_COMMANDS; i++) {
                if (!commands[i].used) continue;
                for (int s = 0; s < 2; s++) if (commands[i].fds[s] == polled[k].fd) gone |= pump(&commands[i], s, CHUNK);
                if (commands[i].used && commands[i].conn == polled[k].fd) gone |= init_answer(&commands[i]) != 0;
            }
        }
        if (gone) break;
        if (polled[0].revents) {
            ssize_t n = read(0, input + filled, sizeof input - filled);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (n <= 0) break;  // the client is gone: nothing may outlive it
            filled += (size_t)n;
            size_t at = 0;
            while (filled - at >= 4) {
                uint32_t length = get32(input + at);
                if (length < 5 || length > MAX_REQUEST) {
                    say("a malformed frame from the client; ending");
                    gone = 1;
                    break;
                }
                if (filled - at < 4 + (size_t)length) break;
                uint8_t *frame = input + at + 4;
                if (handle(frame[0], get32(frame + 1), frame + 5, frame + length) != 0) {
                    gone = 1;
                    break;
                }
                at += 4 + length;
            }
            if (gone) break;
            memmove(input, input + at, filled - at);
            filled -= at;
        }
    }
    end_all();
    for (int i = 0; i < MAX_WRITES; i++) if (uploads[i].used && uploads[i].fd >= 0) file_write_abandon(uploads[i].fd, uploads[i].temp);
    return 0;
}
