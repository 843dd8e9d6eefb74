#define _GNU_SOURCE
#include "cspawn.h"

int cspawn_close_from(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}
