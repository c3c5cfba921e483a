# Makefile: the whole suite in one non-recursive build.
#
#   make                 build every backend into build/<backend>/<exercise>
#   make openmp | mpi | posix | hybrid
#   make run             run every backend, then one side-by-side table per exercise
#   make run-openmp | run-mpi | run-posix      (NP ranks for MPI: 4, one a core under MPICH)
#   make test            build and run the unit and integration tests
#   make evidence        the experiment each of the seeds' claims needs, 3 rounds (QUICK=1)
#   make report          each claim's test on the records: build/report/index.html
#   make bench           the suite's overheads over bare raw-API programs (bench/), as ratios
#   make mpi-startup     MPI start-up at -np 1, 2, 4: the launcher and MPI_Init apart
#   make test-slurm      the job scripts on a private local Slurm cluster (as root)
#   make submit-sweep    on a Slurm login node: submit the worker-count sweep
#   make deps            install what is missing (Debian/Ubuntu)
#   make help            this list and the knobs below
#
# Knobs: CC, MPICC, CFLAGS, LDFLAGS, OPENMP_CFLAGS; WERROR=1 (warnings are errors);
# MPIRUN=launcher of the MPI programs (default: the one matching MPICC: mpirun, or
# mpiexec.mpich for MPICC=mpicc.mpich; tools/mpilaunch starts every MPI run with it);
# SAN=address,undefined or SAN=thread (sanitizer build in build-<san>/); V=1 (full
# command lines); BUILD=dir; NP=ranks for run-mpi; WORKERS=list for run-openmp/posix;
# ONLY="race sync" to build and test only those exercises.
#
# Layout: harness/ the timing harness; exercises/ what the backends share about each
# exercise; openmp/, mpi/, posix/ the parallel parts; tests/; tools/; jobs/; bench/
# (make bench's reference programs, built into $(BUILD)/bench/).
# New exercises and backend files are found by name (see "Adding an exercise" in
# README.md): exercises/<e>.c, openmp/<e>.c, mpi/<e>.c, posix/<e>.c (or posix/<e>_pthreads.c
# and posix/<e>_procs.c). Other .c files in a backend directory are that backend's
# library, linked into all its programs.

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:
.SECONDEXPANSION:

MPICC ?= mpicc
# the launcher that matches the wrapper; tools/mpilaunch (make run, bench, test) uses it
MPIRUN ?= $(if $(findstring mpich,$(notdir $(MPICC))),mpiexec.mpich,$(if $(findstring openmpi,$(notdir $(MPICC))),mpirun.openmpi,mpirun))
export MPIRUN
CFLAGS ?= -O2 -g
OPENMP_CFLAGS ?= -fopenmp
SAN ?=
WERROR ?= 0
V ?= 0
NP ?=
WORKERS ?= 1,2,4

comma := ,
BUILD ?= build$(if $(SAN),-$(subst $(comma),-,$(SAN)))
O := $(BUILD)/obj

ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2);
endif

WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif
SANFLAGS := $(if $(SAN),-fsanitize=$(SAN) -fno-omit-frame-pointer)
GIT_REV := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

CPPFLAGS_ALL := -D_GNU_SOURCE -Iharness -Iexercises $(CPPFLAGS)
CFLAGS_ALL := -std=gnu11 -pthread -MMD -MP $(WARNINGS) $(CFLAGS) $(SANFLAGS)
LDFLAGS_ALL := -pthread $(SANFLAGS) $(LDFLAGS)
LDLIBS_ALL := $(LDLIBS) -lgmp -lhwloc -lm -lrt
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

