"""`ivr configure-number` and `ivr purge-calls` against the real `twilio.rest.Client`.

The test double sits at the network boundary: a `twilio.http.HttpClient` subclass that records
every HTTP request the SDK makes and answers with recorded Twilio API bodies (tests/twilio_api).
"""

from __future__ import annotations

import copy
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from twilio.http import HttpClient
from twilio.http.response import Response

from ivr.cli import main

RECORDED = Path(__file__).parent / "twilio_api"
ACCOUNT = "AC0d3d94e1c4a8d1d8f3e0c1a7b5e6f7a8"
TOKEN = "0123456789abcdef0123456789abcdef"
API = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}"
PN = "PN5b8f1e3c9d2a4b6c8e0f1a2b3c4d5e6f"
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
ENV = {"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_API_KEY": "", "TWILIO_API_SECRET": "",
       "PUBLIC_BASE_URL": "", "EMERGENCY_CALLER_ID": ""}


@dataclass
class Sent:
    method: str
    url: str
    params: dict[str, Any]
    data: dict[str, Any]
    auth: tuple[str, str] | None


class RecordingHttpClient(HttpClient):
    """Records each request; answers with the next recorded (status, body) in order."""

    def __init__(self, answers: list[tuple[int, Any]]):
        super().__init__(logger=logging.getLogger("tests.twilio"), is_async=False)
        self.answers = list(answers)
        self.sent: list[Sent] = []

    def request(self, method: str, uri: str, params: dict[str, Any] | None = None,
                data: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
                auth: tuple[str, str] | None = None, timeout: float | None = None,
                allow_redirects: bool = False) -> Response:
        self.sent.append(Sent(method, uri, dict(params or {}), dict(data or {}), auth))
        assert self.answers, f"unexpected request {method} {uri}"
        status, body = self.answers.pop(0)
        return Response(status, "" if body is None else json.dumps(body), {})


def recorded(name: str) -> Any:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


def invoke(http: RecordingHttpClient, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env={**ENV, **(env or {})},
                              obj={"twilio_http_client": http, "clock": lambda: NOW})


# --- configure-number ---------------------------------------------------------------------------

def number_page(**changes: Any) -> Any:
    page = recorded("incoming_phone_numbers.json")
    page["incoming_phone_numbers"][0].update(changes)
    return page


CONFIGURED = {
    "voice_url": "https://line.example.org/voice",
    "voice_method": "POST",
    "voice_fallback_url": "https://line.example.org/voice/fallback",
    "voice_fallback_method": "GET",
    "status_callback": "https://line.example.org/voice/status",
    "status_callback_method": "POST",
    "voice_caller_id_lookup": False,
}
LIST_REQUEST = Sent("GET", f"{API}/IncomingPhoneNumbers.json", {"PhoneNumber": "+12125550199", "PageSize": 20}, {},
                    (ACCOUNT, TOKEN))
CONFIGURE = ("configure-number", "--number", "+12125550199", "--base-url", "https://line.example.org/")


def test_configure_number_sets_the_urls_methods_and_no_caller_name_lookup() -> None:
    updated = copy.deepcopy(number_page(**CONFIGURED)["incoming_phone_numbers"][0])
    http = RecordingHttpClient([(200, number_page()), (200, updated)])
    result = invoke(http, *CONFIGURE)
    assert result.exit_code == 0, result.output
    assert http.sent == [
        LIST_REQUEST,
        Sent("POST", f"{API}/IncomingPhoneNumbers/{PN}.json", {}, {
            "VoiceUrl": "https://line.example.org/voice",
            "VoiceMethod": "POST",
            "VoiceFallbackUrl": "https://line.example.org/voice/fallback",
            "VoiceFallbackMethod": "GET",
            "StatusCallback": "https://line.example.org/voice/status",
            "StatusCallbackMethod": "POST",
            "VoiceCallerIdLookup": "false",
        }, (ACCOUNT, TOKEN)),
    ]
    assert "voice_url: https://demo.twilio.com/welcome/voice/ -> https://line.example.org/voice" in result.output
    assert "voice_method: POST  (unchanged)" in result.output
    assert "voice_caller_id_lookup: true -> false" in result.output
    assert "emergency address: unregistered" in result.output and "Register the firm's address" in result.output
    assert result.output.rstrip().endswith("updated")


