# make run   — set up (packages, data), build in release mode and start the shell
# make test  — set up, then run every test (unit and end-to-end) in release mode
# make bench — speed and memory figures (see README)
SWIFT ?= swift

.PHONY: setup build run test bench
setup:
	@scripts/setup.sh

build: setup
	@$(SWIFT) build -c release -q

run: build
	@.build/release/mnist-shell

test: setup
	$(SWIFT) test -c release

# BENCH_ARGS='--reference /tmp/kerasenv/bin/python' runs the Keras/numpy reference scripts side by side.
bench: build
	@.build/release/mnist-bench $(BENCH_ARGS)
