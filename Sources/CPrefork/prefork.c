#define _GNU_SOURCE
#include "CPrefork.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int signal_pipe[2] = {-1, -1};
static volatile sig_atomic_t worker_stop = 0;

static const int master_signals[] = {SIGTERM, SIGINT, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2};

static void master_handler(int signo) {
    int saved = errno;
    char c = CPrefork_SignalNone;
    switch (signo) {
    case SIGTERM: case SIGINT: c = CPrefork_SignalTerminate; break;
    case SIGQUIT: c = CPrefork_SignalQuit; break;
    case SIGCHLD: c = CPrefork_SignalChild; break;
    case SIGUSR1: c = CPrefork_SignalReopenLogs; break;
    case SIGUSR2: c = CPrefork_SignalReload; break;
    }
    if (c != CPrefork_SignalNone && signal_pipe[1] >= 0) {
        ssize_t ignored = write(signal_pipe[1], &c, 1);
        (void)ignored;
    }
    errno = saved;
}

int CPrefork_install_master_signals(void) {
    if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = master_handler;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof master_signals / sizeof master_signals[0]; i++) {
        if (sigaction(master_signals[i], &sa, NULL) != 0) return -1;
    }
    signal(SIGPIPE, SIG_IGN);
    // A master re-executed on reload starts with these blocked (see Reexecution.swift): what
    // arrived in between is delivered now, to the handlers.
    CPrefork_block_signals(0);
    return signal_pipe[0];
}

int CPrefork_next_signal(void) {
    char c;
    ssize_t n = read(signal_pipe[0], &c, 1);
    return n == 1 ? (int)c : CPrefork_SignalNone;
}

void CPrefork_block_signals(int block) {
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof master_signals / sizeof master_signals[0]; i++) {
        sigaddset(&set, master_signals[i]);
    }
    sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

int CPrefork_init_child(pid_t expected_parent) {
    if (signal_pipe[0] >= 0) { close(signal_pipe[0]); signal_pipe[0] = -1; }
    if (signal_pipe[1] >= 0) { close(signal_pipe[1]); signal_pipe[1] = -1; }
    for (size_t i = 0; i < sizeof master_signals / sizeof master_signals[0]; i++) {
        signal(master_signals[i], SIG_DFL);
    }
    signal(SIGPIPE, SIG_DFL);
    // SIGUSR1 reopens LOG_FILE in workers too; set before the mask opens, so that one sent to a
    // worker just forked never finds the default action (which ends the process).
    if (CPrefork_log_reopen_on_sigusr1() != 0) return -1;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) return -1;
    // The parent may have died between fork() and prctl(): then nobody would send the signal.
    if (getppid() != expected_parent) _exit(0);
    return 0;
}

static void (*worker_shutdown_hook)(void) = NULL;
static volatile int worker_listen_fd = -1;

static void worker_handler(int signo) {
    (void)signo;
    int saved = errno;
    worker_stop = 1;
    // libfcgi retries accept() on EINTR unless its own shutdown flag is set.
    if (worker_shutdown_hook) worker_shutdown_hook();
    // php-fpm's sig_soft_quit: the listening socket's descriptor now names a socket that
    // listens to nothing, so an accept() in progress (restarted after this handler) fails at
    // once, and no further connection is taken. This process's descriptor only: the master
    // and the other workers keep listening.
    int fd = worker_listen_fd;
    if (fd >= 0) {
        worker_listen_fd = -1;
        int idle = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (idle >= 0) {
            dup2(idle, fd);
            close(idle);
        }
    }
    errno = saved;
}

void CPrefork_install_worker_signals(void (*shutdown_hook)(void), int listen_fd) {
    worker_shutdown_hook = shutdown_hook;
    worker_listen_fd = listen_fd;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = worker_handler;
    sigemptyset(&sa.sa_mask);
    // SA_RESTART: a read or write of the request in hand resumes, so the request is answered
    // whole (libfcgi gives up a request whose read fails with EINTR: nginx then answers 502).
    // A blocked accept() resumes too, on the swapped descriptor, and fails at once.
    sa.sa_flags = SA_RESTART;
    sigaction(SIGQUIT, &sa, NULL);
    // SIGTERM and SIGINT end a worker at once (php-fpm's children do the same); FCGX_Init
    // installed its own SIGTERM handler, so put the default back.
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    // A client that goes away must not kill the worker.
    signal(SIGPIPE, SIG_IGN);
}

int CPrefork_worker_stop_requested(void) { return worker_stop; }

void CPrefork_set_name(const char *name) { prctl(PR_SET_NAME, name, 0, 0, 0); }

int CPrefork_is_listening_socket(int fd) {
    int value = 0;
    socklen_t len = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &value, &len) != 0) return 0;
    return value ? 1 : 0;
}

int CPrefork_wifexited(int status) { return WIFEXITED(status); }
int CPrefork_wexitstatus(int status) { return WEXITSTATUS(status); }
int CPrefork_wifsignaled(int status) { return WIFSIGNALED(status); }
int CPrefork_wtermsig(int status) { return WTERMSIG(status); }
int CPrefork_wcoredump(int status) { return WCOREDUMP(status); }

extern char **environ;
char **CPrefork_environ(void) { return environ; }
