"""Forms of the check-in pages (they only parse input; the rules are in the services)."""

from decimal import Decimal

from django import forms

from yanxun.core.forms import StyledForm
from yanxun.training.enums import AttendanceStatus
from yanxun.training.geo import Point


class CheckInOptionsForm(StyledForm):
    geofence_lat = forms.DecimalField(
        label="签到中心纬度（GCJ-02）", required=False, max_digits=9, decimal_places=6,
        min_value=Decimal("-90"), max_value=Decimal("90"),
        help_text="从高德、腾讯等国内地图取点（GCJ-02），如 31.737820；不用定位签到请留空")
    geofence_lng = forms.DecimalField(
        label="签到中心经度（GCJ-02）", required=False, max_digits=9, decimal_places=6,
        min_value=Decimal("-180"), max_value=Decimal("180"), help_text="如 119.571620")
    geofence_radius = forms.IntegerField(
        label="签到半径（米）", required=False, min_value=1,
        help_text="建议不小于 200 米：手机在室内的定位误差常有几十到上百米")
    check_out = forms.BooleanField(label="需要签退（达到最短停留时间后再次扫码即为签退）",
                                   required=False)
    min_stay_minutes = forms.IntegerField(label="签退最短停留（分钟）", min_value=0,
                                          max_value=24 * 60)
    code_enabled = forms.BooleanField(label="允许输入签到码（与二维码同步变化）", required=False)


class MarkForm(forms.Form):
    teacher = forms.IntegerField(min_value=1)
    status = forms.ChoiceField(choices=AttendanceStatus.choices)
    note = forms.CharField(max_length=200, required=False)
    minutes = forms.IntegerField(min_value=0, required=False)  # from the online import
    online = forms.BooleanField(required=False)


class LocationForm(forms.Form):
    """What the browser's Geolocation API reported (WGS-84), filled in by checkin.js."""

    lat = forms.FloatField(min_value=-90, max_value=90, required=False)
    lng = forms.FloatField(min_value=-180, max_value=180, required=False)
    accuracy = forms.FloatField(min_value=0, required=False)

    def point(self) -> Point | None:
        if not self.is_valid():
            return None
        lat, lng = self.cleaned_data.get("lat"), self.cleaned_data.get("lng")
        return Point(lat, lng) if lat is not None and lng is not None else None


class CodeForm(LocationForm):
    code = forms.CharField(label="签到码", max_length=20)


class MeetingUploadForm(StyledForm):
    file = forms.FileField(label="会议平台导出的参会明细（.xlsx）",
                           help_text="表头中应有姓名或昵称、手机号或工号、参会时长")
