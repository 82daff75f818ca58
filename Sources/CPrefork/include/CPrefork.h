#ifndef CPREFORK_H
#define CPREFORK_H

#include <signal.h>
#include <sys/types.h>

// Signals the master reacts to. The handler only records the signal and writes one byte
// to a self-pipe (php-fpm's fpm_signals.c does the same); the master loop does the work.
typedef enum {
    CPrefork_SignalNone = 0,
    CPrefork_SignalTerminate = 1,   // SIGTERM, SIGINT: fast stop
    CPrefork_SignalQuit = 2,        // SIGQUIT: graceful stop
    CPrefork_SignalChild = 3,       // SIGCHLD: reap
    CPrefork_SignalReload = 4,      // SIGUSR2: graceful reload
    CPrefork_SignalReopenLogs = 5,  // SIGUSR1
} CPrefork_Signal;

/// Creates the self-pipe and installs the master's handlers. Returns the read end, or -1.
int CPrefork_install_master_signals(void);

/// Reads one pending signal byte from the self-pipe (non-blocking). Returns CPrefork_SignalNone
/// when nothing is pending.
int CPrefork_next_signal(void);

/// In a freshly forked child: closes the self-pipe, restores default dispositions for every
/// signal the master handled, unblocks everything, and asks the kernel for SIGTERM when the
/// parent dies. Returns 0, or -1 with errno set.
int CPrefork_init_child(pid_t expected_parent);

/// Blocks or unblocks the master's signals around fork().
void CPrefork_block_signals(int block);

/// Worker side, after FCGX_Init: SIGQUIT asks the worker loop to stop after the request in
/// hand (and calls `shutdown_hook`, FCGX_ShutdownPending), without interrupting its reads and
/// writes, and replaces this process's `listen_fd` with a socket that listens to nothing, so
/// that a blocked accept returns at once (as php-fpm's children do); SIGTERM/SIGINT get their
/// default action back (immediate exit); SIGPIPE is ignored.
void CPrefork_install_worker_signals(void (*shutdown_hook)(void), int listen_fd);
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



/// The process environment (`environ`), which Swift 6 cannot read as a global.
char **CPrefork_environ(void);

// The per-request time limit (request_timer.c).
#include "CPreforkRequestTimer.h"

// Rate-limit counters shared by the pool's processes (ratetable.c).
#include "CPreforkRateTable.h"

// The pool's scoreboard for the status page (scoreboard.c).
#include "CPreforkScoreboard.h"

// LOG_FILE and its reopening on SIGUSR1 (logfile.c).
#include "CPreforkLogFile.h"
#endif
