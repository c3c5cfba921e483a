/* main.c: every program's main(), compiled once per exercise with
 * -DHX_EXERCISE=<name>_exercise. The exercise is in exercises/<name>.c, its parallel
 * part in openmp/, mpi/ or posix/, and the harness does the rest. */
#include "hx.h"

extern const struct hx_exercise HX_EXERCISE;

int main(int argc, char **argv)
{
	return hx_main(&HX_EXERCISE, argc, argv);
}
