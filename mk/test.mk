# mk/test.mk: make test. tests/run-tests.sh runs every test program under a timeout:
# the unit tests first, then the integration tests (which run the real binaries). MPI
# programs start through tools/mpilaunch with the launcher MPIRUN (exported by the
# Makefile: the one matching MPICC unless given).
.PHONY: test
test: all tests
	@TX_EXERCISES="$(EXERCISES)" tests/run-tests.sh $(BUILD) $(TESTS) test_report

# make test-mutants: tests/mutate.sh applies each deliberate bug of tests/mutants.txt to
# a scratch copy of the tree and checks that a test catches it ("N caught, 0 missed").
.PHONY: test-mutants
test-mutants:
	@tests/mutate.sh $(BUILD)
