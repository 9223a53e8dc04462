"""Hostile HTTP/2 clients written by hand (no client library would send these), and readings
of a node process's memory and CPU from /proc."""

from __future__ import annotations

import os
import socket
import struct
import threading
import time
from typing import Callable

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE = 0, 1, 3, 4, 6, 7, 8
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1
SETTINGS_INITIAL_WINDOW_SIZE = 4


def frame(kind: int, flags: int = 0, stream: int = 0, payload: bytes = b"") -> bytes:
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def settings(entries: list[tuple[int, int]] = ()) -> bytes:
    return frame(SETTINGS, payload=b"".join(struct.pack(">HI", k, v) for k, v in entries))


def hpack_int(value: int, prefix_bits: int, pattern: int) -> bytes:
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([pattern | value])
    out = bytearray([pattern | limit])
    value -= limit
    while value >= 128:
        out.append(value % 128 + 128)
        value //= 128
    out.append(value)
    return bytes(out)


def hpack_str(data: bytes) -> bytes:
    return hpack_int(len(data), 7, 0) + data


def literal(name: str, value: bytes | str) -> bytes:
    """A literal field without indexing, new name."""
    value = value.encode() if isinstance(value, str) else value
    return b"\x00" + hpack_str(name.encode()) + hpack_str(value)


def indexed_literal(name: str, value: bytes) -> bytes:
    """A literal field with incremental indexing: it enters the dynamic table (index 62)."""
    return b"\x40" + hpack_str(name.encode()) + hpack_str(value)


def request_block(path: str, te: bool = True) -> bytes:
    block = (literal(":method", "POST") + literal(":scheme", "http") + literal(":path", path)
             + literal(":authority", "gyre") + literal("content-type", "application/grpc"))
    return block + (literal("te", "trailers") if te else b"")


def grpc_message(payload: bytes) -> bytes:
    return b"\x00" + struct.pack(">I", len(payload)) + payload


def get_request(key: bytes) -> bytes:
    """A gyre.v1.GetRequest with only `key` (field 1) set, framed for gRPC."""
    return grpc_message(b"\x0a" + _varint(len(key)) + key)


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


class RawConnection:
    """One TCP connection to `address` from the source address `source` (another 127.x, so
    per-source caps fall on the attacker, not on the test's own clients)."""

    def __init__(self, address: str, source: str = "127.0.0.2", recv_buffer: int | None = None,
                 timeout: float = 5.0):
        host, port = address.rsplit(":", 1)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if recv_buffer is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, recv_buffer)
        self.sock.bind((source, 0))
        self.sock.settimeout(timeout)
        self.sock.connect((host, int(port)))

    def send(self, data: bytes) -> bool:
        """Sends everything; False once the node closed the connection."""
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def open(self, entries: list[tuple[int, int]] = ()) -> bool:
        return self.send(PREFACE + settings(entries) + frame(SETTINGS, ACK))

    def read_some(self, limit: int = 65536) -> bytes:
        try:
            return self.sock.recv(limit)
        except OSError:
            return b""

    def read_until_closed(self, timeout: float) -> bytes:
        """Everything the node sends until it closes the connection or `timeout` passes."""
        deadline = time.monotonic() + timeout
        out = bytearray()
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        return bytes(out)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def parse_frames(data: bytes) -> list[tuple[int, int, int, bytes]]:
    """(type, flags, stream, payload) of every whole frame in `data`."""
    frames, at = [], 0
    while at + 9 <= len(data):
        length = int.from_bytes(data[at:at + 3], "big")
        if at + 9 + length > len(data):
            break
        kind, flags = data[at + 3], data[at + 4]
        stream = int.from_bytes(data[at + 5:at + 9], "big") & 0x7FFFFFFF
        frames.append((kind, flags, stream, data[at + 9:at + 9 + length]))
        at += 9 + length
    return frames


# MARK: the process, from /proc


def _status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} for pid {pid}")


def rss_mb(pid: int) -> float:
    return _status_kb(pid, "VmRSS") / 1024


def peak_rss_mb(pid: int) -> float:
    """The high-water mark of the resident set since the process started (VmHWM)."""
    return _status_kb(pid, "VmHWM") / 1024


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


class Attack:
    """Runs `body(stop_event)` in `threads` threads until stopped; the body loops on its own."""

    def __init__(self, body: Callable[[threading.Event], None], threads: int = 1):
        self.stop_event = threading.Event()
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._run, args=(body,), daemon=True) for _ in range(threads)]

    def _run(self, body):
        try:
            body(self.stop_event)
        except BaseException as e:  # reported by stop()
            self.errors.append(e)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        for t in self.threads:
            t.join(timeout=30)
        assert not any(t.is_alive() for t in self.threads), "attack threads did not stop"
        return False


def exchange(address: str, request: bytes, stream: int = 1, timeout: float = 5.0) -> dict[str, str]:
    """Sends preface, SETTINGS and `request`, then reads until `stream` ends; returns the header
    fields the node sent on it (response headers and trailers merged), decoded with HPACK."""
    import hpack

    conn = RawConnection(address, source="127.0.0.1", timeout=timeout)
    try:
        conn.open()
        conn.send(request)
        decoder, buffer, fields = hpack.Decoder(), b"", {}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunk = conn.read_some()
            if not chunk:
                break
            buffer += chunk
            done = False
            for kind, flags, sid, payload in parse_frames(buffer):
                if kind == HEADERS:
                    for name, value in decoder.decode(payload):
                        if sid == stream:
                            fields[name] = value
                    done = done or (sid == stream and flags & END_STREAM != 0)
                elif kind == DATA and sid == stream and flags & END_STREAM:
                    done = True
            consumed = sum(9 + len(p) for _, _, _, p in parse_frames(buffer))
            if done:
                return fields
            buffer = buffer[consumed:]
        raise AssertionError(f"stream {stream} did not end within {timeout} s (fields so far: {fields})")
    finally:
        conn.close()
