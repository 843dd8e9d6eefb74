// Background jobs: commands that outlive the exec (and the client) that started them.
//
//   job -- ARGV...   start ARGV as job N (the next free number) and print N at once. Init
//                    (ours, PID 1: init.c) runs its supervisor (supervise.c: the subreaper of
//                    all it starts, so `kill job-N` ends it all; new session, stdin /dev/null)
//                    and keeps its output, stdout and stderr merged, in two rotating segments
//                    of SEGMENT bytes (out.K, out.K+1: the last 1 MiB at most), and a state
//                    file (pid, start, command, exit code once it ends). So a command that kills
//                    the job's supervisor ends neither the job nor the keeping of its output.
//                    Where init is not ours, a daemon of ours does the same (`exec job-N 0`).
//   jobs             one line per job: ID TAB STATE TAB PID TAB STARTED TAB EXIT TAB COMMAND, where
//                    STATE is running, exited, or lost (it ended with the sandbox or was killed
//                    from outside) and EXIT is "-" unless exited.
//   logs ID [-f]     print a job's kept output; with -f keep printing as it grows, until it ends.
//
// A job runs while init (or its daemon) holds the flock of its `lock` file: the kernel drops the lock
// with the process, so a container restart or reused pid cannot make a job look alive.
#include "runner.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SEGMENT (512 * 1024)
#define KEEP_FINISHED 16  // finished jobs kept for `jobs` and `logs`; older ones are removed
#define MAX_JOBS 4096
#define MAX_COMMAND 1000
#define JOB_PATH 128  // a job's directory: a candidate above and a number

// Where jobs live: the first of these that is (or can be made) a writable directory; on a
// read-only root, the directories the runner itself may be placed in. Readable by all (0755,
// 0644): `jobs` and `logs` run as the sandbox's user (user.c), only init writes.
static const char *candidates[] = {"/.sandbox/jobs", "/tmp/.sandbox-jobs", "/run/.sandbox-jobs",
                                   "/var/tmp/.sandbox-jobs", "/dev/shm/.sandbox-jobs"};

static const char *jobs_dir(int writing) {
    if (writing) mkdir("/.sandbox", 0755);
    for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++) {
        struct stat st;
        if (writing && mkdir(candidates[i], 0755) != 0 && errno != EEXIST) continue;
        if (stat(candidates[i], &st) == 0 && S_ISDIR(st.st_mode) && access(candidates[i], writing ? W_OK | X_OK : R_OK | X_OK) == 0) {
            return candidates[i];
        }
    }
    return NULL;
}

// The job ids in `dir`, ascending; returns the count.
static int compare_ids(const void *a, const void *b) { return *(const long *)a < *(const long *)b ? -1 : *(const long *)a > *(const long *)b; }

static int job_ids(const char *dir, long *ids, int capacity) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    int count = 0;
    struct dirent *entry;
    while (count < capacity && (entry = readdir(d))) {
        char *end;
        long id = strtol(entry->d_name, &end, 10);
        if (*end == 0 && id > 0 && entry->d_name[0] != '0') ids[count++] = id;
    }
    closedir(d);
    qsort(ids, (size_t)count, sizeof *ids, compare_ids);
    return count;
}

// Whether job `id`'s daemon still runs: it holds the lock.
static int job_running(const char *dir, long id) {
    char path[256];
    snprintf(path, sizeof path, "%s/%ld/lock", dir, id);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    int running = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd);
    return running;
}

static void remove_job(const char *dir, long id) {
    char path[256];
    snprintf(path, sizeof path, "%s/%ld", dir, id);
    DIR *d = opendir(path);
    if (!d) return;
    struct dirent *entry;
    while ((entry = readdir(d))) {
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) unlinkat(dirfd(d), entry->d_name, 0);
    }
    closedir(d);
    rmdir(path);
}

// The state file, replaced whole (a reader never sees half of one).
static void write_state(const char *job, pid_t pid, long long started, const char *command, int exited, int code) {
    char temp[256], path[256];
    snprintf(temp, sizeof temp, "%s/state.new", job);
    snprintf(path, sizeof path, "%s/state", job);
    FILE *f = fopen(temp, "we");
    if (!f) return;
    fprintf(f, "pid %d\nstarted %lld\n", (int)pid, started);
    if (exited) fprintf(f, "exit %d\n", code);
    fprintf(f, "command %s\n", command);
    if (fclose(f) == 0) rename(temp, path);
}

