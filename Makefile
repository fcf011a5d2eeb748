# The targets CI and developers run. `make test` is the one test command:
# .ci/run calls it, and README.md opens with it.
GO ?= go
BENCHTIME ?= 1s

.PHONY: test tools chromium litesvm litesvm-test chain fmt-check vet nocgo race crash bench bench-solana bench-reads bench-reference fuzz cli-tty signin-test

test: tools litesvm litesvm-test signin-test fmt-check vet nocgo race cli-tty

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

# chromium installs Debian's chromium, which the web interface's browser
# tests (refserver/web, driven with chromedp) run headless; `make race`
# sets IOG_BROWSER_TESTS=required, so that they fail rather than skip
# without it. Installing needs root.
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing chromium"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else \
			echo "the browser tests need chromium: apt-get install chromium"; exit 1; \
		fi; \
	fi

# litesvm installs the Solana test validator's node_modules (LiteSVM and
# @solana/kit, about 46 MB) from its committed package-lock.json, once:
# npm ci runs again only when the lock is newer than the install. The Go
# tests that start the validator (tokenomics/solana/solanatest) would
# install it themselves; doing it here keeps npm's output out of them.
LITESVM_DIR = tokenomics/solana/solanatest/litesvm
litesvm: $(LITESVM_DIR)/node_modules/.package-lock.json
$(LITESVM_DIR)/node_modules/.package-lock.json: $(LITESVM_DIR)/package-lock.json $(LITESVM_DIR)/package.json
	cd $(LITESVM_DIR) && npm ci --no-audit --no-fund
	@touch $@

# litesvm-test runs the validator's own tests (node --test).
litesvm-test: litesvm
	cd $(LITESVM_DIR) && npm test --silent

# signin-test runs the web pages' sign-in tests (node --test): the page
# signs as Go does, against iogsdk/api's test vector.
signin-test:
	node --test refserver/web/static/signin_test.mjs

# chain runs the LiteSVM test validator for people: a Solana JSON-RPC
# endpoint on http://127.0.0.1:8899 whose chain lives in /tmp/iog-chain
# and survives restarts (remove the directory for a fresh one). Point a
# Solana client or the server's settlement at it; Ctrl-C stops it.
CHAIN_PORT ?= 8899
CHAIN_STATE ?= /tmp/iog-chain
chain: litesvm
	cd $(LITESVM_DIR) && node rpc.mjs --port $(CHAIN_PORT) --state $(CHAIN_STATE)

fmt-check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi

vet:
	$(GO) vet ./...

# nocgo builds every package with CGO_ENABLED=0, as a server that only
# verifies reports is built, except those that need cgo. They are
# CGO_PACKAGES, each for a reason:
#
#   gpu/nvml             go-nvml calls NVML through cgo, and loads
#                        libnvidia-ml.so.1 with dlopen (go-nvml/pkg/dl)
#   examples/probe       probes the machine's GPUs with gpu/nvml
#   examples/unknowngpu  runs gpu/nvml's probe on go-nvml's DGX A100 mock,
#                        whose types are those of go-nvml's cgo package
#   examples/worker      lends the machine's GPUs, found with gpu/nvml
#
# go list computes the packages that need cgo (those with cgo files, and
# those importing, directly or not, a package outside the standard library
# that has some), and the target fails unless they are CGO_PACKAGES: a
# package that starts to need cgo is named, not silently left out.
CGO_PACKAGES = examples/probe examples/unknowngpu examples/worker gpu/nvml
nocgo:
	@set -e; mod=$$($(GO) list -m); \
	cgo=$$(CGO_ENABLED=1 $(GO) list -deps -f '{{if and (not .Standard) .CgoFiles}}{{.ImportPath}}{{end}}' ./...); \
	need=$$(CGO_ENABLED=1 $(GO) list -f '{{.ImportPath}}{{range .Deps}} {{.}}{{end}}' ./... | \
		awk -v cgo="$$cgo" 'BEGIN { n = split(cgo, c); for (i = 1; i <= n; i++) s[c[i]] = 1 } \
			{ for (i = 1; i <= NF; i++) if ($$i in s) { print $$1; next } }' | \
		sed -e "s|^$$mod/||" -e "s|^$$mod\$$|.|" | sort | tr '\n' ' '); \
	want=$$(printf '%s\n' $(CGO_PACKAGES) | sort | tr '\n' ' '); \
	if [ "$$need" != "$$want" ]; then \
		echo "nocgo: the packages that need cgo are [ $$need], CGO_PACKAGES lists [ $$want]: update CGO_PACKAGES and the reasons above it"; \
		exit 1; \
	fi; \
	echo "CGO_ENABLED=0 go build: every package but $(CGO_PACKAGES)"; \
	CGO_ENABLED=0 $(GO) build -o /dev/null $$($(GO) list ./... | grep -vxF $$(printf -- "-e $$mod/%s " $(CGO_PACKAGES)))

# race runs every test with the race detector. The SQL stores' tests run
# on SQLite and on PostgreSQL: .ci/with-postgres.sh starts a throwaway
# PostgreSQL for the run (installing Debian's postgresql when it is missing
# and we are root) unless IOG_TEST_POSTGRES already names a server. The
# timeout bounds a hang, not speed: the reference server's package takes
# about 4 minutes on 2 quiet cores under the race detector, and several
# times that beside a CPU hog, past go test's default of 10 minutes.
race: chromium
	IOG_BROWSER_TESTS=required .ci/with-postgres.sh $(GO) test -race -count=1 -timeout 60m ./...

