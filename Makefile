# The targets CI and developers run. `make test` is the one test command:
# .ci/run calls it, and README.md opens with it.
GO ?= go
BENCHTIME ?= 1s

.PHONY: test tools fmt-check vet race bench fuzz

test: tools fmt-check vet race

# tools installs what the tests need and a fresh machine may lack: iproute2
# and iptables for the tunnel's NAT test in network namespaces. Installing
# needs root, as creating namespaces does; without root the NAT test skips.
tools:
	@if [ "$$(id -u)" = 0 ]; then \
		missing=""; \
		command -v ip >/dev/null 2>&1 || missing="$$missing iproute2"; \
		command -v iptables >/dev/null 2>&1 || missing="$$missing iptables"; \
		if [ -n "$$missing" ]; then \
			echo "installing$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		fi; \
	fi

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

# fuzz runs every fuzz target of every package for FUZZTIME each.
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$target"; \
			$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done
