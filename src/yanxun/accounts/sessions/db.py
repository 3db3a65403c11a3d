from django.contrib.sessions.backends import db

from yanxun.accounts.sessions import RowReadMixin


class SessionStore(RowReadMixin, db.SessionStore):
    pass
