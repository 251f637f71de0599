# Runs the seed's app (main.py) with uvicorn on a free loopback port and prints
# "listening on http://127.0.0.1:PORT" once it accepts connections; the tests read that line.
# Not part of the seed: `uvicorn main:app` is how the tutorial runs it, on a fixed port.

import socket
import sys

import uvicorn

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", 0))
port = sock.getsockname()[1]


class Server(uvicorn.Server):
    async def startup(self, sockets=None):
        await super().startup(sockets=sockets)
        print(f"listening on http://127.0.0.1:{port}", flush=True)


config = uvicorn.Config("main:app", log_level="warning")
try:
    Server(config).run(sockets=[sock])
except KeyboardInterrupt:
    sys.exit(0)
