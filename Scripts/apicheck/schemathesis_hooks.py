"""schemathesis hooks for Scripts/apicheck (loaded through SCHEMATHESIS_HOOKS=schemathesis_hooks).

Milvus answers most failures with HTTP 200 and a code in the body, so schemathesis's not_a_server_error
check (5xx) cannot see an internal failure. This check can: code 5 ("service internal error") is what the
server reports when something broke inside it rather than in the request.
"""
import json

import schemathesis


@schemathesis.check
def no_internal_error_code(ctx, response, case):
    """The envelope's code is not 5 (service internal error)."""
    if response.status_code != 200:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    if isinstance(body, dict) and body.get("code") == 5:
        raise AssertionError(f"Service internal error (code 5): {body.get('message')}")
    return None
