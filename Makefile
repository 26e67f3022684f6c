.PHONY: setup demo test run clean

setup:          ## create .venv, install Python and Debian packages
	scripts/setup.sh

demo: setup     ## Airflow + 30-day backfill + dashboard on 127.0.0.1; Ctrl-C stops
	scripts/demo.sh

test: setup     ## import contracts, lint and the whole test suite
	scripts/test.sh

run: setup      ## one-shot pipeline over the last 30 days, no Airflow
	.venv/bin/koe run --days 30

clean:          ## remove the local database, Airflow metadata and logs
	rm -rf .koe
