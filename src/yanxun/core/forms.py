"""Form helpers shared by every module: Tabler classes on widgets, and services'
validation errors worded for people."""

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError


def field_label(model, name: str) -> str:
    try:
        return str(getattr(model._meta.get_field(name), "verbose_name", ""))
    except FieldDoesNotExist:
        return ""


def readable_errors(exc: ValidationError, model=None,
                    labels: dict[str, str] | None = None) -> dict[str | None, list[str]]:
    """{field name or None: [Chinese messages]}, with Django's stiff uniqueness message
    ("具有 身份证号 的 教师 已存在。") replaced by a plain one. `labels` override the model's
    field names (a form calls `username` 登录名)."""
    if not hasattr(exc, "error_dict"):
        return {None: exc.messages}
    out: dict[str | None, list[str]] = {}
    for name, errors in exc.error_dict.items():
        label = (labels or {}).get(name) or (field_label(model, name) if model else "")
        messages = []
        for error in errors:
            if error.code == "unique" and label:
                messages.append(f"该{label}已被使用，不能重复。")
            elif error.code == "unique_together" and error.params:
                messages.append(f"{error.params['field_labels']}的组合已存在，不能重复。")
            else:
                messages.extend(error.messages)
        out[None if name == "__all__" else name] = messages
    return out


class StyledForm(forms.Form):
    """Adds Tabler's CSS classes to each widget, so templates render fields generically."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()

    def add_error(self, field, error) -> None:
        super().add_error(field, error)
        for name in self.errors:
            widget = self.fields[name].widget if name in self.fields else None
            if widget is not None and "is-invalid" not in widget.attrs.get("class", ""):
                widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"

    def add_service_error(self, exc: ValidationError, model=None) -> None:
        """Show a service's ValidationError on the form (field-bound where it names a field)."""
        labels = {name: str(field.label) for name, field in self.fields.items()}
        for name, messages in readable_errors(exc, model, labels).items():
            self.add_error(name if name in self.fields else None, messages)
