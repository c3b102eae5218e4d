"""Reference model server for the ML platform.

Serves the current model from the models volume over HTTP, standard library
only, and picks up a newly published model without a restart.

  GET  /healthz                 the process is alive
  GET  /readyz                  a model is loaded (traffic is routed only then)
  GET  <base>/model             the loaded model's metadata
  POST <base>/predict           {"instances": [[x1, x2, ...], ...]} -> {"predictions": [...]}
"""

import argparse
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY_BYTES = 1024 * 1024


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


def make_handler(store, base_path):
    class Handler(BaseHTTPRequestHandler):
        server_version = "ml-platform-serving/1"

        def send_json(self, status, document):
            body = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/healthz":
                return self.send_json(200, {"status": "alive"})
            if self.path == "/readyz":
                model = store.get()
                return self.send_json(200 if model else 503, {"ready": bool(model)})
            if self.path == f"{base_path}/model":
                model = store.get()
                if not model:
                    return self.send_json(503, {"error": "no model has been published yet"})
                return self.send_json(200, {k: v for k, v in model.items() if k not in ("weights", "bias")})
            return self.send_json(404, {"error": "not found"})

        def do_POST(self):
            if self.path != f"{base_path}/predict":
                return self.send_json(404, {"error": "not found"})
            length = int(self.headers.get("Content-Length") or 0)
            if length <= 0 or length > MAX_BODY_BYTES:
                return self.send_json(413 if length > MAX_BODY_BYTES else 400, {"error": "body must be 1 byte to 1 MiB of JSON"})
            model = store.get()
            if not model:
                return self.send_json(503, {"error": "no model has been published yet"})
            try:
                request = json.loads(self.rfile.read(length))
                predictions = predict(model, request["instances"])
            except (ValueError, KeyError, TypeError) as error:
                return self.send_json(400, {"error": f"expected {{\"instances\": [[...], ...]}}: {error}"})
            return self.send_json(200, {"predictions": predictions, "model_run": model.get("run")})

        def log_message(self, format, *args):
            if not self.path.endswith(("healthz", "readyz")):
                sys.stderr.write("%s %s\n" % (self.address_string(), format % args))

    return Handler


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
    args = parser.parse_args()
    store = ModelStore(args.models)
    store.get()
    server = DrainingServer(("0.0.0.0", args.port), make_handler(store, args.base_path.rstrip("/")))

    def stop(signum, frame):
        # serve_forever runs in this thread, and shutdown() waits for it: call it from another.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    print(f"serving on :{args.port}{args.base_path}", flush=True)
    server.serve_forever()
    server.server_close()  # closes the listening socket, then joins the requests still running
    print("stopped after answering every accepted request", flush=True)


if __name__ == "__main__":
    main()
