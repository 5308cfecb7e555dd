"""Playground speed: what a page receives from `shrink playground`, measured over its WebSocket.

A 2-64-64-2 ReLU network on 500 spiral training points (1000 points, half held out), Adam,
batches of 32. Reports

- training epochs per second streamed while playing, and snapshots (boundary redraws) per second;
- the delay from a λ change sent to the first snapshot that shows it in the read-outs;
- the server's CPU use while paused (it should be about zero).

Run: python benchmarks/playground.py [--seconds 10]. Needs shrink[playground].
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import websockets

SETUP = {"dataset": "spiral", "samples": 1000, "validation": 0.5, "hidden": [64, 64], "activation": "relu",
         "optimizer": "adam", "learning_rate": 0.01, "batch_size": 32}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def receive_state(ws) -> dict:
    while True:
        message = json.loads(await ws.recv())
        if message["type"] == "error":
            raise RuntimeError(message["message"])
        if message["type"] == "state":
            return message


async def measure(url: str, pid: int, seconds: float) -> dict:
    async with websockets.connect(url, max_size=1 << 24) as ws:
        await receive_state(ws)
        await ws.send(json.dumps({"type": "set", "values": SETUP}))
        state = await receive_state(ws)
        assert len(state["points"]["train"]) == 500
        await ws.send(json.dumps({"type": "play"}))
        await receive_state(ws)
        start, first_epoch, frames = time.perf_counter(), None, 0
        while time.perf_counter() - start < seconds:
            state = await receive_state(ws)
            first_epoch = state["epoch"] if first_epoch is None else first_epoch
            frames += 1
        elapsed = time.perf_counter() - start
        epochs = state["epoch"] - first_epoch

        delays = []
        for i in range(10):
            value = 1e-3 if i % 2 == 0 else 1e-4
            sent = time.perf_counter()
            await ws.send(json.dumps({"type": "set", "values": {"weight_l2": value}}))
            while True:
                state = await receive_state(ws)
                if state["runs"][0]["metrics"]["coefs"].get("weight_l2") == value:
                    delays.append(time.perf_counter() - sent)
                    break
            await asyncio.sleep(0.3)

        await ws.send(json.dumps({"type": "pause"}))
        await asyncio.sleep(1.0)
        before, t0 = cpu_seconds(pid), time.perf_counter()
        await asyncio.sleep(5.0)
        paused_cpu = (cpu_seconds(pid) - before) / (time.perf_counter() - t0)
    delays.sort()
    return {"epochs_per_second": epochs / elapsed, "frames_per_second": frames / elapsed,
            "lambda_delay_median_ms": 1000 * delays[len(delays) // 2], "lambda_delay_max_ms": 1000 * delays[-1],
            "paused_cpu_percent": 100 * paused_cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "shrink", "playground", "--no-browser", "--port", str(port)],
                              stdout=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        results = asyncio.run(measure(f"ws://127.0.0.1:{port}/ws", server.pid, args.seconds))
    finally:
        server.terminate()
        server.wait()
    print(f"cores: {os.cpu_count()}; 2-64-64-2 on 500 spiral points, Adam, batch 32")
    print(f"training epochs streamed:  {results['epochs_per_second']:.0f} /s   (target >= 30)")
    print(f"snapshots (redraws):       {results['frames_per_second']:.1f} /s   (target >= 10)")
    print(f"lambda change to read-out: median {results['lambda_delay_median_ms']:.0f} ms, "
          f"max {results['lambda_delay_max_ms']:.0f} ms   (target <= 200 ms)")
    print(f"server CPU while paused:   {results['paused_cpu_percent']:.2f} %")


if __name__ == "__main__":
    main()
