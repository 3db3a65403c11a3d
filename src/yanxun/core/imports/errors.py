"""What goes wrong in an import, said the way the user sees the file (the header is row 1)."""

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class RowError:
    """One problem in the file. `row` is the Excel row number (None: the whole file);
    `column` the header of the column concerned ("" when it is about the row or file)."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if self.column:
            return f"第 {self.row} 行「{self.column}」{self.message}"
        space = " " if self.message[:1].isascii() else ""  # 第 1 行 B 列…
        return f"第 {self.row} 行{space}{self.message}"

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}

    @classmethod
    def from_dict(cls, data: dict) -> "RowError":
        return cls(data.get("row"), data.get("column", ""), data["message"])


def file_error(message: str) -> RowError:
    return RowError(None, "", message)


class ImportFileError(Exception):
    """The file cannot be read as a table at all; carries the errors to show."""

    def __init__(self, errors: list[RowError] | str):
        if isinstance(errors, str):
            errors = [file_error(errors)]
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


def sort_key(error: RowError) -> tuple:
    return (error.row is not None, error.row or 0)
