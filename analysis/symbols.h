/* Address → function.  Looks the address up in the maps, asks the module for
 * its symbol, demangles (C++, Rust), falls back to /tmp/perf-PID.map for JIT
 * code and to "module+0xoffset" when nothing is known, and interns the
 * result in the function table.  Cached: a repeated address costs one hash
 * lookup. */
#ifndef KPROF_SYMBOLS_H
#define KPROF_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

struct maps;
struct funcs;
struct symbolizer;

/* perf_map_path: "/proc/PID/root/tmp/perf-PID.map" or NULL; re-read when it
 * grows (JITs append). */
struct symbolizer *symbolizer_new(struct maps *maps, struct funcs *funcs,
				  const char *perf_map_path);
void symbolizer_free(struct symbolizer *s);

/* Let time pass (event time, ns): at most once a second the perf map is
 * re-read if it changed, and the address cache reset if it did. */
void symbolizer_tick(struct symbolizer *s, uint64_t now_ns);

/* The function id for a user-space address.  Callers pass return addresses
 * minus one so the call, not the next line, is named. */
uint32_t symbolizer_func(struct symbolizer *s, uint64_t addr);

/* Name a data address (a lock): "g_ledger", "g_table+0x40", or NULL when it
 * is not in any module's symbols.  Returns a pointer into s, valid until
 * the next call. */
const char *symbolizer_data(struct symbolizer *s, uint64_t addr);

/* Demangle a C++ or Rust symbol into buf (Rust hashes dropped); returns name
 * itself when it isn't mangled. */
const char *symbols_demangle(const char *name, char *buf, size_t size);

#endif