// What `jobs` shows as the command: CMD for `sh -c CMD`, else the words; one line, bounded.
static void describe(char **argv, char *out, size_t size) {
    if (argv[0] && argv[1] && argv[2] && strcmp(argv[0], "sh") == 0 && strcmp(argv[1], "-c") == 0) argv += 2;
    size_t used = 0;
    out[0] = 0;
    for (; *argv && used + 1 < size; argv++) {
        int n = snprintf(out + used, size - used, "%s%s", used ? " " : "", *argv);
        if (n < 0 || (size_t)n >= size - used) break;  // cut at the bound
        used += (size_t)n;
    }
    for (char *c = out; *c; c++) if (*c == '\n' || *c == '\t' || *c == '\r') *c = ' ';
}

static void write_all(int fd, const char *data, size_t length) {
    while (length > 0) {
        ssize_t n = write(fd, data, length);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // a full disk: the output is lost, the job goes on
        data += n, length -= (size_t)n;
    }
}

// A job's kept output and state: its directory, the lock held while it runs, the segment
// being written. Kept by init (init.c), or by a daemon of its own where init is not ours.
struct job_keeper {
    char job[JOB_PATH];
    int lock, out;
    long segment;
    size_t used;
    long long started;
    char command[MAX_COMMAND];
};

void job_keep(struct job_keeper *k, const char *p, size_t n) {
    char path[JOB_PATH + 32];
    while (n > 0) {
        if (k->used == SEGMENT) {
            if (k->out >= 0) close(k->out);
            k->segment++, k->used = 0;
            snprintf(path, sizeof path, "%s/out.%ld", k->job, k->segment);
            k->out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            snprintf(path, sizeof path, "%s/out.%ld", k->job, k->segment - 2);
            unlink(path);
        }
        size_t part = n < SEGMENT - k->used ? n : SEGMENT - k->used;
        if (k->out >= 0) write_all(k->out, p, part);
        p += part, n -= part, k->used += part;
    }
}

void job_record(struct job_keeper *k, pid_t pid, int exited, int code) {
    write_state(k->job, pid, k->started, k->command, exited, code);
}

// The end: the lock goes (the job is no longer running) after its state says how it ended.
void job_close(struct job_keeper *k) {
    if (k->out >= 0) close(k->out);
    if (k->lock >= 0) close(k->lock);
    free(k);
}

// Takes the next job number in the jobs' directory (the finished jobs past the newest
// KEEP_FINISHED go) and its lock. NULL, with why in `error`, when it cannot.
struct job_keeper *job_create(char **argv, long *id_out, char *error, size_t size) {
    const char *dir = jobs_dir(1);
    if (!dir) {
        snprintf(error, size, "no writable directory for jobs (tried /.sandbox/jobs, /tmp, /run, /var/tmp, /dev/shm)");
        return NULL;
    }
    struct job_keeper *k = calloc(1, sizeof *k);
    if (!k) {
        snprintf(error, size, "out of memory");
        return NULL;
    }
    k->lock = k->out = -1;
    static long ids[MAX_JOBS];
    int count = job_ids(dir, ids, MAX_JOBS);
    for (int i = count - 1, finished = 0; i >= 0; i--) {
        if (!job_running(dir, ids[i]) && ++finished > KEEP_FINISHED) remove_job(dir, ids[i]);
    }
    long id = count ? ids[count - 1] + 1 : 1;
    for (;; id++) {
        snprintf(k->job, sizeof k->job, "%s/%ld", dir, id);
        if (mkdir(k->job, 0755) == 0) break;
        if (errno != EEXIST) {
            snprintf(error, size, "cannot make %s: %s", k->job, strerror(errno));
            free(k);
            return NULL;
        }
    }
    char path[JOB_PATH + 32];
    snprintf(path, sizeof path, "%s/lock", k->job);
    k->lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (k->lock < 0 || flock(k->lock, LOCK_EX) != 0) {
        snprintf(error, size, "cannot lock %s: %s", path, strerror(errno));
        job_close(k);
        return NULL;
    }
    snprintf(path, sizeof path, "%s/out.0", k->job);
    k->out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    describe(argv, k->command, sizeof k->command);
    k->started = (long long)time(NULL);
    *id_out = id;
    return k;
}

