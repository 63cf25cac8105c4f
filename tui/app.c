/* The TUI's loop: poll() on the terminal and a signalfd, with a timeout to
 * the next refresh.  A key goes through the key table and its handler
 * returns reaction flags; a refresh copies the model under its lock; then
 * the screen is drawn, once, in one place.  Every way out restores the
 * terminal. */
#include "config.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "curses.h"
#include "keys.h"
#include "tui.h"
#include "../common/clock.h"

/* The signals the loop reads: the session blocks the first ones, we add
 * the terminal's.  SIGQUIT (Ctrl-\) quits like q, restoring the terminal,
 * instead of dumping core with the screen in raw mode. */
static void tui_signals(sigset_t *s)
{
	sigemptyset(s);
	sigaddset(s, SIGINT);
	sigaddset(s, SIGTERM);
	sigaddset(s, SIGHUP);
	sigaddset(s, SIGQUIT);
	sigaddset(s, SIGWINCH);
	sigaddset(s, SIGTSTP);
}

void tui_block_signals(void)
{
	sigset_t s;

	tui_signals(&s);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
}

static int app_terminal(struct app *a, SCREEN **screen, char *err, size_t errlen)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "the live view needs a terminal; use -b for a plain-text report");
		return -1;
	}
	setlocale(LC_CTYPE, "");
	a->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	*screen = newterm(NULL, stdout, stdin);
	if (!*screen) {
		const char *term = getenv("TERM");
		snprintf(err, errlen, "cannot use terminal type '%s'; set TERM, or use -b",
			 term ? term : "");
		return -1;
	}
	set_term(*screen);
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	/* Presses, not clicks: a click waits mouseinterval to tell it apart. */
	mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	mouseinterval(0);
	/* NO_COLOR (no-color.org): any value, even empty, means no colour. */
	a->color = has_colors() && !getenv("NO_COLOR");
	if (a->color)
		start_color();
	view_theme(a, a->src->theme ? a->src->theme : "default");
	if (a->status_slot != THEME_ERROR)
		a->status[0] = '\0';   /* only a problem is worth a message at start */
	theme_apply(&a->theme, a->color, a->attr);
	a->lines = LINES;
	a->cols = COLS;
	return 0;
}

static unsigned app_resize(struct app *a)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		resizeterm(ws.ws_row, ws.ws_col);
	return TUI_CLEAR | TUI_REDRAW;
}

/* Ctrl-Z: give the terminal back, stop, and take it again on fg. */
static unsigned app_suspend(struct app *a)
{
	endwin();
	kill(getpid(), SIGSTOP);
	return app_resize(a);
}

static unsigned app_signals(struct app *a, int sfd)
{
	struct signalfd_siginfo si;
	unsigned react = TUI_NONE;

	while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGWINCH)
			react |= app_resize(a);
		else if (si.ssi_signo == SIGTSTP)
			react |= app_suspend(a);
		else
			react |= TUI_QUIT;
	}
	return react;
}

/* A new copy of the model into the spare slot, then it becomes current. */
static void app_refresh(struct app *a)
{
	int next = !a->cur;
	bool was_exited = a->data[a->cur].valid && a->data[a->cur].target.exited;

	a->data[next].per_thread = view_wants_threads(a);
	a->data[next].want = view_data_want(a);
	tui_data_take(&a->data[next], &a->data[a->cur], a->src,
		      baseline_window(a, tui_windows[a->window]));
	a->cur = next;
	view_spark_push(a);
	if (!was_exited && a->data[next].target.exited && !a->src->loaded)
		app_status(a, THEME_STATUS, "the target exited: its data stays here to browse and export; q quits");
}

/* Act on what handlers asked for, except drawing (the loop does that). */
static void app_apply(struct app *a, unsigned *react)
{
	if (*react & TUI_REFRESH)
		app_refresh(a);
	if (*react & (TUI_REFRESH | TUI_RECOMPUTE))
		view_update(a);
	*react &= ~(unsigned)(TUI_REFRESH | TUI_RECOMPUTE);
}

