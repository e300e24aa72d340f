"""What a hostile or sloppy caller can do to the service's metrics and logs, and what it must not.

Written from the README ("Every response carries `X-Request-ID` (the caller's, or a new one), and every log
record made while serving it carries it as `request_id`"; "logs are JSON lines"; `GET /metrics` "request
latency per route"), ../shared/contract/README.md (`carrier` 2–8 upper-case letters, `waybill_no` 8–32 of
`[A-Za-z0-9-]`) and ../shared/domain/RULES.md §1 "Personal information" (nowhere a plain ID number).

Readings where the sources are silent, as a mature service's operators expect:

* /metrics stays bounded whatever callers send: no label value is caller text. The route label is a route
  template or one fixed value for a request no route matched; the method label is one of the HTTP methods
  (RFC 9110) or one fixed value for any other token; the status label is a three-digit status. Paths,
  query strings, carriers, waybill numbers and request ids never make a series of their own.
* Every log line is one JSON object, whatever CR/LF, ANSI escapes, quotes or JSON fragments a caller
  puts in a waybill, a header or a path: the text is escaped inside a string, never a forged second line.
* A caller's X-Request-ID is echoed only when it is 1–128 visible ASCII characters; anything else
  (control characters, spaces, non-ASCII bytes, overlong) is replaced by a new 32-hex id, never echoed raw.
* The Prometheus text page parses with prometheus_client's own parser after all that traffic.
* No plain identity number or full phone number reaches a metric label or a log line.

Log lines are read from the service's own JSON handler (tests/api/test_scenarios_operations.py's
service_logs). Not repeated here: the 404 scanner-path test, the empty and 200-character id tests and the
error-path privacy tests of that file.
"""

import json
import logging
import random
import string
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from screening.logs import LogFormat
from screening.policy.schemas import Policy
from screening.settings import Settings
from tests.api.test_scenarios_operations import (
    HEX32,
    Svc,
    broken_history,
    parse,
    refuse_case_writes,
    scrape,
    service_logs,
    started,
)
from tests.factories import (
    cn_receiver,
    export_postal,
    hk_receiver,
    item,
    over_limit,
    party,
    resident_id,
    waybill,
)

Body = dict[str, Any]
ROUTE_SERIES = "screening_http_request_seconds_count"
HTTP_METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}
HOSTILE_TEXTS = [
    "line one\r\nline two",
    '\n{"asctime": "2026-01-01", "level": "CRITICAL", "name": "screening", "message": "forged"}',
    "\x1b[31mred\x1b[0m\x1b[2J",
    'quote " backslash \\ brace } ]',
    "nul \x00 bell \x07 del \x7f",
    "sep \u2028 para \u2029 nel \x85",
]
PLAIN_ID = resident_id(region="330106", birth="19880612", seq="714")
PLAIN_PHONE = "13755106382"
_rng = random.Random(20261207)


@pytest.fixture
def svc(settings: Settings, policy: Policy) -> Iterator[Svc]:
    """A started app on the embedded store with the test policy, 500s answered rather than raised."""
    with started(settings, policy) as s:
        yield s


def token(n: int = 10) -> str:
    """A random lower-case token."""
    return "".join(_rng.choices(string.ascii_lowercase + string.digits, k=n))


def series(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str = ROUTE_SERIES
) -> set[Any]:
    """The label sets of one sample name."""
    return {labels for (n, labels) in samples if n == name}


def label_values(svc: Svc) -> dict[str, set[str]]:
    """Every value of every label of every series on /metrics, by label name."""
    out: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(svc.http.get("/metrics").text):
        for s in family.samples:
            for k, v in s.labels.items():
                out.setdefault(k, set()).add(v)
    return out


def templates(svc: Svc) -> set[str]:
    """Every route template the app serves: its OpenAPI paths and its own routes (pages, /metrics)."""
    own = {p for p in (getattr(r, "path", None) for r in svc.app.routes) if isinstance(p, str)}
    return own | set(svc.app.openapi()["paths"])


def hostile_traffic(svc: Svc, n: int) -> None:
    """n requests each of unknown paths, random read-backs, random query strings and random request ids."""
    for _ in range(n):
        svc.http.get(f"/{token()}/{token(6)}.php")
        svc.http.get(f"/v1/decisions/{token(4).upper()}/{token(12)}")
        svc.http.get(f"/healthz?{token(5)}={token(20)}")
        svc.http.get("/healthz", headers={"X-Request-ID": f"rid-{uuid.uuid4().hex}"})


