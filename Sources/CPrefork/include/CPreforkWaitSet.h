#ifndef CPREFORK_WAITSET_H
#define CPREFORK_WAITSET_H

#include <stdint.h>
#include <sys/socket.h>

// What a worker waits on between requests (wait_set.c): new connections on the listening socket
// and the next request on each connection the front server keeps open (FCGI_KEEP_CONN). An
// epoll set, so that one idle worker, not all of them, wakes for a new connection.
//
// SIGQUIT (stop after the request in hand) stays blocked in a worker except while it waits here
// or accepts: checked before each wait, it can never arrive between the check and the wait.

/// Blocks SIGQUIT in this process (a worker calls this once, before its first wait); the mask
/// it had, without SIGQUIT, is what waits and accepts run with.
void CPrefork_block_stop_signal(void);

/// A new, empty set (close-on-exec); -1 with errno on failure.
int CPrefork_wait_set_create(void);

/// Adds `fd`: the listening socket (`listening` 1: one waiter woken per new connection) or a
/// kept connection (its hang-up is reported too). Returns 0, or -1 with errno.
int CPrefork_wait_set_add(int set, int fd, int listening);

/// Moves this worker's wait on the listening socket `fd` to the end of the socket's queue: the
/// kernel wakes the first idle worker in it for a new connection, so a worker that has just taken
/// one lets the others go first (as blocking accepts take turns). Returns 0, or -1 with errno.
int CPrefork_wait_set_requeue(int set, int fd);

/// What `CPrefork_wait_set_wait` reports for a connection the peer closed or reset.
#define CPREFORK_WAIT_HANGUP 1

/// Waits, with SIGQUIT unblocked meanwhile, until a descriptor of the set is readable. Returns
/// it (with `*hangup` 1 when the peer closed it), or -1 with errno (EINTR: a signal came).
int CPrefork_wait_set_wait(int set, int *hangup);

/// accept() on a non-blocking listening socket with SIGQUIT unblocked meanwhile (an accept that
/// blocks after all, on a socket another image made blocking, is still ended by the stop).
int CPrefork_accept(int listen_fd, struct sockaddr *address, socklen_t *length);

/// Sets or clears O_NONBLOCK on `fd`; 0, or -1 with errno.
int CPrefork_set_nonblocking(int fd, int on);

#endif
