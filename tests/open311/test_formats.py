"""JSON and XML from one body: element names, empty elements for null, booleans (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from service.open311.formats import Problem, error_status, errors, stamp, to_xml

TZ = ZoneInfo("Asia/Shanghai")


def test_xml_has_a_declaration_item_names_empty_nulls_and_plain_booleans() -> None:
    body = [
        {
            "service_code": "MR-FAKE",
            "metadata": True,
            "keywords": None,
            "lat": 40.6574,
            "order": 1,
            "attributes": [{"values": [{"key": "a", "name": "甲"}]}],
            "extended_attributes": {"channel": "api"},
        }
    ]
    data = to_xml(body, "services")
    assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<services>')
    root = ET.fromstring(data)
    service = root.find("service")
    assert service is not None and root.attrib == {}
    assert service.findtext("metadata") == "true"
    keywords = service.find("keywords")
    assert keywords is not None and keywords.text is None and len(keywords) == 0
    assert service.findtext("lat") == "40.6574" and service.findtext("order") == "1"
    assert service.findtext("attributes/attribute/values/value/name") == "甲"
    assert service.findtext("extended_attributes/channel") == "api"


def test_text_that_xml_cannot_carry_is_dropped_and_markup_escaped() -> None:
    data = to_xml([{"description": "a\x00b\x1bc <b>&amp;</b>"}], "service_requests")
    assert ET.fromstring(data).findtext("request/description") == "abc <b>&amp;</b>"
    assert b"<b>" not in data


def test_error_arrays_in_both_formats() -> None:
    problems = [Problem(400, "start_date is bad"), Problem(400, "status is bad")]
    as_json = errors(problems, "json", 400)
    assert as_json.status_code == 400
    assert json.loads(as_json.body) == [
        {"code": 400, "description": "start_date is bad"},
        {"code": 400, "description": "status is bad"},
    ]
    as_xml = ET.fromstring(errors(problems, "xml", 400).body)
    assert as_xml.tag == "errors"
    assert [e.findtext("code") for e in as_xml.findall("error")] == ["400", "400"]
    assert error_status(422) == 400 and error_status(401) == 403 and error_status(404) == 404


def test_times_carry_their_offset() -> None:
    moment = datetime(2026, 11, 29, 2, 0, 0, 123456, tzinfo=UTC)
    assert stamp(moment, TZ) == "2026-11-29T10:00:00+08:00"
    assert stamp(None, TZ) is None