# ---- what there is, found by name ------------------------------------------------
ALL_EXERCISES := $(sort $(patsubst exercises/%.c,%,$(wildcard exercises/*.c)))
EXERCISES := $(ALL_EXERCISES)
# ONLY="race sync": build and test just these exercises (and tests named after them)
ONLY ?=
ifneq ($(strip $(ONLY)),)
EXERCISES := $(filter $(ONLY),$(EXERCISES))
ifneq ($(filter-out $(ALL_EXERCISES),$(ONLY)),)
$(error ONLY names no such exercise: $(filter-out $(ALL_EXERCISES),$(ONLY)) (the exercises: $(ALL_EXERCISES)))
endif
endif
stems = $(patsubst $(1)/%.c,%,$(wildcard $(1)/*.c))
OPENMP_EX := $(filter $(EXERCISES),$(call stems,openmp))
OPENMP_LIB := $(filter-out $(ALL_EXERCISES),$(call stems,openmp))
MPI_EX := $(filter $(EXERCISES),$(call stems,mpi))
MPI_LIB := $(filter-out $(ALL_EXERCISES),$(call stems,mpi))
POSIX_STEMS := $(call stems,posix)
PTHREADS_EX := $(sort $(filter $(EXERCISES),$(patsubst %_pthreads,%,$(POSIX_STEMS))))
PROCS_EX := $(sort $(filter $(EXERCISES),$(patsubst %_procs,%,$(POSIX_STEMS))))
POSIX_LIB := $(filter-out $(ALL_EXERCISES) %_pthreads %_procs,$(POSIX_STEMS))
# hybrid/: MPI ranks of OpenMP threads; hybrid/hx_backend.c is its adapter
HYBRID_EX := $(filter $(EXERCISES),$(call stems,hybrid))
HYBRID_LIB := $(filter-out $(ALL_EXERCISES) hx_backend,$(call stems,hybrid))

HARNESS_OBJS := $(patsubst harness/%.c,$(O)/harness/%.o,\
	$(filter-out harness/backend_% harness/main.c,$(wildcard harness/*.c)))

OPENMP_PROGS := $(addprefix $(BUILD)/openmp/,$(OPENMP_EX))
MPI_PROGS := $(addprefix $(BUILD)/mpi/,$(MPI_EX))
PTHREADS_PROGS := $(addprefix $(BUILD)/pthreads/,$(PTHREADS_EX))
PROCS_PROGS := $(addprefix $(BUILD)/procs/,$(PROCS_EX))
HYBRID_PROGS := $(addprefix $(BUILD)/hybrid/,$(HYBRID_EX))

TESTS := $(sort $(patsubst tests/%.c,%,$(wildcard tests/test_*.c tests/run_*.c)))
ifneq ($(strip $(ONLY)),)
# keep the tests of those exercises, and the tests not named after any exercise
test_subject = $(patsubst test_%,%,$(patsubst run_%,%,$(1)))
TESTS := $(foreach t,$(TESTS),$(if $(filter $(call test_subject,$(t)),$(ONLY)),$(t),\
	$(if $(filter $(call test_subject,$(t)),$(ALL_EXERCISES)),,$(t))))
endif
TEST_SUPPORT := $(filter-out test_% run_%,$(call stems,tests))
TEST_PROGS := $(addprefix $(BUILD)/tests/,$(TESTS))

.PHONY: all openmp mpi posix pthreads procs hybrid tests clean help deps
all: openmp mpi posix hybrid
openmp: $(OPENMP_PROGS)
mpi: $(MPI_PROGS) $(BUILD)/tools/mpistart
posix: pthreads procs
pthreads: $(PTHREADS_PROGS)
procs: $(PROCS_PROGS)
hybrid: $(HYBRID_PROGS)
tests: $(TEST_PROGS)

# ---- dependency checks: a missing tool or library says how to get it --------------
.PHONY: need-cc need-openmp need-mpi need-gmp need-hwloc need-cmocka
# $(call need_header,what,headers,cflags,libs,hint)
define need_header
	@{ for h in $(2); do printf '#include <%s>\n' $$h; done; echo 'int main(void){return 0;}'; } | \
	$(CC) $(3) -x c -o /dev/null - $(4) >/dev/null 2>&1 || { \
	echo "error: $(1) not found (a test compile with '$(CC) $(3)' failed)." >&2; \
	echo "       Run 'make deps' to install what is missing$(5)." >&2; exit 1; }
endef
need-cc:
	@command -v $(firstword $(CC)) >/dev/null 2>&1 || { \
	echo "error: C compiler '$(CC)' not found. Run 'make deps', or set CC=..." >&2; exit 1; }
need-openmp: need-cc
	$(call need_header,OpenMP,omp.h,$(OPENMP_CFLAGS),$(OPENMP_CFLAGS),$(if $(findstring clang,$(CC)), (clang needs libomp-dev)))
need-gmp: need-cc
	$(call need_header,GMP (libgmp-dev),gmp.h,,-lgmp,)
need-hwloc: need-cc
	$(call need_header,hwloc (libhwloc-dev),hwloc.h,,-lhwloc,)
need-cmocka: need-cc
	$(call need_header,cmocka (libcmocka-dev),stddef.h stdarg.h setjmp.h stdint.h cmocka.h,,$(CMOCKA_LIBS),)
need-mpi:
	@command -v $(firstword $(MPICC)) >/dev/null 2>&1 || { \
	echo "error: MPI compiler '$(MPICC)' not found. Run 'make deps' (installs Open MPI)," >&2; \
	echo "       or set MPICC=... (e.g. MPICC=mpicc.mpich)." >&2; exit 1; }

# The MPI wrapper runs $(CC), not the compiler it was built with, so a CC=clang build
# compiles its MPI programs with clang too (and their records say so): OMPI_CC for Open
# MPI's wrapper, MPICH_CC for MPICH's.
MPICC_CC = OMPI_CC='$(CC)' MPICH_CC='$(CC)' $(MPICC)

# ---- compiling -------------------------------------------------------------------------
$(O)/harness/%.o: harness/%.c | need-hwloc
	$(call say,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) -DHX_GIT_REV='"$(GIT_REV)"' $(CFLAGS_ALL) -c -o $@ $<

# the git revision is baked into the provenance; rebuild output.o when it changes
$(O)/harness/output.o: $(BUILD)/git-rev
$(BUILD)/git-rev: FORCE
	@mkdir -p $(@D)
	@echo '$(GIT_REV)' | cmp -s - $@ || echo '$(GIT_REV)' > $@
.PHONY: FORCE
FORCE:

$(O)/main/%.o: harness/main.c | need-cc
	$(call say,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) -DHX_EXERCISE=$*_exercise $(CFLAGS_ALL) -c -o $@ $<

# the shared part of each exercise, compiled once: every backend runs the same kernel
$(O)/exercises/%.o: exercises/%.c | need-gmp
	$(call say,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -c -o $@ $<

# backend adapters
$(O)/openmp/hx_backend.o: harness/backend_local.c | need-openmp
	$(call say,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) -DHX_BACKEND=openmp $(CFLAGS_ALL) $(OPENMP_CFLAGS) -c -o $@ $<
$(O)/pthreads/hx_backend.o: harness/backend_local.c | need-cc
	$(call say,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) -DHX_BACKEND=pthreads $(CFLAGS_ALL) -c -o $@ $<
$(O)/procs/hx_backend.o: harness/backend_local.c | need-cc
	$(call say,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) -DHX_BACKEND=procs -DHX_WORKER_KIND=process $(CFLAGS_ALL) -c -o $@ $<
$(O)/mpi/hx_backend.o: harness/backend_mpi.c | need-mpi
	$(call say,MPICC,$@)
	@mkdir -p $(@D)
	$(Q)$(MPICC_CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -c -o $@ $<

# the parallel parts
$(O)/openmp/%.o: openmp/%.c | need-openmp
	$(call say,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) -Iopenmp $(CFLAGS_ALL) $(OPENMP_CFLAGS) -c -o $@ $<
$(O)/mpi/%.o: mpi/%.c | need-mpi
	$(call say,MPICC,$@)
	@mkdir -p $(@D)
	$(Q)$(MPICC_CC) $(CPPFLAGS_ALL) -Impi $(CFLAGS_ALL) -c -o $@ $<
# posix/<e>_pthreads.c or _procs.c when the two differ, else posix/<e>.c twice
$(O)/pthreads/%.o: posix/%_pthreads.c | need-cc
	$(call say,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) -Iposix $(CFLAGS_ALL) -c -o $@ $<
$(O)/pthreads/%.o: posix/%.c | need-cc
	$(call say,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) -Iposix $(CFLAGS_ALL) -c -o $@ $<
$(O)/procs/%.o: posix/%_procs.c | need-cc
	$(call say,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) -Iposix -DPX_PROCS=1 $(CFLAGS_ALL) -c -o $@ $<
$(O)/procs/%.o: posix/%.c | need-cc
	$(call say,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) -Iposix -DPX_PROCS=1 $(CFLAGS_ALL) -c -o $@ $<

# hybrid/ (its adapter hybrid/hx_backend.c too, which builds harness/backend_mpi.c): MPI
# and OpenMP, MPI initialised at MPI_THREAD_FUNNELED
$(O)/hybrid/%.o: hybrid/%.c | need-mpi need-openmp
	$(call say,MPICC,$@)
	@mkdir -p $(@D)
	$(Q)$(MPICC_CC) $(CPPFLAGS_ALL) -Ihybrid -DHX_MPI_THREAD_LEVEL=MPI_THREAD_FUNNELED $(CFLAGS_ALL) $(OPENMP_CFLAGS) -c -o $@ $<

# tools/mpistart: MPI_Init and MPI_Finalize, timed (tools/mpistart.sh, make mpi-startup);
# a program of its own, not an exercise
$(O)/tools/mpistart.o: tools/mpistart.c | need-mpi
	$(call say,MPICC,$@)
	@mkdir -p $(@D)
	$(Q)$(MPICC_CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -c -o $@ $<
$(BUILD)/tools/mpistart: $(O)/tools/mpistart.o
	$(call say,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(MPICC_CC) $(LDFLAGS_ALL) -o $@ $^ -lm

# ---- linking: parallel part + shared part + main + harness + adapter + backend library
# A library file named after an exercise (mpi/prodcons_win.c, posix/ipc_box.c) is
# that exercise's plumbing and goes into its program only; the others into every one.
# $(call libs_for,exercise,library stems)
libs_for = $(filter-out $(addsuffix _%,$(ALL_EXERCISES)),$(2)) $(filter $(1)_%,$(2))
common_objs = $(O)/$(1)/$(2).o $(O)/exercises/$(2).o $(O)/main/$(2).o $(HARNESS_OBJS) \
	$(O)/$(1)/hx_backend.o $(addprefix $(O)/$(1)/,$(addsuffix .o,$(call libs_for,$(2),$(3))))

$(OPENMP_PROGS): $(BUILD)/openmp/%: $$(call common_objs,openmp,%,$(OPENMP_LIB))
	$(call say,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(OPENMP_CFLAGS) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)
$(MPI_PROGS): $(BUILD)/mpi/%: $$(call common_objs,mpi,%,$(MPI_LIB))
	$(call say,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(MPICC_CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)
$(HYBRID_PROGS): $(BUILD)/hybrid/%: $$(call common_objs,hybrid,%,$(HYBRID_LIB))
	$(call say,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(MPICC_CC) $(OPENMP_CFLAGS) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)
$(PTHREADS_PROGS): $(BUILD)/pthreads/%: $$(call common_objs,pthreads,%,$(POSIX_LIB))
	$(call say,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)
$(PROCS_PROGS): $(BUILD)/procs/%: $$(call common_objs,procs,%,$(POSIX_LIB))
	$(call say,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

# ---- tests: tests/test_<unit>.c (unit) and tests/run_<exercise>.c (integration), cmocka.
# A unit test named after an exercise links that exercise's shared part and provides
# the backend hook itself (a serial backend that can also corrupt its result).
$(O)/tests/%.o: tests/%.c | need-cmocka
	$(call say,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) -Itests -Iposix $(CFLAGS_ALL) -c -o $@ $<

test_exercise_obj = $(if $(wildcard exercises/$(patsubst test_%,%,$(1)).c),\
	$(O)/exercises/$(patsubst test_%,%,$(1)).o)
$(TEST_PROGS): $(BUILD)/tests/%: $(O)/tests/%.o $(HARNESS_OBJS) $(O)/pthreads/hx_backend.o \
		$(addprefix $(O)/tests/,$(addsuffix .o,$(TEST_SUPPORT))) \
		$$(addprefix $(O)/pthreads/,$$(addsuffix .o,$$(call libs_for,$$(patsubst test_%,%,$$*),$(POSIX_LIB)))) \
		$$(call test_exercise_obj,$$*)
	$(call say,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(CMOCKA_LIBS) $(LDLIBS_ALL)

include mk/run.mk
include mk/test.mk
include mk/slurm.mk

deps:
	@tools/deps.sh

clean:
	rm -rf build build-*

help:
	@sed -n '2,/^$$/s/^# \{0,1\}//p' Makefile

-include $(shell find $(O) -name '*.d' 2>/dev/null)
# A source file that was removed or renamed (posix/errors.c split into errors_pthreads.c
# and errors_procs.c) still stands in an older build's dependency files: let it be
# missing, and the object is rebuilt from the source that exists now.
$(foreach d,harness exercises openmp mpi posix hybrid tests tools,$(d)/%.c):
	@:
