// sandbox-runner: the engine's supervisor inside a sandbox. Static, no dependency on the image.
#ifndef SANDBOX_RUNNER_H
#define SANDBOX_RUNNER_H
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#define RUNNER_VERSION "6"

// tree.c: the processes below a root, and ending them.
void say(const char *message);
void kill_tree(pid_t root);
int output_held(pid_t root, const struct stat *outputs, int count);
long long now_ms(void);

// supervise.c: `exec` (one command under us) and `kill TOKEN`.
int supervise(long long timeout_ms, char **argv);
int end_runner(const char *token);

// serve.c: `serve`, the resident mode speaking frames on stdin and stdout.
int serve(void);

// idle.c: `idle [serve]`, the container's own command.
#define SESSION_OVER "sandbox-runner: the container's session is over"
int idle(const char *self, int serving);

// job.c: background jobs (`job -- ARGV`, `jobs`, `logs ID [-f]`).
int start_job(char **argv);
int list_jobs(void);
int job_logs(const char *id, int follow);

// connect.c: `connect PORT`, one forwarded connection over stdin and stdout.
int connect_port(const char *port);

// files.c: file requests of `serve`. Each returns 0 or an error code (errno, or one below).
#define ERR_NOT_REGULAR 1000
#define ERR_TOO_LARGE 1001
#define ERR_MALFORMED 1002
#define ERR_NO_PROGRAM 1003  // an exec's program (argv[0]) is nowhere on PATH: an image with no shell
#define KEEP_MODE 0xFFFFFFFFu  // a write's mode: the existing file's permission bits, else 0644
int file_write_open(const char *path, uint32_t *mode, int *fd, char *temp, size_t temp_size, char *target, size_t target_size);
int file_write_finish(int fd, const char *temp, const char *target, uint32_t mode);
void file_write_abandon(int fd, const char *temp);
int file_read_open(const char *path, uint64_t limit, int *fd, uint64_t *size, char *target, size_t target_size);

#endif
