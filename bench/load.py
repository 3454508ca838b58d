"""Offered load for the benchmarks: tier-4 tickets at a steady rate, from a process of its own.

`python -m bench.load INFO_JSON RATE SECONDS REQUESTER_IDS_JSON` prints one JSON line per
ticket created: {"id": ticket id, "t": epoch seconds when the create call returned}.
Each ticket is written by its requester (as one arriving by e-mail is): the requesters are
made beforehand with `make_requesters`, outside what the benchmark counts.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any

from zenpy.lib.api_objects import Comment as ZComment
from zenpy.lib.api_objects import Ticket as ZTicket
from zenpy.lib.api_objects import User as ZUser

THREADS = 8


def make_requesters(info: dict[str, Any], count: int) -> list[int]:
    from tests.e2e.harness import Running

    zendesk = Running(process=None, info=info, env={}, log=None).zendesk()  # type: ignore[arg-type]
    return [
        int(zendesk.users.create(ZUser(name=f"Bench {n}", email=f"bench{n}@example.org", role="end-user")).id)
        for n in range(count)
    ]


def offer(info: dict[str, Any], rate: float, seconds: float, requesters: list[int]) -> None:
    from tests.e2e.harness import Running

    running = Running(process=None, info=info, env={}, log=None)  # type: ignore[arg-type]
    lock = threading.Lock()
    start = time.monotonic()
    total = int(rate * seconds)

    def creator(offset: int) -> None:
        zendesk = running.zendesk()
        for n in range(offset, total, THREADS):
            pause = start + n / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)  # pacing the offered load
            requester = requesters[n % len(requesters)]
            ticket = zendesk.tickets.create(
                ZTicket(subject=f"Bench {n}: payments fail",
                        comment=ZComment(body="HTTP 500 on pay", public=True, author_id=requester),
                        priority="urgent", type="incident", tags=["tier4"], requester_id=requester)
            ).ticket
            with lock:
                print(json.dumps({"id": int(ticket.id), "t": time.time()}), flush=True)

    threads = [threading.Thread(target=creator, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    offer(json.loads(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4]))
