from yanxun.notifications.selectors import UnreadCount


def unread_notifications(request):
    """The bell in the top bar (base.html): the unread count, counted lazily — no query on
    anonymous pages or on templates that do not show the bell."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": UnreadCount(user)}
