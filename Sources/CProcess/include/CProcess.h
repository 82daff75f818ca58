#ifndef CPROCESS_H
#define CPROCESS_H

// What every executable of ours (FCGIApp, ChatDaemon, JobRunner) needs from the system that
// Swift cannot reach directly: the environment, the log file and its reopening on SIGUSR1, and
// a self-pipe for the signals a program handles in its own loop. Pool-only C code (workers,
// scoreboard, rate table, request timer) is in CPrefork.

#include <signal.h>

/// The process environment (`environ`), which Swift 6 cannot read as a global.
char **CProcess_environ(void);

/// Installs a handler for each of `signals` (with SA_RESTART) that only writes the signal's
/// number, as one byte, to a self-pipe (php-fpm's fpm_signals.c does the same): the program's
/// loop reads them and does the work. SIGPIPE is ignored. The signals are then unblocked, so a
/// process that was exec'ed with them blocked (a re-executed pool master) gets what arrived in
/// between now. Call once. Returns the pipe's read end (non-blocking, close-on-exec), or -1.
int CProcess_signals_install(const int *signals, int count);

/// The next signal number from the pipe, or 0 when none is pending (non-blocking).
int CProcess_signals_next(void);

/// Blocks (1) or unblocks (0) the installed signals (around fork() and exec()).
void CProcess_signals_block(int block);

/// In a freshly forked child: closes the pipe and gives the installed signals (and SIGPIPE)
/// their default action back.
void CProcess_signals_forget(void);

// LOG_FILE and its reopening on SIGUSR1 (logfile.c).
#include "CProcessLogFile.h"
#endif
