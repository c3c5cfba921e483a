# mk/run.mk: make run, run-openmp, run-mpi, run-posix. tools/run.sh runs each exercise
# with the arguments in exercises/<e>.run, prints its table, appends its records to
# $(BUILD)/results/run.csv, and tools/summary.awk ends with the side-by-side tables.
RESULTS := $(BUILD)/results
RUN = tools/run.sh -b $(BUILD) -w $(WORKERS) -n $(NP) -o $(RESULTS)/run.csv

.PHONY: run run-openmp run-mpi run-posix
run: all
	@$(RUN) openmp mpi pthreads procs
run-openmp: openmp
	@$(RUN) openmp
run-mpi: mpi
	@$(RUN) mpi
run-posix: posix
	@$(RUN) pthreads procs
bench: all
	@tools/bench.sh -b $(BUILD)
.PHONY: bench

# make report: the seeds' claims, each beside the figure make run measured for it
report:
	@test -s $(RESULTS)/run.csv || { echo "report: no $(RESULTS)/run.csv yet: run 'make run' first" >&2; exit 1; }
	@awk -f tools/csv.awk -f tools/report.awk $(RESULTS)/run.csv
.PHONY: report
