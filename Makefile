# lacak — shipment-tracking aggregation daemon.
#   make demo     build, start courier-sim, track the demo orders to delivery, show notifications
#   make demo-tiktokshop  the same with a TikTok Shop source: authorize, find the cipher, pull, track
#   make test     build and run the test suite (and check the systemd unit when systemd-analyze is there)
#   make install  release binary, systemd unit, sysusers/tmpfiles entries, example config
#   make bench    benchmarks beside their references (README, Performance)
#   make chaos    the daemon killed 50 times under faulty couriers; checks nothing is lost (README, Reliability)
#   make fuzz     libFuzzer on the parsers, bounded time per target
#   make soak     the daemon under steady load for a while: memory and descriptors at start and end
#   make sanitize the test suite under AddressSanitizer and ThreadSanitizer
#   make accuracy how each aggregator preset reads the labelled corpus of real scan texts (Tests/Corpus)
# They install the Debian packages they need (libcurl4-openssl-dev, libsqlite3-dev, …) when missing.

SWIFT        ?= swift
DEBIAN_DEPS  := libcurl4-openssl-dev libssl-dev libsqlite3-dev zlib1g-dev python3 openssl util-linux
BIN          := .build/debug
DEMO_PORT    := 18231
DEMO_SPEED   := 5400
DEMO_DIR     := .demo
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PREFIX       ?= /usr/local
DESTDIR      ?=
SYSCONFDIR   ?= /etc
UNITDIR      ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR  ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR  ?= $(PREFIX)/lib/tmpfiles.d

BENCH_DEPS   := nginx wrk curl
# Python packages the tests use: independent spreadsheet writers for the .xlsx intake tests.
PIP_DEPS     := openpyxl xlsxwriter

CHAOS_KILLS     ?= 50
CHAOS_SHIPMENTS ?= 2000
SOAK_MINUTES    ?= 10
FUZZ_SECONDS    ?= 60

.PHONY: all deps pydeps build test demo-tiktokshop check-unit chaos-short demo install release bench chaos fuzz soak sanitize accuracy clean

all: build

