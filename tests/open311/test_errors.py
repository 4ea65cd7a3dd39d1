"""Every error under /open311/ is an Open311 error array in the asked format, never a 422 body."""

from __future__ import annotations

from fastapi.testclient import TestClient

from service.app import create_app
from service.config import Settings
from tests.open311.helpers import errors_of, xml


def test_unknown_paths_are_404_arrays_in_the_asked_format(client: TestClient) -> None:
    response = client.get("/open311/v2/potholes.json")
    assert response.status_code == 404 and errors_of(response)[0]["code"] == 404
    root = xml(client.get("/open311/v2/potholes.xml"))
    assert root.tag == "errors" and root.findtext("error/code") == "404"
    # A format we do not serve is an unknown resource too.
    assert errors_of(client.get("/open311/v2/services.csv"))[0]["code"] == 404


def test_a_wrong_method_is_an_error_array(client: TestClient) -> None:
    response = client.delete("/open311/v2/services.xml")
    assert response.status_code == 405
    assert xml(response).findtext("error/code") == "405"


def test_a_body_beyond_the_cap_is_refused_before_reading(settings: Settings) -> None:
    small = settings.model_copy(update={"upload_max_bytes": 1024, "upload_max_files": 1})
    with TestClient(create_app(small)) as client:
        response = client.post(
            "/open311/v2/requests.xml",
            files={"media": ("a.jpg", b"\xff\xd8\xff" + b"0" * 2_200_000, "image/jpeg")},
        )
    assert response.status_code == 413
    assert xml(response).findtext("error/code") == "413"


def test_an_unexpected_failure_is_a_500_array_not_a_page(settings: Settings) -> None:
    app = create_app(settings)

    @app.get("/open311/v2/boom.json")
    def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/open311/v2/boom.json")
    assert response.status_code == 500
    assert errors_of(response)[0]["code"] == 500 and "boom" not in response.text
