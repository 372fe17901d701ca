"""Tests of compliance.settings: every bad value is refused at construction, naming its field."""

from __future__ import annotations

from typing import Any

import pytest

from compliance.errors import ConfigurationError
from compliance.settings import Settings, sqlite_path

POSITIVE_INTEGERS = [
    "shingle_size",
    "num_perm",
    "window",
    "max_candidates",
    "max_df",
    "min_passage_words",
    "max_redirects",
    "max_bytes",
    "max_input_bytes",
    "sentence_words",
]
UNIT_INTERVAL = [
    "full_coverage",
    "substantial_coverage",
    "sentence_similarity",
    "close_wording",
    "paraphrase_contrast",
]

BAD = [
    *(
        pytest.param(name, value, f"{name} must be a positive integer", id=f"{name}={value!r}")
        for name in POSITIVE_INTEGERS
        for value in (0, -1, 2.5)
    ),
    *(
        pytest.param(name, value, rf"{name} must lie in \(0, 1\]", id=f"{name}={value!r}")
        for name in UNIT_INTERVAL
        for value in (0.0, -0.1, 1.01)
    ),
    pytest.param("max_gap", -1, "max_gap must be >= 0", id="max_gap=-1"),
    pytest.param("min_evidence", 0.0, "min_evidence must be positive", id="min_evidence=0"),
    pytest.param("summary_ratio", 1.0, "summary_ratio must be greater than 1", id="summary_ratio=1"),
    pytest.param("database_url", "", "database_url must not be empty", id="database_url=''"),
    pytest.param("index_refresh", -0.5, "index_refresh must be >= 0", id="index_refresh=-0.5"),
    pytest.param(
        "connect_timeout", 0.0, "connect_timeout must be a positive number of seconds", id="connect_timeout=0"
    ),
    pytest.param(
        "read_timeout", -1.0, "read_timeout must be a positive number of seconds", id="read_timeout=-1"
    ),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD)
def test_a_bad_value_is_refused_naming_its_field(name: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=f"^{message}"):
        Settings(**{name: value})


def test_the_value_given_is_quoted_in_the_message() -> None:
    with pytest.raises(ConfigurationError, match=r"num_perm must be a positive integer, got -3$"):
        Settings(num_perm=-3)


def test_substantial_coverage_may_not_exceed_full_coverage() -> None:
    with pytest.raises(ConfigurationError, match=r"^substantial_coverage must not exceed full_coverage"):
        Settings(full_coverage=0.5, substantial_coverage=0.6)


# The accepted side of each limit.
GOOD = [
    pytest.param({"shingle_size": 1}, id="shingle_size=1"),
    pytest.param({"max_gap": 0}, id="max_gap=0"),
    pytest.param({"full_coverage": 1.0, "substantial_coverage": 1.0}, id="coverages=1"),
    pytest.param({"full_coverage": 0.3, "substantial_coverage": 0.3}, id="substantial=full"),
    pytest.param({"sentence_similarity": 1.0, "close_wording": 1.0, "paraphrase_contrast": 1.0}, id="unit=1"),
    pytest.param({"min_evidence": 0.01}, id="min_evidence=0.01"),
    pytest.param({"summary_ratio": 1.01}, id="summary_ratio=1.01"),
    pytest.param({"index_refresh": 0.0}, id="index_refresh=0"),
    pytest.param({"connect_timeout": 0.01, "read_timeout": 0.01}, id="timeouts=0.01"),
]


@pytest.mark.parametrize("values", GOOD)
def test_a_value_on_the_limit_is_accepted(values: dict[str, Any]) -> None:
    settings = Settings(**values)
    assert {name: getattr(settings, name) for name in values} == values


def test_a_configuration_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"^window"):
        Settings(window=0)


# --- from_env ---


@pytest.mark.parametrize(
    ("variable", "raw", "name", "value"),
    [
        pytest.param("COMPLIANCE_NUM_PERM", "128", "num_perm", 128, id="int"),
        pytest.param("COMPLIANCE_FULL_COVERAGE", "0.9", "full_coverage", 0.9, id="float"),
        pytest.param("COMPLIANCE_CONNECT_TIMEOUT", "3", "connect_timeout", 3.0, id="float-from-integer"),
        pytest.param("COMPLIANCE_DATABASE_URL", "sqlite:///x.db", "database_url", "sqlite:///x.db", id="str"),
        pytest.param(
            "COMPLIANCE_FETCH_ALLOW_HOSTS",
            " 127.0.0.1:8080, localhost ,,",
            "fetch_allow_hosts",
            ("127.0.0.1:8080", "localhost"),
            id="comma-separated-tuple",
        ),
        pytest.param("COMPLIANCE_FETCH_ALLOW_HOSTS", "", "fetch_allow_hosts", (), id="empty-tuple"),
    ],
)
def test_from_env_parses_each_kind_of_field(variable: str, raw: str, name: str, value: Any) -> None:
    settings = Settings.from_env({variable: raw})
    assert getattr(settings, name) == value and type(getattr(settings, name)) is type(value)


@pytest.mark.parametrize(
    ("variable", "raw"),
    [
        pytest.param("COMPLIANCE_NUM_PERM", "many", id="int-word"),
        pytest.param("COMPLIANCE_NUM_PERM", "1.5", id="int-decimal"),
        pytest.param("COMPLIANCE_FULL_COVERAGE", "80%", id="float-percent"),
    ],
)
def test_from_env_refuses_a_malformed_number_naming_the_variable(variable: str, raw: str) -> None:
    with pytest.raises(ConfigurationError, match=f"^{variable} must be a number, got '{raw}'"):
        Settings.from_env({variable: raw})


def test_from_env_checks_the_parsed_values_like_the_constructor() -> None:
    with pytest.raises(ConfigurationError, match=r"^num_perm must be a positive integer, got 0$"):
        Settings.from_env({"COMPLIANCE_NUM_PERM": "0"})


def test_from_env_overrides_win_and_other_variables_are_ignored() -> None:
    environ = {"COMPLIANCE_NUM_PERM": "128", "COMPLIANCE_NOT_A_SETTING": "x", "NUM_PERM": "7"}
    assert Settings.from_env(environ).num_perm == 128
    assert Settings.from_env(environ, num_perm=32).num_perm == 32
    assert Settings.from_env({}) == Settings()


def test_from_env_reads_the_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPLIANCE_MAX_REDIRECTS", "2")
    assert Settings.from_env().max_redirects == 2


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///var/compliance.db", "var/compliance.db"),
        ("sqlite:////tmp/a.db", "/tmp/a.db"),
        ("sqlite:///:memory:", None),
        ("sqlite://", None),
        ("postgresql+psycopg://u@127.0.0.1/test", None),
    ],
)
def test_sqlite_path(url: str, path: str | None) -> None:
    found = sqlite_path(url)
    assert (str(found) if found else None) == path