deps:
	@missing=""; for p in $(DEBIAN_DEPS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

pydeps:
	@missing=""; for p in $(PIP_DEPS); do python3 -c "import $$p" >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing (pip)$$missing"; python3 -m pip install -q $$missing; fi

test: build pydeps
	$(SWIFT) build --build-tests
	$(SWIFT) test
	@$(MAKE) --no-print-directory chaos-short
	@$(MAKE) --no-print-directory check-unit

# The chaos run in small: a few kills, a few hundred shipments, debug binaries.
chaos-short:
	python3 tools/chaos.py --bin $(BIN) --kills 3 --shipments 200 --speed 36000 --poll 1s --converge-timeout 240

# systemd-analyze verify (no warnings) and security (exposure 2.0 or lower) on the unit as
# `make install` writes it, installed under a scratch prefix with the debug binary; skipped with
# a notice where systemd-analyze is missing.
check-unit:
	@if ! command -v systemd-analyze >/dev/null 2>&1; then echo "check-unit: systemd-analyze not found, skipped"; exit 0; fi; \
	set -e; root=$$(mktemp -d); trap 'rm -rf "$$root"' EXIT; \
	install -D -m 0755 $(BIN)/lacakd "$$root/bin/lacakd"; \
	$(MAKE) --no-print-directory -s install-files PREFIX="$$root" SYSCONFDIR="$$root/etc" >/dev/null; \
	unit="$$root/lib/systemd/system/lacakd.service"; \
	out=$$(systemd-analyze verify "$$unit" 2>&1) || { echo "$$out"; exit 1; }; \
	if [ -n "$$out" ]; then echo "systemd-analyze verify warned:"; echo "$$out"; exit 1; fi; \
	echo "check-unit: systemd-analyze verify: no warnings"; \
	if [ "$$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then \
		chmod 0755 "$$root"; \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$$root/bin/lacakd" validate --skip-secrets --config "$$root/etc/lacak/lacak.toml" >/dev/null \
			|| { echo "check-unit: the installed config cannot be validated by an unprivileged user"; exit 1; }; \
		echo "check-unit: the installed config validates as an unprivileged user"; \
	fi; \
	score=$$(systemd-analyze security --offline=true "$$unit" 2>/dev/null | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p'); \
	echo "check-unit: systemd-analyze security exposure $$score (must be 2.0 or lower)"; \
	awk -v s="$$score" 'BEGIN { exit !(s != "" && s <= 2.0) }'

# Benchmarks (not part of `make test`): lacak beside a reference in one run; see bench/run.py
# for the sizes (environment variables) and the README's Performance section for the table.
bench: deps
	@missing=""; for p in $(BENCH_DEPS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; \
	fi
	$(SWIFT) build -c release
	python3 bench/run.py
	.build/release/lacak-bench accuracy --corpus Tests/Corpus --data-dir config

# The per-courier accuracy table (README, Status mapping); fails below 95% or on a dangerous miss.
# `make test` runs the same scoring (StatusAccuracyTests); ACCURACY_FLAGS=--verbose lists misreads.
accuracy: build
	$(SWIFT) build --product lacak-bench
	$(BIN)/lacak-bench accuracy --corpus Tests/Corpus --data-dir config $(ACCURACY_FLAGS)

# SIGKILL at random moments under a fault mix; exits non-zero when anything is lost or doubled.
chaos: deps
	$(SWIFT) build -c release
	python3 tools/chaos.py --kills $(CHAOS_KILLS) --shipments $(CHAOS_SHIPMENTS) --report .build/chaos-report.json

# The daemon under steady load for SOAK_MINUTES: resident memory and open descriptors.
soak: deps
	$(SWIFT) build -c release
	python3 tools/soak.py --minutes $(SOAK_MINUTES) --report .build/soak-report.json

# libFuzzer targets (Fuzz/), built with -sanitize=fuzzer,address; FUZZ_SECONDS each.
fuzz: deps
	tools/fuzz.sh $(FUZZ_SECONDS)

# The whole test suite under AddressSanitizer, then ThreadSanitizer (separate build dirs).
# Leak checking is off for the suite: at exit the test runner still holds its helpers' reader
# threads, servers and child-process handles, which LeakSanitizer reports by the hundred. Leaks
# in lacak's own code are what `make fuzz` (LeakSanitizer on every input) and `make soak`
# (resident memory over time) look for.
sanitize: deps pydeps
	ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test --sanitize=address --scratch-path .build-asan
	$(SWIFT) test --sanitize=thread --scratch-path .build-tsan

# A release binary with the Swift runtime linked in, so the target machine needs no Swift.
release: deps
	$(SWIFT) build -c release --static-swift-stdlib --product lacakd

install: release
	install -D -s -m 0755 .build/release/lacakd $(DESTDIR)$(PREFIX)/bin/lacakd
	@$(MAKE) --no-print-directory install-files
	@echo "installed; next: systemd-sysusers, systemd-tmpfiles --create, edit $(SYSCONFDIR)/lacak/lacak.toml, systemctl enable --now lacakd"

# Units, sysusers/tmpfiles entries and the example config (an existing config is kept). The
# config is 0644: it holds no secrets (they cannot be written inline), and the service's user
# must read it (systemd does not hand ConfigurationDirectory= to User=).
install-files:
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(SYSCONFDIR)/lacak
	sed 's#/usr/local/bin/lacakd#$(PREFIX)/bin/lacakd#g' systemd/lacakd.service > $(DESTDIR)$(UNITDIR)/lacakd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/lacakd.service
	install -m 0644 systemd/lacak.sysusers $(DESTDIR)$(SYSUSERSDIR)/lacak.conf
	install -m 0644 systemd/lacak.tmpfiles $(DESTDIR)$(TMPFILESDIR)/lacak.conf
	install -d $(DESTDIR)$(PREFIX)/share/lacak/couriers/vocabulary $(DESTDIR)$(PREFIX)/share/lacak/tracking-numbers
	install -m 0644 config/couriers/*.toml $(DESTDIR)$(PREFIX)/share/lacak/couriers/
	install -m 0644 config/couriers/vocabulary/*.toml $(DESTDIR)$(PREFIX)/share/lacak/couriers/vocabulary/
	install -m 0644 config/tracking-numbers/*.json $(DESTDIR)$(PREFIX)/share/lacak/tracking-numbers/
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/lacak/lacak.toml ]; then \
		echo "keeping existing $(DESTDIR)$(SYSCONFDIR)/lacak/lacak.toml"; \
	else \
		install -m 0644 config/lacak.toml $(DESTDIR)$(SYSCONFDIR)/lacak/lacak.toml; \
	fi

# The demo: courier-sim speaks Binderbyte's API on 127.0.0.1:$(DEMO_PORT), an hour of courier
# time per real second and a bit; lacakd --check runs a round every second until every parcel
# has arrived (--all: every round polls every parcel), then lists the notifications it wrote into $(DEMO_DIR)/spool/notifications/new.
demo: build
	@set -e; \
	rm -rf $(DEMO_DIR); mkdir -p $(DEMO_DIR)/spool/incoming; \
	$(BIN)/courier-sim --port $(DEMO_PORT) --speed $(DEMO_SPEED) --run-for 130 --api-key demo-key \
		--shipments config/demo-scenarios.json > $(DEMO_DIR)/courier-sim.log 2>&1 & sim=$$!; \
	trap 'kill $$sim 2>/dev/null' EXIT INT TERM PIPE HUP; \
	for i in $$(seq 50); do grep -q listening $(DEMO_DIR)/courier-sim.log 2>/dev/null && break; sleep 0.1; done; \
	grep -q listening $(DEMO_DIR)/courier-sim.log || { cat $(DEMO_DIR)/courier-sim.log; echo "courier-sim did not start (is port $(DEMO_PORT) free?)"; exit 1; }; \
	export LACAK_DEMO_API_KEY=demo-key; \
	cp config/demo-export.csv $(DEMO_DIR)/spool/incoming/OrderSKUList.csv; \
	echo "== dropped a TikTok Shop Seller Center export (config/demo-export.csv: 6 orders, one shipped in two packages) into $(DEMO_DIR)/spool/incoming; polling courier-sim every second"; \
	shown=""; \
	for round in $$(seq 120); do \
		$(BIN)/lacakd --check --all --config config/demo.toml > $(DEMO_DIR)/last-check.txt 2>&1 || { cat $(DEMO_DIR)/last-check.txt; exit 1; }; \
		for f in $$(ls $(DEMO_DIR)/spool/notifications/new | sort -t. -k2); do \
			case " $$shown " in *" $$f "*) continue;; esac; shown="$$shown $$f"; \
			order=$$(sed -n 's/^  "order_id": "\(.*\)",$$/\1/p' $(DEMO_DIR)/spool/notifications/new/$$f); \
			audience=$$(sed -n 's/^  "audience": "\(.*\)",$$/\1/p' $(DEMO_DIR)/spool/notifications/new/$$f); \
			title=$$(sed -n 's/^  "title": "\(.*\)",$$/\1/p' $(DEMO_DIR)/spool/notifications/new/$$f); \
			[ "$$audience" = buyer ] && printf '  %-10s %s\n' "$$order" "$$title"; \
		done; \
		if [ $$round = 3 ]; then \
			cp config/demo-export-cancel.csv $(DEMO_DIR)/spool/incoming/.OrderSKUList-2.csv; \
			mv $(DEMO_DIR)/spool/incoming/.OrderSKUList-2.csv $(DEMO_DIR)/spool/incoming/OrderSKUList-2.csv; \
			echo "== buyer of DEMO-1005 cancelled (a later export, config/demo-export-cancel.csv, dropped into incoming/)"; \
		fi; \
		done_count=$$(grep -l '"buyer": "received"' $(DEMO_DIR)/spool/orders/*.json 2>/dev/null | wc -l); \
		[ "$$done_count" -ge 5 ] && break; \
		sleep 1; \
	done; \
	echo "== last lacakd --check summary:"; cat $(DEMO_DIR)/last-check.txt; \
	echo "== $$(ls $(DEMO_DIR)/spool/notifications/new | wc -l) notification files (buyer and seller) in $(DEMO_DIR)/spool/notifications/new; one of them:"; \
	cat "$$(grep -l '"kind": "order_delivered"' $(DEMO_DIR)/spool/notifications/new/* | head -1)"; \
	echo "== order snapshot $(DEMO_DIR)/spool/orders/DEMO-1001.json:"; cat $(DEMO_DIR)/spool/orders/DEMO-1001.json

# The TikTok Shop source against courier-sim: authorize, find the cipher, pull and track.
TTS_DEMO_DIR  := .demo-tiktokshop
TTS_DEMO_PORT := 18232
demo-tiktokshop: build
	@set -e; \
	rm -rf $(TTS_DEMO_DIR); mkdir -p $(TTS_DEMO_DIR)/secrets; chmod 700 $(TTS_DEMO_DIR)/secrets; \
	$(BIN)/courier-sim --port $(TTS_DEMO_PORT) --dialect tiktokshop --speed 7200 --run-for 300 --shop-orders 10 \
		--app-key demoappkey --app-secret demo-app-secret --shop-cipher ROW_demo-cipher > $(TTS_DEMO_DIR)/courier-sim.log 2>&1 & sim=$$!; \
	trap 'kill $$sim 2>/dev/null' EXIT INT TERM PIPE HUP; \
	for i in $$(seq 50); do grep -q listening $(TTS_DEMO_DIR)/courier-sim.log 2>/dev/null && break; sleep 0.1; done; \
	grep -q listening $(TTS_DEMO_DIR)/courier-sim.log || { cat $(TTS_DEMO_DIR)/courier-sim.log; echo "courier-sim did not start (is port $(TTS_DEMO_PORT) free?)"; exit 1; }; \
	export LACAK_DEMO_API_KEY=demo-key; \
	(umask 077; echo demo-app-secret > $(TTS_DEMO_DIR)/secrets/app_secret); \
	echo "== lacakd tiktokshop authorize (the simulated shop's auth code, read from standard input)"; \
	echo sim-auth-code | $(BIN)/lacakd tiktokshop authorize --app-key demoappkey --app-secret-file $(TTS_DEMO_DIR)/secrets/app_secret \
		--auth-code - --tokens-dir $(TTS_DEMO_DIR)/secrets --auth-endpoint http://127.0.0.1:$(TTS_DEMO_PORT); \
	echo "== lacakd tiktokshop shops"; \
	$(BIN)/lacakd tiktokshop shops --app-key demoappkey --app-secret-file $(TTS_DEMO_DIR)/secrets/app_secret \
		--access-token-file $(TTS_DEMO_DIR)/secrets/access_token --endpoint http://127.0.0.1:$(TTS_DEMO_PORT); \
	echo "== pulling and tracking with lacakd --check --config config/demo-tiktokshop.toml every second"; \
	shown=""; \
	for round in $$(seq 150); do \
		$(BIN)/lacakd --check --all --config config/demo-tiktokshop.toml > $(TTS_DEMO_DIR)/last-check.txt 2>&1 || { cat $(TTS_DEMO_DIR)/last-check.txt; exit 1; }; \
		for f in $$(ls $(TTS_DEMO_DIR)/spool/notifications/new | sort -t. -k2); do \
			case " $$shown " in *" $$f "*) continue;; esac; shown="$$shown $$f"; \
			order=$$(sed -n 's/^  "order_id": "\(.*\)",$$/\1/p' $(TTS_DEMO_DIR)/spool/notifications/new/$$f); \
			audience=$$(sed -n 's/^  "audience": "\(.*\)",$$/\1/p' $(TTS_DEMO_DIR)/spool/notifications/new/$$f); \
			title=$$(sed -n 's/^  "title": "\(.*\)",$$/\1/p' $(TTS_DEMO_DIR)/spool/notifications/new/$$f); \
			[ "$$audience" = buyer ] && printf '  %-20s %s\n' "$$order" "$$title"; \
		done; \
		total=$$(ls $(TTS_DEMO_DIR)/spool/orders/*.json 2>/dev/null | wc -l); \
		final=$$(grep -lE '"buyer": "(received|cancelled|returns_refund)"' $(TTS_DEMO_DIR)/spool/orders/*.json 2>/dev/null | wc -l); \
		[ "$$total" -ge 10 ] && [ "$$final" -ge 10 ] && break; \
		sleep 1; \
	done; \
	echo "== last lacakd --check summary:"; cat $(TTS_DEMO_DIR)/last-check.txt; \
	echo "== the orders, by what the buyer sees:"; grep -hoE '"buyer": "(unpaid|waiting_for_delivery|in_transit|received|cancelled|returns_refund)"' $(TTS_DEMO_DIR)/spool/orders/*.json | sort | uniq -c

clean:
	rm -rf .build .build-asan .build-tsan .build-fuzz $(DEMO_DIR) $(TTS_DEMO_DIR)
