from web import create_app


def test_app_factory_takes_a_test_config() -> None:
    app = create_app({"TESTING": True, "COMPLIANCE_DATABASE_URL": "sqlite://"})
    assert app.testing and app.config["COMPLIANCE_DATABASE_URL"] == "sqlite://"
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"
