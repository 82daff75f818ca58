#ifndef CPREFORK_LOG_FILE_H
#define CPREFORK_LOG_FILE_H

// The log file (LOG_FILE) of FCGIApp, ChatDaemon and JobRunner, and its reopening after a
// rotation (logrotate renames the file, then sends SIGUSR1, as it does for nginx and php-fpm).
//
// Every log line is one write(2) to fd 2, so reopening is: open the path anew (a new file after
// a rename), dup2 it onto fd 2, close the spare descriptor. dup2 swaps fd 2 atomically: a line is
// written whole into the old file or whole into the new one, never split, never lost. open, dup2
// and close are async-signal-safe, so a worker reopens inside its SIGUSR1 handler, even while
// blocked in accept(), with no loop to wake.

/// Opens `path` for appending (created with mode 0640) and puts it on fd 2; remembers the path
/// for later reopens (at most 4095 bytes). Returns 0, or -1 with errno (fd 2 unchanged).
int CPrefork_log_open(const char *path);

/// Opens the remembered path again and swaps it onto fd 2. Async-signal-safe. Returns 0, 1 when
/// no log file is set, or -1 with errno (fd 2 unchanged: lines keep going to the old file).
int CPrefork_log_reopen(void);

/// Installs a SIGUSR1 handler that calls CPrefork_log_reopen (SA_RESTART: a read or accept in
/// progress resumes). Without a log file, SIGUSR1 is ignored, so that it never ends the process.
/// Returns 0, or -1 with errno.
int CPrefork_log_reopen_on_sigusr1(void);

/// How many reopens failed since the last call (reset to 0): to be logged outside the handler.
int CPrefork_log_take_reopen_failures(void);

#endif
