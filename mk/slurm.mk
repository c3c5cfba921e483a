# mk/slurm.mk: make test-slurm (the job scripts in jobs/ against a real local Slurm)
.PHONY: test-slurm
test-slurm:
	@echo "test-slurm: not written yet" >&2; exit 1
