// libvterm (Debian libvterm-dev) for the console's shell pane, through plain structs: Swift
// cannot read VTermScreenCell's bit-fields, and the cursor's visibility comes by a callback.
#include <stdint.h>
#include <stdlib.h>
#include <vterm.h>

/// A terminal and what its callbacks told.
typedef struct {
    VTerm *vt;
    VTermScreen *screen;
    int cursor_visible;
} sb_vterm;

/// A colour: kind 0 the default, 1 a palette index (`value`), 2 RGB (`value` = 0xRRGGBB).
typedef struct { int kind; uint32_t value; } sb_vcolor;

/// One cell: its first character (0 for none), width, colours and attributes.
typedef struct {
    uint32_t ch;
    int width;
    sb_vcolor fg, bg;
    int bold, underline, italic, reverse;
} sb_vcell;

static int sb_vterm_settermprop(VTermProp prop, VTermValue *val, void *user) {
    if (prop == VTERM_PROP_CURSORVISIBLE) ((sb_vterm *)user)->cursor_visible = val->boolean;
    return 1;
}

static const VTermScreenCallbacks sb_vterm_callbacks = { .settermprop = sb_vterm_settermprop };

static inline sb_vterm *sb_vterm_new(int rows, int cols) {
    sb_vterm *term = calloc(1, sizeof(sb_vterm));
    if (!term) return NULL;
    term->vt = vterm_new(rows, cols);
    if (!term->vt) { free(term); return NULL; }
    term->cursor_visible = 1;
    vterm_set_utf8(term->vt, 1);
    term->screen = vterm_obtain_screen(term->vt);
    vterm_screen_set_callbacks(term->screen, &sb_vterm_callbacks, term);
    vterm_screen_enable_altscreen(term->screen, 1);
    vterm_screen_reset(term->screen, 1);
    return term;
}

static inline void sb_vterm_free(sb_vterm *term) {
    vterm_free(term->vt);
    free(term);
}

static inline sb_vcolor sb_vterm_color(const VTermColor *color, int background) {
    sb_vcolor out = { 0, 0 };
    if (background ? VTERM_COLOR_IS_DEFAULT_BG(color) : VTERM_COLOR_IS_DEFAULT_FG(color)) return out;
    if (VTERM_COLOR_IS_INDEXED(color)) { out.kind = 1; out.value = color->indexed.idx; }
    else if (VTERM_COLOR_IS_RGB(color)) { out.kind = 2; out.value = ((uint32_t)color->rgb.red << 16) | ((uint32_t)color->rgb.green << 8) | color->rgb.blue; }
    return out;
}

static inline void sb_vterm_cell(sb_vterm *term, int row, int col, sb_vcell *out) {
    VTermScreenCell cell;
    VTermPos pos = { row, col };
    if (!vterm_screen_get_cell(term->screen, pos, &cell)) { *out = (sb_vcell){ 0 }; out->width = 1; return; }
    out->ch = cell.chars[0];
    out->width = cell.width;
    out->fg = sb_vterm_color(&cell.fg, 0);
    out->bg = sb_vterm_color(&cell.bg, 1);
    out->bold = cell.attrs.bold;
    out->underline = cell.attrs.underline != 0;
    out->italic = cell.attrs.italic;
    out->reverse = cell.attrs.reverse;
}

static inline void sb_vterm_cursor(sb_vterm *term, int *row, int *col) {
    VTermPos pos;
    vterm_state_get_cursorpos(vterm_obtain_state(term->vt), &pos);
    *row = pos.row;
    *col = pos.col;
}
