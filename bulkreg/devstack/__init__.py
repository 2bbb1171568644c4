"""The dev stack: what ``make run`` and ``make test`` add on a machine with nothing running —
embedded PostgreSQL and Redis as child processes, the ``bulkreg up`` supervisor and the demo
data. Production (the Docker image) does not install it: its servers are configured, and
none of the API, the workers or the composition root imports this package."""
