# One image for every process: web (gunicorn), worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media

# libpq for pg_isready/pg_dump from the container (backups), nothing else from apt.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /home/tracker --uid 10001 tracker
WORKDIR /app

COPY . /app
RUN pip install /app \
    && python manage.py compile_translations \
    && mkdir -p /app/staticfiles /app/media \
    && chown -R tracker:tracker /app/staticfiles /app/media \
    && chmod +x /app/deploy/entrypoint.sh

USER tracker
EXPOSE 8000

ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["web"]
