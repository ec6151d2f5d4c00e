#ifndef CSUPPORT_H
#define CSUPPORT_H
#include <signal.h>

/// CPU feature probe (cpuid + OS support), used to pick OpenBLAS's kernel when its own detection fails.
int csupport_cpu_has_avx512(void);   // AVX-512 F, BW, DQ, VL (what OpenBLAS's SkylakeX kernels use)
int csupport_cpu_has_avx2_fma(void);
int csupport_cpu_has_avx(void);

/// SIGINT handling: the handler only sets a flag; long-running work polls it.
void csupport_install_sigint_flag(void);
int csupport_sigint_pending(void);   // non-zero if SIGINT arrived since the last clear
void csupport_sigint_clear(void);
void csupport_sigint_raise(void);    // sets the flag as if SIGINT arrived (tests)

/// Columns of the terminal on `fd`, or 0 if it is not a terminal.
int csupport_terminal_columns(int fd);

#endif
