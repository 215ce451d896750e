# dashcamd: everything a developer or CI does goes through here.
# `make run` and `make test` work on a fresh machine (they install what is missing).

NODE       ?= node
PI         ?=
PORT       ?= 8080
TSX        := $(NODE) --import tsx
TEST_FILES ?= $(wildcard test/*.test.ts)
STAMP      := node_modules/.installed

.PHONY: all install build check run test bench deploy logs status clean web pi-required config-reference

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

# --- The Pi, over SSH (docs/setup-pi.md). Tests never run these. -----------
# make deploy PI=pi@dashcam.local: build here, copy the bundle, install, restart.
SSH          ?= ssh
RSYNC        ?= rsync
DEPLOY_DIR   ?= dashcamd-deploy
DEPLOY_FILES := dist web/dist package.json package-lock.json deploy systemd docs drivers/gps/sample-drive.nmea
LINES        ?= 200

pi-required:
	@test -n "$(PI)" || { echo "error: PI is not set: make $(MAKECMDGOALS) PI=user@host (e.g. pi@dashcam.local)" >&2; exit 2; }

deploy: pi-required
	$(MAKE) build
	$(RSYNC) -a --delete --relative $(DEPLOY_FILES) $(PI):$(DEPLOY_DIR)/
	$(SSH) -t $(PI) 'sudo $(DEPLOY_DIR)/deploy/install.sh && sudo systemctl restart dashcamd && systemctl --no-pager --full status dashcamd'

# journald has already stripped the `<N>` priority prefix: -o cat gives pino JSON.
logs: pi-required
	$(SSH) $(PI) 'journalctl -u dashcamd -f -n $(LINES) -o cat' | npx pino-pretty --translateTime SYS:HH:MM:ss.l --ignore pid,hostname

status: pi-required
	$(SSH) $(PI) 'systemctl --no-pager --full status dashcamd; journalctl -u dashcamd -b -p warning -n 20 --no-pager -o cat'

# The config table of docs/config.md, from the schema.
config-reference: $(STAMP)
	@$(TSX) -e "import('./daemon/config/reference.ts').then((m) => process.stdout.write(m.configReference()))"

clean:
	rm -rf dist web/dist bench/results test-output
