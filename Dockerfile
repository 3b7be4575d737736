# The rights line as a container: gunicorn (ivr serve) on port 8080, content baked into the image.
#   docker build -t rights-line .
#   docker run --rm -p 8080:8080 -e TWILIO_AUTH_TOKEN=... -e PUBLIC_BASE_URL=https://line.example.org \
#     -e FIRM_NUMBER=+1... -e TWILIO_NUMBER=+1... -e EMERGENCY_CALLER_ID=+1... rights-line
# Stateless: run as many copies as you like behind a load balancer (README: "Running in production").
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    IVR_ROOT=/app

WORKDIR /app

# Dependencies first (a content edit does not reinstall them).
COPY pyproject.toml README.md ./
COPY ivr ./ivr
RUN pip install . && useradd --system --uid 10001 --home /app line

# The content: menus.yaml, locales/ and audio/ (if any); .dockerignore keeps the rest out.
COPY . ./

# Refuse to build an image whose content has errors (deployment settings are checked at start).
RUN ivr check

USER line
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status != 200)"]
# gunicorn's master is PID 1: `docker kill --signal=HUP <container>` reloads, SIGTERM drains and stops.
CMD ["ivr", "serve", "--host", "0.0.0.0", "--port", "8080", "--workers", "2"]
