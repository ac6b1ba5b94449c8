# kubeviz — `make run` serves the demo cluster; `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
TLS_PORT ?= 8443
export HOST PORT TLS_PORT

.PHONY: run test test-postgres bench bench-postgres bench-classroom-scaleout lint setup setup-dev browsers clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py loadfixture demo
	$(PY) manage.py tlscert > /dev/null

setup-dev: $(VENV)/.installed-dev

run: setup
	$(PY) manage.py serve

# The whole suite on SQLite (tests/scaleout runs in test-postgres), then the database,
# engine, API and websocket tests again on a private PostgreSQL and Redis.
SCALEOUT_TESTS ?= tests/etcd tests/engine tests/flow tests/live tests/api tests/scaleout

test: setup-dev
	$(PY) -m pytest --ignore=tests/scaleout
	$(MAKE) test-postgres

# (The schema fuzzer drives Django in-process inside one test transaction, which the
# connection pool cannot serve; it checks the REST contract, the same on both backends.)
test-postgres: setup-dev
	$(PY) -m tests.backends $(SCALEOUT_TESTS) --ignore=tests/api/test_fuzz.py

bench: setup-dev setup
	$(PY) -m bench

# The scale-out figures on a private PostgreSQL and Redis (bench/postgres.py).
bench-postgres: setup-dev
	$(PY) -m bench.postgres

# The classroom load test on the scale-out layout: 200 learners for 10 minutes on
# PostgreSQL and Redis, two Daphnes and two workers (bench/classroom.py --scaleout).
bench-classroom-scaleout: setup-dev
	$(PY) -m bench.classroom --scaleout

lint: setup-dev
	$(VENV)/bin/ruff check kubeviz tests

clean:
	rm -rf $(VENV) var
