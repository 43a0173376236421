#!/bin/sh
# Container entrypoint: `web` prepares the database and static files, then serves with gunicorn;
# `worker` and `beat` wait until the database schema exists (the web container migrates it).
set -eu
cd /app

wait_for_database() {
    # Bounded: 60 attempts, 2 s apart.
    i=0
    until python manage.py shell -c "from django.db import connection; connection.ensure_connection()" >/dev/null 2>&1; do
        i=$((i + 1))
        if [ "$i" -ge 60 ]; then
            echo "entrypoint: database not reachable after 120 s" >&2
            exit 1
        fi
        sleep 2
    done
}

case "${1:-web}" in
    web)
        wait_for_database
        python manage.py migrate --noinput
        python manage.py collectstatic --noinput --verbosity 0
        python manage.py load_airports
        exec gunicorn --config deploy/gunicorn.conf.py tracker.wsgi:application
        ;;
    worker)
        wait_for_database
        # WORKER_QUEUES: which queues this worker takes (CELERY_TASK_ROUTES, docs/operations.md).
        exec celery -A tracker worker --loglevel="${LOG_LEVEL:-INFO}" \
            --concurrency="${WORKER_CONCURRENCY:-2}" \
            --queues="${WORKER_QUEUES:-celery,imports,detection,mail}"
        ;;
    beat)
        wait_for_database
        exec celery -A tracker beat --loglevel="${LOG_LEVEL:-INFO}" \
            --pidfile=/tmp/celerybeat.pid
        ;;
    manage)
        shift
        exec python manage.py "$@"
        ;;
    *)
        exec "$@"
        ;;
esac
