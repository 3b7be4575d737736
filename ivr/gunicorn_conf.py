"""gunicorn settings for the line. `ivr serve` applies them (its --host/--port/--workers win).

Why these values:
- sync workers: each webhook is a few hundred microseconds of CPU and never waits on I/O (audio
  is never fetched), so one process per core is the fastest and steadiest choice
  (../shared/research/perf-baseline.md: gthread was bimodal under keep-alive).
- timeout 10 s: a worker stuck that long is killed and replaced, and Twilio, which gives a webhook
  15 s in all, still has time to request the number's fallback URL.
- graceful_timeout 10 s: on SIGTERM (a deploy, a scale-in) or a reload, webhooks in flight get
  that long to finish before the worker is stopped, so no caller is cut off by a deploy.
- preload_app: the master loads and checks the content once, before any worker exists, and the
  workers are forked from it. A bad edit is then rejected in the master on SIGHUP (ivr/server.py)
  instead of making new workers fail to boot, which would stop gunicorn and the whole line.
- no access log: gunicorn's access line would carry nothing the webhook's own JSON line lacks, and
  building it costs about 100 us per request even when it is not written (ivr/logs.py).
- no control socket: several instances on one host would share its default path.
"""

workers = 2                  # per instance; scale out with more instances (stateless)
worker_class = "sync"
timeout = 10
graceful_timeout = 10
keepalive = 5
backlog = 2048
preload_app = True
max_requests = 0             # memory stays flat (bounded render cache), so no periodic recycling
accesslog = None
errorlog = "-"
loglevel = "info"
logger_class = "ivr.logs.GunicornLogger"   # JSON lines; no access log (the webhook logs its own line)
control_socket_disable = True  # gunicorn >= 25: no shared $HOME/.gunicorn socket between instances