def log_line(message: str, **extra: Any) -> str:
    """One record formatted by the service's log format."""
    record = logging.LogRecord("screening.test", logging.WARNING, __file__, 1, message, None, None)
    for k, v in extra.items():
        setattr(record, k, v)
    return LogFormat().format(record)


def hostile_waybill(text: str) -> Body:
    """A held export (over its 800 CNY limit) whose free-text fields all carry the hostile text."""
    return export_postal(
        sender=party(name=f"张{text}", address={"detail": f"中山路{text}1号"}),
        receiver=hk_receiver(name=f"CHAN{text}"),
        items=[item(description=f"bag{text}", quantity=5, unit_value=200.0)],
    )


def assert_json_lines(text: str) -> list[Body]:
    """Every line of a log text is one JSON object with the service's fields; no raw control character."""
    lines = text.split("\n")
    assert lines[-1] == ""
    out: list[Body] = []
    for line in lines[:-1]:
        assert not any(ord(c) < 0x20 or c == "\x7f" for c in line), repr(line)
        parsed = json.loads(line)
        assert isinstance(parsed, dict) and {"asctime", "level", "name", "message"} <= set(parsed), line
        out.append(parsed)
    return out


# Label cardinality -----------------------------------------------------------------------------------------


def test_a_thousand_unknown_paths_add_one_series_at_most(svc: Svc) -> None:
    """1,000 scanner paths after the first are counted, all under the one series the first one made."""
    svc.http.get("/warmup-unknown")
    svc.http.get("/metrics")
    before = scrape(svc.http)
    for _ in range(1000):
        assert svc.http.get(f"/{token()}/{token(8)}").status_code == 404
    after = scrape(svc.http)
    assert series(after) == series(before)
    assert sum(after[k] - before.get(k, 0.0) for k in after if k[0] == ROUTE_SERIES) >= 1000


def test_random_carriers_and_waybill_numbers_on_read_back_share_their_template_series(svc: Svc) -> None:
    """300 read-backs of unknown parcels of random carriers make one series of the decisions template."""
    svc.http.get("/v1/decisions/SF/SF0000000001")
    before = scrape(svc.http)
    for _ in range(300):
        carrier = "".join(_rng.choices(string.ascii_uppercase, k=_rng.randint(2, 8)))
        svc.http.get(f"/v1/decisions/{carrier}/{carrier}{_rng.randrange(10**10):010d}")
    after = scrape(svc.http)
    new = series(after) - series(before)
    assert {dict(ls)["route"] for ls in new} <= {"/v1/decisions/{carrier}/{waybill_no}"}
    assert len(new) <= 2


def test_random_query_strings_add_no_series(svc: Svc) -> None:
    """300 probes with random query strings are counted in the probe's one 200 series."""
    svc.http.get("/healthz")
    before = scrape(svc.http)
    for _ in range(300):
        svc.http.get(f"/healthz?{token(4)}={token(30)}&{token(3)}")
    after = scrape(svc.http)
    assert series(after) == series(before)


def test_random_request_ids_add_no_series(svc: Svc) -> None:
    """300 scorings with random X-Request-IDs add no series to any metric."""
    svc.score(waybill())
    before = scrape(svc.http)
    for _ in range(300):
        svc.post(waybill(), **{"X-Request-ID": f"courier-{uuid.uuid4()}"})
    after = scrape(svc.http)
    assert set(after) == set(before)


def test_scoring_many_random_parcels_adds_no_series_of_their_own(svc: Svc) -> None:
    """Scoring 100 parcels of random carriers and numbers, after one of each, adds no label set anywhere."""
    svc.score(waybill(carrier="YTO", waybill_no="YTO00000000001"))
    before = scrape(svc.http)
    for _ in range(100):
        carrier = _rng.choice(["SF", "EMS", "YTO", "ZTO", "STO", "YD", "JD", "ABCDEFGH"])
        svc.score(waybill(carrier=carrier, waybill_no=f"{carrier}{_rng.randrange(10**11):011d}"))
    after = scrape(svc.http)
    assert set(after) == set(before)


HOSTILE_PATHS = [
    "/v1/decisions/SF/SF%0D%0AX-Forged:%201",
    "/%1b%5b31m/evil",
    '/v1/"}{"route":"x',
    "/v1/score/../../etc/passwd",
    "/" + "a" * 4000,
]


def grown_routes(
    before: dict[tuple[str, frozenset[tuple[str, str]]], float],
    after: dict[tuple[str, frozenset[tuple[str, str]]], float],
) -> set[tuple[str, str]]:
    """The (route, status) of every request-count series that grew between two scrapes (the registry is the
    process's, so series other apps of the test session made stand beside this app's)."""
    return {
        (dict(labels)["route"], dict(labels)["status"])
        for (name, labels), value in after.items()
        if name == ROUTE_SERIES and value > before.get((name, labels), 0.0)
    }


