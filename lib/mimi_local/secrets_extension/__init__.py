"""A local stand-in for the AWS Parameters and Secrets Lambda Extension: Parameter Store over localhost HTTP.

What a function sees of the real extension: `GET /systemsmanager/parameters/get?name=<name>&withDecryption=true`
with the header `X-Aws-Parameters-Secrets-Token` equal to the function's session token, answered with the
GetParameter response as JSON. The stack mounts it at its root, so a function given
PARAMETERS_SECRETS_EXTENSION_HTTP_PORT=<stack port> finds it on localhost as it would on Lambda. Differences, on
purpose: no cache (each call answers from the stack's own values), and no INIT/INVOKE phases (the real extension
answers only once a function is invoked; mimi.config reads secrets at the first request, so both behave alike).
"""

from mimi_local.secrets_extension.app import ParameterStore, build_app

__all__ = ["ParameterStore", "build_app"]
