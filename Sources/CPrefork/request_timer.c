#define _GNU_SOURCE
#include "CPreforkRequestTimer.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

// Everything the handler reads is written by the same thread it interrupts (the timer targets
// that thread), so volatile is enough: the handler never runs concurrently with the writers.
static timer_t request_timer;
static int timer_created = 0;
static volatile sig_atomic_t request_active = 0;
static volatile sig_atomic_t request_fired = 0;
static volatile sig_atomic_t hard_exit_code = 0;
static volatile long long limit_milliseconds = 0;
static volatile long cancels_sent = 0;
static struct pg_cancel *volatile cancel_target = NULL;
static volatile CPrefork_cancel_function cancel_function = NULL;

static struct itimerspec after_milliseconds(long long milliseconds) {
    struct itimerspec value;
    memset(&value, 0, sizeof value);
    value.it_value.tv_sec = (time_t)(milliseconds / 1000);
    value.it_value.tv_nsec = (long)(milliseconds % 1000) * 1000000L;
    return value;
}

// --- a log line from the handler: only write(2) and arithmetic ---------------------------------

typedef struct {
    char text[256];
    size_t length;
} line_buffer;

static void put_text(line_buffer *line, const char *text) {
    while (*text && line->length < sizeof line->text) line->text[line->length++] = *text++;
}

static void put_number(line_buffer *line, unsigned long long value, int min_digits) {
    char digits[24];
    int count = 0;
    do {
        digits[count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0 && count < (int)sizeof digits);
    while (count < min_digits && count < (int)sizeof digits) digits[count++] = '0';
    while (count > 0 && line->length < sizeof line->text) line->text[line->length++] = digits[--count];
}

// Days since 1970-01-01 to a proleptic Gregorian date (era arithmetic, 400-year cycles).
static void civil_date(long long days, long long *year, unsigned *month, unsigned *day) {
    days += 719468;
    long long era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned day_of_era = (unsigned)(days - era * 146097);
    unsigned year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    unsigned day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    unsigned shifted_month = (5 * day_of_year + 2) / 153;
    *day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    *month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
    *year = (long long)year_of_era + era * 400 + (*month <= 2);
}

// The same shape as the JSON log handler's lines: ts, level, msg, pid.
static void log_hard_exit(void) {
    line_buffer line = {.length = 0};
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    long long seconds = (long long)now.tv_sec;
    long long days = seconds / 86400;
    long long second_of_day = seconds % 86400;
    long long year;
    unsigned month, day;
    civil_date(days, &year, &month, &day);
    put_text(&line, "{\"ts\":\"");
    put_number(&line, (unsigned long long)year, 4);
    put_text(&line, "-");
    put_number(&line, month, 2);
    put_text(&line, "-");
    put_number(&line, day, 2);
    put_text(&line, "T");
    put_number(&line, (unsigned long long)(second_of_day / 3600), 2);
    put_text(&line, ":");
    put_number(&line, (unsigned long long)(second_of_day / 60 % 60), 2);
    put_text(&line, ":");
    put_number(&line, (unsigned long long)(second_of_day % 60), 2);
    put_text(&line, ".");
    put_number(&line, (unsigned long long)(now.tv_nsec / 1000000), 3);
    put_text(&line, "Z\",\"level\":\"critical\",\"msg\":\"Request still running at twice the time limit; worker exits\",\"pid\":");
    put_number(&line, (unsigned long long)getpid(), 1);
    put_text(&line, ",\"limit.ms\":");
    put_number(&line, (unsigned long long)limit_milliseconds, 1);
    put_text(&line, ",\"exit.code\":");
    put_number(&line, (unsigned long long)hard_exit_code, 1);
    put_text(&line, "}\n");
    ssize_t ignored = write(2, line.text, line.length);
    (void)ignored;
}

// --- the handler ----------------------------------------------------------------------------

static void request_timer_handler(int signo) {
    (void)signo;
    int saved_errno = errno;
    if (!request_active) {
        // A late expiry after the request ended: nothing to do.
        errno = saved_errno;
        return;
    }
    if (!request_fired) {
        request_fired = 1;
        struct pg_cancel *cancel = cancel_target;
        CPrefork_cancel_function function = cancel_function;
        if (cancel != NULL && function != NULL) {
            char error_buffer[256];
            if (function(cancel, error_buffer, (int)sizeof error_buffer) == 1) cancels_sent++;
        }
        if (hard_exit_code > 0 && timer_created) {
            struct itimerspec again = after_milliseconds(limit_milliseconds);
            timer_settime(request_timer, 0, &again, NULL);
        }
    } else if (hard_exit_code > 0) {
        log_hard_exit();
        _exit(hard_exit_code);
    }
    errno = saved_errno;
}

// --- the worker's side ----------------------------------------------------------------------

int CPrefork_request_timer_install(int exit_code) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = request_timer_handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    if (sigaction(SIGALRM, &action, NULL) != 0) return -1;

    if (timer_created) {
        timer_delete(request_timer);
        timer_created = 0;
    }
    struct sigevent event;
    memset(&event, 0, sizeof event);
    event.sigev_notify = SIGEV_THREAD_ID;
    event.sigev_signo = SIGALRM;
    event._sigev_un._tid = gettid();
    if (timer_create(CLOCK_MONOTONIC, &event, &request_timer) != 0) return -1;
    timer_created = 1;
    // The signal goes to this thread only, so it must not be blocked here (threads of a
    // thread pool, such as a test runner's, are often created with everything blocked).
    sigset_t alarm_only;
    sigemptyset(&alarm_only);
    sigaddset(&alarm_only, SIGALRM);
    pthread_sigmask(SIG_UNBLOCK, &alarm_only, NULL);
    hard_exit_code = exit_code > 0 ? exit_code : 0;
    request_active = 0;
    request_fired = 0;
    cancels_sent = 0;
    return 0;
}

void CPrefork_request_timer_set_cancel(struct pg_cancel *cancel, CPrefork_cancel_function function) {
    // Cleared first, set last: an expiry in between sees no target rather than half of one.
    cancel_target = NULL;
    cancel_function = NULL;
    if (cancel != NULL && function != NULL) {
        cancel_function = function;
        cancel_target = cancel;
    }
}

int CPrefork_request_timer_arm(long long milliseconds) {
    if (!timer_created) {
        errno = EINVAL;
        return -1;
    }
    if (milliseconds < 1) milliseconds = 1;
    limit_milliseconds = milliseconds;
    request_fired = 0;
    // Re-arm first, mark the request as running after: an expiry left from the previous
    // request is delivered at the latest on the return from timer_settime, and must still
    // find no request (else this one would start out "over its limit").
    struct itimerspec value = after_milliseconds(milliseconds);
    if (timer_settime(request_timer, 0, &value, NULL) != 0) return -1;
    request_active = 1;
    return 0;
}

int CPrefork_request_timer_end(void) {
    // No system call: the timer is left to run out. An expiry after this point finds no
    // request and returns at once; the next arm replaces the pending expiry anyway.
    request_active = 0;
    int fired = request_fired ? 1 : 0;
    request_fired = 0;
    return fired;
}

void CPrefork_request_timer_stop(void) {
    request_active = 0;
    request_fired = 0;
    if (timer_created) {
        struct itimerspec zero;
        memset(&zero, 0, sizeof zero);
        timer_settime(request_timer, 0, &zero, NULL);
    }
}

int CPrefork_request_timer_fired(void) { return request_fired ? 1 : 0; }

long CPrefork_request_timer_cancels_sent(void) { return cancels_sent; }
