"""The stack floor (ARCHITECTURE, "Performance targets"): the least any HTTP-submitted Celery
job can cost on this machine. A minimal FastAPI app on the same uvicorn settings as the API,
whose one endpoint reads the submission and publishes a no-op task (``bulkreg.bench_noop``,
which counts itself in Redis) through a producer configured like the API's; the same worker,
the same load generator. ``e2e_ratio`` is the real stack's jobs/s over this floor's.

    uvicorn benchmarks.floor:app    # run by the benchmark, never by the stack
"""

from __future__ import annotations

import json
import uuid

from fastapi import FastAPI, Response

from bulkreg.publisher import producer

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.post("/v1/bulk-registrations", status_code=202)
def submit(body: dict[str, object]) -> Response:
    job_id = str(uuid.uuid4())
    producer().send_task("bulkreg.bench_noop", retry=False)
    return Response(json.dumps({"job_id": job_id}), 202, media_type="application/json")
