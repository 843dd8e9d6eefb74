// sandbox-runner: the engine's supervisor inside a sandbox. Static, no dependency on the image.
//
//   sandbox-runner serve                   resident: requests (run a command, write or read a
//                                          file) and their answers as frames on stdin and
//                                          stdout (serve.c); each command runs under `exec`
//   sandbox-runner exec TOKEN MS -- ARGV...  run ARGV as our child; we are the subreaper of
//                                          everything it starts, so setsid, double forks and
//                                          `env -i` cannot leave our process tree; after MS
//                                          milliseconds (0: never) kill it all and exit 124
//   sandbox-runner kill TOKEN              end the `exec` with that token and every process
//                                          under it; exit 0, or 3 when no such runner lives
//   sandbox-runner job -- ARGV...           start ARGV as a background job that outlives this
//                                          exec; print its number (job.c)
//   sandbox-runner jobs | logs N [-f]      list the jobs; print (and follow) job N's output
//   sandbox-runner connect PORT            bridge stdin and stdout to TCP port PORT inside the
//                                          sandbox: one forwarded connection (connect.c)
//   sandbox-runner init [serve]            the container's own command and PID 1, out of its
//                                          commands' reach: with `serve`, a child serves one
//                                          session on the container's stdin and stdout; it runs every
//                                          command's supervisor and every job, and takes over
//                                          what a supervisor killed from inside leaves (init.c)
//   sandbox-runner version
//
// `exec` exits with the command's status (128+N for a signal). On SIGUSR1, SIGTERM, SIGINT or
// SIGHUP it kills its whole tree and exits 130. When the command exits, processes it left in
// the background are let go (they live on, as with plain `docker exec`) once none of them
// writes to the exec's output any more.
#include "runner.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    no_dump();  // every runner process: see init.c
    if (argc == 2 && strcmp(argv[1], "version") == 0) {
        puts(RUNNER_VERSION);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "serve") == 0) return serve();
    if (argc == 2 && strcmp(argv[1], "init") == 0) return init(argv, argc, 0);
    if (argc == 3 && strcmp(argv[1], "init") == 0 && strcmp(argv[2], "serve") == 0) return init(argv, argc, 1);
    if (argc == 3 && strcmp(argv[1], "kill") == 0) return end_runner(argv[2]);
    if (argc >= 4 && strcmp(argv[1], "job") == 0 && strcmp(argv[2], "--") == 0) return start_job(argv + 3);
    if (argc == 2 && strcmp(argv[1], "jobs") == 0) return list_jobs();
    if ((argc == 3 || (argc == 4 && strcmp(argv[3], "-f") == 0)) && strcmp(argv[1], "logs") == 0) return job_logs(argv[2], argc == 4);
    if (argc == 3 && strcmp(argv[1], "connect") == 0) return connect_port(argv[2]);
    // exec TOKEN TIMEOUT_MS -- ARGV...   (TIMEOUT_MS 0: none)
    if (argc >= 6 && strcmp(argv[1], "exec") == 0 && strcmp(argv[4], "--") == 0) {
        char *end;
        long long timeout_ms = strtoll(argv[3], &end, 10);
        if (*end == 0 && timeout_ms >= 0) return supervise(timeout_ms, argv + 5);
    }
    say("usage: sandbox-runner serve | exec TOKEN TIMEOUT_MS -- ARGV... | kill TOKEN | job -- ARGV... | jobs | logs N [-f] | connect PORT | init [serve] | version");
    return 2;
}
