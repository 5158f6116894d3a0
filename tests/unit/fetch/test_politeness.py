from newsflow.fetch.politeness import Politeness


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_requests_to_one_host_are_spaced_at_the_configured_rate():
    clock = Clock()
    polite = Politeness(rate_per_host=2.0, clock=clock)
    waits = [polite.delay("a.example") for _ in range(5)]
    assert waits == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert polite.delay("b.example") == 0.0  # other hosts are not held up


def test_crawl_delay_slows_a_host_down_further():
    polite = Politeness(rate_per_host=2.0, clock=Clock())
    assert [polite.delay("a", crawl_delay_s=3) for _ in range(3)] == [0.0, 3.0, 6.0]


def test_retry_after_and_exponential_backoff():
    clock = Clock()
    polite = Politeness(rate_per_host=0, clock=clock)
    assert polite.failed("a", retry_after_s=30) == 30
    assert polite.delay("a") == 30
    backoffs = [polite.failed("b") for _ in range(4)]
    assert all(2 ** (n + 1) * 0.5 <= b <= 2 ** (n + 1) for n, b in enumerate(backoffs))
    polite.succeeded("b")
    assert polite.hosts["b"].failures == 0


def test_rate_zero_turns_the_bucket_off():
    polite = Politeness(rate_per_host=0, clock=Clock())
    assert [polite.delay("a") for _ in range(3)] == [0.0, 0.0, 0.0]
