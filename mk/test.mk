# mk/test.mk: make test. tests/run-tests.sh runs every test program under a timeout:
# the unit tests first, then the integration tests (which run the real binaries).
.PHONY: test
test: all tests
	@tests/run-tests.sh $(BUILD) $(TESTS)
