/* Clocks: monotonic time for event stamps (perf is told to use the same
 * clock) and CPU time for the profiler's own cost. */
#ifndef KPROF_CLOCK_H
#define KPROF_CLOCK_H

#include <stdint.h>

uint64_t clock_monotonic_ns(void);
uint64_t clock_process_cpu_ns(void);
uint64_t clock_thread_cpu_ns(void);
/* Wall-clock Unix time in seconds, for people and other tools' logs. */
double clock_epoch_s(void);

#endif
