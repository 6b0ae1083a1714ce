"""Received mail, parsed for the helpdesk: ``parse_mail`` and ``gps_from_image``.

Pure Python on the standard library's ``email`` package plus three small libraries imported
only where they are needed: ``charset-normalizer`` (charset detection), ``nh3`` (HTML
sanitising) and ``exifread`` (photo positions). Nothing here talks to AWS.

Examples
--------
>>> from civicdesk.mailparse import parse_mail
>>> mail = parse_mail(b"From: ana@primer.cz\\r\\nSubject: Test\\r\\n\\r\\nDobr\\xfd den")
>>> mail.subject, mail.text
('Test', 'Dobrý den')
"""

from .images import gps_from_image
from .model import Attachment, Bounce, ParsedMail
from .parser import parse_mail

__all__ = ["Attachment", "Bounce", "ParsedMail", "gps_from_image", "parse_mail"]
