from django.contrib.sessions.backends import cached_db

from yanxun.accounts.sessions import RowReadMixin


class SessionStore(RowReadMixin, cached_db.SessionStore):
    pass