// The daemon (where init is not ours): takes the job, starts the supervisor, tells the
// launcher through `ready`, then keeps the output until every writer is gone. Never returns.
static void run_daemon(int ready, char **argv) {
    setsid();
    no_dump();
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) dup2(null, 0), dup2(null, 1), dup2(null, 2);
    if (null > 2) close(null);
    char error[512];
    long id;
    struct job_keeper *k = job_create(argv, &id, error, sizeof error);
    if (!k) {
        dprintf(ready, "%s", error);
        _exit(1);
    }
    int output[2];
    if (pipe2(output, O_CLOEXEC) != 0) {
        dprintf(ready, "cannot make a pipe: %s", strerror(errno));
        _exit(1);
    }
    char token[64];
    snprintf(token, sizeof token, "job-%ld", id);
    pid_t child = fork();
    if (child < 0) {
        dprintf(ready, "cannot fork: %s", strerror(errno));
        _exit(1);
    }
    if (child == 0) {
        dup2(output[1], 1), dup2(output[1], 2);
        int argc = 0;
        while (argv[argc]) argc++;
        char **args = calloc((size_t)argc + 6, sizeof *args);
        if (!args) _exit(125);
        args[0] = "sandbox-runner", args[1] = "exec", args[2] = token, args[3] = "0", args[4] = "--";
        memcpy(args + 5, argv, (size_t)argc * sizeof *args);
        execv("/proc/self/exe", args);
        say("cannot start the job's supervisor");
        _exit(125);
    }
    close(output[1]);
    job_record(k, child, 0, 0);
    dprintf(ready, "%ld\n", id);
    close(ready);
    static char buffer[64 * 1024];
    for (;;) {
        ssize_t n = read(output[0], buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        job_keep(k, buffer, (size_t)n);
    }
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    job_record(k, child, 1, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    job_close(k);
    _exit(0);
}

// A job through init (ours, PID 1): it runs the job's supervisor and keeps its output itself, so
// nothing a command can kill holds either. The request is an exec's (init.c): no token, our
// work directory and our whole environment. 0 and the id printed; 1: no init of ours; else
// the exit status.
extern char **environ;
static int start_job_by_init(char **argv) {
    int fd = init_connect();
    if (fd < 0) return 1;
    static char message[INIT_MESSAGE], cwd[4096];
    if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "/");
    size_t used = 12;
    unsigned envc = 0, argc = 0;
    memset(message, 0, 12);
    int fits = 1;
    #define ADD(text) do { size_t n_ = strlen(text) + 1; if (used + n_ > sizeof message) fits = 0; else memcpy(message + used, text, n_), used += n_; } while (0)
    ADD("");
    ADD(cwd);
    for (char **e = environ; *e && envc < 65535; e++, envc++) ADD(*e);
    for (; argv[argc] && argc < 65535; argc++) ADD(argv[argc]);
    #undef ADD
    if (!fits) {
        close(fd);
        return 1;  // too large for a message: the daemon of its own takes it
    }
    message[8] = (char)(envc >> 8), message[9] = (char)envc, message[10] = (char)(argc >> 8), message[11] = (char)argc;
    char answer[600];
    int none = 0;
    ssize_t n = init_send(fd, 'J', message, used, NULL, 0) == 0 ? init_receive(fd, answer, sizeof answer - 1, NULL, &none, 10000) : -1;
    close(fd);
    if (n <= 1) {
        say("the job did not start: the sandbox's init did not answer");
        return 125;
    }
    answer[n] = 0;
    if (answer[0] != 'J') {
        dprintf(2, "sandbox-runner: the job did not start: %s\n", answer + 1);
        return 125;
    }
    printf("%s\n", answer + 1);
    return 0;
}

int start_job(char **argv) {
    int by_init = start_job_by_init(argv);
    if (by_init != 1) return by_init;
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) != 0) {
        say("cannot make a pipe");
        return 125;
    }
    pid_t daemon = fork();
    if (daemon < 0) {
        say("cannot fork");
        return 125;
    }
    if (daemon == 0) {
        close(ready[0]);
        run_daemon(ready[1], argv);
    }
    close(ready[1]);
    char answer[512];
    size_t filled = 0;
    for (;;) {
        ssize_t n = read(ready[0], answer + filled, sizeof answer - 1 - filled);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        filled += (size_t)n;
    }
    answer[filled] = 0;
    char *end;
    long id = strtol(answer, &end, 10);
    if (filled == 0 || id <= 0 || *end != '\n') {
        dprintf(2, "sandbox-runner: the job did not start: %s\n", filled ? answer : "its daemon ended");
        return 125;
    }
    printf("%ld\n", id);
    return 0;
}