def test_hostile_paths_are_labelled_by_a_template_or_the_fixed_unmatched_value(svc: Svc) -> None:
    """Paths with CR/LF, ANSI, JSON, dot-dots or great length are labelled by a template or `unmatched`."""
    before = scrape(svc.http)
    for path in HOSTILE_PATHS:
        svc.http.get(path)
    routes = {route for route, _ in grown_routes(before, scrape(svc.http))}
    assert routes <= templates(svc) | {"unmatched"}


def test_a_wrong_method_on_a_known_route_is_counted_under_its_template(svc: Svc) -> None:
    """A PUT to /v1/score is a 405 counted under route /v1/score, not under the path or `unmatched`."""
    before = scrape(svc.http)
    assert svc.http.put("/v1/score", json={}).status_code == 405
    after = scrape(svc.http)
    grown = {k for k in after if k[0] == ROUTE_SERIES and after[k] > before.get(k, 0.0)}
    assert {(dict(ls)["route"], dict(ls)["status"]) for _, ls in grown} >= {("/v1/score", "405")}


def test_invented_methods_add_no_series_of_their_own(svc: Svc) -> None:
    """50 requests with invented method tokens, after one, add no series: they share one fixed label."""
    svc.http.request("XWARM", "/nowhere")
    before = scrape(svc.http)
    for _ in range(50):
        svc.http.request("X" + token(8).upper(), "/nowhere")
    assert series(scrape(svc.http)) == series(before)


def test_every_method_label_is_an_http_method_or_one_fixed_value(svc: Svc) -> None:
    """After requests with invented methods, every method label is an RFC 9110 method or `other`."""
    for m in ("BREW", "PURGE", "PROPFIND", "X" + token(6).upper()):
        svc.http.request(m, "/healthz")
        svc.http.request(m, f"/{token()}")
    assert label_values(svc)["method"] <= HTTP_METHODS | {"other"}


def test_after_hostile_traffic_every_route_and_status_label_is_bounded(svc: Svc) -> None:
    """After 200 rounds of hostile requests, routes are templates or `unmatched` and statuses three digits."""
    before = scrape(svc.http)
    hostile_traffic(svc, 200)
    grown = grown_routes(before, scrape(svc.http))
    assert {route for route, _ in grown} <= templates(svc) | {"unmatched"}
    assert all(len(s) == 3 and s.isdigit() for _, s in grown)


def test_after_hostile_traffic_no_caller_text_is_on_the_metrics_page(svc: Svc) -> None:
    """A request id, query value, waybill number and path sent by a caller appear nowhere on /metrics."""
    marks = [f"mark{token(12)}" for _ in range(4)]
    svc.http.get(f"/{marks[0]}")
    svc.http.get(f"/healthz?q={marks[1]}")
    svc.http.get(f"/v1/decisions/SF/{marks[2]}")
    svc.http.get("/healthz", headers={"X-Request-ID": marks[3]})
    text = svc.http.get("/metrics").text
    assert [m for m in marks if m in text] == []


def test_a_scrape_of_metrics_is_counted_under_its_own_route_not_with_unmatched_paths(svc: Svc) -> None:
    """A scrape of /metrics grows the series of route /metrics, not one of `unmatched`."""
    before = scrape(svc.http)
    svc.http.get("/metrics")
    grown = grown_routes(before, scrape(svc.http))
    assert ("/metrics", "200") in grown and ("unmatched", "200") not in grown


# /metrics itself -------------------------------------------------------------------------------------------


def test_the_metrics_page_parses_after_hostile_traffic(svc: Svc) -> None:
    """The text page parses with prometheus_client's parser and no (name, labels) sample appears twice."""
    hostile_traffic(svc, 50)
    for text in HOSTILE_TEXTS:
        svc.post(hostile_waybill(text))
    r = svc.http.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    seen: list[tuple[str, frozenset[tuple[str, str]]]] = []
    for family in text_string_to_metric_families(r.text):
        seen += [(s.name, frozenset(s.labels.items())) for s in family.samples]
    assert seen and len(seen) == len(set(seen))
    assert any(name == ROUTE_SERIES for name, _ in seen)


