/* machine.c: the state of the machine a run measures on (hx.h): the load average, the
 * CPU time stolen by a hypervisor or left idle (/proc/stat), the CPU model, the kernel,
 * the topology (hwloc) and the CPUs a thread may run on. Linux's /proc; elsewhere the
 * figures are unknown (NAN, "unknown"). */
#include "hx.h"

#include <errno.h>
#include <hwloc.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

extern char **environ;

/* The environment settings that change how the runtimes behave (OpenMP's waiting policy
 * and binding, Open MPI's and MPICH's parameters), "NAME=value" space-separated, in the
 * order of the environment; "none" when none is set. */
static void runtime_env(char *out, size_t len)
{
	static const char *const prefixes[] = { "OMP_", "GOMP_", "KMP_", "OMPI_MCA_", "MPICH_",
						"HYDRA_", "I_MPI_" };
	/* what mpirun itself hands its ranks (addresses, job ids, session paths) */
	static const char *const launcher[] = { "OMPI_MCA_orte_", "OMPI_MCA_ess", "OMPI_MCA_pmix",
						"OMPI_MCA_shmem_RUNTIME", "OMPI_MCA_initial_wdir" };
	size_t used = 0;

	out[0] = '\0';
	for (char **e = environ; e != NULL && *e != NULL; e++) {
		int skip = 0;
		for (size_t i = 0; i < sizeof launcher / sizeof launcher[0]; i++)
			skip |= strncmp(*e, launcher[i], strlen(launcher[i])) == 0;
		for (size_t i = 0; !skip && i < sizeof prefixes / sizeof prefixes[0]; i++)
			if (strncmp(*e, prefixes[i], strlen(prefixes[i])) == 0 &&
			    used + strlen(*e) + 2 < len) {
				used += (size_t)snprintf(out + used, len - used, "%s%s", used ? " " : "", *e);
				break;
			}
	}
	if (used == 0)
		snprintf(out, len, "none");
}

double hx_loadavg(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double load = NAN;
	if (f == NULL)
		return NAN;
	if (fscanf(f, "%lf", &load) != 1)
		load = NAN;
	fclose(f);
	return load;
}

/* The first line of /proc/stat: user nice system idle iowait irq softirq steal ... */
int hx_cpu_times(struct hx_cpu_times *t)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int n;

	memset(t, 0, sizeof *t);
	if (f == NULL)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 4)
		return -1;
	for (int i = 0; i < 8; i++)
		t->total += v[i];
	t->idle = v[3] + v[4];
	t->steal = v[7];
	return 0;
}

double hx_idle_pct(const struct hx_cpu_times *a, const struct hx_cpu_times *b)
{
	if (b->total <= a->total)
		return NAN;
	return 100.0 * (double)(b->idle - a->idle) / (double)(b->total - a->total);
}

double hx_steal_pct(const struct hx_cpu_times *a, const struct hx_cpu_times *b)
{
	if (b->total <= a->total)
		return NAN;
	return 100.0 * (double)(b->steal - a->steal) / (double)(b->total - a->total);
}

void hx_machine_fill(struct hx_provenance *p)
{
	struct utsname u;
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(p->cpu_model, sizeof p->cpu_model, "unknown");
	while (f != NULL && fgets(line, sizeof line, f) != NULL) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && colon != NULL) {
			snprintf(p->cpu_model, sizeof p->cpu_model, "%s", colon + 2);
			p->cpu_model[strcspn(p->cpu_model, "\n")] = '\0';
			break;
		}
	}
	if (f != NULL)
		fclose(f);
	snprintf(p->kernel, sizeof p->kernel, "%.*s", (int)sizeof p->kernel - 1,
		 uname(&u) == 0 ? u.release : "unknown");
	p->load_start = hx_loadavg();
	runtime_env(p->env, sizeof p->env);
	hx_topology(p->topology, sizeof p->topology);
}

void hx_cpu_list(char *out, size_t len)
{
	cpu_set_t set;
	size_t used = 0;

	out[0] = '\0';
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof set, &set) != 0) {
		snprintf(out, len, "unknown");
		return;
	}
	for (int i = 0; i < CPU_SETSIZE && used < len; i++) {
		int j = i;
		if (!CPU_ISSET(i, &set))
			continue;
		while (j + 1 < CPU_SETSIZE && CPU_ISSET(j + 1, &set))
			j++;
		used += (size_t)snprintf(out + used, len - used, j > i ? "%s%d-%d" : "%s%d",
					 used ? "," : "", i, j);
		i = j;
	}
}

/* "N name" with the plural when N != 1 */
static size_t count_of(char *out, size_t len, int n, const char *one, const char *many,
		       const char *sep)
{
	int k = snprintf(out, len, "%s%d %s", sep, n, n == 1 ? one : many);
	return k < 0 ? 0 : (size_t)k < len ? (size_t)k : len;
}

