# lacak — shipment-tracking aggregation daemon.
#   make demo    build, start courier-sim, track the demo orders to delivery, show notifications
#   make test    build and run the test suite
# Both install the Debian packages they need (libcurl4-openssl-dev, libsqlite3-dev) when missing.

SWIFT        ?= swift
DEBIAN_DEPS  := libcurl4-openssl-dev libsqlite3-dev
BIN          := .build/debug
DEMO_PORT    := 18231
DEMO_SPEED   := 5400
DEMO_DIR     := .demo
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build test demo clean

all: build

deps:
	@missing=""; for p in $(DEBIAN_DEPS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

test: build
	$(SWIFT) build --build-tests
	$(SWIFT) test

# The demo: courier-sim speaks Binderbyte's API on 127.0.0.1:$(DEMO_PORT), an hour of courier
# time per real second and a bit; lacakd --check runs a round every second until every parcel
# has arrived (--all: every round polls every parcel), then lists the notifications it wrote into $(DEMO_DIR)/spool/notifications/new.
demo: build
	@set -e; \
	rm -rf $(DEMO_DIR); mkdir -p $(DEMO_DIR)/spool/incoming; \
	$(BIN)/courier-sim --port $(DEMO_PORT) --speed $(DEMO_SPEED) --api-key demo-key \
		--shipments config/demo-scenarios.json > $(DEMO_DIR)/courier-sim.log 2>&1 & sim=$$!; \
	trap 'kill $$sim 2>/dev/null' EXIT INT TERM; \
	for i in $$(seq 50); do grep -q listening $(DEMO_DIR)/courier-sim.log 2>/dev/null && break; sleep 0.1; done; \
	grep -q listening $(DEMO_DIR)/courier-sim.log || { cat $(DEMO_DIR)/courier-sim.log; echo "courier-sim did not start (is port $(DEMO_PORT) free?)"; exit 1; }; \
	export LACAK_DEMO_API_KEY=demo-key; \
	cp config/demo-orders.jsonl $(DEMO_DIR)/spool/incoming/orders.jsonl; \
	echo "== dropped 5 orders into $(DEMO_DIR)/spool/incoming; polling courier-sim every second"; \
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
			echo '{"order_id": "DEMO-1005", "status": "CANCELLED"}' > $(DEMO_DIR)/spool/incoming/cancel.json; \
			echo "== buyer of DEMO-1005 cancelled (dropped incoming/cancel.json)"; \
		fi; \
		done_count=$$(grep -l '"carrier": "delivered"' $(DEMO_DIR)/spool/orders/*.json 2>/dev/null | wc -l); \
		[ "$$done_count" -ge 4 ] && break; \
		sleep 1; \
	done; \
	echo "== last lacakd --check summary:"; cat $(DEMO_DIR)/last-check.txt; \
	echo "== $$(ls $(DEMO_DIR)/spool/notifications/new | wc -l) notification files (buyer and seller) in $(DEMO_DIR)/spool/notifications/new; one of them:"; \
	cat "$$(grep -l '"kind": "order_delivered"' $(DEMO_DIR)/spool/notifications/new/* | head -1)"; \
	echo "== order snapshot $(DEMO_DIR)/spool/orders/DEMO-1001.json:"; cat $(DEMO_DIR)/spool/orders/DEMO-1001.json

clean:
	rm -rf .build $(DEMO_DIR)
