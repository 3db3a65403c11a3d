from django import forms

from yanxun.core.forms import StyledForm


class ImportUploadForm(StyledForm):
    file = forms.FileField(label="数据文件", help_text="Excel（.xlsx、.xls）或 CSV 文件；请使用导入模板。",
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}))
    update_existing = forms.BooleanField(
        label="更新已有数据", required=False,
        help_text="不勾选时，文件中已存在的数据会作为错误列出；勾选后按唯一标识更新。")
