"""A small closed-loop HTTP load generator on raw asyncio streams.

N virtual users, each with its own login session and keep-alive connection, request pages
back to back (no think time) until a request count or a time limit is reached. Raw streams
rather than an HTTP client library, so that the generator's own CPU use stays small next to
the server's on the same machine; it reports that CPU time so the reader can judge.

Also usable on its own against a running server:

    .venv/bin/python benchmarks/loadgen.py --base http://127.0.0.1:8000 \
        --login trainer --password Demo@2026 --path "/org/teachers/?stage=junior&page=3"
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import os
import re
import time
import urllib.parse
from dataclasses import dataclass, field

from common import cpu_seconds, percentile

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def login(base: str, username: str, password: str) -> str:
    """Log in through the login form; returns the Cookie header of the new session."""
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    page = response.read().decode()
    cookies = _cookies(response.headers.get_all("Set-Cookie") or [])
    token = CSRF_INPUT.search(page).group(1)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "login": username,
                                   "password": password, "next": "/"})
    conn.request("POST", "/accounts/login/", body, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": _cookie_header(cookies),
        "Referer": base + "/accounts/login/"})
    response = conn.getresponse()
    response.read()
    cookies |= _cookies(response.headers.get_all("Set-Cookie") or [])
    conn.close()
    if response.status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"login as {username} failed: HTTP {response.status}")
    return _cookie_header(cookies)


def _cookies(headers: list[str]) -> dict[str, str]:
    out = {}
    for header in headers:
        name, _, value = header.split(";", 1)[0].partition("=")
        out[name.strip()] = value.strip()
    return out


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


class Connection:
    """One keep-alive HTTP/1.1 connection; reopens itself when the server closes it."""

    def __init__(self, host: str, port: int, cookie: str):
        self.host, self.port, self.cookie = host, port, cookie
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nCookie: {self.cookie}\r\n"
            "Accept: text/html\r\nConnection: keep-alive\r\n\r\n".encode())
        await self.writer.drain()
        status, headers = await self._head()
        body = await self._body(headers)
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, body

    async def _head(self) -> tuple[int, dict[str, str]]:
        assert self.reader is not None
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("connection closed by the server")
        status = int(status_line.split()[1])
        headers = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers

    async def _body(self, headers: dict[str, str]) -> bytes:
        assert self.reader is not None
        if "content-length" in headers:
            return await self.reader.readexactly(int(headers["content-length"]))
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readline()
            await self.reader.readline()
            return b"".join(chunks)
        body = await self.reader.read()
        await self.close()
        return body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


@dataclass
class VirtualUser:
    cookie: str
    paths: list[str]
    expect: bytes = b""  # a fragment every good response contains


@dataclass
class RunResult:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    load_average: float = 0.0  # the machine's 1-minute load average at the end of the run

    def figures(self) -> dict:
        done = len(self.latencies_ms)
        return {
            "requests": done + self.errors, "errors": self.errors,
            "p50_ms": percentile(self.latencies_ms, 50),
            "p95_ms": percentile(self.latencies_ms, 95),
            "p99_ms": percentile(self.latencies_ms, 99),
            "throughput_rps": done / self.seconds if self.seconds else 0.0,
            "seconds": self.seconds, "loadgen_cpu_s": self.cpu_seconds,
            "loadgen_cpu_share": self.cpu_seconds / self.seconds if self.seconds else 0.0,
            "load_average": self.load_average,
        }


async def _user_loop(base: str, user: VirtualUser, offset: int, budget: list[int],
                     deadline: float, result: RunResult) -> None:
    parts = urllib.parse.urlsplit(base)
    conn = Connection(parts.hostname, parts.port, user.cookie)
    i = offset
    while budget[0] > 0 and time.perf_counter() < deadline:
        budget[0] -= 1
        path = user.paths[i % len(user.paths)]
        i += 1
        started = time.perf_counter()
        try:
            status, body = await conn.get(path)
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
            _error(result, f"{path}: {exc!r}")
            await conn.close()
            continue
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200 or (user.expect and user.expect not in body):
            _error(result, f"{path}: HTTP {status}")
        else:
            result.latencies_ms.append(elapsed)
    await conn.close()


def _error(result: RunResult, sample: str) -> None:
    result.errors += 1
    if len(result.error_samples) < 5:
        result.error_samples.append(sample)


async def run_load(base: str, users: list[VirtualUser], *, requests: int,
                   duration: float) -> RunResult:
    """Run the virtual users until `requests` have been sent or `duration` seconds passed."""
    result = RunResult()
    budget = [requests]
    cpu_before, started = cpu_seconds(), time.perf_counter()
    deadline = started + duration
    await asyncio.gather(*(_user_loop(base, user, i, budget, deadline, result)
                           for i, user in enumerate(users)))
    result.seconds = time.perf_counter() - started
    result.cpu_seconds = cpu_seconds() - cpu_before
    result.load_average = os.getloadavg()[0]
    return result


def format_figures(f: dict) -> str:
    return (f"{f['requests']:>5} req  p50 {f['p50_ms']:6.1f} ms  p95 {f['p95_ms']:6.1f} ms  "
            f"p99 {f['p99_ms']:6.1f} ms  {f['throughput_rps']:6.1f} req/s  "
            f"errors {f['errors']}  loadgen CPU {f['loadgen_cpu_s']:.2f} s "
            f"({f['loadgen_cpu_share']:.0%} of a core)  load {f['load_average']:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="e.g. http://127.0.0.1:8000")
    parser.add_argument("--login", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--path", action="append", required=True)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--duration", type=float, default=30)
    args = parser.parse_args()
    users = [VirtualUser(login(args.base, args.login, args.password), args.path)
             for _ in range(args.concurrency)]
    result = asyncio.run(run_load(args.base, users, requests=args.requests,
                                  duration=args.duration))
    print(format_figures(result.figures()))
    for sample in result.error_samples:
        print("  error:", sample)


if __name__ == "__main__":
    main()
