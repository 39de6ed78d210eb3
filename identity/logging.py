"""A logging filter that masks anything shaped like a resident ID or mobile number.

Code never logs these numbers on purpose; this is the second line of defence for messages from
libraries or unexpected exceptions.
"""

import logging
import re

from identity import masking

_ID_RE = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
_PHONE_RE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def redact(text: str) -> str:
    # Log readers are operators: the masking table's auditor row.
    text = _ID_RE.sub(lambda m: masking.shown("id_number", m.group(0).upper(), viewer=masking.Viewer.AUDITOR), text)
    return _PHONE_RE.sub(lambda m: masking.shown("phone", m.group(0), viewer=masking.Viewer.AUDITOR), text)


class RedactPersonalNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
