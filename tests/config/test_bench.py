"""The pure helpers of bench/run.py, the `make bench` driver: no database, no server."""

import pytest

from bench import run

# percentile


def test_percentile_of_an_odd_number_of_values_is_the_middle_one_for_the_median():
    assert run.percentile([5, 1, 3], 0.5) == 3


def test_percentile_interpolates_between_the_two_nearest_ranks():
    assert run.percentile([1, 2, 3, 4], 0.5) == 2.5


def test_p95_of_twenty_values_lies_between_the_two_slowest():
    values = list(range(1, 21))  # 1..20: rank 0.95 * 19 = 18.05, between 19 and 20

    assert run.percentile(values, 0.95) == pytest.approx(19.05)


def test_percentile_ends_are_the_smallest_and_largest_values():
    assert (run.percentile([7, 2, 9], 0), run.percentile([7, 2, 9], 1)) == (2, 9)


def test_percentile_of_one_value_is_that_value():
    assert run.percentile([0.25], 0.95) == 0.25


def test_percentile_of_no_values_is_none():
    assert run.percentile([], 0.5) is None


# ratio and its formatting


def test_ratio_divides():
    assert run.ratio(30, 20) == 1.5


@pytest.mark.parametrize("numerator, denominator", [(None, 2), (2, None), (2, 0), (2, -1)])
def test_ratio_without_a_usable_denominator_or_numerator_is_none(numerator, denominator):
    assert run.ratio(numerator, denominator) is None


def test_format_ratio_shows_two_decimals():
    assert run.format_ratio(1.23456) == "1.23"


def test_format_ratio_of_nothing_says_so():
    assert run.format_ratio(None) == "n/a"


# targets: PASS and FAIL


@pytest.mark.parametrize(
    "value, target, expected",
    [
        (1.5, ("at most", 1.5), "PASS"),
        (1.51, ("at most", 1.5), "FAIL"),
        (0.5, ("at least", 0.5), "PASS"),
        (0.49, ("at least", 0.5), "FAIL"),
        (0.99, ("under", 1), "PASS"),
        (1.0, ("under", 1), "FAIL"),
        ((12, 12), ("equal", None), "PASS"),
        ((12, 13), ("equal", None), "FAIL"),
        ((None, None), ("equal", None), "FAIL"),
        (None, ("at most", 1.5), "FAIL"),
        (None, ("equal", None), "FAIL"),
    ],
)
def test_verdict_compares_the_value_with_its_target(value, target, expected):
    assert run.verdict(value, target) == expected


def test_describe_names_the_rule_and_the_limit():
    assert [run.describe(("at most", 1.5)), run.describe(("at least", 2000)), run.describe(("equal", None))] == [
        "target at most 1.5",
        "target at least 2000",
        "target equal",
    ]


def test_figure_line_puts_the_value_beside_its_target():
    line = run.figure_line("latency median home", "1.04 (35 ms at 100)", ("at most", 1.5), "PASS")

    assert line == "latency median home: 1.04 (35 ms at 100) (target at most 1.5) PASS"


def test_a_report_counts_what_fails_and_what_was_not_measured(capsys):
    report = run.Report()
    report.figure("seed time", "0.40 s", ("under", 1), 0.4)
    report.figure("generator throughput", "1,500 claims/s", ("at least", 2000), 1500)
    report.missing("heavy history claim page", ("at most", 1.5), "no heavy claim")

    assert report.failed == 2
    assert capsys.readouterr().out.splitlines() == report.lines
    assert report.lines[2] == "heavy history claim page: not measured: no heavy claim (target at most 1.5) FAIL"


def test_a_figure_is_judged_as_printed_to_two_decimals():
    report = run.Report()
    report.figure("memory data/claims.json", "1.20", ("at most", 1.2), 1.2002)
    report.figure("memory data/claims.csv", "1.21", ("at most", 1.2), 1.206)

    assert [line.rsplit(" ", 1)[1] for line in report.lines] == ["PASS", "FAIL"]


# names and parsing


@pytest.mark.parametrize(
    "claims, label", [(100, "100"), (1000, "1k"), (10_000, "10k"), (100_000, "100k"), (1500, "1500")]
)
def test_size_label_names_a_database_by_its_claims(claims, label):
    assert run.size_label(claims) == label


@pytest.mark.parametrize(
    "summary, expected",
    [
        ("generate_synthetic: 1,000 sources, 100,000 claims, 1,002,311 history rows in 41.2 s (2,427 claims/s).", 2427),
        ("generated 100 claims in 0.1 s: 1234.5 claims per second", 1234.5),
        ("12 claim/s", 12),
        ("generated 100 claims in 0.1 s", None),
    ],
)
def test_claims_per_second_is_read_from_the_generators_summary(summary, expected):
    assert run.claims_per_second(summary) == expected


@pytest.mark.parametrize(
    "path, expected",
    [("/zh-hant/sources/essay/C3/", "/en/sources/essay/C3/"), ("/en/topics/", "/en/topics/"), ("/admin/", "/admin/")],
)
def test_en_path_puts_a_public_page_under_en(path, expected):
    assert run.en_path(path) == expected


def test_database_url_replaces_only_the_database_name():
    url = run.database_url("postgres://postgres:secret@db.example:5433/postgres", "bench_100k")

    assert url == "postgres://postgres:secret@db.example:5433/bench_100k"
