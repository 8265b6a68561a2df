/*
 * bidder_price.c — the external pricing command: order JSON on stdin, one
 * amount on stdout, a deadline. The command is the operator's own program,
 * but its output is still parsed strictly.
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "provider/bidder.h"

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

ag_err provider_price_command(const char *command, const char *order_json, uint64_t timeout_ms,
                              market_u128 *price)
{
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC))
        return ag_err_from_errno(errno, "pipe");
    if (pipe2(out, O_CLOEXEC)) {
        close(in[0]);
        close(in[1]);
        return ag_err_from_errno(errno, "pipe");
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        execl("/bin/sh", "sh", "-c", command, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    if (pid < 0) {
        close(in[1]);
        close(out[0]);
        return ag_err_from_errno(errno, "fork");
    }
    /* The JSON is small (one order); a command that does not read it gets
     * EPIPE, which is ignored: its answer still counts. */
    struct sigaction old, ign = {.sa_handler = SIG_IGN};
    sigaction(SIGPIPE, &ign, &old);
    size_t len = strlen(order_json), off = 0;
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    char buf[65];
    size_t got = 0;
    ag_err err = AG_OK;
    uint64_t deadline = now_ms() + timeout_ms;
    bool eof = false;
    while (!eof) {
        uint64_t t = now_ms();
        if (t >= deadline) {
            err = ag_err_set(AG_ERR_TIMEOUT, "pricing command: no answer in %" PRIu64 " ms",
                             timeout_ms);
            break;
        }
        struct pollfd p[2] = {{out[0], POLLIN, 0}, {in[1], POLLOUT, 0}};
        int np = in[1] >= 0 ? 2 : 1;
        if (poll(p, (nfds_t)np, (int)(deadline - t)) < 0 && errno != EINTR) {
            err = ag_err_from_errno(errno, "poll");
            break;
        }
        if (np == 2 && p[1].revents) {
            ssize_t w = write(in[1], order_json + off, len - off);
            if (w > 0)
                off += (size_t)w;
            if (w < 0 || off == len) {
                close(in[1]);
                in[1] = -1;
            }
        }
        if (p[0].revents) {
            ssize_t r = read(out[0], buf + got, sizeof buf - 1 - got);
            if (r == 0) {
                eof = true;
            } else if (r > 0) {
                got += (size_t)r;
                if (got == sizeof buf - 1) {
                    err = ag_err_set(AG_ERR_DECODE, "pricing command: output above 64 bytes");
                    break;
                }
            }
        }
    }
    if (in[1] >= 0)
        close(in[1]);
    close(out[0]);
    sigaction(SIGPIPE, &old, NULL);
    int status = 0;
    if (err)
        kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (err)
        return err;
    if (!WIFEXITED(status) || WEXITSTATUS(status))
        return ag_err_set(AG_ERR_STATE, "pricing command failed (status %d)", status);
    while (got && (buf[got - 1] == '\n' || buf[got - 1] == '\r' || buf[got - 1] == ' '))
        got--;
    if (market_amount_parse(price, buf, got))
        return ag_err_set(AG_ERR_DECODE, "pricing command: \"%.*s\" is not an amount", (int)got,
                          buf);
    return AG_OK;
}
