"""Reference model server for the ML platform.

Serves the current model from the models volume over HTTP, standard library
only, and picks up a newly published model without a restart.

  GET  /healthz                 the process is alive
  GET  /readyz                  a model is loaded (traffic is routed only then)
  GET  <base>/model             the loaded model's metadata
  POST <base>/predict           {"instances": [[x1, x2, ...], ...]} -> {"predictions": [...]}

With --publish-port, a second listener takes models from flow runs that
cannot write to the models volume themselves (on Kubernetes they run in
another namespace, with claims of their own):

  PUT  /model                   a model document, with "Authorization: Bearer <token>"

The token is read from ML_PLATFORM_MODEL_PUBLISH_TOKEN_FILE (or the variable
ML_PLATFORM_MODEL_PUBLISH_TOKEN); without one the listener does not start.
The model is written to current.json atomically, so every replica reading the
same volume serves it next.
"""

import argparse
import hmac
import json
import math
import os
import re
import signal
import socket
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY_BYTES = 1024 * 1024
TOKEN_VARIABLE = "ML_PLATFORM_MODEL_PUBLISH_TOKEN"
RUN_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class ModelStore:
    """Reloads current.json whenever its modification time changes."""

    def __init__(self, models_dir):
        self.path = os.path.join(models_dir, "current.json")
        self.lock = threading.Lock()
        self.model = None
        self.loaded_mtime = None

    def get(self):
        try:
            mtime = os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            return self.model
        with self.lock:
            if mtime != self.loaded_mtime:
                try:
                    with open(self.path) as handle:
                        model = json.load(handle)
                    if not isinstance(model.get("weights"), list):
                        raise ValueError("no weights")
                    self.model, self.loaded_mtime = model, mtime
                    print(f"loaded model from run {model.get('run')} ({model.get('trained_at')})", flush=True)
                except (OSError, ValueError) as error:
                    print(f"ignoring unreadable model file: {error}", file=sys.stderr, flush=True)
            return self.model


def predict(model, instances):
    weights, bias = model["weights"], model["bias"]
    predictions = []
    for instance in instances:
        if not isinstance(instance, list) or len(instance) != len(weights):
            raise ValueError(f"each instance must be a list of {len(weights)} numbers")
        predictions.append(bias + sum(w * float(x) for w, x in zip(weights, instance)))
    return predictions


def send_json(handler, status, document):
    body = json.dumps(document).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    # Which replica answered: how an operator (and the real-runtime suite) sees a load balancer spread the requests.
    handler.send_header("X-Served-By", socket.gethostname())
    handler.end_headers()
    handler.wfile.write(body)


def make_handler(store, base_path):
    class Handler(BaseHTTPRequestHandler):
        server_version = "ml-platform-serving/1"

        def do_GET(self):
            if self.path == "/healthz":
                return send_json(self, 200, {"status": "alive"})
            if self.path == "/readyz":
                model = store.get()
                return send_json(self, 200 if model else 503, {"ready": bool(model)})
            if self.path == f"{base_path}/model":
                model = store.get()
                if not model:
                    return send_json(self, 503, {"error": "no model has been published yet"})
                return send_json(self, 200, {k: v for k, v in model.items() if k not in ("weights", "bias")})
            return send_json(self, 404, {"error": "not found"})

        def do_POST(self):
            if self.path != f"{base_path}/predict":
                return send_json(self, 404, {"error": "not found"})
            length = int(self.headers.get("Content-Length") or 0)
            if length <= 0 or length > MAX_BODY_BYTES:
                return send_json(self, 413 if length > MAX_BODY_BYTES else 400, {"error": "body must be 1 byte to 1 MiB of JSON"})
            model = store.get()
            if not model:
                return send_json(self, 503, {"error": "no model has been published yet"})
            try:
                request = json.loads(self.rfile.read(length))
                predictions = predict(model, request["instances"])
            except (ValueError, KeyError, TypeError) as error:
                return send_json(self, 400, {"error": f"expected {{\"instances\": [[...], ...]}}: {error}"})
            return send_json(self, 200, {"predictions": predictions, "model_run": model.get("run")})

        def log_message(self, format, *args):
            if not self.path.endswith(("healthz", "readyz")):
                sys.stderr.write("%s %s\n" % (self.address_string(), format % args))

    return Handler


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def checked_model(document):
    """The model as serving would load it, or ValueError naming what is wrong."""
    if not isinstance(document, dict):
        raise ValueError("a model is a JSON object")
    weights = document.get("weights")
    if not isinstance(weights, list) or not weights or not all(is_number(weight) for weight in weights):
        raise ValueError("weights must be a non-empty list of finite numbers")
    if not is_number(document.get("bias")):
        raise ValueError("bias must be a finite number")
    if not isinstance(document.get("run"), str) or not RUN_PATTERN.match(document["run"]):
        raise ValueError("run must be 1 to 128 letters, digits, '.', '_' or '-'")
    return document


