/* Theme files: the shipped themes parse, a file overrides only the slots it
 * names, and bad input (unknown slot, colour, attribute, missing fields, a
 * very long line) is an error naming the file and line. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tui/curses.h"
#include "tui/theme.h"

static int parse_text(struct theme *t, const char *text, char *err, size_t errlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	assert_non_null(f);
	rc = theme_parse(t, f, "test.theme", err, errlen);
	fclose(f);
	return rc;
}

static void test_shipped(void **state)
{
	const char *names[] = { "default", "light", "mono", "high-contrast" };
	const char *dir = getenv("THEMES_DIR");
	char path[512], err[300];

	if (!dir)
		dir = "themes";
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct theme t;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (theme_load(&t, path, err, sizeof err) != 0)
			fail_msg("%s", err);
		assert_string_equal(t.name, path);
	}
	/* The shipped default is the built-in one, slot for slot. */
	struct theme file;
	snprintf(path, sizeof path, "%s/default", dir);
	assert_int_equal(theme_load(&file, path, err, sizeof err), 0);
	for (int s = 0; s < THEME_NSLOTS; s++) {
		assert_int_equal(file.slot[s].fg, theme_builtin(NULL)->slot[s].fg);
		assert_int_equal(file.slot[s].bg, theme_builtin(NULL)->slot[s].bg);
		assert_int_equal(file.slot[s].attrs, theme_builtin(NULL)->slot[s].attrs);
	}
}

static void test_override(void **state)
{
	struct theme t;
	char err[200];

	assert_int_equal(parse_text(&t, "# a comment\n\n  hot = 196 , default , bold|underline # red\n"
				    "selection=black,yellow\n", err, sizeof err), 0);
	assert_int_equal(t.slot[THEME_HOT].fg, 196);
	assert_int_equal(t.slot[THEME_HOT].bg, -1);
	assert_int_equal(t.slot[THEME_HOT].attrs, A_BOLD | A_UNDERLINE);
	assert_int_equal(t.slot[THEME_SELECTION].fg, COLOR_BLACK);
	assert_int_equal(t.slot[THEME_SELECTION].bg, COLOR_YELLOW);
	assert_int_equal(t.slot[THEME_SELECTION].attrs, 0);
	/* Untouched slots keep the default. */
	assert_int_equal(t.slot[THEME_HEADER].fg, theme_builtin(NULL)->slot[THEME_HEADER].fg);
	/* Case-insensitive names, '+' as a joiner. */
	assert_int_equal(parse_text(&t, "cold = WHITE,Black,Dim+Italic\n", err, sizeof err), 0);
	assert_int_equal(t.slot[THEME_COLD].attrs, A_DIM | A_ITALIC);
}

static void test_bad(void **state)
{
	const struct {
		const char *text, *want;
	} cases[] = {
		{ "hot = red,default\nnosuchslot = red,blue\n", "test.theme:2: unknown slot 'nosuchslot'" },
		{ "hot red default\n", "test.theme:1: expected" },
		{ "hot = red\n", "test.theme:1: 'hot' needs at least fg,bg" },
		{ "hot = crimson,default\n", "test.theme:1: bad colour" },
		{ "hot = 256,default\n", "test.theme:1: bad colour" },
		{ "hot = red,-2\n", "test.theme:1: bad colour" },
		{ "\n\nhot = red,default,shiny\n", "test.theme:3: unknown attribute 'shiny'" },
		{ "hot = red,default,bold,extra\n", "test.theme:1: unknown attribute" },
	};
	struct theme t;
	char err[200];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		err[0] = '\0';
		assert_int_equal(parse_text(&t, cases[i].text, err, sizeof err), -1);
		if (!strstr(err, cases[i].want))
			fail_msg("case %zu: got '%s', want '%s'", i, err, cases[i].want);
	}
	/* A line longer than the reader's buffer. */
	char *long_line = malloc(4000);
	memset(long_line, 'x', 3998);
	long_line[3998] = '\n';
	long_line[3999] = '\0';
	assert_int_equal(parse_text(&t, long_line, err, sizeof err), -1);
	assert_non_null(strstr(err, "test.theme:1: line too long"));
	free(long_line);
	/* A missing file. */
	assert_int_equal(theme_load(&t, "/nonexistent/theme", err, sizeof err), -1);
	assert_non_null(strstr(err, "no theme"));
	/* Built-ins need no file. */
	assert_int_equal(theme_load(&t, "mono", err, sizeof err), 0);
	assert_string_equal(t.name, "mono");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
