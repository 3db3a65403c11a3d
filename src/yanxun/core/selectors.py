def dashboard_cards(user) -> list[dict]:
    """Figures for the dashboard, each computed from records within the user's data scope."""
    from yanxun.core.listing import listable
    from yanxun.core.permissions import has_perm, scoped
    from yanxun.org import rules
    from yanxun.org.enums import TeacherStatus
    from yanxun.org.models import School, Teacher

    cards = []
    if has_perm(user, listable(rules.VIEW_SCHOOLS)):
        schools = scoped(School.objects.filter(is_active=True), user, rules.VIEW_SCHOOLS)
        cards.append({"label": "学校", "value": schools.count(), "unit": "所"})
    if has_perm(user, listable(rules.VIEW_TEACHERS)):  # not a teacher's "1 人"
        teachers = scoped(Teacher.objects.filter(status=TeacherStatus.ACTIVE), user,
                          rules.VIEW_TEACHERS)
        cards.append({"label": "在职教师", "value": teachers.count(), "unit": "人"})
    return cards
