#define _GNU_SOURCE
#include "CPrefork.h"
#include "CProcess.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t worker_stop = 0;

int CPrefork_init_child(pid_t expected_parent) {
    CProcess_signals_forget();
    // SIGUSR1 reopens LOG_FILE in workers too; set before the mask opens, so that one sent to a
    // worker just forked never finds the default action (which ends the process).
    if (CProcess_log_reopen_on_sigusr1() != 0) return -1;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) return -1;
    // The parent may have died between fork() and prctl(): then nobody would send the signal.
    if (getppid() != expected_parent) _exit(0);
    return 0;
}

static volatile int worker_listen_fd = -1;

static void worker_handler(int signo) {
    (void)signo;
    int saved = errno;
    worker_stop = 1;
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

void CPrefork_install_worker_signals(int listen_fd) {
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
