"""Waiting for events: Sale.wait_for_events, the blocking Sale.iter_events and
`async for event in sale.events()`, each woken by the operation that publishes
the event (C++ Sale::WaitForEvents), never by polling the queue."""

import asyncio
import threading
import time

import holdfast


def test_wait_for_events(make_sale):
    sale = make_sale(events_max=64)
    assert sale.wait_for_events(0.01) is False
    hold = sale.hold(1, "regular", 1)
    assert sale.wait_for_events(0) is True
    assert [e.kind for e in sale.drain_events()] == [holdfast.EventKind.HELD]
    hold.release()
    assert sale.wait_for_events(10) is True  # already waiting: at once


def test_no_event_queue(make_sale):
    sale = make_sale()  # events_max=0
    start = time.monotonic()
    assert sale.wait_for_events(60) is False
    assert list(sale.iter_events(timeout=60)) == []
    assert time.monotonic() - start < 30  # answered at once, not after the timeouts


def test_iter_events_is_woken_by_another_thread(make_sale):
    sale = make_sale(events_max=256)
    got = []

    def consume():
        for event in sale.iter_events(timeout=5):
            got.append(event)
            if len(got) == 40:
                return

    consumer = threading.Thread(target=consume)
    consumer.start()
    for buyer in range(20):
        sale.hold(100 + buyer, "regular", 1).release()
        if buyer % 5 == 0:
            time.sleep(0.01)  # let the consumer drain dry and sleep
    consumer.join(timeout=30)
    assert not consumer.is_alive()
    assert len(got) == 40
    kinds = [e.kind for e in got]
    assert kinds.count(holdfast.EventKind.HELD) == 20
    assert kinds.count(holdfast.EventKind.RELEASED) == 20


def test_async_for_events(make_sale):
    sale = make_sale(events_max=256)

    def publish():
        for buyer in range(10):
            time.sleep(0.005)
            sale.hold(200 + buyer, "regular", 1).confirm()

    async def collect():
        got = []
        async for event in sale.events():
            got.append(event)
            if len(got) == 20:
                break
        return got

    async def main():
        producer = threading.Thread(target=publish)
        producer.start()
        try:
            return await asyncio.wait_for(collect(), timeout=30)
        finally:
            producer.join()

    got = asyncio.run(main())
    assert [e.kind for e in got].count(holdfast.EventKind.CONFIRMED) == 10
