#define _GNU_SOURCE
#include "CPreforkWaitSet.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>

// The worker's signal mask without SIGQUIT: what a wait or an accept runs with. Set once by
// CPrefork_block_stop_signal (the mask does not change afterwards), so that each wait needs no
// extra system call to compute it.
static sigset_t open_mask;

void CPrefork_block_stop_signal(void) {
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGQUIT);
    sigprocmask(SIG_BLOCK, &stop, &open_mask);
    sigdelset(&open_mask, SIGQUIT);
}

int CPrefork_wait_set_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int CPrefork_wait_set_add(int set, int fd, int listening) {
    struct epoll_event event = {0};
    // EPOLLEXCLUSIVE: a new connection wakes one waiting worker, not the whole pool.
    event.events = listening ? (EPOLLIN | EPOLLEXCLUSIVE) : (EPOLLIN | EPOLLRDHUP);
    event.data.fd = fd;
    return epoll_ctl(set, EPOLL_CTL_ADD, fd, &event);
}

int CPrefork_wait_set_requeue(int set, int fd) {
    if (epoll_ctl(set, EPOLL_CTL_DEL, fd, NULL) != 0) return -1;
    return CPrefork_wait_set_add(set, fd, 1);
}

int CPrefork_wait_set_wait(int set, int *hangup) {
    struct epoll_event event;
    int count = epoll_pwait(set, &event, 1, -1, &open_mask);
    if (count < 0) return -1;
    if (count == 0) {
        errno = EINTR;
        return -1;
    }
    *hangup = (event.events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) ? CPREFORK_WAIT_HANGUP : 0;
    return event.data.fd;
}

int CPrefork_accept(int listen_fd, struct sockaddr *address, socklen_t *length) {
    sigset_t previous;
    sigprocmask(SIG_SETMASK, &open_mask, &previous);
    int fd = accept(listen_fd, address, length);
    int saved = errno;
    sigprocmask(SIG_SETMASK, &previous, NULL);
    errno = saved;
    return fd;
}

int CPrefork_set_nonblocking(int fd, int on) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) return -1;
    return fcntl(fd, F_SETFL, on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK));
}
