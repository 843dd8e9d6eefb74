// ncursesw through fixed-argument helpers. The wide-character API needs NCURSES_WIDECHAR
// (SwiftPM drops pkg-config's -D flags), and Swift 6 refuses C globals such as stdscr, so the
// few we need are wrapped here.
#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <wchar.h>
#include <locale.h>
#include <curses.h>

int wcwidth(wchar_t c);

static inline WINDOW *sb_stdscr(void) { return stdscr; }
/// The next refresh paints every cell, whatever curses believes the terminal shows.
static inline void sb_repaint(void) { clearok(curscr, TRUE); }
static inline int sb_lines(void) { return LINES; }
static inline int sb_cols(void) { return COLS; }
static inline int sb_colors(void) { return COLORS; }
static inline int sb_color_pairs(void) { return COLOR_PAIRS; }
static inline attr_t sb_color_pair(int n) { return (attr_t)COLOR_PAIR(n); }
static inline attr_t sb_a_bold(void) { return A_BOLD; }
static inline attr_t sb_a_reverse(void) { return A_REVERSE; }
static inline attr_t sb_a_underline(void) { return A_UNDERLINE; }
static inline attr_t sb_a_dim(void) { return A_DIM; }

/// Draws one cell: a character (or a wide character's first cell) with attributes and a pair.
static inline void sb_put(int y, int x, wchar_t ch, attr_t attrs, short pair) {
    wchar_t text[2] = { ch, 0 };
    cchar_t cell;
    setcchar(&cell, text, attrs, pair, NULL);
    mvadd_wch(y, x, &cell);
}

/// Reads one key: returns OK (a character), KEY_CODE_YES (a function key) or ERR.
static inline int sb_get_wch(wint_t *out) { return get_wch(out); }

static inline void sb_mouse(int on) { mousemask(on ? (ALL_MOUSE_EVENTS | REPORT_MOUSE_POSITION) : 0, NULL); }

/// Reads a mouse event: returns 1 for a click, 4 for wheel up, 5 for wheel down, 0 otherwise.
static inline int sb_read_mouse(int *x, int *y) {
    MEVENT event;
    if (getmouse(&event) != OK) return 0;
    *x = event.x; *y = event.y;
    if (event.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)) return 1;
    if (event.bstate & BUTTON4_PRESSED) return 4;
#ifdef BUTTON5_PRESSED
    if (event.bstate & BUTTON5_PRESSED) return 5;
#endif
    return 0;
}
