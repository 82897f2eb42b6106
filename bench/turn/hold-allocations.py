#!/usr/bin/python3
"""Holds COUNT live TURN allocations on a server and prints how much the
server's resident memory grew per allocation.

Each allocation needs its own 5-tuple, so each gets its own UDP socket. The
sockets are bound to distinct loopback addresses (127.0.1.1, 127.0.1.2, ...,
all inside 127.0.0.0/8, which never leaves the host): a server that limits
401 answers per source address (Postern: 20/s) would otherwise take minutes
to hand out 10,000 nonces.

Usage: hold-allocations.py SERVER_PORT SERVER_PID COUNT USER PASSWORD REALM
Prints: allocations=N failed=F rss_before_kib=A rss_after_kib=B bytes_per_allocation=X
"""
import hashlib
import hmac
import os
import select
import socket
import struct
import sys
import time

MAGIC = 0x2112A442
ALLOCATE, ALLOCATE_OK, ALLOCATE_ERR = 0x0003, 0x0103, 0x0113
ATTR_USERNAME, ATTR_MI, ATTR_ERROR, ATTR_LIFETIME = 0x0006, 0x0008, 0x0009, 0x000D
ATTR_REALM, ATTR_NONCE, ATTR_TRANSPORT = 0x0014, 0x0015, 0x0019
WARMUP = 16     # allocations made before the baseline, so one-time set-up is not counted
WINDOW = 200    # requests in flight at once (stays under the server's socket buffer)
QUIET = 0.3     # seconds without an answer before unanswered requests are resent


def attr(kind, value):
    pad = (4 - len(value) % 4) % 4
    return struct.pack('!HH', kind, len(value)) + value + b'\0' * pad


def allocate(txid, auth):
    body = attr(ATTR_TRANSPORT, bytes([17, 0, 0, 0])) + attr(ATTR_LIFETIME, struct.pack('!I', 3600))
    if auth is None:
        return struct.pack('!HHI', ALLOCATE, len(body), MAGIC) + txid + body
    user, realm, nonce, key = auth
    body += attr(ATTR_USERNAME, user) + attr(ATTR_REALM, realm) + attr(ATTR_NONCE, nonce)
    head = struct.pack('!HHI', ALLOCATE, len(body) + 24, MAGIC) + txid
    mac = hmac.new(key, head + body, hashlib.sha1).digest()
    return head + body + attr(ATTR_MI, mac)


def parse(data):
    """(message type, transaction id, {attribute: value}) or None."""
    if len(data) < 20:
        return None
    kind, length, magic = struct.unpack_from('!HHI', data)
    if magic != MAGIC or 20 + length > len(data):
        return None
    attrs, at = {}, 20
    while at + 4 <= 20 + length:
        a, n = struct.unpack_from('!HH', data, at)
        attrs.setdefault(a, data[at + 4:at + 4 + n])
        at += 4 + n + (4 - n % 4) % 4
    return kind, data[8:20], attrs


def rss_kib(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    raise RuntimeError('no VmRSS for %d' % pid)


class Client:
    def __init__(self, index, server):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(('127.0.%d.%d' % (1 + index // 250, 1 + index % 250), 0))
        self.sock.connect(server)
        self.sock.setblocking(False)
        self.txid = os.urandom(12)
        self.auth = None
        self.done = False
        self.error = None

    def send(self):
        try:
            self.sock.send(allocate(self.txid, self.auth))
        except BlockingIOError:
            pass  # resent after the next quiet period

    def receive(self, user, realm_key):
        try:
            msg = parse(self.sock.recv(2048))
        except (BlockingIOError, ConnectionRefusedError):
            return
        if msg is None or msg[1] != self.txid:
            return
        kind, _, attrs = msg
        if kind == ALLOCATE_OK:
            self.done = True
        elif kind == ALLOCATE_ERR:
            err = attrs.get(ATTR_ERROR, b'\0\0\0\0')
            code = err[2] * 100 + err[3] if len(err) >= 4 else 0
            if code in (401, 438) and ATTR_NONCE in attrs and ATTR_REALM in attrs:
                self.txid = os.urandom(12)
                self.auth = (user, attrs[ATTR_REALM], attrs[ATTR_NONCE], realm_key(attrs[ATTR_REALM]))
                self.send()
            else:
                self.error = code
                self.done = True


def run(clients, user, realm_key, deadline):
    poller = select.epoll()
    by_fd = {c.sock.fileno(): c for c in clients}
    for fd in by_fd:
        poller.register(fd, select.EPOLLIN)
    while time.monotonic() < deadline:
        pending = [c for c in clients if not c.done]
        if not pending:
            break
        for c in pending:
            c.send()
        while True:
            events = poller.poll(QUIET)
            if not events:
                break
            for fd, _ in events:
                by_fd[fd].receive(user, realm_key)
            if all(c.done for c in pending):
                break
    poller.close()


def main():
    port, pid, count = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    user, password, realm = (s.encode() for s in sys.argv[4:7])
    keys = {}

    def realm_key(r):
        if r not in keys:
            keys[r] = hashlib.md5(user + b':' + r + b':' + password).digest()
        return keys[r]

    server = ('127.0.0.1', port)
    deadline = time.monotonic() + 90
    clients = [Client(i, server) for i in range(count)]
    run(clients[:WARMUP], user, realm_key, deadline)
    time.sleep(0.5)
    before = rss_kib(pid)
    for start in range(WARMUP, count, WINDOW):
        run(clients[start:start + WINDOW], user, realm_key, deadline)
    time.sleep(1.0)
    after = rss_kib(pid)
    made = sum(1 for c in clients[WARMUP:] if c.done and c.error is None)
    failed = sum(1 for c in clients if c.error is not None or not c.done)
    errors = sorted({c.error for c in clients if c.error is not None})
    per = (after - before) * 1024 / made if made else 0
    print('allocations=%d failed=%d rss_before_kib=%d rss_after_kib=%d bytes_per_allocation=%.0f%s'
          % (made, failed, before, after, per, (' errors=%s' % errors) if errors else ''))
    for c in clients:
        c.sock.close()


if __name__ == '__main__':
    main()
