/* machine.c: the state of the machine a run measures on (hx.h): the load average, the
 * CPU time stolen by a hypervisor or left idle (/proc/stat), the CPU model and the
 * kernel. Linux's /proc; elsewhere the figures are unknown (NAN, "unknown"). */
#include "hx.h"

#include <math.h>
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
}

int hx_machine_busy(double load, double steal_pct, int cores)
{
	return (!isnan(load) && load > (double)cores) ||
	       (!isnan(steal_pct) && steal_pct > HX_STEAL_MAX_PCT);
}
