// sandbox-runner: the engine's supervisor inside a sandbox. Static, no dependency on the image.
#ifndef SANDBOX_RUNNER_H
#define SANDBOX_RUNNER_H
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include "protocol.h"

// tree.c: the processes below a root, and ending them.
void say(const char *message);
void kill_tree(pid_t root);
int output_held(pid_t root, const struct stat *outputs, int count);
pid_t proc_info(pid_t pid, int *zombie, unsigned long long *start);
int tree_of(const pid_t *roots, int root_count, pid_t *out, int *dead, int capacity);
int output_held_below(const pid_t *roots, int root_count, const struct stat *outputs, int count);
long long now_ms(void);

// supervise.c: `exec` (one command under us) and `kill TOKEN`. `report_fd`: where the command
// writes its pid before it runs what it was given (init.c learns it so), or -1.
extern int report_fd;
int supervise(long long timeout_ms, char **argv);
int end_runner(const char *token);

// user.c: the sandbox's user, "UID:GID[:G1,G2,...]".
#define MAX_GROUPS 32
struct identity {
    uid_t uid;
    gid_t gid;
    int count;
    gid_t groups[MAX_GROUPS];
};
int parse_identity(const char *spec, struct identity *out);  // 0, or -1 when malformed
int format_identity(const struct identity *id, char *out, size_t size);
int become(const struct identity *id);  // a command's groups, gid and uid, for good (-1 and errno)
int act_as(const struct identity *id);  // a session's file requests: its groups and effective ids
void privileged(const struct identity *id, int root);  // a session acting as `id`: root for a moment (1), then `id` again (0)

// serve.c: `serve`, the resident mode speaking frames on stdin and stdout.
int serve(void);

// init.c: `init [serve]`, the container's own command and its PID 1: with `serve`, it serves the
// container's session (a child on its stdin and stdout); runs every command's supervisor and every job, and takes
// over what a supervisor killed from inside leaves. The others reach it on INIT_SOCKET (an
// abstract unix socket): messages of one byte of type and a payload, file descriptors alongside.
#define INIT_SOCKET "sandbox-runner-init-" RUNNER_VERSION
#define INIT_MESSAGE (200 * 1024)  // the most one message holds (a socket's default send buffer)
int init(char **argv, int argc, int serving);
int init_connect(void);  // a connection to our PID 1, or -1 (there is none: a container started elsewhere)
int init_send(int fd, char type, const void *payload, size_t length, const int *fds, int fd_count);
ssize_t init_receive(int fd, void *buffer, size_t size, int *fds, int *fd_count, int timeout_ms);
void no_dump(void);  // PR_SET_DUMPABLE 0: no ptrace of us, and no /proc/PID/{mem,fd,environ}, without CAP_SYS_PTRACE

// job.c, the jobs' side run by init: a job's directory, lock and kept output.
struct job_keeper;
struct job_keeper *job_create(char **argv, long *id, char *error, size_t size);
void job_keep(struct job_keeper *keeper, const char *data, size_t length);
void job_record(struct job_keeper *keeper, pid_t pid, int exited, int code);
void job_close(struct job_keeper *keeper);

// job.c: background jobs (`job -- ARGV`, `jobs`, `logs ID [-f]`).
int start_job(char **argv);
int list_jobs(void);
int job_logs(const char *id, int follow);

// connect.c: `connect PORT`, one forwarded connection over stdin and stdout.
int connect_port(const char *port);

// files.c: file requests of `serve`. Each returns 0 or an error code (errno, or an ERR_ of protocol.h).
int file_write_open(const char *path, uint32_t *mode, int *fd, char *temp, size_t temp_size, char *target, size_t target_size);
int file_write_finish(int fd, const char *temp, const char *target, uint32_t mode);
void file_write_abandon(int fd, const char *temp);
int file_read_open(const char *path, uint64_t limit, int *fd, uint64_t *size, char *target, size_t target_size);

#endif
