"""civicdesk.mailparse on mail that breaks the rules as real mailers break them (issue 11).

Encoded words with spaces inside or split across folds, CJK text labelled by a subset of its
charset or not at all, ISO-2022-JP with vendor characters, and messages whose first line is
not a header. The fixtures are made by tests/fixtures/mail/build_fixtures.py (``real_world``).
"""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicdesk.mailparse import parse_mail
from civicdesk.mailparse.charsets import decode_header_bytes, decode_text
from civicdesk.mailparse.cjk import decode_iso2022_jp
from civicdesk.mailparse.headers import addresses, decode_words
from tests.unit.test_mailparse import load_mail, parse_fixture

JA_VENDOR_TEXT = ("市役所\u3000御中\n\n①街灯が消えています。\n②場所：髙橋ビル前（㈱﨑山商事の隣）。\n"
                  "Ⅲ番目の街灯です。よろしくお願いします。\n\n髙橋一郎")

# fixture, from address, from name, subject, snippet of the text, a defect that must be there
FIXTURES = [
    ("rfc2047_loose_words.eml", "marko.petrovic@example.rs", "Petrović, Marko",
     "Prijava kvara – улична расвета у Његошевој 12", "lampa u Njegoševoj 12 ne radi", None),
    ("gb2312_label_gbk.eml", "zhang.wei@example.cn", "张伟", "投诉：路灯不亮（镕喆小区）",
     "我住在镕喆小区，电话：13800000000。", None),
    ("raw_gbk_headers.eml", "zhang.wei@example.cn", "张伟", "关于路灯不亮的投诉",
     "市政府附近的路灯已经坏了三天，晚上很黑。", None),
    ("raw_sjis_headers.eml", "yamada@example.jp", "山田太郎", "街灯が消えています",
     "市役所前の街灯が三日前から消えています。", "decoded as Shift_JIS"),
    ("iso2022jp_vendor.eml", "takahashi@example.jp", "髙橋一郎", "①街灯の件（㈱﨑山商事前）",
     JA_VENDOR_TEXT, None),
    ("iso2022jp_unlabelled.eml", "yamada@example.jp", "山田太郎", "街灯が消えています",
     "至急修理をお願いします。", "subject: text without a charset; decoded as ISO-2022-JP"),
    ("big5_hkscs.eml", "chan@example.hk", "陳大文", "街燈壞咗",
     "街燈壞咗三日，啲嘢都睇唔到，好危險。", None),
    ("ks_c_5601_cp949.eml", "minjun@example.kr", "김민준", "가로등 고장 (똠방각하 거리)",
     "시청 앞 가로등이 사흘째 고장났습니다. 똠방각하 거리입니다.", None),
    ("preamble_original_message.eml", "jelena.ciric@example.rs", "Jelena Ćirić",
     "Rupa na putu kod škole", "Na uglu kod škole je velika rupa na putu već nedelju dana.",
     "the headers began after 1 line that is not a header ('---- Original message ----')"),
    ("preamble_blank_and_mbox.eml", "jelena.ciric@example.rs", "Jelena Ćirić",
     "Rupa na putu kod škole", "Na uglu kod škole je velika rupa na putu već nedelju dana.",
     "('From jelena.ciric@example.rs Wed Nov 18 08:30:00 2026'); read from there"),
]


@pytest.mark.parametrize(("name", "sender", "sender_name", "subject", "snippet", "defect"),
                         FIXTURES)
def test_real_world_mail_gives_the_right_sender_subject_and_text(name, sender, sender_name,
                                                                 subject, snippet, defect):
    mail = parse_fixture(name)
    assert (mail.from_address, mail.from_name, mail.subject) == (sender, sender_name, subject)
    assert snippet in mail.text
    assert "\ufffd" not in mail.text + mail.subject + (mail.from_name or "")
    if defect is None:
        assert mail.defects == ()
    else:
        assert any(defect in note for note in mail.defects), mail.defects


def test_loose_encoded_words_in_file_names_are_decoded():
    mail = parse_fixture("rfc2047_loose_words.eml")
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("Фотографија рупе.jpg", "image/jpeg"), ("Račun za vodu.pdf", "application/pdf")]


