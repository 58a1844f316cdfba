"""A real SMTP server (aiosmtpd) on a free local port for tests, with the app pointed at it."""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import threading


class Inbox:
    """What the server received; `arrived` is set on each message so a test can wait for mail sent elsewhere."""

    def __init__(self):
        self.messages = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's hook name)
        self.messages.append(envelope)
        self.arrived.set()
        return "250 OK"


@contextlib.contextmanager
def smtp_inbox(app):
    """Run the server and configure the app's SMTP_* settings for it; restore the settings afterwards."""
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # a port the OS says is free
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    original = app.config["XBORDER"]
    app.config["XBORDER"] = dataclasses.replace(original, smtp_host="127.0.0.1", smtp_port=port,
                                                smtp_from="xborder@example.test")
    try:
        yield inbox
    finally:
        app.config["XBORDER"] = original
        controller.stop()
