// posix_spawn's close-from action, which Glibc's Swift module does not show (it is behind
// _GNU_SOURCE): a daemon we start must not inherit a pipe of ours, or whoever reads that pipe
// (a test runner, CI) waits for an end that never comes.
#ifndef CSPAWN_H
#define CSPAWN_H
#include <spawn.h>

int cspawn_close_from(posix_spawn_file_actions_t *actions, int from);

#endif
