// `idle [serve]`: the container's own command, which sleeps until a signal ends it. With
// `serve`, the engine that created the container attached to its stdin and stdout before
// starting it, and a child serves that one session there (serve.c): the first command needs no
// `docker exec`. Whatever ends the session (end of file, a malformed frame, a kill from inside
// the sandbox) ends the child only, never the container; the container's stdout stays open
// (Docker's init holds it too), so we say on stderr that the session is over (SESSION_OVER),
// and the engine's attach, which would otherwise wait for more, ends on it.
#include "runner.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int idle(const char *self, int serving) {
    pid_t child = serving ? fork() : -1;
    if (child == 0) {
        // As `serve` of its own, it is the same process as any other session's (in `ps` too).
        execv("/proc/self/exe", (char *[]){(char *)self, "serve", NULL});
        _exit(serve());  // no /proc: serve from this process
    }
    if (child > 0) {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        dprintf(2, "\n" SESSION_OVER "\n");
    }
    for (;;) pause();
}
