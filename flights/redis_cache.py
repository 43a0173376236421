"""Django's Redis cache backend, with one Redis client per connection pool instead of one per
call.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every get and set, and
each build fills a table of about eighty response callbacks: on a cold analyst page (twenty
to forty cache calls) that was several milliseconds of a budget measured against one
`count(*)` (docs/benchmarks.md, "Analyst pages"). A `redis.Redis` is safe to share between
threads (each command borrows a connection from the pool), so one per pool is enough.
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
