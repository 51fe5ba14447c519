# Partnerdesk: the two commands are `make run` and `make test`.
# Each installs what it needs when it is missing and skips what is there.

SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: run test deps lint fmt test-rust demo-reference clean-db

## Build and run Partnerdesk on the default database (in the user's data folder).
## Until the desktop app lands, this builds the `partnerdesk` CLI, creates or
## migrates the default database and checks it.
run: deps
	$(CARGO) build --release -p partnerdesk-cli
	./target/release/partnerdesk init
	./target/release/partnerdesk doctor

## Every test: formatting, lints, unit, property, integration and CLI tests.
test: deps lint test-rust

deps:
	@command -v $(CARGO) >/dev/null || { echo "cargo is missing: install Rust with rustup (https://rustup.rs)"; exit 1; }
	@rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
	@rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

fmt:
	$(CARGO) fmt --all

## Rust tests, with a throw-away PostgreSQL server for the sync push tests
## (installed from Debian when missing, started on a loopback port, stopped after).
test-rust:
	scripts/with-postgres.sh $(CARGO) test --workspace --locked

## The reference data set of DESIGN.md, timed (release build).
demo-reference:
	$(CARGO) build --release -p partnerdesk-cli
	rm -f /tmp/partnerdesk-reference.db*
	/usr/bin/time -f "demo: %e s wall, %M KiB max RSS" ./target/release/partnerdesk --db /tmp/partnerdesk-reference.db demo --partners 100000 --leads 2000000 --seed 1
	ls -l /tmp/partnerdesk-reference.db

## Analytics benchmark: builds the reference set once (reused when present),
## times every analytics call warm, then DuckDB running the equivalent SQL
## over the same rows, and prints the ratios (keep BENCHMARKS.md up to date).
.PHONY: bench
BENCH_DB ?= $(CURDIR)/target/bench/reference.db
bench: deps
	@if [ ! -f $(BENCH_DB) ]; then \
		$(CARGO) build --release -p partnerdesk-cli && mkdir -p $(dir $(BENCH_DB)) && \
		./target/release/partnerdesk --db $(BENCH_DB) init && \
		./target/release/partnerdesk --db $(BENCH_DB) demo --partners 100000 --leads 2000000 --seed 1; \
	fi
	PARTNERDESK_BENCH_DB=$(BENCH_DB) $(CARGO) bench -p partnerdesk-core --bench analytics
	@python3 -c 'import duckdb' 2>/dev/null || python3 -m pip install --quiet duckdb
	python3 scripts/bench_duckdb.py $(BENCH_DB) $(CURDIR)/target/bench/analytics-rust.json

## Lead import benchmark: ROWS valid leads from CSV (all checks, per-row audit),
## rows/s beside plain INSERTs of the same rows (release build).
.PHONY: bench-import
IMPORT_ROWS ?= 1000000
bench-import: deps
	$(CARGO) run --release --locked -p partnerdesk-core --example bench_import -- $(IMPORT_ROWS)
