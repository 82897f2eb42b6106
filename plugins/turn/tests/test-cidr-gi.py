#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# PosternCidr and PosternCidrList through the typelib, as a binding sees them.
import unittest

import gi
gi.require_version('Postern', '1.0')
gi.require_version('Gio', '2.0')
from gi.repository import GLib, Gio, Postern  # noqa: E402


class Cidr(unittest.TestCase):
    def test_new_from_string(self):
        cidr = Postern.Cidr.new_from_string('2001:db8::/32')
        self.assertEqual(cidr.family, Gio.SocketFamily.IPV6)
        self.assertEqual(cidr.prefix_len, 32)
        self.assertEqual(cidr.to_string(), '2001:db8::/32')
        inside = Gio.InetAddress.new_from_string('2001:db8:1::1')
        outside = Gio.InetAddress.new_from_string('2001:db9::1')
        self.assertTrue(cidr.contains_address(inside))
        self.assertFalse(cidr.contains_address(outside))

    def test_parse_out_param(self):
        ok, cidr = Postern.Cidr.parse('10.0.0.0/8')
        self.assertTrue(ok)
        self.assertEqual(cidr.to_string(), '10.0.0.0/8')
        self.assertTrue(cidr.contains_bytes(Gio.SocketFamily.IPV4, bytes([10, 1, 2, 3])))
        self.assertFalse(cidr.contains_bytes(Gio.SocketFamily.IPV4, bytes([11, 1, 2, 3])))

    def test_errors_raise(self):
        with self.assertRaises(GLib.Error) as ctx:
            Postern.Cidr.new_from_string('10.1.2.3/8')
        self.assertIn('10.0.0.0/8', ctx.exception.message)

    def test_prefix_of(self):
        addr = Gio.InetAddress.new_from_string('2001:db8:1:2:3:4:5:6')
        self.assertEqual(Postern.Cidr.new_prefix_of(addr, 32, 64).to_string(), '2001:db8:1:2::/64')

    def test_list(self):
        lst = Postern.CidrList.parse('10.0.0.0/8; 192.168.1.7')
        self.assertEqual(lst.get_length(), 2)
        self.assertEqual(lst.get(1).to_string(), '192.168.1.7/32')
        self.assertIsNone(lst.get(2))
        self.assertTrue(lst.contains_address(Gio.InetAddress.new_from_string('::ffff:10.9.9.9')))
        self.assertEqual(lst.to_string(), '10.0.0.0/8;192.168.1.7/32')
        with self.assertRaises(GLib.Error) as ctx:
            Postern.CidrList.parse('10.0.0.0/8;bogus')
        self.assertIn('item 2', ctx.exception.message)
        self.assertTrue(Postern.CidrList.validate('1.2.3.4'))


if __name__ == '__main__':
    unittest.main()
