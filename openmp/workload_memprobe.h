/* workload_memprobe.h: what one more idle OpenMP thread costs in memory: the slope between a
 * region of 1 and a region of M threads that only meet (struct wl_mem,
 * exercises/workload.h). The method is in workload_memprobe.c and docs/records.md. */
#ifndef OM_WORKLOAD_MEMPROBE_H
#define OM_WORKLOAD_MEMPROBE_H

#include "workload.h"

/* Fills *out (NAN fields when /proc cannot be read, or when the runtime's pool already
 * holds `big` threads so that no thread is new). M is `big`, or OMP_THREAD_LIMIT when
 * that is lower. Measured once per program, like posix/workload_memprobe.c: later calls return
 * the first figures. Call it outside any parallel region. */
void om_memprobe(int big, struct wl_mem *out);

#endif
