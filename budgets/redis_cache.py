"""Django's Redis cache, with one redis-py client per process instead of one per call.

A speed measure, justified by ``benchmarks/load_pages.py`` (its random project pages,
which the cache has not seen): Django's ``RedisCacheClient`` builds a new
``redis.Redis`` for every get and set, and that constructor copies its table of
about a hundred response callbacks each time. A page the cache has not seen asks
Redis twice (the get that misses, the set after rendering): the two clients cost
several times the round trips themselves. A client is safe to share between threads
and keeps its connection pool, which reconnects after a fork.
"""

from __future__ import annotations

from django.core.cache.backends import redis as django_redis


class _ClientPerPool(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` keeping its clients."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _ClientPerPool
