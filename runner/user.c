// A sandbox's user (`sandbox new --user`): what its commands, shells and jobs run as, and what a
// session's file requests act as. The engine resolves it (created in the image when missing) and
// says it as "UID:GID[:G1,G2,...]": to a command in its environment (USER_VARIABLE, taken out
// before the command runs), to a session in a USER request. The runner itself stays root, so the
// command cannot signal, trace or replace what supervises it.
#include "runner.h"
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// A decimal id below 2^31 - 1 (-1 as an id means "unchanged" to the kernel), ending at `stop`.
static int take_id(const char **at, char stop, uint32_t *out) {
    const char *p = *at;
    uint64_t value = 0;
    if (*p < '0' || *p > '9') return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        value = value * 10 + (uint64_t)(*p - '0');
        if (value >= 0x7FFFFFFF) return -1;
    }
    if (*p != stop && *p != 0) return -1;
    *out = (uint32_t)value;
    *at = p;
    return 0;
}

int parse_identity(const char *spec, struct identity *out) {
    const char *at = spec;
    uint32_t uid, gid;
    if (take_id(&at, ':', &uid) != 0 || *at++ != ':' || take_id(&at, ':', &gid) != 0) return -1;
    *out = (struct identity){.uid = uid, .gid = gid};
    if (*at == 0) return 0;
    if (*++at == 0) return -1;  // "UID:GID:" names no group
    while (*at) {
        uint32_t group;
        if (out->count == MAX_GROUPS || take_id(&at, ',', &group) != 0) return -1;
        out->groups[out->count++] = group;
        if (*at == ',' && *++at == 0) return -1;
    }
    return 0;
}

int format_identity(const struct identity *id, char *out, size_t size) {
    int used = snprintf(out, size, "%u:%u", (unsigned)id->uid, (unsigned)id->gid);
    for (int i = 0; i < id->count && used > 0 && (size_t)used < size; i++) {
        used += snprintf(out + used, size - (size_t)used, "%c%u", i ? ',' : ':', (unsigned)id->groups[i]);
    }
    return used > 0 && (size_t)used < size ? 0 : -1;
}

int become(const struct identity *id) {
    if (getuid() != 0) {  // a runner not root (an image's USER): only its own user
        if (id->uid == getuid() && id->gid == getgid()) return 0;
        errno = EPERM;
        return -1;
    }
    // The groups first: setgid and setuid end the right to change them.
    if (setgroups((size_t)id->count, id->groups) != 0 || setgid(id->gid) != 0 || setuid(id->uid) != 0) return -1;
    return 0;
}

// The effective ids, not the filesystem ones: gVisor's kernel does not change those. The real and
// saved ids stay root's, so `privileged` can take root back for what only the runner does.
int act_as(const struct identity *id) {
    if (getuid() != 0) return become(id);
    if (setgroups((size_t)id->count, id->groups) != 0 || setresgid((gid_t)-1, id->gid, (gid_t)-1) != 0) return -1;
    return setresuid((uid_t)-1, id->uid, (uid_t)-1);
}

void privileged(const struct identity *id, int root) {
    if (!id || getuid() != 0) return;
    if (root) {
        if (seteuid(0) != 0 || setegid(0) != 0) say("cannot take root back");
    } else if (setegid(id->gid) != 0 || seteuid(id->uid) != 0) {
        say("cannot act as the sandbox's user again; ending");
        _exit(125);
    }
}
