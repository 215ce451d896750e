# dashcamd: everything a developer or CI does goes through here.
# `make run` and `make test` work on a fresh machine (they install what is missing).

NODE       ?= node
PI         ?=
PORT       ?= 8080
TSX        := $(NODE) --import tsx
TEST_FILES ?= $(wildcard test/*.test.ts)
STAMP      := node_modules/.installed

.PHONY: all install build check run test bench deploy logs status clean web

all: build

$(STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $(STAMP)

install: $(STAMP)

build: $(STAMP)
	rm -rf dist
	npx tsc -p tsconfig.json
	chmod +x dist/daemon/cli.js
	$(TSX) web/build.ts

web: $(STAMP)
	$(TSX) web/build.ts

check: $(STAMP)
	npx tsc -p tsconfig.test.json
	npx tsc -p web/tsconfig.json

# Simulation mode on this machine, with the phone UI at the printed URL.
run: build
	@mkdir -p data
	@echo "dashcamd (simulation) on http://127.0.0.1:$(PORT)/"
	$(NODE) dist/daemon/cli.js run --simulate --listen 127.0.0.1:$(PORT) --data-dir ./data

test: build check
	$(NODE) --import tsx --test --test-concurrency=2 --test-timeout=120000 $(TEST_FILES)

bench: build
	@mkdir -p bench/results
	$(TSX) bench/run.ts

clean:
	rm -rf dist web/dist bench/results test-output
