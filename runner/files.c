// Files for `serve`: writes go to a temporary file beside the target, renamed over it at the end
// (a reader never sees half a file, and a directory is never replaced: rename refuses it); reads
// take regular files only, so a fifo or a device planted at the path cannot block us.
#include "runner.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


// `path` with symlinks in its last part followed (at most 8), as a shell's `>` does; the kernel
// resolves the parents. A dangling link resolves to where it points, which a write creates.
static int resolve(const char *path, char *out, size_t size) {
    if (strlen(path) >= size) return ENAMETOOLONG;
    strcpy(out, path);
    for (int hop = 0; hop < 8; hop++) {
        struct stat st;
        if (lstat(out, &st) != 0 || !S_ISLNK(st.st_mode)) return 0;
        char link[4096];
        ssize_t n = readlink(out, link, sizeof link - 1);
        if (n < 0) return errno;
        link[n] = 0;
        if (link[0] == '/') {
            if ((size_t)n >= size) return ENAMETOOLONG;
            strcpy(out, link);
        } else {
            char *slash = strrchr(out, '/');
            size_t keep = slash ? (size_t)(slash - out) + 1 : 0;
            if (keep + (size_t)n >= size) return ENAMETOOLONG;
            memmove(out + keep, link, (size_t)n + 1);
        }
    }
    return ELOOP;
}

// mkdir -p of the directory holding `path`.
static int make_parents(const char *path) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return 0;
    *slash = 0;
    for (char *p = dir + 1; ; p++) {
        if (*p == '/' || *p == 0) {
            char saved = *p;
            *p = 0;
            if (mkdir(dir, 0755) != 0 && errno != EEXIST) return errno;
            *p = saved;
            if (saved == 0) break;
        }
    }
    struct stat st;
    if (stat(dir, &st) != 0) return errno;
    return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
}

int file_write_open(const char *path, uint32_t *mode, int *fd, char *temp, size_t temp_size, char *target, size_t target_size) {
    int failed = resolve(path, target, target_size);
    if (failed) return failed;
    struct stat st;
    if (stat(target, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return EISDIR;
        if (!S_ISREG(st.st_mode)) return ERR_NOT_REGULAR;
        if (*mode == KEEP_MODE) *mode = st.st_mode & 0777;
    } else if (errno == ENOENT) {
        if ((failed = make_parents(target))) return failed;
        if (*mode == KEEP_MODE) *mode = 0644;
    } else {
        return errno;
    }
    const char *slash = strrchr(target, '/');
    int dir_length = slash ? (int)(slash - target) : 0;
    if (snprintf(temp, temp_size, "%.*s/.sandbox-write-XXXXXX", dir_length, target) >= (int)temp_size) return ENAMETOOLONG;
    *fd = mkostemp(temp, O_CLOEXEC);
    return *fd < 0 ? errno : 0;
}

int file_write_finish(int fd, const char *temp, const char *target, uint32_t mode) {
    // Permission bits only: setuid or setgid on new content would hand its owner's rights out.
    int failed = fchmod(fd, mode & 0777) != 0 ? errno : 0;
    if (close(fd) != 0 && !failed) failed = errno;
    if (!failed && rename(temp, target) != 0) failed = errno;
    if (failed) unlink(temp);
    return failed;
}

void file_write_abandon(int fd, const char *temp) {
    close(fd);
    unlink(temp);
}

int file_read_open(const char *path, uint64_t limit, int *fd, uint64_t *size, char *target, size_t target_size) {
    int failed = resolve(path, target, target_size);
    if (failed) return failed;
    *fd = open(target, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (*fd < 0) return errno;
    struct stat st;
    if (fstat(*fd, &st) != 0) failed = errno;
    else if (S_ISDIR(st.st_mode)) failed = EISDIR;
    else if (!S_ISREG(st.st_mode)) failed = ERR_NOT_REGULAR;
    else if ((uint64_t)st.st_size > limit) failed = ERR_TOO_LARGE;
    if (failed) {
        close(*fd);
        return failed;
    }
    fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) & ~O_NONBLOCK);
    *size = (uint64_t)st.st_size;
    return 0;
}
