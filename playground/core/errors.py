"""Errors a visitor can cause, carrying a message key so the page can say it in their language."""


class UserError(Exception):
    """Bad input or an unavailable choice: shown to the visitor, never a crash.

    `key` names a string in assets/i18n; `values` fill its {placeholders}.
    """

    def __init__(self, key: str, **values):
        super().__init__(key)
        self.key = key
        self.values = values
