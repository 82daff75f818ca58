#ifndef CPREFORK_H
#define CPREFORK_H

#include <signal.h>
#include <sys/types.h>

// The pool's C side (FCGIServer only): its workers' signals and start, the per-request timer,
// the shared rate-limit table and the scoreboard. What every executable needs is in CProcess.

/// In a freshly forked worker: closes the master's signal pipe and restores the default
/// dispositions (`CProcess_signals_forget`), makes SIGUSR1 reopen LOG_FILE, unblocks
/// everything, and asks the kernel for SIGTERM when the parent dies. Returns 0, or -1 with errno.
int CPrefork_init_child(pid_t expected_parent);

/// Worker side, after FCGX_Init: SIGQUIT asks the worker loop to stop after the request in
/// hand, without interrupting its reads and writes, and replaces this process's `listen_fd` with a socket that listens to nothing, so
/// that a blocked accept returns at once (as php-fpm's children do); SIGTERM/SIGINT get their
/// default action back (immediate exit); SIGPIPE is ignored.
void CPrefork_install_worker_signals(int listen_fd);
int CPrefork_worker_stop_requested(void);

/// Sets the process title seen in ps (prctl PR_SET_NAME, 15 chars).
void CPrefork_set_name(const char *name);

/// SO_ACCEPTCONN on fd: 1 when fd is a listening socket (spawn-fcgi hands one on fd 0).
int CPrefork_is_listening_socket(int fd);

/// WIFEXITED & co. are macros: wrapped so Swift can decode a wait status.
int CPrefork_wifexited(int status);
int CPrefork_wexitstatus(int status);
int CPrefork_wifsignaled(int status);
int CPrefork_wtermsig(int status);
int CPrefork_wcoredump(int status);


// The per-request time limit (request_timer.c).
#include "CPreforkRequestTimer.h"

// Rate-limit counters shared by the pool's processes (ratetable.c).
#include "CPreforkRateTable.h"

// What a worker waits on between requests (wait_set.c).
#include "CPreforkWaitSet.h"

// The pool's scoreboard for the status page (scoreboard.c).
#include "CPreforkScoreboard.h"
#endif
