/* workload_memprobe.h: what one more idle worker costs in memory, on POSIX threads
 * (build/pthreads) or fork()ed processes (build/procs): the slope between a team of 1
 * and a team of M idle workers (struct wl_mem, exercises/workload.h). The method is in
 * workload_memprobe.c and docs/records.md. */
#ifndef PX_WORKLOAD_MEMPROBE_H
#define PX_WORKLOAD_MEMPROBE_H

#include "workload.h"

/* Measures with teams of 1 and of `big` (>= 2) idle workers of this build's kind, and
 * fills *out (NAN fields when /proc cannot be read). Measured once per program: an
 * idle worker's cost does not depend on the case, so later calls with the same `big`
 * return the first figures. Not thread-safe; call it from the main thread with no
 * team running. */
void px_memprobe(int big, struct wl_mem *out);

#endif
