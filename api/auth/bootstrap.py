"""First start: create the bootstrap maintainer key if configured, else say how to make one."""

from __future__ import annotations

import logging
import sys

from api.auth.keys import create_key
from store.repository import KeyRepository

logger = logging.getLogger("innogrowth.api.auth")

FIRST_KEY_HINT = (
    "No API key exists yet. Create the first one with:\n"
    "    innogrowth keys create --role maintainer --name admin\n"
    "(or set INNOGROWTH_BOOTSTRAP_ADMIN_KEY=ig_<12 hex>_<secret> before starting)."
)


def bootstrap_keys(repo: KeyRepository, bootstrap_key: str | None) -> None:
    if repo.count_active_keys() > 0:
        return
    if bootstrap_key:
        try:
            issued = create_key(repo, name="bootstrap-admin", role="maintainer", plaintext=bootstrap_key)
        except ValueError as exc:
            rejected = {"event": "bootstrap_key_invalid", "reason": str(exc)}
            logger.error("bootstrap admin key rejected", extra=rejected)
        else:
            created = {"event": "bootstrap_key", "key_id": issued.record.key_id}
            logger.info("bootstrap maintainer key created", extra=created)
            return
    logger.warning("no API keys", extra={"event": "no_api_keys"})
    print(FIRST_KEY_HINT, file=sys.stderr)
