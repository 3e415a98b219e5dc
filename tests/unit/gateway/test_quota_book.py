"""The quota book's arithmetic: refill since Azure's answer, requests sent since, late answers."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from imagefactory.gateway.quota import QuotaBook, request_class

T0 = datetime(2030, 1, 1, tzinfo=UTC)
URL = "https://management.azure.com/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/galleries/g"


def headers(reads: int, at: datetime) -> dict[str, str]:
    return {"x-ms-ratelimit-remaining-subscription-reads": str(reads),
            "Date": at.strftime("%a, %d %b %Y %H:%M:%S GMT")}


def test_low_remaining_holds_back_until_the_refill_would_reach_the_reserve() -> None:
    book = QuotaBook(jitter=0.0)
    book.observe("s1", "GET", URL, headers(10, T0), T0)
    wait = book.wait_before("s1", "GET", URL, T0)
    assert wait == (50 - 10) / 25  # reserve 50 of 250, refilled at 25/s
    assert book.wait_before("s1", "GET", URL, T0 + timedelta(seconds=2)) is None  # 10 + 50 >= 50


def test_requests_sent_since_the_answer_count_against_it() -> None:
    book = QuotaBook(jitter=0.0)
    book.observe("s1", "GET", URL, headers(52, T0), T0)
    sent = [book.wait_before("s1", "GET", URL, T0) is None for _ in range(4)]
    assert sent == [True, True, True, False]  # 52, 51, 50 left: sent; 49 < the reserve of 50: held


def test_an_older_answer_arriving_late_does_not_replace_a_newer_one() -> None:
    book = QuotaBook(jitter=0.0)
    book.observe("s1", "GET", URL, headers(200, T0 + timedelta(seconds=5)), T0)
    book.observe("s1", "GET", URL, headers(0, T0), T0)
    assert book.wait_before("s1", "GET", URL, T0 + timedelta(seconds=5)) is None


def test_other_subscriptions_and_classes_are_counted_apart_and_waits_are_jittered() -> None:
    book = QuotaBook(jitter=10.0, rng=random.Random(7))
    book.observe("s1", "GET", URL, headers(0, T0), T0)
    assert book.wait_before("s2", "GET", URL.replace("s1", "s2"), T0) is None
    assert book.wait_before("s1", "PUT", URL, T0) is None  # writes have their own bucket
    waits = {book.wait_before("s1", "GET", URL, T0) for _ in range(5)}
    assert len(waits) == 5 and all(w is not None and 2.0 <= w <= 12.0 for w in waits)
    classes = (request_class("POST"), request_class("DELETE"), request_class("get"))
    assert classes == ("writes", "deletes", "reads")
