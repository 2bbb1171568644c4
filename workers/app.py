"""The Celery app of the workers. Building it has no side effects: its settings
(``bulkreg.foundation.celeryconfig``) are read when Celery first needs them."""

from __future__ import annotations

from celery import Celery

app = Celery("bulkreg", include=["workers.tasks"])
app.config_from_object("bulkreg.foundation.celeryconfig")