@pytest.mark.parametrize(("filename", "charset", "text_charset"), [
    ("路灯照片.jpg", "gbk", "gb2312"), ("路灯.jpg", "gbk", "gb2312"),
    ("街灯の写真.jpg", "cp932", "shift_jis"), ("Račun za vodu.pdf", "cp1250", "windows-1250"),
])
def test_raw_8bit_file_names_are_decoded(filename, charset, text_charset):
    # older mailers put the file name's bytes in the parameters as they are
    name = filename.encode(charset)
    raw = (b"From: a@example.cn\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
           b"--b\r\nContent-Type: text/plain; charset=" + text_charset.encode() + b"\r\n\r\nhi\r\n"
           b"--b\r\nContent-Type: image/jpeg; name=\"" + name + b"\"\r\n"
           b"Content-Disposition: attachment; filename=\"" + name + b"\"\r\n\r\n"
           b"\xff\xd8\xff\xe0\r\n--b--\r\n")
    assert [a.filename for a in parse_mail(raw).attachments] == [filename]


# --- encoded words ------------------------------------------------------------------------
def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode()


@pytest.mark.parametrize(("value", "expected"), [
    ("=?utf-8?q?Hello World?=", "Hello World"),  # a space inside a Q word
    ("=?UTF-8?B?0J/RgNC40Y/Rg9Cw IGJsYQ==?=", "Прияуа bla"),  # a space inside a B word
    ("=?UTF-8?B?0J/RgNC4\r\n 0ZjQsNCy0LA=?=", "Пријава"),  # folded inside the word
    ("=?utf-8?q?Lampa\r\n u ulici?=", "Lampa u ulici"),  # folded inside a Q word
    # whitespace and folds between encoded words are dropped; "ј" is split over two words
    ("=?UTF-8?B?0J/RgNC40Q==?=\r\n =?UTF-8?B?mNCw0LLQsA==?=", "Пријава"),
    ("=?utf-8?Q?=C4?=\r\n\t=?UTF8?Q?=8Ci=C5=A1=C4=87enje?=", "Čišćenje"),  # labels of one codec
    # a base64 quantum split across two words
    (f"=?utf-8?B?{_b64('Пријава')[:9]}?= =?utf-8?B?{_b64('Пријава')[9:]}?=", "Пријава"),
    ("=?utf-8?q?Ulica?= 12 =?utf-8?q?Novi_Sad?=", "Ulica 12 Novi Sad"),  # text keeps its spaces
    ("=?utf-8?q?unclosed word =?utf-8?q?ok?=", "=?utf-8?q?unclosed word ok"),
    ("=?x-unknown?q?what?= plain", "what plain"),
])
def test_encoded_words_are_read_as_mail_clients_read_them(value, expected):
    assert decode_words(value) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("=?utf-8?q?Petrovi=C4=87, Marko?= <marko@example.rs>", [("Petrović, Marko", "marko@example.rs")]),
    ("=?UTF-8?B?0JzQsNGA0LrQviDQnNCw0YA=?=\r\n =?UTF-8?B?0LrQvtCy0LjRmw==?= <marko@example.rs>",
     [("Марко Марковић", "marko@example.rs")]),
    ("=?utf-8?q?Ana \"Mala\"?= <ana@example.rs>, =?utf-8?q?B, C?= <bc@example.rs>",
     [('Ana "Mala"', "ana@example.rs"), ("B, C", "bc@example.rs")]),
    ('"=?utf-8?q?a\\"b?=" <x@example.rs>', [('a"b', "x@example.rs")]),
    ("\x1b$B;3ED\x1b(B <yamada@example.jp>", [("山田", "yamada@example.jp")]),
])
def test_names_with_loose_words_keep_their_address(raw, expected):
    assert addresses(None, raw) == expected


