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

test-rust:
	$(CARGO) test --workspace --locked

## The reference data set of DESIGN.md, timed (release build).
demo-reference:
	$(CARGO) build --release -p partnerdesk-cli
	rm -f /tmp/partnerdesk-reference.db*
	/usr/bin/time -f "demo: %e s wall, %M KiB max RSS" ./target/release/partnerdesk --db /tmp/partnerdesk-reference.db demo --partners 100000 --leads 2000000 --seed 1
	ls -l /tmp/partnerdesk-reference.db
