"""Session engines: Django's `db` (the SQLite default) and `cached_db` (with Redis), reading
the session row through core.rowread on every request instead of building an ORM query.

Without Redis the cache is a folder of files, and Django's file cache lists that folder on
every write (to cull it): with thousands of teachers logged in that listing costs more than
the session query it saves, so without Redis sessions are read from the database directly.
"""

from django.db import connection
from django.utils import timezone

from yanxun.core.rowread import get_row


class RowReadMixin:
    def _get_session_from_db(self):
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        session = get_row(self.model, "session_key", self.session_key,
                          extra=" AND expire_date > %s", params=(now,))
        if session is None:
            self._session_key = None
        return session