def test_configure_number_dry_run_changes_nothing() -> None:
    http = RecordingHttpClient([(200, number_page())])
    result = invoke(http, *CONFIGURE, "--dry-run", "--fallback-url", "https://static.example.net/fallback.xml")
    assert result.exit_code == 0, result.output
    assert http.sent == [LIST_REQUEST]
    assert "voice_fallback_url: (not set) -> https://static.example.net/fallback.xml" in result.output
    assert "status_callback: (not set) -> https://line.example.org/voice/status" in result.output
    assert "dry run: nothing was changed" in result.output


def test_configure_number_reports_a_registered_emergency_address_and_a_configured_number() -> None:
    page = number_page(**CONFIGURED, emergency_status="Active", emergency_address_status="registered",
                       emergency_address_sid="AD2f4e6a8c0b1d3e5f7a9c1e3b5d7f9a1c")
    http = RecordingHttpClient([(200, page)])
    result = invoke(http, *CONFIGURE, env={"EMERGENCY_CALLER_ID": "+12125550199"})
    assert result.exit_code == 0, result.output
    assert http.sent == [LIST_REQUEST]   # nothing differs: no update
    assert "already configured" in result.output
    assert "emergency calling: Active, address AD2f4e6a8c0b1d3e5f7a9c1e3b5d7f9a1c registered" in result.output


def test_the_emergency_caller_id_without_a_registered_address_is_a_problem() -> None:
    http = RecordingHttpClient([(200, number_page(**CONFIGURED))])
    result = invoke(http, *CONFIGURE, env={"EMERGENCY_CALLER_ID": "+12125550199"})
    assert result.exit_code == 1 and "EMERGENCY_CALLER_ID" in result.output


def test_configure_number_warns_when_a_twiml_app_takes_the_calls() -> None:
    http = RecordingHttpClient([(200, number_page(voice_application_sid="AP1234567890abcdef1234567890abcdef")),
                                (200, number_page()["incoming_phone_numbers"][0])])
    result = invoke(http, *CONFIGURE)
    assert result.exit_code == 1
    assert "TwiML App AP1234567890abcdef1234567890abcdef" in result.output


def test_configure_number_with_an_api_key_pair() -> None:
    http = RecordingHttpClient([(200, number_page())])
    env = {"TWILIO_AUTH_TOKEN": "", "TWILIO_API_KEY": "SK11112222333344445555666677778888", "TWILIO_API_SECRET": "s3"}
    result = invoke(http, *CONFIGURE, "--dry-run", env=env)
    assert result.exit_code == 0, result.output
    assert http.sent == [Sent("GET", f"{API}/IncomingPhoneNumbers.json", LIST_REQUEST.params, {},
                              ("SK11112222333344445555666677778888", "s3"))]


def test_a_number_not_in_the_account() -> None:
    page = recorded("incoming_phone_numbers.json")
    page["incoming_phone_numbers"] = []
    http = RecordingHttpClient([(200, page)])
    result = invoke(http, *CONFIGURE)
    assert result.exit_code == 1
    assert "+12125550199 is not a number of the Twilio account" in result.output
    assert "Traceback" not in result.output


