"""Flower, with its Prometheus endpoint behind the operators' login too.

Flower checks its basic auth only on handlers marked ``@authenticated``; its ``/metrics``
is not, so it tells anyone the task counts and worker names. Here it asks for the login
like every other page (``BaseHandler.get_current_user`` answers 401 to a missing or wrong
one). The login itself comes from ``FLOWER_BASIC_AUTH`` in the environment, never from the
command line. Run as ``python -m workers.flower -A workers.app flower …``.
"""

from __future__ import annotations

import sys

import tornado.web
from celery.__main__ import main as celery_main
from flower.views.monitor import Metrics


def guard_metrics() -> None:
    if not getattr(Metrics.get, "__wrapped__", None):
        Metrics.get = tornado.web.authenticated(Metrics.get)


if __name__ == "__main__":
    guard_metrics()
    sys.argv[0] = "celery"
    sys.exit(celery_main())
