"""A function's secrets, read at its first request from the AWS Parameters and Secrets Lambda Extension.

The extension (an AWS layer) serves Parameter Store on localhost with the function role's credentials, so no AWS
SDK is imported: one plain HTTP GET a secret, all in parallel. Only mimi.config calls this.
"""

from __future__ import annotations

import http.client
import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

from mimi.config import ConfigError

TIMEOUT_S = (
    5.0  # the extension asks Parameter Store on a cold cache: tens of milliseconds in the region
)
TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"


def fetch(path: str, names: tuple[str, ...], *, token: str, port: int) -> dict[str, str]:
    """The decrypted value of each SecureString parameter `<path>/<name>`, by name."""
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        values = list(pool.map(lambda name: _get(f"{path.rstrip('/')}/{name}", token, port), names))
    return dict(zip(names, values, strict=True))


def _get(parameter: str, token: str, port: int) -> str:
    """One parameter through the extension; ConfigError (naming the setting, never its value) if it fails."""
    setting = parameter.rsplit("/", 1)[-1]
    connection = http.client.HTTPConnection("localhost", port, timeout=TIMEOUT_S)
    try:
        url = f"/systemsmanager/parameters/get?name={quote(parameter, safe='')}&withDecryption=true"
        connection.request("GET", url, headers={TOKEN_HEADER: token})
        response = connection.getresponse()
        body = response.read()
    except OSError as exc:
        raise ConfigError(
            f"{setting.upper()}: the secrets extension did not answer ({exc})"
        ) from None
    finally:
        connection.close()
    if response.status != 200:
        raise ConfigError(f"{setting.upper()}: the secrets extension answered {response.status}")
    return str(json.loads(body)["Parameter"]["Value"])
