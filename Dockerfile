# One image for the web process (default command) and the job process (`civic scheduler`).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY service ./service
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    CIVIC_ENV=prod CIVIC_DATA_DIR=/data
# WeasyPrint (PDF reports) loads Debian's pango at run time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin civic \
    && mkdir -p /data && chown civic /data
COPY --from=build /install /usr/local
WORKDIR /app
# Migrations, templates and static files are read from the source tree at run time.
COPY alembic.ini ./
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
COPY service ./service
USER civic
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
# Run `civic migrate` once per release (e.g. as a job) before starting new web processes.
CMD ["civic", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
