"""Fixtures for every test."""

from __future__ import annotations

import socket
import urllib.request

import pytest


class NetworkUsed(AssertionError):
    """A test touched the network (nothing in the lab's tests may)."""


@pytest.fixture
def no_network(monkeypatch):
    """Any connection attempt fails the test."""

    def refuse(*args, **kwargs):
        raise NetworkUsed(f"a network call was attempted: {args[:2]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