def test_every_metrics_line_is_a_comment_or_a_sample_without_control_characters(svc: Svc) -> None:
    """After hostile traffic each /metrics line is `# HELP`, `# TYPE` or a sample, no raw escapes."""
    hostile_traffic(svc, 20)
    svc.http.get("/%1b%5b2J%0d%0a")
    for line in svc.http.get("/metrics").text.splitlines():
        assert not any(ord(c) < 0x20 or c == "\x7f" for c in line), repr(line)
        assert line.startswith(("# HELP ", "# TYPE ", "screening_", "python_", "process_")), line


def test_a_scrape_with_a_hostile_request_id_and_query_still_parses(svc: Svc) -> None:
    """GET /metrics with a quoted request id and query is answered with a page that parses."""
    r = svc.http.get("/metrics?name[]=x&format=json", headers={"X-Request-ID": '"}{x'})
    assert r.status_code == 200 and r.headers["x-request-id"] == '"}{x'
    assert parse(r.text)


# X-Request-ID ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sent",
    [
        b"tab\tinside",
        b" leading-space",
        b"caf\xe9",
        b"\xe4\xb8\xad\xe6\x96\x87",
        b"del\x7fchar",
        b"esc\x1b[31m",
        b"a" * 129,
    ],
    ids=["tab", "lead-space", "latin1", "utf8", "del", "ansi", "129"],
)
def test_a_malformed_request_id_is_replaced_and_never_echoed(svc: Svc, sent: bytes) -> None:
    """Ids with controls, spaces, non-ASCII bytes or over 128 characters come back as a new 32-hex id."""
    r = svc.http.get("/healthz", headers=[(b"x-request-id", sent)])
    assert r.status_code == 200
    got = r.headers.get_list("x-request-id")
    assert len(got) == 1 and HEX32.fullmatch(got[0])
    assert sent.decode("latin-1") not in r.text


@pytest.mark.parametrize(
    "sent",
    [
        "a" * 128,
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        str(uuid.UUID(int=7)),
        '"quoted"{"json":1}',
        "semi;colon,comma=eq",
        "~!@#$%^&*()_+`-=[]\\|'<>?/.",
    ],
    ids=["128", "traceparent", "uuid", "json", "separators", "punctuation"],
)
def test_a_sane_request_id_of_visible_ascii_is_echoed_exactly(svc: Svc, sent: str) -> None:
    """1–128 visible ASCII characters, punctuation included, come back exactly and only once."""
    r = svc.http.get("/healthz", headers={"X-Request-ID": sent})
    assert r.headers.get_list("x-request-id") == [sent]


def test_a_header_breaking_request_id_is_refused_by_the_client_or_replaced(svc: Svc) -> None:
    """An id with CR/LF either never leaves the client or comes back as a new id, never as a forged header."""
    try:
        r = svc.http.get("/healthz", headers=[(b"x-request-id", b"ok\r\nX-Forged: 1")])
    except Exception:
        return
    assert "x-forged" not in {k.lower() for k in r.headers}
    assert HEX32.fullmatch(r.headers["x-request-id"])


def test_replaced_ids_differ_from_request_to_request(svc: Svc) -> None:
    """Twenty requests with the same malformed id get twenty different new ids."""
    ids = {
        svc.http.get("/healthz", headers={"X-Request-ID": "bad id"}).headers["x-request-id"]
        for _ in range(20)
    }
    assert len(ids) == 20 and all(HEX32.fullmatch(i) for i in ids)


