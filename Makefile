# Partnerdesk: the two commands are `make run` and `make test`.
# Each installs what it needs when it is missing and skips what is there.

SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never
# CI builds once from clean: incremental caches would only cost disk (GBs) and time.
ifeq ($(CI),true)
export CARGO_INCREMENTAL ?= 0
endif

.PHONY: run test deps lint fmt fmt-check test-rust demo-reference clean-db deps-app deps-e2e ui ui-lint app e2e package package-check e2e-run bundle-check

## Build the UI and the desktop app and open it on the default database (in the
## user's data folder; PARTNERDESK_DB=... or ARGS="--db PATH" open another).
run: deps deps-app ui
	$(CARGO) build --release -p partnerdesk-app -p partnerdesk-cli
	./target/release/partnerdesk-app $(ARGS)

## Every test: formatting, lints, unit, property, integration and CLI tests,
## the tests that cross crates (tests/) and the end-to-end tests (tests/e2e).
test: deps deps-app deps-e2e ui ui-lint fmt-check test-rust e2e-run bundle-check

deps:
	@command -v $(CARGO) >/dev/null || { echo "cargo is missing: install Rust with rustup (https://rustup.rs)"; exit 1; }
	@rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
	@rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy

lint: fmt-check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

fmt-check:
	$(CARGO) fmt --all --check

fmt:
	$(CARGO) fmt --all

## Rust tests, with a throw-away PostgreSQL server for the sync tests
## (installed from Debian when missing, started on a loopback port, stopped after).
## The test build is also the lint: clippy-driver compiles the workspace's own
## crates (what `cargo clippy` does, with -D warnings) while it builds every
## target, so `make test` compiles once instead of checking everything first
## (`make lint` is the same check on its own).
CLIPPY_DRIVER := $(shell rustc --print sysroot 2>/dev/null)/bin/clippy-driver
LINTED := RUSTC_WORKSPACE_WRAPPER=$(CLIPPY_DRIVER) CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__
# Every build of `make test` (the tests', the e2e app's, the .deb check's) runs
# under the same wrapper: cargo rebuilds the workspace's crates when it changes.
test: export RUSTC_WORKSPACE_WRAPPER := $(CLIPPY_DRIVER)
test: export CLIPPY_ARGS := -D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__
## The e-mail tests start a real SMTP server (Debian's python3-aiosmtpd,
## scripts/smtp-test-server.py) on a free loopback port: installed when missing.
test-rust:
	$(call apt_install,python3-aiosmtpd)
	$(LINTED) $(CARGO) test --workspace --all-targets --locked --no-run
	$(LINTED) scripts/with-postgres.sh $(CARGO) test --workspace --lib --bins --tests --locked

## The reference data set (100,000 partners, 2,000,000 leads), timed (release build).
demo-reference:
	$(CARGO) build --release -p partnerdesk-cli
	rm -f /tmp/partnerdesk-reference.db*
	./target/release/partnerdesk --db /tmp/partnerdesk-reference.db init
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

## Rules benchmark: the what-if simulator replaying every won deal of the
## reference set (`make bench` makes it; the first open migrates it).
.PHONY: bench-rules
bench-rules: deps
	PARTNERDESK_BENCH_DB=$(BENCH_DB) $(CARGO) bench -p partnerdesk-core --bench rules

## Lead import benchmark: ROWS valid leads from CSV (every check of a hand
## entry), rows/s beside two peers writing the same rows with no checks
## (rusqlite INSERTs, the sqlite3 shell), and into a copy of the reference
## set when `make bench` has made it (release build).
.PHONY: bench-import
IMPORT_ROWS ?= 1000000
bench-import: deps
	$(call apt_install,sqlite3)
	PARTNERDESK_BENCH_DB=$(BENCH_DB) $(CARGO) run --release --locked -p partnerdesk-core --example bench_import -- $(IMPORT_ROWS)

## Encryption benchmark: on working copies of the reference set (`make bench`
## makes it), one plain and one encrypted (made once), list pages, the
## Analytics screen and a 1,000-lead import timed turn about on both, with
## their ratio (release build).
.PHONY: bench-cipher
bench-cipher: deps
	PARTNERDESK_BENCH_DB=$(BENCH_DB) $(CARGO) run --release --locked -p partnerdesk-core --example bench_cipher

## Launch benchmark: the release app started 5 times on the reference set
## (`make bench` makes it), each run printing the time from its process start
## to the dashboard's figures on screen, and the steps on the way.
.PHONY: bench-launch
bench-launch: deps deps-app ui
	$(call apt_install,xvfb xauth)
	$(CARGO) build --release --locked -p partnerdesk-app -p partnerdesk-cli
	PARTNERDESK_BENCH_DB=$(BENCH_DB) scripts/bench-launch.sh

# ---- The desktop app (src-tauri + ui) ----

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APP_PKGS := libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev librsvg2-dev build-essential pkg-config libssl-dev
E2E_PKGS := xvfb xauth webkit2gtk-driver
TAURI_DRIVER := $(or $(shell command -v tauri-driver 2>/dev/null),$(HOME)/.cargo/bin/tauri-driver)

# Install the Debian packages of $(1) that are missing (apt-get update once first).
define apt_install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

deps-app:
	$(call apt_install,$(APP_PKGS))
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }

deps-e2e: deps-app
	$(call apt_install,$(E2E_PKGS))
	@test -x "$(TAURI_DRIVER)" || $(CARGO) install tauri-driver --locked

ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund
	@touch $@

# The end-to-end tests' own packages (WebdriverIO), installed like the UI's.
tests/e2e/node_modules/.package-lock.json: tests/e2e/package-lock.json
	cd tests/e2e && npm ci --no-audit --no-fund
	@touch $@

## The UI: type-check (tsc) and bundle (vite) into ui/dist, which the app embeds.
ui: ui/node_modules/.package-lock.json
	cd ui && npm run build

## The UI's lints (ESLint) and formatting (Prettier; `cd ui && npm run format` rewrites).
ui-lint: ui/node_modules/.package-lock.json
	cd ui && npm run lint
	cd ui && npm run format:check

app: deps-app ui
	$(CARGO) build -p partnerdesk-app -p partnerdesk-cli --locked

## End-to-end tests (tests/e2e): the real app under Xvfb, driven through
## tauri-driver + WebKitWebDriver. Each test has its own time limit
## (tests/e2e/harness.mjs); the whole run is bounded too, so that nothing can
## hold CI up to its own limit (~70 s normally).
## `make e2e` builds the app first; `make test` runs them (`e2e-run`) on the
## app and CLI binaries its test build made (cargo builds a package's binaries
## for its integration tests), so it compiles once.
e2e: app e2e-run
e2e-run: deps-e2e tests/e2e/node_modules/.package-lock.json
	cd tests/e2e && TAURI_DRIVER="$(TAURI_DRIVER)" timeout -k 30 1800 xvfb-run -a -s "-screen 0 1280x800x24" ../../scripts/with-postgres.sh npm run e2e

## The packaging of `make package`, checked in `make test`: a debug-profile .deb
## of the app already built (`tauri bundle`, no second compile) that must hold
## the app, its menu entry and icons.
package-check: app bundle-check
bundle-check: deps-app ui
	rm -rf $${CARGO_TARGET_DIR:-target}/debug/bundle/deb
	ui/node_modules/.bin/tauri bundle --debug --bundles deb
	sh scripts/check-deb.sh

## A .deb of the app in target/release/bundle/deb/ (the tauri CLI from npm).
package: deps-app ui
	ui/node_modules/.bin/tauri build --bundles deb
	ls -l target/release/bundle/deb/*.deb
