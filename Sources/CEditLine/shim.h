// libedit's readline-compatible interface (Debian: libedit-dev). Swift 6 refuses to touch C
// global variables, and the variadic el_set()/history() are not callable from Swift, so the few
// globals we need are set through these fixed-argument helpers.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <editline/readline.h>

typedef char **(*sandbox_completer_t)(const char *text, int start, int end);

/// libedit's own signal handling (EL_SIGNAL, from rl_catch_signals) re-sends a caught signal to
/// the whole process group with kill(0, sig), killing e.g. the shell of a tmux pane with us.
/// It must be off before the first rl_initialize (explicit, or implied by readline/history
/// calls); the callers restore the terminal themselves.
static inline void sandbox_rl_no_signals(void) { rl_catch_signals = 0; rl_catch_sigwinch = 0; }

/// rl_initialize with libedit's signal handling off.
static inline void sandbox_rl_initialize(void) { sandbox_rl_no_signals(); rl_initialize(); }

static inline void sandbox_rl_configure(sandbox_completer_t completer) {
    sandbox_rl_no_signals();
    rl_attempted_completion_function = completer;
}

/// The line typed so far, up to the cursor (a copy the caller frees).
static inline char *sandbox_rl_line_to_cursor(void) {
    if (rl_line_buffer == NULL) return strdup("");
    return strndup(rl_line_buffer, (size_t)(rl_point < 0 ? 0 : rl_point));
}

static inline void sandbox_rl_set_append_character(int c) { rl_completion_append_character = c; }

/// The TUI's command line runs libedit on a pseudo-terminal it never shows: these point
/// readline's streams at it and install the line callback.
static inline void sandbox_rl_set_streams(FILE *in, FILE *out) { rl_instream = in; rl_outstream = out; }
static inline const char *sandbox_rl_line_buffer(void) { return rl_line_buffer ? rl_line_buffer : ""; }
static inline int sandbox_rl_point(void) { return rl_point; }
