/* Wide-character ncurses, whatever feature macros the build set (htop's
 * ProvideCurses.h idea): every tui/ file includes curses through here. */
#ifndef KPROF_TUI_CURSES_H
#define KPROF_TUI_CURSES_H

#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <ncurses.h>

#endif