def test_wrong_credentials_are_a_clear_message() -> None:
    http = RecordingHttpClient([(401, recorded("error_401.json"))])
    result = invoke(http, *CONFIGURE)
    assert result.exit_code == 1
    assert "Twilio refused the credentials (HTTP 401)" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("missing", ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"])
def test_missing_credentials_exit_2_without_a_request(missing: str) -> None:
    http = RecordingHttpClient([])
    result = invoke(http, *CONFIGURE, env={missing: ""})
    assert result.exit_code == 2 and missing in result.output
    assert http.sent == []


@pytest.mark.parametrize("args", [("--number", "2125550199", "--base-url", "https://line.example.org"),
                                  ("--number", "+12125550199", "--base-url", "http://line.example.org")])
def test_bad_options_exit_2_without_a_request(args: tuple[str, ...]) -> None:
    http = RecordingHttpClient([])
    result = invoke(http, "configure-number", *args)
    assert result.exit_code == 2 and http.sent == []


# --- purge-calls --------------------------------------------------------------------------------

def call(index: int, ended: datetime, child: bool = False) -> dict[str, Any]:
    record = recorded("call.json")
    sid = f"CA{index:032x}"
    record = json.loads(json.dumps(record).replace("CA00000000000000000000000000000000", sid))
    started = ended - timedelta(seconds=92)
    record.update(end_time=format_datetime(ended), start_time=format_datetime(started),
                  date_created=format_datetime(started), date_updated=format_datetime(ended))
    if child:   # the forwarded leg of a call: from the line to the firm
        record.update(parent_call_sid=f"CA{index - 1:032x}", direction="outbound-dial",
                      **{"from": "+12125550199", "to": "+12125550100", "to_formatted": "(212) 555-0100"})
    return record


CALLS = [call(i + 1, datetime(2026, 11, 20, 9, 0, tzinfo=UTC) - timedelta(hours=3 * i), child=i % 4 == 1)
         for i in range(103)]
FIRST = "/2010-04-01/Accounts/" + ACCOUNT + "/Calls.json?EndTime%3C=2026-11-24&PageSize=100"


def calls_pages() -> list[tuple[int, Any]]:
    second = FIRST + "&Page=1&PageToken=PACA" + CALLS[99]["sid"][2:]
    common = {"first_page_uri": FIRST + "&Page=0", "previous_page_uri": None, "page_size": 100}
    return [
        (200, {**common, "calls": CALLS[:100], "start": 0, "end": 99, "page": 0, "next_page_uri": second,
               "uri": FIRST + "&Page=0"}),
        (200, {**common, "calls": CALLS[100:], "start": 100, "end": 102, "page": 1, "next_page_uri": None,
               "uri": second, "previous_page_uri": FIRST + "&Page=0&PageToken=PBCA" + CALLS[100]["sid"][2:]}),
    ]


def list_requests() -> list[Sent]:
    token = "PACA" + CALLS[99]["sid"][2:]
    return [
        Sent("GET", f"{API}/Calls.json", {"EndTime<": "2026-11-24", "PageSize": 100}, {}, (ACCOUNT, TOKEN)),
        Sent("GET", f"https://api.twilio.com{FIRST}&Page=1&PageToken={token}", {}, {}, (ACCOUNT, TOKEN)),
    ]


def test_purge_calls_deletes_every_ended_call_record_across_pages() -> None:
    http = RecordingHttpClient([*calls_pages(), *[(204, None)] * len(CALLS)])
    result = invoke(http, "purge-calls", "--older-than", "7d")
    assert result.exit_code == 0, result.output
    deletes = [Sent("DELETE", f"{API}/Calls/{c['sid']}.json", {}, {}, (ACCOUNT, TOKEN)) for c in CALLS]
    assert http.sent == [*list_requests(), *deletes]
    assert "call records that ended before 2026-11-24 15:00 UTC (103 listed)" in result.output
    assert f"{CALLS[0]['sid']}  ended 2026-11-20 09:00 UTC  deleted" in result.output
    assert "deleted 103 call record(s); 0 failed" in result.output


def test_purge_calls_never_prints_a_phone_number() -> None:
    http = RecordingHttpClient([*calls_pages(), *[(204, None)] * len(CALLS)])
    output = invoke(http, "purge-calls", "--older-than", "7d").output
    for number in ("2125550142", "2125550199", "2125550100", "555-0142", "555-0100"):
        assert number not in output


def test_purge_calls_dry_run_lists_and_deletes_nothing() -> None:
    http = RecordingHttpClient(calls_pages())
    result = invoke(http, "purge-calls", "--older-than", "7d", "--dry-run")
    assert result.exit_code == 0, result.output
    assert http.sent == list_requests()
    assert "would be deleted" in result.output
    assert "dry run: 103 call record(s) would be deleted, nothing was changed" in result.output


def test_purge_calls_goes_on_after_a_failed_delete_and_exits_1() -> None:
    answers = [*calls_pages(), (404, recorded("error_404_call.json")), *[(204, None)] * (len(CALLS) - 1)]
    http = RecordingHttpClient(answers)
    result = invoke(http, "purge-calls", "--older-than", "7d")
    assert result.exit_code == 1
    assert f"{CALLS[0]['sid']}  ended 2026-11-20 09:00 UTC  NOT deleted: HTTP 404, Twilio error 20404" in result.output
    assert "deleted 102 call record(s); 1 failed" in result.output
    assert len([s for s in http.sent if s.method == "DELETE"]) == len(CALLS)


@pytest.mark.parametrize("age", ["7", "0d", "a week", "7x"])
def test_purge_calls_needs_an_age(age: str) -> None:
    http = RecordingHttpClient([])
    result = invoke(http, "purge-calls", "--older-than", age)
    assert result.exit_code == 2 and "7d, 12h, 2w" in result.output and http.sent == []


def test_purge_calls_hours_and_weeks() -> None:
    http = RecordingHttpClient([(200, {**calls_pages()[1][1], "calls": [], "next_page_uri": None})])
    result = invoke(http, "purge-calls", "--older-than", "2w", "--dry-run")
    assert result.exit_code == 0
    assert http.sent[0].params == {"EndTime<": "2026-11-17", "PageSize": 100}
