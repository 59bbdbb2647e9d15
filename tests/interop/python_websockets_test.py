#!/usr/bin/env python3
"""Interop: a third-party client (Debian's python3-websockets) against the real server.

Usage: python_websockets_test.py WIRECHAT_BINARY WEB_DIR [--tls]

Starts the server on an ephemeral loopback port, then over /echo: text and binary
messages of 0 B, 125 B, 126 B, 64 KiB and 1 MiB come back unchanged, a ping is
answered, and the close handshake ends with code 1000 on both sides. Then the
chat endpoint: the welcome envelope and a message round trip.

All of it twice: against a plain server, which declines the permessage-deflate
that python websockets offers, and against one started with --deflate, which
agrees to it, so every message above also travels compressed both ways. The
server's /metrics (--admin) must then count the bytes it compressed: none
without --deflate, and fewer out than in with it.

With --tls, the same over wss://: the server runs with a certificate made by
scripts/dev-cert.sh, which the client trusts (and checks against the host
name), and python's ssl module is the independent TLS peer.
"""
import asyncio
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import urllib.request

import websockets


def start_server(binary, web_dir, extra_args):
    """The server, its port, and its admin listener's port (from its log)."""
    proc = subprocess.Popen(
        [binary, "--host", "127.0.0.1", "--port", "0", "--web", web_dir,
         "--max-message", str(2 * 1024 * 1024), "--admin", "127.0.0.1:0"] + extra_args,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on https://" if TLS else "listening on http://"):
        proc.kill()
        raise SystemExit(f"server did not start: {line!r}")
    admin = None
    while admin is None:
        logged = proc.stderr.readline()
        if not logged:
            raise SystemExit("the server's log ended before its listening line")
        found = re.search(r" listening .* admin_port=(\d+)", logged)
        admin = int(found.group(1)) if found else None
    # Whatever else it logs must not fill the pipe and stop it.
    threading.Thread(target=proc.stderr.read, daemon=True).start()
    return proc, int(line.rsplit(":", 1)[1]), admin


def metric(admin_port, name):
    with urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    raise AssertionError(f"no {name} in /metrics")


def check_compression(ws, compressed):
    agreed = ws.response_headers.get("Sec-WebSocket-Extensions")
    if compressed:
        # The server shares its compressor, hence server_no_context_takeover.
        assert agreed == "permessage-deflate; server_no_context_takeover", agreed
        assert len(ws.extensions) == 1, ws.extensions
    else:
        assert agreed is None, agreed
        assert not ws.extensions, ws.extensions


async def echo_checks(port, compressed):
    sizes = [0, 125, 126, 64 * 1024, 1024 * 1024]
    async with websockets.connect(f"{SCHEME}://{HOST}:{port}/echo", max_size=None, ssl=TLS,
                                  compression="deflate" if compressed else None) as ws:
        check_compression(ws, compressed)
        for size in sizes:
            text = "".join(chr(ord("a") + i % 26) for i in range(size))
            await ws.send(text)
            assert await ws.recv() == text, f"text of {size} bytes"
            data = bytes((i * 7) % 256 for i in range(size))
            await ws.send(data)
            assert await ws.recv() == data, f"binary of {size} bytes"
        pong = await ws.ping(b"interop")
        await asyncio.wait_for(pong, 5)
        await ws.close(code=1000, reason="done")
        assert ws.close_code == 1000, ws.close_code
    print(f"echo: {len(sizes) * 2} messages round-tripped, ping answered, closed with 1000")


async def chat_checks(port, compressed):
    # Offers permessage-deflate, as python websockets does by default.
    async with websockets.connect(f"{SCHEME}://{HOST}:{port}/", ssl=TLS) as ws:
        check_compression(ws, compressed)
        welcome = json.loads(await ws.recv())
        assert welcome["type"] == "welcome", welcome
        await ws.send(json.dumps({"type": "new_message", "payload": "hello from python"}))
        while True:
            envelope = json.loads(await ws.recv())
            if envelope["type"] == "new_message":
                break
        assert envelope["payload"]["text"] == "hello from python", envelope
        assert envelope["payload"]["from"] == welcome["payload"]["nickname"], envelope
    print("chat: welcome received, message broadcast back to its sender")


def run_pass(binary, web_dir, compressed):
    print("with --deflate:" if compressed else "without compression:")
    proc, port, admin = start_server(binary, web_dir, (["--deflate"] if compressed else []) + TLS_ARGS)
    try:
        asyncio.run(asyncio.wait_for(echo_checks(port, compressed), 30))
        asyncio.run(asyncio.wait_for(chat_checks(port, compressed), 30))
        plain = metric(admin, "wirechat_deflate_input_bytes_total")
        deflated = metric(admin, "wirechat_deflate_output_bytes_total")
        if compressed:
            # Among others, two 1 MiB messages that repeat a short pattern.
            assert plain > 2 * 1024 * 1024 and 0 < deflated < plain / 10, (plain, deflated)
        else:
            assert plain == 0 and deflated == 0, (plain, deflated)
        print(f"metrics: {plain:.0f} bytes compressed into {deflated:.0f}")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    assert proc.returncode == 0, proc.returncode


# Plain unless --tls: then the client context that trusts the test
# certificate, and the server's arguments naming it.
TLS = None
TLS_ARGS = []
SCHEME = "ws"
HOST = "127.0.0.1"


def main():
    global TLS, TLS_ARGS, SCHEME, HOST
    binary, web_dir = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as cert_dir:
        if sys.argv[3:] == ["--tls"]:
            dev_cert = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "dev-cert.sh")
            subprocess.run([dev_cert, cert_dir], check=True, stdout=subprocess.DEVNULL)
            TLS = ssl.create_default_context(cafile=os.path.join(cert_dir, "cert.pem"))
            TLS_ARGS = ["--tls-cert", os.path.join(cert_dir, "cert.pem"),
                        "--tls-key", os.path.join(cert_dir, "key.pem")]
            SCHEME, HOST = "wss", "localhost"
        run_pass(binary, web_dir, compressed=False)
        run_pass(binary, web_dir, compressed=True)
    print("interop OK" + (" over TLS" if TLS else ""))


if __name__ == "__main__":
    main()
