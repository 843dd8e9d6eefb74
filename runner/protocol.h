// The runner's wire and its words with the engine: the one place each is written. The runner's C
// includes it (runner.h), and the engine's Swift imports it (the CRunnerProtocol module), so a
// frame type, an error code or the version cannot differ between the two sides.
#ifndef SANDBOX_RUNNER_PROTOCOL_H
#define SANDBOX_RUNNER_PROTOCOL_H

// What `sandbox-runner version` prints and `serve` greets with; a new one for any change below.
#define RUNNER_VERSION "8"

// `serve`'s frames, both ways: u32 length (big-endian, of what follows), u8 type, u32 id, payload
// (serve.c says each one's payload).
enum runner_request {
    T_EXEC = 1,
    T_CANCEL = 2,
    T_WRITE = 3,
    T_WDATA = 4,
    T_WEND = 5,
    T_READ = 6,
    T_PING = 7,
    T_WAIT = 8,
    T_USER = 9,
};
enum runner_answer {
    A_HELLO = 0x80,
    A_STARTED = 0x81,
    A_STDOUT = 0x82,
    A_STDERR = 0x83,
    A_EXIT = 0x84,
    A_ERROR = 0x85,
    A_OK = 0x86,
    A_DATA = 0x87,
    A_END = 0x88,
    A_PONG = 0x89,
};
// The largest request frame `serve` takes (a write's chunk of 1 MiB and its path); one over it,
// or under the header's size, ends the session.
#define MAX_REQUEST_CONTENT (1024 * 1024)
#define MAX_REQUEST (MAX_REQUEST_CONTENT + 4096)

// An ERROR's code: errno, or one of these.
enum runner_error {
    ERR_NOT_REGULAR = 1000,
    ERR_TOO_LARGE = 1001,
    ERR_MALFORMED = 1002,
    ERR_NO_PROGRAM = 1003,  // an exec's program (argv[0]) is nowhere on PATH: an image with no shell
};
// A write's mode: the existing file's permission bits, else 0644.
#define KEEP_MODE 0xFFFFFFFFu

// What `init serve` says on stderr when the container's session is over (the attach ends on it).
#define SESSION_OVER "sandbox-runner: the container's session is over"
// `kill TOKEN` and `logs ID` exit with it when there is no such command or job.
#define EXIT_NOT_FOUND 3

// The sandbox's user (user.c): in a command's environment, "UID:GID[:G1,...]", taken out before
// it runs; and in this file, for init, what every command and job runs as.
#define USER_VARIABLE "SANDBOX_RUNNER_USER"
#define USER_FILE "/.sandbox/user"

#endif
