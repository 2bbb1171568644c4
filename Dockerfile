# The production-shaped image: api, worker, beat, flower and migrate all run from it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY persistence ./persistence
COPY workers ./workers
COPY api ./api
COPY bulkreg ./bulkreg
RUN pip install . && useradd --system --home /app bulkreg
USER bulkreg
ENV BULKREG_ENV=prod BULKREG_API_HOST=0.0.0.0
EXPOSE 8000 5555
CMD ["uvicorn", "api.app:app", "--host", "0.0.0.0", "--port", "8000"]
