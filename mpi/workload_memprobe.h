/* workload_memprobe.h: the memory of an MPI rank: the mean over the ranks of the case of each
 * one's own Pss, USS and VmPTE (struct wl_mem, exercises/workload.h). One launch has
 * one rank count, so the slope over ranks is tools/mpimem.sh's (-np 1 and -np 64). */
#ifndef MP_WORKLOAD_MEMPROBE_H
#define MP_WORKLOAD_MEMPROBE_H

#include "workload.h"

/* Every rank of the case calls it; rank 0 gets the means in *out (kind WL_MEM_RANKS,
 * workers = the ranks), NAN when a rank could not read its /proc. Collective. */
void mp_memprobe(struct wl_mem *out);

#endif
