#!/usr/bin/env python3
"""Stands in for a Conferencing Node until the https-proxy plugin lands: the
client API subset the Web App uses. The browser test loads the pages from
posternd's webapp plugin and routes /api/ requests here. The event stream
ends after a few messages so an intercepting client can pass it on (the app
reconnects). Every API call is appended to a log file the browser test
reads. Loopback only.

usage: mock-node.py PORT_FILE CALL_LOG  (binds 127.0.0.1 port 0, writes the port)"""
import json, os, sys, time, uuid
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from urllib.parse import urlparse, parse_qs, unquote

PORT_FILE = sys.argv[1]
LOG = open(sys.argv[2], 'a', buffering=1)
tokens = {}

class H(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def log_message(self, *a): pass
    def send_json(self, code, obj):
        b = json.dumps(obj).encode()
        self.send_response(code); self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(b))); self.end_headers(); self.wfile.write(b)
    def do_GET(self):
        u = urlparse(self.path); parts = u.path.split('/')
        if u.path.startswith('/api/client/v2/conferences/'):
            alias, op = unquote(parts[5]), parts[6]
            if op == 'participants':
                t = self.headers.get('token')
                LOG.write(f'participants {t}\n')
                if t not in tokens: return self.send_json(403, {'status': 'success', 'result': 'Invalid token'})
                return self.send_json(200, {'status': 'success', 'result': [
                    {'uuid': 'p1', 'display_name': 'Alice', 'role': 'chair'},
                    {'uuid': tokens[t], 'display_name': 'Me', 'role': 'guest'}]})
            if op == 'events':
                t = parse_qs(u.query).get('token', [''])[0]
                LOG.write(f'events {t}\n')
                if t not in tokens: return self.send_json(403, {})
                self.send_response(200); self.send_header('Content-Type', 'text/event-stream')
                self.send_header('Cache-Control', 'no-cache'); self.send_header('Connection', 'close'); self.end_headers()
                def ev(name, data):
                    self.wfile.write(f'event: {name}\ndata: {json.dumps(data)}\n\n'.encode()); self.wfile.flush()
                try:
                    ev('participant_sync_begin', None)
                    ev('participant_create', {'uuid': 'p1', 'display_name': 'Alice', 'role': 'chair'})
                    ev('participant_create', {'uuid': 'p3', 'display_name': 'Bob <b>x</b>', 'role': 'guest'})
                    ev('participant_sync_end', None)
                    for i in range(3):
                        time.sleep(1)
                        ev('message_received', {'origin': 'Alice', 'payload': f'hello {i}'})
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True
                return
        self.send_json(404, {})
    def do_POST(self):
        u = urlparse(self.path); parts = u.path.split('/')
        n = int(self.headers.get('Content-Length') or 0); body = self.rfile.read(n)
        alias, op = unquote(parts[5]), parts[6]
        pin = self.headers.get('pin')
        LOG.write(f'{op} alias={alias} pin={pin} token={self.headers.get("token")} q={u.query} body={body.decode(errors="replace")}\n')
        if op == 'request_token':
            if alias not in ('meet', 'open', 'hostonly'):
                return self.send_json(404, {'status': 'failed', 'result': 'Neither conference nor gateway found'})
            need = {'meet': ('required', 'required'), 'open': ('none', 'none'), 'hostonly': ('required', 'none')}[alias]
            role = None
            if need[0] == 'none': role = 'HOST'
            elif pin == '1234': role = 'HOST'
            elif alias == 'meet' and pin == '5678': role = 'GUEST'
            elif alias == 'hostonly' and pin == 'none': role = 'GUEST'
            elif pin is None: return self.send_json(403, {'status': 'success', 'result': {'pin': need[0], 'guest_pin': need[1]}})
            else: return self.send_json(403, {'status': 'success', 'result': 'Invalid PIN'})
            t = uuid.uuid4().hex; tokens[t] = 'me-' + t[:4]
            name = json.loads(body or b'{}').get('display_name')
            return self.send_json(200, {'status': 'success', 'result': {'token': t, 'expires': '6', 'participant_uuid': tokens[t], 'role': role, 'display_name': name}})
        if op == 'refresh_token':
            t = self.headers.get('token')
            if t not in tokens: return self.send_json(403, {'status': 'success', 'result': 'Invalid token'})
            nt = uuid.uuid4().hex; tokens[nt] = tokens[t]
            return self.send_json(200, {'status': 'success', 'result': {'token': nt, 'expires': '6'}})
        if op == 'release_token':
            t = self.headers.get('token') or parse_qs(u.query).get('token', [''])[0]
            tokens.pop(t, None)
            return self.send_json(200, {'status': 'success', 'result': True})
        self.send_json(404, {})

server = ThreadingHTTPServer(('127.0.0.1', 0), H)
with open(PORT_FILE + '.tmp', 'w') as f:
    f.write(str(server.server_address[1]))
os.rename(PORT_FILE + '.tmp', PORT_FILE)
server.serve_forever()