static unsigned app_keys(struct app *a)
{
	unsigned react = TUI_NONE;
	wint_t wch;
	int r;

	while (!(react & TUI_QUIT) && (r = get_wch(&wch)) != ERR) {
		int key = r == KEY_CODE_YES ? KEYS_FN((int)wch) : (int)wch;
		bool found;

		/* resizeterm() queues this after our SIGWINCH: the size is set. */
		if (key == KEYS_FN(KEY_RESIZE)) {
			react |= TUI_CLEAR | TUI_REDRAW;
			continue;
		}
		if (key == KEYS_FN(KEY_MOUSE)) {
			MEVENT ev;
			if (getmouse(&ev) == OK)
				react |= view_click(a, ev.y, ev.x,
						    ev.bstate & BUTTON1_PRESSED ? 1 :
						    ev.bstate & BUTTON4_PRESSED ? 4 :
						    ev.bstate & BUTTON5_PRESSED ? 5 : 0);
			app_apply(a, &react);
			continue;
		}
		if (a->prompt.mode == PROMPT_NONE)
			a->status[0] = '\0';
		react |= keys_dispatch(a, key, &found) | TUI_REDRAW;
		if (!found)
			app_status(a, THEME_STATUS, "no such key: F1 or ? lists them");
		/* The next key must see what this one did (filter, then Enter). */
		app_apply(a, &react);
	}
	return react;
}

static int app_timeout_ms(uint64_t now, uint64_t next)
{
	uint64_t ms = next > now ? (next - now + 999999) / 1000000 : 0;
	return ms > 60000 ? 60000 : (int)ms;
}

int tui_run(const struct tui_source *src, char *err, size_t errlen)
{
	struct app a = { .src = src };
	SCREEN *screen = NULL;
	sigset_t sigs;
	int sfd;
	uint64_t delay = (uint64_t)(src->delay * 1e9), next_refresh = 0, deadline = 0;
	unsigned react = TUI_REFRESH | TUI_REDRAW;
	bool final_taken = false;

	tui_signals(&sigs);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		snprintf(err, errlen, "signalfd: %s", strerror(errno));
		return -1;
	}
	if (app_terminal(&a, &screen, err, errlen) < 0) {
		close(sfd);
		return -1;
	}
	view_init(&a);
	if (src->loaded) {
		/* Its samples sit at one time: every window holds them all. */
		while (tui_windows[a.window])
			a.window++;
		app_status(&a, THEME_STATUS, "a saved snapshot, frozen: every pane browses it; q quits");
	}
	if (src->duration > 0)
		deadline = clock_monotonic_ns() + (uint64_t)(src->duration * 1e9);
	while (!(react & TUI_QUIT)) {
		struct pollfd fds[2] = { { STDIN_FILENO, POLLIN, 0 }, { sfd, POLLIN, 0 } };
		uint64_t now = clock_monotonic_ns(), wake;

		if (deadline && !a.sampling_stopped && now >= deadline) {
			src->stop(src->ctx);
			a.sampling_stopped = true;
			app_status(&a, THEME_STATUS, "--duration reached: sampling stopped, the data stays");
			react |= TUI_REFRESH | TUI_REDRAW;
		}
		if (now >= next_refresh) {
			/* Once everything is in and copied, copies would all be the same. */
			bool done = a.sampling_stopped || src->finished(src->ctx);
			if (!a.frozen && !final_taken) {
				react |= TUI_REFRESH | TUI_REDRAW;
				final_taken = done;
			}
			next_refresh = now + delay;
		}
		app_apply(&a, &react);
		if (react & TUI_THEME)
			theme_apply(&a.theme, a.color, a.attr);
		if (react & TUI_CLEAR)
			clearok(curscr, TRUE);
		if (react & TUI_REDRAW)
			draw_screen(&a);
		react = TUI_NONE;

		wake = next_refresh;
		if (deadline && !a.sampling_stopped)
			wake = MIN(wake, deadline);
		if (poll(fds, 2, app_timeout_ms(clock_monotonic_ns(), wake)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[1].revents & POLLIN)
			react |= app_signals(&a, sfd);
		if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL))
			react |= TUI_QUIT;   /* the terminal went away */
		else if (fds[0].revents & POLLIN)
			react |= app_keys(&a);
	}
	endwin();
	delscreen(screen);
	view_fini(&a);
	tui_data_fini(&a.data[0]);
	tui_data_fini(&a.data[1]);
	close(sfd);
	return 0;
}
