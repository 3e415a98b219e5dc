"""Result messages reach the queues the way the Functions host does: a connection string, or the
identity-based settings infra/ deploys (shared keys off)."""

from __future__ import annotations

from azure.identity import ManagedIdentityCredential

from imagefactory.queue_connection import queue_connection
from imagefactory.settings import Settings

AZURITE = (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;"
    "QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;"
)


def test_a_connection_string_wins_and_reaches_its_endpoint() -> None:
    found = queue_connection("AzureWebJobsStorage", {"AzureWebJobsStorage": AZURITE,
                                                     "AzureWebJobsStorage__accountName": "other"})
    assert found is not None and not found.uses_identity
    client = found.client("results")
    assert client.url.startswith("http://127.0.0.1:10001/devstoreaccount1/results")


def test_identity_based_settings_give_the_account_url_and_the_user_assigned_identity() -> None:
    environ = {"AzureWebJobsStorage__accountName": "stimagefactory",
               "AzureWebJobsStorage__credential": "managedidentity",
               "AzureWebJobsStorage__clientId": "11111111-2222-3333-4444-555555555555"}
    found = queue_connection("AzureWebJobsStorage", environ)
    assert found is not None and found.uses_identity
    assert found.account_url == "https://stimagefactory.queue.core.windows.net"
    client = found.client("image-build-results")
    assert client.url == "https://stimagefactory.queue.core.windows.net/image-build-results"
    assert isinstance(client.credential, ManagedIdentityCredential)


def test_a_service_uri_is_taken_as_given_for_sovereign_clouds() -> None:
    environ = {"Storage__queueServiceUri": "https://st.queue.core.chinacloudapi.cn/"}
    found = queue_connection("Storage", environ)
    assert found is not None and found.account_url == "https://st.queue.core.chinacloudapi.cn"


def test_nothing_configured_is_none_and_the_settings_model_uses_its_named_setting() -> None:
    assert queue_connection("AzureWebJobsStorage", {}) is None
    settings = Settings.model_validate({"IMAGEFACTORY_QUEUE_CONNECTION": "ResultsStorage"})
    assert settings.queue_connection({"ResultsStorage__accountName": "acct"}) is not None
    assert settings.queue_connection({"AzureWebJobsStorage": AZURITE}) is None
