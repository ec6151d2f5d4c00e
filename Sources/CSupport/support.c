#include "CSupport.h"
#include <string.h>
#include <sys/ioctl.h>

int csupport_cpu_has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}
int csupport_cpu_has_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
int csupport_cpu_has_avx(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx");
}

static volatile sig_atomic_t sigint_flag = 0;
static void on_sigint(int sig) { (void)sig; sigint_flag = 1; }

void csupport_install_sigint_flag(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: a blocking read returns EINTR so the shell can react
    sigaction(SIGINT, &sa, 0);
}
int csupport_sigint_pending(void) { return sigint_flag != 0; }
void csupport_sigint_clear(void) { sigint_flag = 0; }
void csupport_sigint_raise(void) { sigint_flag = 1; }

int csupport_terminal_columns(int fd) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0) return 0;
    return ws.ws_col;
}
