# mk/slurm.mk: the cluster part.
#   make test-slurm     (as root) start a private single-node Slurm cluster
#                       (tools/local-slurm.sh), run every job script in jobs/ on it small,
#                       check states, exit codes and records, stop it: tests/slurm/
#   make submit-sweep   on a Slurm login node: jobs/submit-sweep with this build;
#                       SBATCH_FLAGS="--partition=p --account=a" go to sbatch
SBATCH_FLAGS ?=

.PHONY: test-slurm submit-sweep
test-slurm: all
	@tests/slurm/test-slurm.sh $(BUILD)

submit-sweep: all
	@TVP_BUILD=$(BUILD) jobs/submit-sweep $(SBATCH_FLAGS)
