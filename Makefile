# Two commands matter (see README): `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The test suite runs against the real services; override any of these in the environment.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tracker
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1

.PHONY: demo install db test test-fast lint format worker beat admin clean messages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The translations are compiled at every install (Babel, no system gettext needed).
install: $(STAMP)
	$(BIN)/python manage.py compile_translations

db: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_airports
	$(BIN)/python manage.py load_demo

# Static files compressed as in production: collected with their .br/.gz variants and served
# by WhiteNoise from STATIC_ROOT (runserver's own uncompressed static serving off).
demo: db
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	WHITENOISE_USE_FINDERS=false $(BIN)/python manage.py runserver --nostatic 127.0.0.1:8000

test: install
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) CELERY_BROKER_URL=$(TEST_REDIS_URL) \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

# The quick loop: no browser, no real worker, no slow fault/load tests.
test-fast: install
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) CELERY_BROKER_URL=$(TEST_REDIS_URL) \
		$(BIN)/python -m pytest -m "not browser and not celery_worker and not slow" $(PYTEST_ARGS)

# Extract every marked string into locale/<lang>/LC_MESSAGES/django.po, then compile. Extraction
# needs GNU gettext's xgettext; installed from Debian when missing.
messages: install
	command -v xgettext >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext)
	$(BIN)/python manage.py makemessages --all --no-obsolete --no-location --ignore=.venv \
		--ignore=test-artifacts --ignore=staticfiles --ignore=media --extension=html,txt,py
	$(BIN)/python manage.py compile_translations

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker: install
	$(BIN)/celery -A tracker worker --loglevel=info

beat: install
	$(BIN)/celery -A tracker beat --loglevel=info

admin: install
	$(BIN)/python manage.py createsuperuser

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-artifacts
