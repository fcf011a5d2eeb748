# The targets CI and developers run. `make test` is the one test command:
# .ci/run calls it, and README.md opens with it.
GO ?= go
BENCHTIME ?= 1s

.PHONY: test fmt-check vet race bench fuzz

test: fmt-check vet race

fmt-check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi

vet:
	$(GO) vet ./...

race:
	$(GO) test -race -count=1 ./...

# bench runs every benchmark once; copy the figures into BENCHMARKS.md with
# the command and the machine.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

# fuzz runs each fuzz target of the root package for FUZZTIME.
FUZZTIME ?= 30s
fuzz:
	@for target in $$($(GO) test -list '^Fuzz' . | grep '^Fuzz'); do \
		echo "== $$target"; \
		$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) . || exit 1; \
	done
