/* machine.c: the state of the machine a run measures on (hx.h): the load average, the
 * CPU time stolen by a hypervisor or left idle (/proc/stat), the CPU model, the kernel,
 * the topology (hwloc) and the CPUs a thread may run on. Linux's /proc; elsewhere the
 * figures are unknown (NAN, "unknown"). */
#include "hx.h"

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
