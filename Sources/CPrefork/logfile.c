#define _GNU_SOURCE
#include "CPrefork.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

// The path is copied once, before any handler can run, and only read afterwards.
static char log_path[4096];
static volatile sig_atomic_t log_path_set = 0;
static volatile sig_atomic_t reopen_failures = 0;

static int open_and_swap(void) {
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) return -1;
    if (fd != 2) {
        // dup2 clears FD_CLOEXEC on the new fd 2: it stays open across exec (a re-executed
        // master keeps logging to it until it opens LOG_FILE itself).
        int rc;
        do { rc = dup2(fd, 2); } while (rc < 0 && errno == EINTR);
        int saved = errno;
        close(fd);
        if (rc < 0) { errno = saved; return -1; }
    }
    return 0;
}

int CPrefork_log_open(const char *path) {
    size_t length = strlen(path);
    if (length == 0 || length >= sizeof log_path) { errno = ENAMETOOLONG; return -1; }
    memcpy(log_path, path, length + 1);
    if (open_and_swap() != 0) return -1;
    log_path_set = 1;
    return 0;
}

int CPrefork_log_reopen(void) {
    if (!log_path_set) return 1;
    int saved = errno;
    int rc = open_and_swap();
    if (rc != 0) reopen_failures++;
    errno = saved;
    return rc;
}

static void reopen_handler(int signo) {
    (void)signo;
    (void)CPrefork_log_reopen();
}

int CPrefork_log_reopen_on_sigusr1(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = log_path_set ? reopen_handler : SIG_IGN;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGUSR1, &sa, NULL);
}

int CPrefork_log_take_reopen_failures(void) {
    int count = reopen_failures;
    reopen_failures = 0;
    return count;
}
