"""OAuth2 for Keap: tokens that refresh themselves, kept in a store all workers share.

```python
from keap_adapter.auth import OAuth2, FileTokenStore

oauth = OAuth2(client_id, client_secret, store=FileTokenStore("tokens.json"))
client = keap_adapter.KeapClient("rest", auth=oauth)
```

``RedisTokenStore`` (extra ``redis``) keeps them in Redis, for workers on several machines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._oauth import REFRESH_MARGIN, REFRESH_TOKEN_LIFETIME, ROLLOVER_AFTER, TOKEN_FILE, OAuth2
from ._protocol import AUTHORIZE_URL, TOKEN_URL
from ._stores import FileTokenStore, TokenStore
from ._tokens import Tokens

if TYPE_CHECKING:
    from ._redis_store import RedisTokenStore

__all__ = [
    "AUTHORIZE_URL",
    "REFRESH_MARGIN",
    "REFRESH_TOKEN_LIFETIME",
    "ROLLOVER_AFTER",
    "TOKEN_FILE",
    "TOKEN_URL",
    "FileTokenStore",
    "OAuth2",
    "RedisTokenStore",
    "TokenStore",
    "Tokens",
]


def __getattr__(name: str) -> Any:
    # The Redis store needs the ``redis`` extra: imported only when asked for.
    if name == "RedisTokenStore":
        from ._redis_store import RedisTokenStore  # noqa: PLC0415

        return RedisTokenStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
