"""The faust app every streaming service runs in: its transport is faust's aiokafka one with Kafka's default fetch
wait (faust hard-codes 1500 ms, which cost ~380 ms per stage on the embedded broker)."""

from newsflow.common.faust_app import FETCH_MAX_WAIT_MS, Transport, make_app
from newsflow.common.settings import Settings
from newsflow_schemas import Stage


async def test_the_worker_consumer_fetches_with_kafkas_default_wait(tmp_path):
    app = make_app(Stage.PARSE, Settings(data_dir=tmp_path, kafka_bootstrap="127.0.0.1:1"))
    assert isinstance(app.transport, Transport)
    consumer = app.consumer._thread._create_worker_consumer(app.transport)  # not started: nothing connects
    assert consumer._fetch_max_wait_ms == FETCH_MAX_WAIT_MS == 500
    assert consumer._group_id == "newsflow-parse"