def write_atomically(directory, name, document):
    """Readers see the old file or the new one, never part of one."""
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    try:
        os.fchmod(handle, 0o644)  # as the trainer's files: readable by every replica's user
        with os.fdopen(handle, "w") as out:
            json.dump(document, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, os.path.join(directory, name))
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def publish_token():
    path = os.environ.get(f"{TOKEN_VARIABLE}_FILE")
    if path:
        with open(path) as handle:
            token = handle.read().strip()
    else:
        token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if len(token) < 16:
        raise SystemExit(f"--publish-port needs a token of at least 16 characters in {TOKEN_VARIABLE}_FILE or {TOKEN_VARIABLE}")
    return token


def make_publish_handler(models_dir, token):
    expected = f"Bearer {token}".encode()

    class PublishHandler(BaseHTTPRequestHandler):
        server_version = "ml-platform-serving/1"

        def do_PUT(self):
            if self.path != "/model":
                return send_json(self, 404, {"error": "not found"})
            presented = (self.headers.get("Authorization") or "").encode()
            if not hmac.compare_digest(presented, expected):
                return send_json(self, 401, {"error": "a valid bearer token is required"})
            length = int(self.headers.get("Content-Length") or 0)
            if length <= 0 or length > MAX_BODY_BYTES:
                return send_json(self, 413 if length > MAX_BODY_BYTES else 400, {"error": "body must be 1 byte to 1 MiB of JSON"})
            try:
                model = checked_model(json.loads(self.rfile.read(length)))
            except ValueError as error:
                return send_json(self, 400, {"error": str(error)})
            write_atomically(models_dir, "current.json", model)
            print(f"published model of run {model['run']} from {self.client_address[0]}", flush=True)
            return send_json(self, 200, {"published": model["run"]})

        def log_message(self, format, *args):
            sys.stderr.write("publish %s %s\n" % (self.address_string(), format % args))

    return PublishHandler


class DrainingServer(ThreadingHTTPServer):
    """Finishes the requests it has accepted before it exits.

    A rolling update stops one replica while the proxy still sends it traffic:
    requests it already holds must be answered, not cut off, and new
    connections are refused at once so the proxy sends them elsewhere.
    """

    daemon_threads = False
    block_on_close = True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--models", required=True)
    parser.add_argument("--base-path", default="")
    parser.add_argument("--publish-port", type=int, help="also take published models on this port (token required)")
    args = parser.parse_args()
    store = ModelStore(args.models)
    store.get()
    server = DrainingServer(("0.0.0.0", args.port), make_handler(store, args.base_path.rstrip("/")))
    intake = None
    if args.publish_port:
        intake = DrainingServer(("0.0.0.0", args.publish_port), make_publish_handler(args.models, publish_token()))
        threading.Thread(target=intake.serve_forever, daemon=True).start()
        print(f"taking published models on :{args.publish_port}/model", flush=True)

    def stop(signum, frame):
        # serve_forever runs in this thread, and shutdown() waits for it: call it from another.
        threading.Thread(target=server.shutdown, daemon=True).start()
        if intake:
            threading.Thread(target=intake.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    print(f"serving on :{args.port}{args.base_path}", flush=True)
    server.serve_forever()
    server.server_close()  # closes the listening socket, then joins the requests still running
    if intake:
        intake.server_close()
    print("stopped after answering every accepted request", flush=True)


if __name__ == "__main__":
    main()
