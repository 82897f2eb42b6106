#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""libpostern-1 through the GObject Introspection typelib, from Python."""
import sys
import unittest

import gi

gi.require_version("Postern", "1.0")
gi.require_version("Gio", "2.0")
from gi.repository import GLib, Postern  # noqa: E402


class EventBusTest(unittest.TestCase):
    def test_publish_subscribe(self):
        bus = Postern.EventBus.new()
        Postern.events_register_well_known(bus)
        self.assertEqual(bus.get_signature("pin.failed"), "(ssss)")
        self.assertTrue(bus.register("py.test", "(si)", "A test event from Python"))
        seen = []
        bus.subscribe("py.test", lambda b, name, payload: seen.append((name, payload.unpack())))
        bus.subscribe(None, lambda b, name, payload: seen.append(("*", name)))
        self.assertTrue(bus.publish("py.test", GLib.Variant("(si)", ("hello", 7))))
        ctx = GLib.MainContext.default()
        while len(seen) < 2:
            ctx.iteration(True)
        self.assertEqual(seen, [("py.test", ("hello", 7)), ("*", "py.test")])
        self.assertIn("py.test", bus.list_types())

    def test_register_conflict_raises(self):
        bus = Postern.EventBus.new()
        bus.register("py.one", "(s)", "doc")
        with self.assertRaises(GLib.Error) as cm:
            bus.register("py.one", "(i)", "doc")
        self.assertTrue(cm.exception.matches(Postern.error_quark(), Postern.Error.EXISTS))


class AddressTest(unittest.TestCase):
    def test_parse(self):
        a = Postern.parse_address("[::1]:3478", 0)
        self.assertEqual(a.get_port(), 3478)
        self.assertEqual(Postern.address_to_string(a), "[::1]:3478")
        with self.assertRaises(GLib.Error):
            Postern.parse_address("localhost:1", 0)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() else 1)
