# SPDX-License-Identifier: LGPL-2.1-or-later
"""holler's --json events as the test harnesses read them back from a log
file: one JSON object per line; other lines (GLib messages, a peer's own
output) are skipped."""

import json


def read_events(path, kind=None):
    """The events in the file at path, oldest first; only those named kind
    when given"""
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if kind is None or ev.get("event") == kind:
                out.append(ev)
    return out