# --- Chinese, Japanese, Korean ------------------------------------------------------------
@pytest.mark.parametrize(("text", "charset", "label"), [
    ("朱镕基 喆 堃", "gbk", "gb2312"),  # GBK characters under a GB2312 label
    ("\u20ac 路灯", "gb18030", "GB2312"),  # the euro sign exists only in GBK/GB18030
    ("啲嘢咗嘅", "big5hkscs", "big5"),  # Cantonese characters of HKSCS under a Big5 label
    ("똠방각하", "cp949", "ks_c_5601-1987"),  # 똠 is not in KS X 1001, only in windows-949
    ("똠방각하", "cp949", "euc-kr"),
    ("①髙﨑 ㈱", "cp932", "shift_jis"),  # NEC and IBM characters under a Shift_JIS label
    ("①髙﨑 ㈱", "cp932", "x-sjis"),
])
def test_cjk_labels_are_read_as_their_supersets(text, charset, label):
    notes: list[str] = []
    assert decode_text(text.encode(charset), label, notes) == text
    assert notes == []


def test_plain_shift_jis_keeps_the_standard_mapping():
    # 0x8160 is WAVE DASH in JIS X 0208 (and for every mail client), not windows-31J's tilde
    assert decode_text(b"10\x81\x6020", "shift_jis") == "10\u301c20"


@pytest.mark.parametrize(("data", "expected"), [
    (b"\x1b$B-!-j\x1b(B 1\x1b$B9f4[\x1b(B", "①㈱ 1号館"),  # NEC row 13 (CP50220)
    (b"\x1b$B|b\x1b(B", "髙"),  # NEC-selected IBM extension, row 92
    (b"\x1b$B$3$s$K$A$O\x1b(B", "こんにちは"),
    (b"\x1b(I16\x1b(B", "ｱｶ"),  # half-width katakana
    (b"\x1b$(Q-!\x1b(B", "①"),  # JIS X 0213, left to Python's ISO-2022-JP-2004
])
def test_iso2022_jp_with_vendor_characters(data, expected):
    assert decode_text(data, "iso-2022-jp") == expected
    assert decode_iso2022_jp(data) == expected


def test_unlabelled_or_mislabelled_iso2022_jp_is_recognised_by_its_escapes():
    data = "街灯が消えています".encode("iso2022_jp")
    notes: list[str] = []
    assert decode_text(data, None, notes) == "街灯が消えています"
    assert decode_text(data, "us-ascii", notes) == "街灯が消えています"
    assert notes == ["text: text without a charset; decoded as ISO-2022-JP",
                     "text declared as 'us-ascii' is not; decoded as ISO-2022-JP"]


def test_raw_iso2022_jp_in_a_subject_is_decoded_in_place():
    assert decode_words("Re: \x1b$B39Et\x1b(B =?utf-8?q?(2)?=") == "Re: 街灯 (2)"


@pytest.mark.parametrize(("text", "charset"), [
    # short names and subjects as raw 8-bit header bytes, no label
    ("张伟", "gbk"), ("刘洋", "gbk"), ("关于路灯不亮的投诉", "gbk"),
    ("路灯坏了，请尽快修理。谢谢！", "gbk"),
    ("山田太郎", "cp932"), ("佐藤", "cp932"), ("街灯が消えています", "cp932"),
    ("街灯が消えています。至急修理をお願いします。", "euc_jp"),
    ("陳大文", "big5hkscs"), ("路燈壞了", "big5hkscs"),
    ("김민준", "cp949"), ("가로등이 고장났습니다", "cp949"),
    # ...and our own languages, which must not be taken for CJK
    ("Šimek", "cp1250"), ("Žižka", "cp1250"), ("ŠKODA ŽÁDOST", "cp1250"),
    ("Šárka Žďárská", "cp1250"), ("Jiří Černý", "cp1250"), ("Đorđe Ćirić", "cp1250"),
    ("Иван Петров", "cp1251"), ("Пало дрво", "cp1251"), ("ЂОРЂЕ", "cp1251"),
    ("Дупка на пътя", "cp1251"), ("Уличното осветление", "koi8_r"),
])
def test_unlabelled_8bit_text_is_detected_among_cjk_and_european_charsets(text, charset):
    assert decode_text(text.encode(charset), None) == text