void hx_topology(char *out, size_t len)
{
	static const struct {
		hwloc_obj_type_t type;
		const char *one, *many;
	} kinds[] = {
		{ HWLOC_OBJ_PACKAGE, "package", "packages" },
		{ HWLOC_OBJ_NUMANODE, "NUMA node", "NUMA nodes" },
		{ HWLOC_OBJ_CORE, "core", "cores" },
		{ HWLOC_OBJ_PU, "hardware thread", "hardware threads" },
	};
	hwloc_topology_t t;
	size_t used = 0;

	snprintf(out, len, "unknown");
	if (hwloc_topology_init(&t) != 0)
		return;
	if (hwloc_topology_load(t) == 0) {
		for (size_t i = 0; i < sizeof kinds / sizeof kinds[0] && used < len; i++) {
			int n = hwloc_get_nbobjs_by_type(t, kinds[i].type);
			if (n <= 0) /* -1: on several levels; 0: none here */
				continue;
			used += count_of(out + used, len - used, n, kinds[i].one, kinds[i].many,
					 used ? ", " : "");
		}
		if (used == 0)
			snprintf(out, len, "unknown");
	}
	hwloc_topology_destroy(t);
}

int hx_machine_busy(double load, double steal_pct, int cores)
{
	return (!isnan(load) && load > (double)cores) ||
	       (!isnan(steal_pct) && steal_pct > HX_STEAL_MAX_PCT);
}

/* ---- binding (--bind) ----------------------------------------------------------------
 * The mode, and the CPUs the process could run on when the run began: worker w is
 * bound to the w-th of them (modulo), whatever thread or process it is. */
static int bind_mode = HX_BIND_NONE;
static cpu_set_t bind_allowed;
static int bind_nallowed;
/* what each worker of the last team got: -2 not seen, -1 several CPUs, else its CPU */
static int bind_got[HX_MAX_WORKERS];
static int bind_seen;

void hx_bind_start(int mode)
{
	bind_mode = mode;
	CPU_ZERO(&bind_allowed);
	if (sched_getaffinity(0, sizeof bind_allowed, &bind_allowed) != 0)
		hx_die_errno(__FILE__, __LINE__, "sched_getaffinity", errno);
	bind_nallowed = CPU_COUNT(&bind_allowed);
	for (int w = 0; w < HX_MAX_WORKERS; w++)
		bind_got[w] = -2;
}

int hx_bind_mode(void)
{
	return bind_mode;
}

const char *hx_bind_name(int mode)
{
	return mode == HX_BIND_CORES ? "cores" : "none";
}

/* the CPU the calling thread may run on when it is exactly one, else -1 */
static int only_cpu(void)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof set, &set) != 0)
		hx_die_errno(__FILE__, __LINE__, "sched_getaffinity", errno);
	if (CPU_COUNT(&set) != 1)
		return -1;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			return i;
	return -1;
}

int hx_bind_self(int worker)
{
	if (bind_mode == HX_BIND_CORES && bind_nallowed > 0) {
		int k = worker % bind_nallowed, cpu = -1;
		cpu_set_t one;
		for (int i = 0; i < CPU_SETSIZE && cpu < 0; i++)
			if (CPU_ISSET(i, &bind_allowed) && k-- == 0)
				cpu = i;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof one, &one) != 0)
			hx_die_errno(__FILE__, __LINE__, "sched_setaffinity", errno);
	}
	return only_cpu();
}

void hx_bind_record(int worker, int cpu)
{
	if (worker >= 0 && worker < HX_MAX_WORKERS) {
		bind_got[worker] = cpu;
		bind_seen = 1;
	}
}

void hx_bind_describe(int workers, char *out, size_t len)
{
	char cpus[128];
	size_t used;
	int n;

	hx_cpu_list(cpus, sizeof cpus);
	if (!bind_seen || bind_mode == HX_BIND_NONE) {
		int any = 0; /* a worker bound all the same (by whom?) is worth saying */
		for (int w = 0; w < workers && w < HX_MAX_WORKERS; w++)
			any |= bind_got[w] >= 0;
		snprintf(out, len, "%s: every %s may run on the process's CPUs %s%s",
			 hx_bind_name(bind_mode), hx_worker_kind, cpus,
			 bind_seen ? any ? " (but some were bound)" : "" : " (no team seen)");
		goto forget;
	}
	n = snprintf(out, len, "%s: %s:CPU", hx_bind_name(bind_mode), hx_worker_kind);
	used = n > 0 ? (size_t)n : 0;
	for (int w = 0; w < workers && w < HX_MAX_WORKERS && used + 16 < len; w++) {
		if (bind_got[w] >= 0)
			n = snprintf(out + used, len - used, " %d:%d", w, bind_got[w]);
		else
			n = snprintf(out + used, len - used, " %d:%s", w, bind_got[w] == -1 ? "*" : "-");
		used += n > 0 ? (size_t)n : 0;
	}
	if (used + 16 >= len && used + 4 < len)
		snprintf(out + used, len - used, " ...");
forget:
	for (int w = 0; w < HX_MAX_WORKERS; w++)
		bind_got[w] = -2;
	bind_seen = 0;
}

int hx_cpus_cores(void)
{
	hwloc_topology_t t;
	hwloc_bitmap_t set;
	int n = -1;

	if (hwloc_topology_init(&t) != 0)
		return -1;
	set = hwloc_bitmap_alloc();
	if (set != NULL && hwloc_topology_load(t) == 0 &&
	    hwloc_get_cpubind(t, set, HWLOC_CPUBIND_THREAD) == 0)
		n = hwloc_get_nbobjs_inside_cpuset_by_type(t, set, HWLOC_OBJ_CORE);
	if (set != NULL)
		hwloc_bitmap_free(set);
	hwloc_topology_destroy(t);
	return n;
}