// A job's state file as fields; 0 when it has none (yet).
static int read_state(const char *dir, long id, int *pid, long long *started, int *exited, int *code, char *command, size_t size) {
    char path[256], line[MAX_COMMAND + 16];
    snprintf(path, sizeof path, "%s/%ld/state", dir, id);
    FILE *f = fopen(path, "re");
    if (!f) return 0;
    *exited = 0, command[0] = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (sscanf(line, "pid %d", pid) == 1 || sscanf(line, "started %lld", started) == 1) continue;
        if (sscanf(line, "exit %d", code) == 1) *exited = 1;
        else if (strncmp(line, "command ", 8) == 0) {
            size_t length = strnlen(line + 8, size - 1);
            memcpy(command, line + 8, length);
            command[length] = 0;
        }
    }
    fclose(f);
    return 1;
}

int list_jobs(void) {
    const char *dir = jobs_dir(0);
    if (!dir) return 0;
    long ids[MAX_JOBS];
    int count = job_ids(dir, ids, MAX_JOBS);
    for (int i = 0; i < count; i++) {
        int pid = 0, exited = 0, code = 0;
        long long started = 0;
        char command[MAX_COMMAND];
        if (!read_state(dir, ids[i], &pid, &started, &exited, &code, command, sizeof command)) continue;
        const char *state = job_running(dir, ids[i]) ? "running" : exited ? "exited" : "lost";
        char exit_text[16] = "-";
        if (exited && !job_running(dir, ids[i])) snprintf(exit_text, sizeof exit_text, "%d", code);
        printf("%ld\t%s\t%d\t%lld\t%s\t%s\n", ids[i], state, pid, started, exit_text, command);
    }
    return 0;
}

// The lowest segment of `job` numbered `from` or above, or -1.
static long next_segment(const char *job, long from) {
    DIR *d = opendir(job);
    if (!d) return -1;
    long best = -1;
    struct dirent *entry;
    while ((entry = readdir(d))) {
        if (strncmp(entry->d_name, "out.", 4) != 0) continue;
        char *end;
        long n = strtol(entry->d_name + 4, &end, 10);
        if (*end == 0 && n >= from && (best < 0 || n < best)) best = n;
    }
    closedir(d);
    return best;
}

static long last_segment(const char *job) {
    long last = -1;
    for (long n = next_segment(job, 0); n >= 0; n = next_segment(job, n + 1)) last = n;
    return last;
}

int job_logs(const char *id_text, int follow) {
    char *end;
    long id = strtol(id_text, &end, 10);
    const char *dir = jobs_dir(0);
    char job[JOB_PATH];
    struct stat st;
    if (*end || id <= 0 || !dir || (snprintf(job, sizeof job, "%s/%ld", dir, id), stat(job, &st) != 0)) {
        dprintf(2, "sandbox-runner: no job %s\n", id_text);
        return EXIT_NOT_FOUND;
    }
    signal(SIGPIPE, SIG_IGN);
    static char buffer[64 * 1024];
    long last = last_segment(job);
    long segment = last > 0 ? last - 1 : 0;
    int fd = -1, partial = segment > 0;  // what went before was dropped: start at a whole line
    struct timespec pause = {0, 100 * 1000 * 1000};
    for (;;) {
        if (fd < 0) {
            char path[300];
            long found = next_segment(job, segment);
            if (found >= 0) {
                snprintf(path, sizeof path, "%s/out.%ld", job, found);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd >= 0) segment = found;
            }
        }
        ssize_t n = fd >= 0 ? read(fd, buffer, sizeof buffer) : 0;
        if (n < 0 && errno == EINTR) continue;
        if (n > 0) {
            char *p = buffer;
            if (partial) {
                char *line = memchr(buffer, '\n', (size_t)n);
                if (line) n -= line + 1 - p, p = line + 1;
                partial = 0;
            }
            while (n > 0) {
                ssize_t written = write(1, p, (size_t)n);
                if (written < 0 && errno == EINTR) continue;
                if (written <= 0) return 0;  // the reader is gone
                p += written, n -= written;
            }
            continue;
        }
        // At the end of what this segment holds: on to the next one, when there is one.
        if (fd >= 0 && next_segment(job, segment + 1) >= 0) {
            close(fd), fd = -1, segment++;
            continue;
        }
        if (!follow) return 0;
        // Ended: read what came since, once more (the daemon wrote it all before unlocking).
        if (!job_running(dir, id)) follow = 0;
        else nanosleep(&pause, NULL);
    }
}
