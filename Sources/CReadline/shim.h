#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>

// Swift 6 treats C global variables as unsafe shared state; these accessors are the only way the
// REPL touches readline's globals (always from the main thread).
static inline void mnsh_rl_configure(const char *name, rl_completion_func_t *complete) {
    rl_readline_name = name;
    rl_catch_signals = 0;  /* our SIGINT handler only sets a flag */
    rl_attempted_completion_function = complete;
}
static inline const char *mnsh_rl_line_buffer(void) { return rl_line_buffer; }
static inline void mnsh_rl_set_completion_over(int over) { rl_attempted_completion_over = over; }
