"""The app starts, serves its health check and its manifest on both databases."""


def test_healthz_answers_ok_when_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
