# kubeviz — `make run` serves the demo cluster; `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
TLS_PORT ?= 8443
export HOST PORT TLS_PORT

.PHONY: run test bench lint setup setup-dev browsers clean

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

test: setup-dev
	$(PY) -m pytest

bench: setup-dev setup
	$(PY) -m bench

lint: setup-dev
	$(VENV)/bin/ruff check kubeviz tests

clean:
	rm -rf $(VENV) var
