# The two commands a fresh machine needs: `make demo` and `make test`.
# Both build .venv when it is missing or when pyproject.toml changed.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)
# As root (CI), tests that need cgroups or PostgreSQL fail instead of skipping.
DAGWELL_REQUIRE_REAL ?= $(shell [ "$$(id -u)" = 0 ] && echo 1 || echo 0)
export DAGWELL_REQUIRE_REAL

.PHONY: demo test lint typecheck unit chaos bench bench-scale bench-stages clean k8s-binaries browser faketime

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

demo: $(STAMP)
	DAGWELL_HOME=$(CURDIR)/.dagwell $(BIN)/python examples/seed.py
	DAGWELL_HOME=$(CURDIR)/.dagwell $(BIN)/dagwell runs show latest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# The dashboard's browser tests drive the system's chromium (Debian's package; Playwright's
# own browser download needs the internet): installed here when missing and we are root.
browser:
	@command -v chromium >/dev/null || [ "$$(id -u)" != 0 ] || \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)

# The wall-clock jump tests (tests/test_clock_jumps.py) move the clock with libfaketime
# (Debian's package): installed here when missing and we are root.
faketime:
	@command -v faketime >/dev/null || [ "$$(id -u)" != 0 ] || \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q faketime)

# The real Kubernetes control plane the Kubernetes tests run against (kube-apiserver,
# kube-scheduler, kube-controller-manager v1.20.2 from Debian's source package, etcd from
# Debian): built once into ~/.cache/dagwell/k8s-v1.20.2 (~10 min cold, needs root for apt),
# reused after that (DAGWELL_K8S_CACHE overrides the place). Where it cannot be built (not
# root) the Kubernetes tests skip saying why, except under DAGWELL_REQUIRE_REAL=1 (CI).
k8s-binaries:
	@scripts/build-k8s-binaries.sh || [ "$(DAGWELL_REQUIRE_REAL)" != 1 ]

# Tests run in three pytest-xdist workers on two cores: the suite waits more than it computes
# (steps that sleep, timeouts, API outages held for a minute), so a third worker fills the
# cores a waiting one leaves (measured here while other work ran, load 7-36: 965 s with 2
# workers, 575 s with 3, 598 s with 4, whose load broke two timing tests). Each worker lives
# in its own cgroup (tests/conftest.py) and starts its own control plane (the control_plane
# fixture). TEST_WORKERS=N overrides.
test: lint typecheck k8s-binaries browser faketime
	$(BIN)/python -m pytest -q -n $${TEST_WORKERS:-3}

chaos: $(STAMP)
	$(BIN)/python -m pytest -q -m chaos --chaos-faults=$${FAULTS:-300}

# Every peer by default; PEERS=zenml,ray for a subset (each installed once into bench/.venvs).
bench: $(STAMP)
	$(BIN)/python bench/run.py --peers "$${PEERS:-all}"

# dagwell at scale (fan-out 1k/10k/100k, chain 1k/10k; time, RSS, `runs show`/`list`): ~1 h
# on a busy 2-core machine. SCALE_FANOUT=1000,10000 SCALE_CHAIN=1000 for a shorter curve.
bench-scale: $(STAMP)
	$(BIN)/python bench/scale.py --fanout "$${SCALE_FANOUT:-1000,10000,100000}" \
		--chain "$${SCALE_CHAIN:-1000,10000}"

# The latency budget of one attempt, stage by stage, and the kernel's share measured apart.
bench-stages: $(STAMP)
	for shape in chain fanout; do DAGWELL_HOME=$$(mktemp -d) PYTHONPATH=src \
		$(BIN)/python bench/stage_probe.py --shape $$shape --steps 1000; done
	PYTHONPATH=src $(BIN)/python bench/kernel_share.py --rounds 300

clean:
	rm -rf $(VENV) .dagwell .mypy_cache .ruff_cache .pytest_cache