def test_raw_header_bytes_are_read_in_the_charset_of_the_text_first():
    # all capitals in windows-1251 read as KOI8-R when guessed; the body's label decides
    name = "ИВАН ПЕТРОВ".encode("cp1251")
    raw = (b"From: " + name + b" <ivan@example.bg>\r\nSubject: " + name + b"\r\n"
           b"Content-Type: text/plain; charset=windows-1251\r\n\r\n"
           + "Уличното осветление не работи.".encode("cp1251"))
    mail = parse_mail(raw)
    assert (mail.from_name, mail.subject) == ("ИВАН ПЕТРОВ", "ИВАН ПЕТРОВ")
    assert decode_header_bytes("Đurđa".encode("utf-8"), "windows-1251") == "Đurđa"  # UTF-8 first


@pytest.mark.parametrize(("text", "charset", "hint"), [
    ("路平", "gbk", "gb2312"),  # valid UTF-8 by accident ("·ƽ"): the text's GB2312 decides
    ("Марко Марковић", "utf-8", "gb2312"),  # UTF-8 of one script: UTF-8 whatever the hint
    ("Marko 🙂", "utf-8", "gb2312"), ("🙂🙂", "utf-8", "big5"),  # emoji are UTF-8
    ("Đurđa 🙂", "utf-8", "windows-1250"),  # a European hint never beats valid UTF-8
])
def test_raw_header_bytes_between_utf8_and_a_cjk_charset(text, charset, hint):
    assert decode_header_bytes(text.encode(charset), hint) == text


def test_a_raw_gbk_subject_that_is_valid_utf8_by_accident():
    raw = (b"From: zhang.wei@example.cn\r\nSubject: " + "路平".encode("gbk") + b"\r\n"
           b"Content-Type: text/plain; charset=gb2312\r\n\r\n" + "路灯不亮。".encode("gbk"))
    assert parse_mail(raw).subject == "路平"


def test_a_cjk_label_that_does_not_fit_the_bytes():
    notes: list[str] = []
    # UTF-8 text under a GB2312 label
    assert decode_text("Улична расвета".encode("utf-8"), "gb2312", notes) == "Улична расвета"
    assert notes == ["text declared as 'gb2312' is not; decoded as UTF-8"]
    notes.clear()
    # GBK text with one broken byte: the label is kept, the broken byte replaced
    assert decode_text("路灯不亮".encode("gbk") + b"\xff" + "谢谢".encode("gbk"), "gb2312",
                       notes) == "路灯不亮\ufffd谢谢"
    assert notes == ["text: not valid gb2312; undecodable bytes replaced"]


# --- headers that do not start the message ------------------------------------------------
HEADERS = (b"From: Marko <marko@example.rs>\r\nTo: podrska@grad-demo.rs\r\n"
           b"Subject: Lampa\r\n\r\nLampa ne radi.\r\n")


@pytest.mark.parametrize(("preamble", "defect"), [
    (b"\r\n\r\n", "message: the headers began after blank lines; read from there"),
    (b"\x00\x01garbage\r\n", "message: the headers began after 1 line that is not a header "
                             "('garbage'); read from there"),
    (b"-----Original Message-----\r\n\r\n> quoted\r\n",
     "message: the headers began after 2 lines that are not headers "
     "('-----Original Message-----' / '> quoted'); read from there"),
    (b"\xef\xbb\xbf", "message: began with a byte order mark; it was dropped"),
])
def test_headers_after_lines_that_are_not_headers_are_recovered(preamble, defect):
    mail = parse_mail(preamble + HEADERS)
    assert (mail.from_address, mail.subject, mail.text) == (
        "marko@example.rs", "Lampa", "Lampa ne radi.")
    assert defect in mail.defects


def test_an_mbox_from_line_is_still_the_stdlib_s():
    mail = parse_mail(b"From marko@example.rs Wed Nov 18 08:30:00 2026\r\n" + HEADERS)
    assert (mail.from_address, mail.subject, mail.defects) == ("marko@example.rs", "Lampa", ())


