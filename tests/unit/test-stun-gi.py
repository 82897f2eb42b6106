#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Parses the RFC 5769 vectors through the Postern typelib, as a binding would.
import sys
import unittest

import gi
gi.require_version('Postern', '1.0')
from gi.repository import GLib, Postern  # noqa: E402

sys.path.insert(0, __file__.rsplit('/', 1)[0])
from stun_vectors import (REQUEST, RESPONSE_V4, RESPONSE_V6, LONG_TERM,  # noqa: E402
                          SHORT_TERM_PASSWORD, USERNAME, PASSWORD, REALM, NONCE)

A = Postern.StunAttrType


def parse(data):
    return Postern.StunPacket.parse(GLib.Bytes.new(data), Postern.StunParseFlags.NONE)


class Rfc5769(unittest.TestCase):
    key = GLib.Bytes.new(SHORT_TERM_PASSWORD.encode())

    def test_request(self):
        p = parse(REQUEST)
        self.assertEqual(p.get_method(), Postern.StunMethod.BINDING)
        self.assertEqual(p.get_class(), Postern.StunClass.REQUEST)
        self.assertEqual(p.get_transaction_id().get_data(), REQUEST[8:20])
        self.assertEqual(p.get_string(A.USERNAME), 'evtj:h6vY')
        self.assertEqual(p.get_string(A.SOFTWARE), 'STUN test client')
        self.assertTrue(p.check_integrity(self.key))
        self.assertFalse(p.check_integrity(GLib.Bytes.new(b'wrong')))
        self.assertTrue(p.check_fingerprint())

    def check_response(self, data, ip):
        p = parse(data)
        self.assertEqual(p.get_class(), Postern.StunClass.SUCCESS)
        addr = p.get_address(A.XOR_MAPPED_ADDRESS)
        self.assertEqual(addr.get_address().to_string(), ip)
        self.assertEqual(addr.get_port(), 32853)
        self.assertTrue(p.check_integrity(self.key))
        self.assertTrue(p.check_fingerprint())
        self.assertEqual(p.get_bytes().get_data(), data)

    def test_response_v4(self):
        self.check_response(RESPONSE_V4, '192.0.2.1')

    def test_response_v6(self):
        self.check_response(RESPONSE_V6, '2001:db8:1234:5678:11:2233:4455:6677')

    def test_long_term(self):
        p = parse(LONG_TERM)
        key = Postern.stun_long_term_key(USERNAME, REALM, PASSWORD)
        self.assertEqual(p.get_string(A.USERNAME), USERNAME)
        self.assertEqual(p.get_string(A.REALM), REALM)
        self.assertEqual(p.get_string(A.NONCE), NONCE)
        self.assertTrue(p.check_integrity(key))
        self.assertFalse(p.check_fingerprint())
        self.assertEqual(Postern.stun_saslprep(PASSWORD), 'TheMatrIX')

    def test_tampered(self):
        data = bytearray(RESPONSE_V4)
        data[30] ^= 1
        p = parse(bytes(data))
        self.assertFalse(p.check_integrity(self.key))
        self.assertFalse(p.check_fingerprint())

    def test_malformed(self):
        for data in (b'', REQUEST[:19], REQUEST[:-4], b'\xff' + REQUEST[1:]):
            with self.assertRaises(GLib.Error):
                parse(data)


if __name__ == '__main__':
    unittest.main()