# crash kills the reference server with SIGKILL at CRASH_ROUNDS random
# points under load, on SQLite and on PostgreSQL, and checks that nothing
# acknowledged was lost or applied twice and that the ledger verifies;
# then it kills the leader of two servers on PostgreSQL FAILOVER_KILLS
# times and checks that the other takes over and no epoch is lost or
# settled twice. `make test` runs them with 20 and 3.
CRASH_ROUNDS ?= 100
FAILOVER_KILLS ?= 10
crash:
	IOG_CRASH_ROUNDS=$(CRASH_ROUNDS) IOG_FAILOVER_KILLS=$(FAILOVER_KILLS) .ci/with-postgres.sh $(GO) test -count=1 -timeout 60m -run '^(TestCrash|TestFailover)$$' -v ./refserver/

# cli-tty drives the iog command in a terminal through tmux (send-keys,
# capture-pane): a cluster deployed interactively against a test server,
# its progress display drawn, then its table (TestTTY in iogsdk/cmd/iog,
# every wait bounded). It installs Debian's tmux first when it is missing
# and it can (as root).
cli-tty:
	@if ! command -v tmux >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing tmux"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux; \
		else \
			echo "cli-tty needs tmux: apt-get install tmux"; exit 1; \
		fi; \
	fi
	IOG_TTY=1 $(GO) test -count=1 -run '^TestTTY$$' -v ./iogsdk/cmd/iog/

# bench runs every benchmark once; copy the figures into BENCHMARKS.md with
# the command and the machine.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

# bench-solana measures settlement on Solana in one run: LiteSVM's raw
# rate in process (bench.mjs: one transfer a transaction, and
# SOLANA_BATCH a transaction, each with a 60-byte memo: 8 is the most
# that fit one transaction), the validator's rate
# through its RPC server, and the Solana ledger's payouts from Go end to
# end through that server, one a transaction and packed by Fit.
SOLANA_TRANSFERS ?= 20000
SOLANA_BATCH ?= 8
bench-solana: litesvm
	cd $(LITESVM_DIR) && node bench.mjs --transfers $(SOLANA_TRANSFERS) --batch 1 && \
		node bench.mjs --transfers $(SOLANA_TRANSFERS) --batch $(SOLANA_BATCH) && \
		node bench.mjs --http --transfers $(SOLANA_TRANSFERS) --clients 1,4,8
	$(GO) test -run '^$$' -bench 'Payout' -benchtime $(SOLANA_TRANSFERS)x -count 3 ./tokenomics/solana/

# bench-reads measures public reads with wrk (Debian's, installed when
# missing) against an iogd on READS_DATA, populated by iogload with
# READS_DEVICES devices the first time: READS_MODE device (GET a device)
# or mix (a device, the supply, the statistics), READS_CONNECTIONS
# connections for READS_DURATION.
READS_DATA ?= /tmp/iog-reads
READS_DEVICES ?= 10000
READS_MODE ?= device
READS_CONNECTIONS ?= 16
READS_DURATION ?= 20s
bench-reads:
	@command -v wrk >/dev/null || apt-get install -y wrk
	$(GO) build -o $(READS_DATA).bin/iogload ./refserver/cmd/iogload
	$(GO) build -o $(READS_DATA).bin/iogd ./refserver/cmd/iogd
	$(READS_DATA).bin/iogload -data $(READS_DATA) -devices $(READS_DEVICES) -attack ""
	@set -e; $(READS_DATA).bin/iogd -demo=false -log-level=warn -data $(READS_DATA) -listen 127.0.0.1:8430 -relay 127.0.0.1:8431 \
		-limit-ip 1000000 -limit-burst 1000000 & pid=$$!; trap 'kill $$pid; wait $$pid' EXIT; \
	for i in $$(seq 100); do curl -sf http://127.0.0.1:8430/readyz >/dev/null && break; sleep 0.1; done; \
	wrk -t1 -c$(READS_CONNECTIONS) -d$(READS_DURATION) --latency -s refserver/cmd/iogload/wrk/reads.lua http://127.0.0.1:8430 -- $(READS_DATA)/iogload-fleet.txt $(READS_MODE); \
	grep VmRSS /proc/$$pid/status

# bench-reference builds frp, a widely used Go relay with TLS and a
# multiplexer, from the Go module proxy into FRP_DIR (once), and runs the
# tunnel's single-stream throughput benchmarks beside it in the same run.
FRP_VERSION ?= v0.65.0
FRP_DIR ?= $(HOME)/.cache/iog/frp-$(FRP_VERSION)
bench-reference:
	@if [ ! -x "$(FRP_DIR)/frps" ] || [ ! -x "$(FRP_DIR)/frpc" ]; then \
		set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
		src=$$(cd "$$tmp" && $(GO) mod download -json github.com/fatedier/frp@$(FRP_VERSION) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
		cp -R "$$src" "$$tmp/frp"; chmod -R u+w "$$tmp/frp"; mkdir -p "$(FRP_DIR)"; \
		echo "building frp $(FRP_VERSION) into $(FRP_DIR)"; \
		(cd "$$tmp/frp" && $(GO) build -o "$(FRP_DIR)/" ./cmd/frps ./cmd/frpc); \
	fi
	IOG_FRP_DIR="$(FRP_DIR)" $(GO) test -run '^$$' -bench 'Throughput(Relay|DirectTCP|DirectTLS|ThreeHopsTCP|ReferenceFRP)$$' -benchtime 1000x -count 3 ./tunnel/

# fuzz runs every fuzz target of every package for FUZZTIME each.
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$target"; \
			$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done
