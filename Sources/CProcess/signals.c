#define _GNU_SOURCE
#include "CProcess.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

extern char **environ;
char **CProcess_environ(void) { return environ; }

enum { max_signals = 16 };
static int signal_pipe[2] = {-1, -1};
static int installed[max_signals];
static int installed_count = 0;

static void handler(int signo) {
    int saved = errno;
    char c = (char)signo;
    if (signal_pipe[1] >= 0) {
        ssize_t ignored = write(signal_pipe[1], &c, 1);
        (void)ignored;
    }
    errno = saved;
}

int CProcess_signals_install(const int *signals, int count) {
    if (count < 0 || count > max_signals) { errno = EINVAL; return -1; }
    if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < count; i++) {
        if (sigaction(signals[i], &sa, NULL) != 0) return -1;
        installed[i] = signals[i];
    }
    installed_count = count;
    signal(SIGPIPE, SIG_IGN);
    CProcess_signals_block(0);
    return signal_pipe[0];
}

int CProcess_signals_next(void) {
    unsigned char c;
    ssize_t n = read(signal_pipe[0], &c, 1);
    return n == 1 ? (int)c : 0;
}

void CProcess_signals_block(int block) {
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < installed_count; i++) sigaddset(&set, installed[i]);
    sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

void CProcess_signals_forget(void) {
    if (signal_pipe[0] >= 0) { close(signal_pipe[0]); signal_pipe[0] = -1; }
    if (signal_pipe[1] >= 0) { close(signal_pipe[1]); signal_pipe[1] = -1; }
    for (int i = 0; i < installed_count; i++) signal(installed[i], SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
}
