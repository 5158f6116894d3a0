from newsflow_schemas import ALL_TOPICS, DEAD_LETTERS, STAGE_INPUTS, Stage, dead_letter_topic, topic_name


def test_topic_names_are_unique_and_carry_the_schema_major_version():
    names = [spec.name for spec in ALL_TOPICS]
    assert len(names) == len(set(names))
    assert all(name.startswith("newsflow.") and name.endswith(".v1") for name in names)


def test_every_stage_has_one_dead_letter_topic_and_one_input():
    assert set(DEAD_LETTERS) == set(STAGE_INPUTS) == set(Stage)
    assert dead_letter_topic("parse") == "newsflow.dlq.parse.v1"


def test_prefix_is_prepended_to_every_name():
    assert topic_name(STAGE_INPUTS[Stage.PARSE], "test-1.") == "test-1.newsflow.articles.raw.v1"
    assert dead_letter_topic(Stage.INDEX, "x.") == "x.newsflow.dlq.index.v1"
