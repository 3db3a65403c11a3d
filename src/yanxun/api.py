"""The JSON API: one NinjaAPI, a router per module, the same permissions as the pages.

Authentication: the browser session (with CSRF on writes) or `Authorization: Bearer <token>`.
Every refusal is JSON {"detail": "<中文说明>"}.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from yanxun.core.api_auth import BearerTokenAuth, SessionAuth

api = NinjaAPI(
    title="研训 Yanxun API",
    version="1",
    description="区县教师发展中心平台的 JSON 接口。权限与页面相同。",
    auth=[BearerTokenAuth(), SessionAuth()],
    urls_namespace="api",
)


def _error(request, status: int, message: str, **extra):
    return api.create_response(request, {"detail": message, **extra}, status=status)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return _error(request, 401, "未登录或登录已过期，请先登录。")


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return _error(request, 403, str(exc) or "无权执行此操作。")


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, "未找到该记录，或无权查看。")


@api.exception_handler(ValidationError)
def on_django_validation(request, exc):
    return _error(request, 400, "；".join(exc.messages))


@api.exception_handler(NinjaValidationError)
def on_validation(request, exc):
    return _error(request, 422, "请求参数不合法。", errors=_chinese_errors(exc.errors))


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(Exception)
def on_unexpected(request, exc):
    import logging

    logging.getLogger("yanxun.api").exception("unhandled API error")
    return _error(request, 500, "服务器内部错误，请稍后再试。")


def _chinese_errors(errors) -> list[dict]:
    out = []
    for err in errors:
        loc = ".".join(str(p) for p in err.get("loc", []))
        out.append({"field": loc, "message": f"参数「{loc}」不合法：{err.get('msg', '')}"})
    return out


from yanxun.accounts.api import router as accounts_router  # noqa: E402
from yanxun.notifications.api import router as notifications_router  # noqa: E402
from yanxun.org.api import router as org_router  # noqa: E402
from yanxun.review.api_entries import router as review_entries_router  # noqa: E402
from yanxun.review.api_judging import router as review_judging_router  # noqa: E402
from yanxun.review.api_results import router as review_results_router  # noqa: E402
from yanxun.training.api_enrol import router as training_enrol_router  # noqa: E402
from yanxun.training.api_hours import router as training_hours_router  # noqa: E402

api.add_router("/accounts", accounts_router)
api.add_router("/org", org_router)
api.add_router("/training", training_enrol_router)
api.add_router("/training/hours", training_hours_router)
api.add_router("/notifications", notifications_router)
api.add_router("/review", review_entries_router)
api.add_router("/review", review_results_router)
api.add_router("/review/judging", review_judging_router)
