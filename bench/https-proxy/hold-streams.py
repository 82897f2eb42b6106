#!/usr/bin/python3
"""Holds COUNT server-sent event streams open through an HTTPS proxy and
prints how much the proxy's resident memory grew per stream.

Each stream is its own TLS connection to the proxy carrying
GET /api/client/v2/conferences/ALIAS/events?token=T, as the Web App's
EventSource does. Tokens come from request_token through the same proxy, one
per node (TOKENS of them), so a proxy that routes by token spreads the
streams over the nodes. A stream counts once its answer head said 200 and
the first event arrived. WARMUP streams are opened before the baseline so
one-time set-up (TLS caches, pools, arenas) is not counted.

Usage: hold-streams.py PROXY_PORT PIDS COUNT [WARMUP] [TOKENS] [ALIAS]
  PIDS: the proxy's process ids, comma-separated (RSS is summed)
Prints: streams=N failed=F rss_before_kib=A rss_after_kib=B bytes_per_stream=X
"""
import asyncio
import re
import resource
import ssl
import sys
import time

OPENING = 32         # streams opening at once (the demo node listens with a short backlog)
DEADLINE = 100       # seconds; the demo node's tokens live 120 s
SETTLE = 2.0         # seconds between the last stream opening and the reading


def rss_kib(pids):
    total = 0
    for pid in pids:
        with open(f'/proc/{pid}/status') as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    total += int(line.split()[1])
    return total


def client_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE     # the proxy's certificate is self-signed
    return ctx


async def request_token(port, ctx, alias):
    body = b'{"display_name": "bench"}'
    reader, writer = await asyncio.open_connection('127.0.0.1', port, ssl=ctx, server_hostname='localhost')
    writer.write(b'POST /api/client/v2/conferences/%s/request_token HTTP/1.1\r\nHost: localhost\r\n'
                 b'Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s'
                 % (alias.encode(), len(body), body))
    data = b''
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            break
        data += chunk
    writer.close()
    match = re.search(rb'"token"\s*:\s*"([^"]+)"', data)
    if not data.startswith(b'HTTP/1.1 200') or match is None:
        raise RuntimeError('request_token failed: %r' % data[:200])
    return match.group(1).decode()


class Streams:
    def __init__(self, port, ctx, alias):
        self.port, self.ctx, self.alias = port, ctx, alias
        self.ready = 0
        self.failed = 0
        self.ended = 0
        self.writers = []

    async def hold(self, token, gate):
        async with gate:
            try:
                reader, writer = await asyncio.open_connection('127.0.0.1', self.port, ssl=self.ctx,
                                                               server_hostname='localhost')
                writer.write(b'GET /api/client/v2/conferences/%s/events?token=%s HTTP/1.1\r\nHost: localhost\r\n'
                             b'Accept: text/event-stream\r\n\r\n' % (self.alias.encode(), token.encode()))
                data = b''
                while b'\r\n\r\n' not in data:
                    chunk = await reader.read(16384)
                    if not chunk:
                        raise ConnectionError('closed before the answer head')
                    data += chunk
                if not data.startswith(b'HTTP/1.1 200'):
                    raise ConnectionError(data.split(b'\r\n', 1)[0].decode(errors='replace'))
                while b'event:' not in data:
                    chunk = await reader.read(16384)
                    if not chunk:
                        raise ConnectionError('closed before the first event')
                    data += chunk
            except (OSError, ConnectionError, ssl.SSLError) as e:
                self.failed += 1
                if self.failed <= 3:
                    print(f'stream failed: {e!r}', file=sys.stderr)
                return
        self.writers.append(writer)
        self.ready += 1
        # Keep reading what the node sends, as a browser does.
        try:
            while await reader.read(65536):
                pass
        except (OSError, ssl.SSLError):
            pass
        self.ended += 1

    async def open(self, tokens, count):
        gate = asyncio.Semaphore(OPENING)
        return [asyncio.ensure_future(self.hold(tokens[i % len(tokens)], gate)) for i in range(count)]


async def wait_settled(streams, target, deadline):
    while streams.ready + streams.failed < target and time.monotonic() < deadline:
        await asyncio.sleep(0.2)


async def main():
    port = int(sys.argv[1])
    pids = [int(p) for p in sys.argv[2].split(',')]
    count = int(sys.argv[3])
    warmup = int(sys.argv[4]) if len(sys.argv) > 4 else 100
    ntokens = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    alias = sys.argv[6] if len(sys.argv) > 6 else 'open'
    deadline = time.monotonic() + DEADLINE
    ctx = client_context()

    tokens = [await request_token(port, ctx, alias) for _ in range(ntokens)]
    streams = Streams(port, ctx, alias)
    tasks = await streams.open(tokens, warmup)
    await wait_settled(streams, warmup, deadline)
    await asyncio.sleep(SETTLE)
    before = rss_kib(pids)
    base_ready, base_failed = streams.ready, streams.failed
    tasks += await streams.open(tokens, count)
    await wait_settled(streams, warmup + count, deadline)
    await asyncio.sleep(SETTLE)
    after = rss_kib(pids)
    held = streams.ready - base_ready - streams.ended
    failed = streams.failed - base_failed + (count - (streams.ready - base_ready) - (streams.failed - base_failed))
    per_stream = (after - before) * 1024 // held if held > 0 else 0
    print(f'streams={held} failed={failed} rss_before_kib={before} rss_after_kib={after} '
          f'bytes_per_stream={per_stream}')
    for writer in streams.writers:
        writer.transport.abort()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


if __name__ == '__main__':
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(main())
