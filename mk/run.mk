# mk/run.mk: make run, run-openmp, run-mpi, run-posix. tools/run.sh runs each exercise
# with the arguments in exercises/<e>.run, prints its table, writes its records to
# $(BUILD)/results/run.csv (make run) or run-<model>.csv, and tools/summary.awk ends
# with the side-by-side tables. make report and make plots read run.csv. MPI programs
# start through tools/mpilaunch with the launcher MPIRUN (make run-mpi MPICC=mpicc.mpich
# uses MPICH's mpiexec.mpich; MPIRUN=... chooses another).
RESULTS := $(BUILD)/results
RUN = tools/run.sh -b $(BUILD) -w $(WORKERS) $(if $(NP),-n $(NP))

.PHONY: run run-openmp run-mpi run-posix
run: all
	@$(RUN) -o $(RESULTS)/run.csv openmp mpi pthreads procs
run-openmp: openmp
	@$(RUN) -o $(RESULTS)/run-openmp.csv openmp
run-mpi: mpi
	@$(RUN) -o $(RESULTS)/run-mpi.csv mpi
run-posix: posix
	@$(RUN) -o $(RESULTS)/run-posix.csv pthreads procs
bench: all
	@tools/bench.sh -b $(BUILD)
.PHONY: bench

# make report: the seeds' claims, each beside the figure make run measured for it
report:
	@test -s $(RESULTS)/run.csv || { echo "report: no $(RESULTS)/run.csv yet: run 'make run' first" >&2; exit 1; }
	@awk -f tools/csv.awk -f tools/report.awk $(RESULTS)/run.csv
.PHONY: report

# make plots: pictures of make run's records (gnuplot), next to them
plots:
	@tools/plots.sh $(RESULTS)/run.csv $(RESULTS)
.PHONY: plots
