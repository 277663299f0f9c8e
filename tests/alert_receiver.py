"""A local webhook receiver for the alert tests, run as its own process (no thread in the
test process, so the engine under test forks its attempts as it does for users).

``python alert_receiver.py LOG [--fail N] [--delay S]``: appends every POST it receives to
LOG as one JSON line ``{"status": answered, "body": ...}``, answers 500 to the first N
requests and sleeps S seconds before answering each one; prints its port on stdout.
"""

import argparse
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("log")
    parser.add_argument("--fail", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    seen = {"n": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen["n"] += 1
            status = 500 if seen["n"] <= args.fail else 200
            time.sleep(args.delay)
            with open(args.log, "a") as f:
                f.write(json.dumps({"status": status, "body": body}) + "\n")
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    sys.stdout.close()
    server.serve_forever()


if __name__ == "__main__":
    main()
