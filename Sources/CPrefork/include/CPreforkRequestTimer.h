#ifndef CPREFORK_REQUEST_TIMER_H
#define CPREFORK_REQUEST_TIMER_H

// The per-request time limit of a worker (php-fpm's request_terminate_timeout, but answering
// instead of killing first). One POSIX timer per process, delivered as SIGALRM to the thread
// that installed it (SIGEV_THREAD_ID): the worker's only thread, or a test's thread.
//
// When the limit passes while a request runs, the handler (C, async-signal-safe only):
//   1. marks the request as over its limit (CPrefork_request_timer_fired);
//   2. sends a cancel request for the running PostgreSQL statement with libpq's PQcancel,
//      which libpq documents as safe in a signal handler; the statement then fails with
//      SQLSTATE 57014 (query_canceled) and the worker answers 504;
//   3. with a hard limit, re-arms itself once more for the same time: if the request is still
//      running then (stuck in code that no cancel reaches), it writes one log line to fd 2 and
//      _exit()s with the hard-limit exit code; the master forks a replacement.
//
// libpq's PGcancel is an incomplete type here, as in libpq-fe.h: Swift sees both as OpaquePointer.

struct pg_cancel;

/// libpq's PQcancel(PGcancel *, char *errbuf, int errbufsize), passed in by the caller so this
/// target does not link libpq itself.
typedef int (*CPrefork_cancel_function)(struct pg_cancel *cancel, char *errbuf, int errbufsize);

/// Installs the SIGALRM handler (SA_RESTART: reads and writes on the FastCGI socket resume
/// after it) and creates the timer for the calling thread, replacing an earlier one; SIGALRM
/// is unblocked in that thread.
/// `hard_exit_code` > 0 enables the hard limit at twice the time. Returns 0, or -1 with errno.
int CPrefork_request_timer_install(int hard_exit_code);

/// The statement the next expiry cancels: a PGcancel of the current connection and PQcancel,
/// or NULL to forget it. Clear it BEFORE freeing the PGcancel.
void CPrefork_request_timer_set_cancel(struct pg_cancel *cancel, CPrefork_cancel_function function);

/// Starts the limit of a request: one timer_settime, which also replaces an expiry still
/// pending from the previous request. Returns 0, or -1 with errno.
int CPrefork_request_timer_arm(long long milliseconds);

/// Ends the limit of a request, without a system call: the timer is left to run out, and an
/// expiry between requests (the worker waiting in accept, restarted after the handler thanks
/// to SA_RESTART) does nothing. Returns 1 when the limit passed during the request, else 0.
int CPrefork_request_timer_end(void);

/// Disarms the timer for good (one timer_settime), e.g. before the timer's owner goes away.
void CPrefork_request_timer_stop(void);

/// 1 while the current request is over its limit (from the expiry to the next arm), else 0.
int CPrefork_request_timer_fired(void);

/// How many cancel requests PQcancel reported as sent since install (for tests and logs).
long CPrefork_request_timer_cancels_sent(void);

#endif