@pytest.mark.parametrize("raw", [
    # more lines before the headers than a pasted line or two: the whole message is its text
    b"".join(b"line %d of a note\r\n" % index for index in range(6)) + HEADERS,
    # no header block at all (one field is not a block)
    b"Note to self\r\nSubject: Lampa\r\n\r\nLampa ne radi.\r\n",
    # a header-like line in prose, without a field every mail has
    b"Hello\r\nFoo: bar\r\nBaz: qux\r\n\r\nLampa ne radi.\r\n",
])
def test_without_a_header_block_nothing_is_skipped_and_no_text_is_lost(raw):
    mail = parse_mail(raw)
    assert mail.from_address is None and mail.subject == ""
    assert mail.text == raw.decode().replace("\r\n", "\n").strip()


def test_ordinary_mail_is_not_touched_by_the_preamble_recovery():
    for name in ("utf8_sr_cyrl.eml", "bounce_dsn.eml", "nested_60.eml"):
        mail = parse_mail(load_mail(name))
        assert not any("headers began" in note for note in mail.defects)


def test_gbk_that_is_also_valid_utf8_punctuation_keeps_its_label():
    """Found by the property below: "路路" in GBK is ``c2 b7 c2 b7``, UTF-8 for "··". Text of
    punctuation only says nothing about the charset, so the declared one is kept; letters in
    UTF-8 under a CJK label still win (a mislabelled Serbian name)."""
    assert decode_header_bytes("路路".encode("gbk"), "gbk") == "路路"
    mail = parse_mail(b"From: a@example.rs\r\nSubject: =?gbk?B?wrfCtw==?=\r\n\r\nx\r\n")
    assert mail.subject == "路路"
    assert decode_header_bytes("Đurđa".encode("utf-8"), "gbk") == "Đurđa"
    assert decode_header_bytes("ok 👍".encode("utf-8"), "gbk") == "ok 👍"


# --- a property: however a mailer cuts and folds its encoded words, the text comes back ------
_ALPHABETS = {"utf-8": "Lampa ulica ?_=-Улична расвета Његошева čćžšđ路灯不亮街灯が",
              "gbk": "路灯不亮镕喆 ?_=abc", "windows-1251": "улична расвета његошева ?_=abc", "shift_jis": "街灯が消えています abc?_="}


def _q_word(data: bytes, charset: str, loose: bool) -> str:
    out = "".join(chr(b) if chr(b).isalnum() and b < 0x80 else " " if loose and b == 0x20
                  else "_" if b == 0x20 else f"={b:02X}" for b in data)
    return f"=?{charset}?Q?{out}?="


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_encoded_words_cut_anywhere_and_folded_decode_to_the_text(data):
    charset = data.draw(st.sampled_from(sorted(_ALPHABETS)))
    text = data.draw(st.text(alphabet=_ALPHABETS[charset], min_size=1, max_size=40))
    raw = text.encode(charset)
    cuts = sorted(data.draw(st.sets(st.integers(1, max(len(raw) - 1, 1)), max_size=6)))
    chunks = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True) if raw[a:b]]
    label = data.draw(st.sampled_from([charset, charset.upper()]))
    words = []
    for chunk in chunks:
        kind = data.draw(st.sampled_from(["b", "b-split", "b-space", "q", "q-loose"]))
        encoded = base64.b64encode(chunk).decode()
        if kind == "b":
            words.append(f"=?{label}?B?{encoded}?=")
        elif kind == "b-split":  # the base64 cut anywhere, a quantum split over two words
            at = data.draw(st.integers(1, len(encoded)))
            words += [f"=?{label}?B?{encoded[:at]}?="] + (
                [f"=?{label}?B?{encoded[at:]}?="] if encoded[at:] else [])
        elif kind == "b-space":
            at = data.draw(st.integers(0, len(encoded)))
            words.append(f"=?{label}?B?{encoded[:at]} {encoded[at:]}?=")
        else:
            words.append(_q_word(chunk, label, loose=kind == "q-loose"))
    separators = [data.draw(st.sampled_from([" ", "\r\n ", "\r\n\t", "  ", ""]))
                  for _ in words[1:]]
    value = words[0] + "".join(sep + word for sep, word in zip(separators, words[1:],
                                                                 strict=True))
    assert decode_words(value) == text
