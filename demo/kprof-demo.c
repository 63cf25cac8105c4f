/* kprof-demo: the workload `kprof-top --demo` profiles.  Three threads with
 * a known profile, so a newcomer can check what kprof-top shows:
 *   "render"  shade_pixels() under render_frame()          ~1 core
 *   "server"  tokenize() and checksum(), roughly evenly, under handle_request()
 *   "main"    mostly asleep, waking every 100 ms
 * Runs for --seconds N (default 60) or until killed. */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t demo_sink;
static volatile int demo_stop;

__attribute__((noinline)) static uint64_t shade_pixels(int row)
{
	uint64_t acc = 0;

	for (int x = 0; x < 4000; x++) {
		double cr = x / 2000.0 - 1.5, ci = row / 500.0 - 1.0, zr = 0, zi = 0;
		int i = 0;
		while (i < 40 && zr * zr + zi * zi < 4) {
			double t = zr * zr - zi * zi + cr;
			zi = 2 * zr * zi + ci;
			zr = t;
			i++;
		}
		acc += (uint64_t)i;
	}
	return acc;
}

__attribute__((noinline)) static void render_frame(void)
{
	uint64_t acc = 0;

	for (int row = 0; row < 100; row++)
		acc += shade_pixels(row);
	demo_sink += acc;
}

__attribute__((noinline)) static unsigned tokenize(const char *s, size_t n)
{
	unsigned tokens = 0;

	for (int rep = 0; rep < 400; rep++)
		for (size_t i = 0; i < n; i++)
			tokens += (s[i] == ' ') ^ (unsigned)(rep & 1);
	return tokens;
}

__attribute__((noinline)) static uint32_t checksum(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (int rep = 0; rep < 200; rep++)
		for (size_t i = 0; i < n; i++)
			h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

__attribute__((noinline)) static void handle_request(const char *req, size_t n)
{
	unsigned t = tokenize(req, n);
	uint32_t c = checksum(req, n);

	demo_sink += t + c;
}

static void *render_thread(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "render");
	while (!demo_stop)
		render_frame();
	return NULL;
}

static void *server_thread(void *arg)
{
	static const char req[] = "GET /index.html HTTP/1.1 Host: example.org Accept: text/html "
				  "User-Agent: kprof-demo Connection: keep-alive";
	(void)arg;
	pthread_setname_np(pthread_self(), "server");
	while (!demo_stop)
		handle_request(req, sizeof req - 1);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t render, server;
	double seconds = 60;
	struct timespec nap = { 0, 100 * 1000000L };

	if (argc == 3 && strcmp(argv[1], "--seconds") == 0)
		seconds = atof(argv[2]);
	pthread_create(&render, NULL, render_thread, NULL);
	pthread_create(&server, NULL, server_thread, NULL);
	for (double t = 0; t < seconds; t += 0.1)
		nanosleep(&nap, NULL);
	demo_stop = 1;
	pthread_join(render, NULL);
	pthread_join(server, NULL);
	return 0;
}