def test_a_replaced_id_is_the_one_the_error_log_carries(svc: Svc, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 500 with a malformed id logs the answer's new id, not the caller's malformed one."""
    broken_history(svc, monkeypatch)
    with service_logs() as logs:
        r = svc.post(waybill(), **{"X-Request-ID": "evil\tid"})
    assert r.status_code == 500
    lines = assert_json_lines(logs.text)
    failed = [line for line in lines if line.get("status") == 500]
    assert [line["request_id"] for line in failed] == [r.headers["x-request-id"]]
    assert "evil" not in logs.text


# Log injection ---------------------------------------------------------------------------------------------


def test_a_hostile_message_is_one_json_line_that_round_trips() -> None:
    """The log format writes a message with CR/LF, ANSI, quotes or JSON as one line holding it exactly."""
    for text in HOSTILE_TEXTS:
        out = log_line(f"refused {text}!")
        assert "\n" not in out and "\r" not in out and "\x1b" not in out
        assert json.loads(out)["message"] == f"refused {text}!"


def test_a_hostile_extra_field_cannot_forge_the_level_or_another_field() -> None:
    """An extra field carrying hostile text stays in its own field; level and logger are the record's."""
    for text in HOSTILE_TEXTS:
        parsed = json.loads(log_line("ok", route=text, request_id=text))
        assert (parsed["route"], parsed["request_id"]) == (text, text)
        assert (parsed["level"], parsed["name"], parsed["message"]) == ("WARNING", "screening.test", "ok")


def test_a_traceback_of_hostile_text_stays_inside_one_line() -> None:
    """An exception message with CR/LF and a JSON line is logged as one JSON object, traceback inside."""
    try:
        raise ValueError('bad\r\n{"level": "CRITICAL", "message": "forged"}\n\x1b[2J')
    except ValueError:
        record = logging.LogRecord("screening.t", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    out = LogFormat().format(record)
    assert out.count("\n") == 0
    assert "forged" in json.loads(out)["exc_info"]


def test_holds_of_hostile_fields_whose_case_writes_fail_log_only_json_lines(svc: Svc) -> None:
    """A hold of hostile text fields whose case write is refused: each log line is one JSON object."""
    refuse_case_writes(svc)
    with service_logs() as logs:
        for text in HOSTILE_TEXTS:
            r = svc.post(hostile_waybill(text), **{"X-Request-ID": "hostile-hold"})
            assert r.status_code in (200, 422)
    lines = assert_json_lines(logs.text)
    assert lines, "nothing was logged: the check would prove nothing"
    assert all(line["level"] != "CRITICAL" and "forged" not in line["message"] for line in lines)
    assert {line.get("request_id") for line in lines} <= {"hostile-hold", None}


def test_a_server_error_with_a_json_looking_request_id_is_one_line_carrying_it_exactly(
    svc: Svc, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 500 with id `"}{"level":"CRITICAL"` logs one ERROR line whose request_id is that text."""
    broken_history(svc, monkeypatch)
    rid = '"}{"level":"CRITICAL","x":"'
    with service_logs() as logs:
        r = svc.post(waybill(), **{"X-Request-ID": rid})
    assert r.status_code == 500 and r.headers["x-request-id"] == rid
    failed = [line for line in assert_json_lines(logs.text) if line.get("status") == 500]
    assert [(line["request_id"], line["level"]) for line in failed] == [(rid, "ERROR")]


def test_a_server_error_logs_the_route_template_not_the_hostile_query(
    svc: Svc, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 500 on /v1/score with a hostile query string logs route /v1/score and none of the query's text."""
    broken_history(svc, monkeypatch)
    with service_logs() as logs:
        r = svc.http.post("/v1/score?x=%0d%0a%7b%22forged%22%3a1%7d%1b", json=waybill())
    assert r.status_code == 500
    lines = assert_json_lines(logs.text)
    assert [line["route"] for line in lines if line.get("status") == 500] == ["/v1/score"]
    assert "forged" not in logs.text


# Personal information in metrics and logs ------------------------------------------------------------------


def private_waybills() -> list[Body]:
    """A release, a hold and a reject whose sender or receiver carries the private ID and phone."""
    who = party(id_number=PLAIN_ID, phone=PLAIN_PHONE)
    return [
        waybill(sender=who),
        over_limit(sender=who),
        waybill(sender=party(id_type=None, id_number=None, phone=PLAIN_PHONE), receiver=cn_receiver()),
    ]


def test_no_metric_label_or_sample_holds_a_plain_id_number_or_full_phone(svc: Svc) -> None:
    """Scoring, re-reading and mis-reading parcels of a private ID and phone leaves neither on /metrics."""
    for wb in private_waybills():
        svc.post(wb)
        svc.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}")
    svc.http.get(f"/v1/decisions/SF/{PLAIN_ID}")
    svc.http.get(f"/{PLAIN_ID}/{PLAIN_PHONE}")
    svc.http.get(f"/healthz?id={PLAIN_ID}&phone={PLAIN_PHONE}")
    text = svc.http.get("/metrics").text
    assert [x for x in (PLAIN_ID, PLAIN_ID[:17], PLAIN_PHONE) if x in text] == []


def test_no_log_line_of_private_parcels_refused_or_unmatched_holds_the_id_or_phone(
    svc: Svc, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A case write refused, then a 500, for parcels of a private ID, plus paths naming it: none logged."""
    refuse_case_writes(svc)
    with service_logs() as logs:
        for wb in private_waybills():
            svc.post(wb)
        svc.http.get(f"/{PLAIN_ID}?phone={PLAIN_PHONE}")
        broken_history(svc, monkeypatch)
        assert svc.post(private_waybills()[0]).status_code == 500
    assert assert_json_lines(logs.text), "nothing was logged: the check would prove nothing"
    assert [x for x in (PLAIN_ID, PLAIN_ID[:17], PLAIN_PHONE) if x in logs.text] == []
