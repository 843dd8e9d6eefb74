// `connect PORT`: one forwarded connection. Bridges an attached exec's stdin and stdout to TCP
// 127.0.0.1:PORT (or [::1]:PORT) inside the sandbox, both ways at once: non-blocking, with a
// bounded buffer each way, so a side that does not read holds back only its own direction.
// stdin carries frames, u32 length (big-endian) then that many bytes; a frame of length 0 says
// the client has finished sending (we half-close, the server still answers). stdin ending is
// the client gone: the daemon closes it when the client's connection ends, and goes on
// draining our stdout, so nothing else would tell us. The server closing ends us once what it
// sent is written. Exit 0, or 1 when nothing listens.
#include "runner.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFFER (64 * 1024)

static int dial(int port) {
    struct sockaddr_in v4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port), .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&v4, sizeof v4) == 0) return fd;
    int first = errno;
    if (fd >= 0) close(fd);
    fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&v6, sizeof v6) == 0) return fd;
    if (fd >= 0) close(fd);
    errno = first;
    return -1;
}

// One direction: bytes read from `from`, waiting to be written to `to`.
struct pipe_state {
    int from, to, eof;
    char data[BUFFER];
    size_t start, end;
};

// Moves what is ready; -1 when `to` failed (its reader is gone).
static int move(struct pipe_state *p, short from_events, short to_events) {
    if (p->start == p->end && !p->eof && (from_events & (POLLIN | POLLHUP | POLLERR))) {
        ssize_t n = read(p->from, p->data, sizeof p->data);
        if (n > 0) p->start = 0, p->end = (size_t)n;
        else if (n == 0 || (errno != EAGAIN && errno != EINTR)) p->eof = 1;
    }
    if (p->start < p->end && (to_events & (POLLOUT | POLLERR | POLLHUP))) {
        ssize_t n = write(p->to, p->data + p->start, p->end - p->start);
        if (n > 0) p->start += (size_t)n;
        else if (n < 0 && errno != EAGAIN && errno != EINTR) return -1;
    }
    return 0;
}

// The client → server direction: frames from stdin into `up`. -1: the client is gone (stdin
// ended, or a frame after the last).
static uint8_t header[4];
static size_t header_filled;
static uint32_t payload_left;

static int read_frames(struct pipe_state *up) {
    ssize_t n;
    if (payload_left == 0) {
        n = read(0, header + header_filled, sizeof header - header_filled);
        if (n > 0 && (header_filled += (size_t)n) == sizeof header) {
            header_filled = 0;
            payload_left = (uint32_t)header[0] << 24 | (uint32_t)header[1] << 16 | (uint32_t)header[2] << 8 | header[3];
            if (up->eof) return -1;
            if (payload_left == 0) up->eof = 1;
        }
    } else {
        n = read(0, up->data, payload_left < sizeof up->data ? payload_left : sizeof up->data);
        if (n > 0) up->start = 0, up->end = (size_t)n, payload_left -= (uint32_t)n;
    }
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) ? -1 : 0;
}

int connect_port(const char *port_text) {
    char *end;
    long port = strtol(port_text, &end, 10);
    if (*end || port < 1 || port > 65535) {
        say("connect: the port must be a number from 1 to 65535");
        return 2;
    }
    int sock = dial((int)port);
    if (sock < 0) {
        dprintf(2, "sandbox-runner: nothing accepts connections on port %ld in the sandbox (%s)\n", port, strerror(errno));
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    int one = 1;
    setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    for (int fd = 0; fd <= 1; fd++) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) | O_NONBLOCK);
    static struct pipe_state up, down;  // up: stdin → the server; down: the server → stdout
    up.from = 0, up.to = sock, down.from = sock, down.to = 1;
    int shut = 0;
    for (;;) {
        if (down.eof && down.start == down.end) return 0;  // the server is done and all it sent is out
        if (up.eof && up.start == up.end && !shut) {
            shutdown(sock, SHUT_WR);
            shut = 1;
        }
        struct pollfd polled[3] = {
            {.fd = 0, .events = up.start == up.end ? POLLIN : 0},
            {.fd = 1, .events = down.start < down.end ? POLLOUT : 0},
            {.fd = sock, .events = (!down.eof && down.start == down.end ? POLLIN : 0) | (up.start < up.end ? POLLOUT : 0)},
        };
        if (poll(polled, 3, -1) < 0) {
            if (errno == EINTR) continue;
            return 1;
        }
        if (polled[1].revents & POLLERR) return 0;  // stdout's reader is gone
        if ((polled[0].revents & (POLLIN | POLLHUP | POLLERR)) && up.start == up.end && read_frames(&up) != 0) return 0;
        if (move(&up, 0, polled[2].revents) != 0) return 0;  // the server reset
        if (move(&down, polled[2].revents, polled[1].revents) != 0) return 0;
    }
}
