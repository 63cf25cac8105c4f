/* Theme files: "slot = fg,bg,attrs" lines over the built-in default, found
 * by name in the user's config directory, beside the binary (a build tree)
 * or where make install put them.  A bad line is an error naming the file
 * and line, so the caller can warn and fall back to the default. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "curses.h"
#include "theme.h"
#include "../common/macros.h"

static const struct {
	const char *name;
	short value;
} colour_names[] = {
	{ "default", -1 }, { "black", COLOR_BLACK }, { "red", COLOR_RED },
	{ "green", COLOR_GREEN }, { "yellow", COLOR_YELLOW }, { "blue", COLOR_BLUE },
	{ "magenta", COLOR_MAGENTA }, { "cyan", COLOR_CYAN }, { "white", COLOR_WHITE },
};

static const struct {
	const char *name;
	unsigned value;
} attr_names[] = {
	{ "none", 0 }, { "bold", A_BOLD }, { "dim", A_DIM }, { "reverse", A_REVERSE },
	{ "underline", A_UNDERLINE }, { "blink", A_BLINK }, { "standout", A_STANDOUT },
	{ "italic", A_ITALIC },
};

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int parse_colour(const char *s, short *out)
{
	char *end;
	long v;

	for (size_t i = 0; i < ARRAY_SIZE(colour_names); i++)
		if (strcasecmp(s, colour_names[i].name) == 0) {
			*out = colour_names[i].value;
			return 0;
		}
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < -1 || v > 255)
		return -1;
	*out = (short)v;
	return 0;
}

/* Attributes joined by '|', '+' or spaces; empty is none. */
static int parse_attrs(char *s, unsigned *out, const char **bad)
{
	*out = 0;
	for (char *tok = strtok(s, "|+ \t"); tok; tok = strtok(NULL, "|+ \t")) {
		size_t i;
		for (i = 0; i < ARRAY_SIZE(attr_names); i++)
			if (strcasecmp(tok, attr_names[i].name) == 0)
				break;
		if (i == ARRAY_SIZE(attr_names)) {
			*bad = tok;
			return -1;
		}
		*out |= attr_names[i].value;
	}
	return 0;
}

static int parse_line(struct theme *t, char *line, char *msg, size_t len)
{
	char *eq = strchr(line, '='), *fields[3] = { NULL, NULL, NULL }, *key, *rest;
	struct theme_style st;
	const char *bad = NULL;
	int slot, nf = 0;

	if (!eq) {
		snprintf(msg, len, "expected 'slot = fg,bg,attrs'");
		return -1;
	}
	*eq = '\0';
	key = trim(line);
	for (slot = 0; slot < THEME_NSLOTS; slot++)
		if (strcmp(key, theme_slot_name((enum theme_slot)slot)) == 0)
			break;
	if (slot == THEME_NSLOTS) {
		snprintf(msg, len, "unknown slot '%.40s'", key);
		return -1;
	}
	rest = eq + 1;
	while (nf < 3) {
		char *comma = nf < 2 ? strchr(rest, ',') : NULL;
		fields[nf++] = rest;
		if (!comma)
			break;
		*comma = '\0';
		rest = comma + 1;
	}
	if (nf < 2) {
		snprintf(msg, len, "'%s' needs at least fg,bg", key);
		return -1;
	}
	if (parse_colour(trim(fields[0]), &st.fg) < 0 || parse_colour(trim(fields[1]), &st.bg) < 0) {
		snprintf(msg, len, "bad colour for '%s' (a name like cyan, default, or 0-255)", key);
		return -1;
	}
	if (parse_attrs(fields[2] ? trim(fields[2]) : (char[]){ "" }, &st.attrs, &bad) < 0) {
		snprintf(msg, len, "unknown attribute '%.30s' for '%s'", bad, key);
		return -1;
	}
	t->slot[slot] = st;
	return 0;
}

int theme_parse(struct theme *t, FILE *f, const char *file, char *err, size_t errlen)
{
	char line[512], msg[160];
	unsigned lineno = 0;

	*t = *theme_builtin(NULL);
	while (fgets(line, sizeof line, f)) {
		char *s, *hash;
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s:%u: line too long", file, lineno);
			return -1;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		s = trim(line);
		if (!*s)
			continue;
		if (parse_line(t, s, msg, sizeof msg) < 0) {
			snprintf(err, errlen, "%s:%u: %s", file, lineno, msg);
			return -1;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", file);
		return -1;
	}
	return 0;
}

/* Where theme NAME may be, most personal first. */
static size_t theme_paths(const char *name, char paths[][PATH_MAX], size_t max)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	size_t k = 0;

	if (xdg && *xdg && k < max)
		snprintf(paths[k++], PATH_MAX, "%s/kprof-top/themes/%s", xdg, name);
	else if (home && *home && k < max)
		snprintf(paths[k++], PATH_MAX, "%s/.config/kprof-top/themes/%s", home, name);
	if (n > 0 && k < max) {
		char *slash;
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			/* A path too long to hold is a path not to try. */
			if (snprintf(paths[k], PATH_MAX, "%s/themes/%s", self, name) < PATH_MAX)
				k++;
		}
	}
	if (k < max)
		snprintf(paths[k++], PATH_MAX, "%s/themes/%s", PKGDATADIR, name);
	return k;
}

int theme_load(struct theme *t, const char *name, char *err, size_t errlen)
{
	char paths[3][PATH_MAX];
	size_t n;

	err[0] = '\0';
	if (strchr(name, '/')) {
		snprintf(paths[0], PATH_MAX, "%s", name);
		n = 1;
	} else {
		n = theme_paths(name, paths, ARRAY_SIZE(paths));
	}
	for (size_t i = 0; i < n; i++) {
		FILE *f = fopen(paths[i], "r");
		int rc;
		if (!f)
			continue;
		rc = theme_parse(t, f, paths[i], err, errlen);
		fclose(f);
		if (rc == 0)
			snprintf(t->name, sizeof t->name, "%s", name);
		return rc;
	}
	if (theme_builtin(name)) {
		*t = *theme_builtin(name);
		return 0;
	}
	snprintf(err, errlen, "no theme '%s' (looked in %s and %s)", name,
		 n > 1 ? paths[0] : "", PKGDATADIR "/themes");
	return -1;
}
