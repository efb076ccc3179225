"""moto_server with one request at a time.

moto's in-memory backends are not thread-safe: under the test suite's parallel load, a
DescribeParameters that iterates the parameters while a PutParameter adds one fails with
HTTP 500 ("dictionary changed size during iteration"), which no AWS endpoint would answer.
This runs moto's own WSGI application in a threaded server (connections stay open) behind a
lock, so each request sees a consistent state. Usage: python3 serialized_moto_server.py HOST PORT
"""
import os
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple


class OneRequestAtATime:
    def __init__(self, app):
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self._lock:
            # Materialized inside the lock: the response body is built from the backend's state.
            return list(self._app(environ, start_response))


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    # As moto_server does: moto builds some URLs (presigned, callbacks) from it.
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(host, port, OneRequestAtATime(app), threaded=True)


if __name__ == "__main__":
    main()
