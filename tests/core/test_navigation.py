"""The sidebar."""

import pytest

from yanxun.core.enums import Role


@pytest.mark.django_db
def test_only_the_closest_sidebar_entry_is_active(world):
    """/quality/retention/ lies under /quality/ too: only 学生数据保留期限 is marked."""
    from yanxun.core.navigation import nav_for

    def active(path):
        return [i["label"] for s in nav_for(world.users[Role.ADMIN], path) for i in s["items"]
                if i["active"]]

    assert active("/quality/retention/") == ["学生数据保留期限"]
    assert active("/quality/12/report/") == ["考试与质量分析"]
    assert active("/") == ["首页"]
