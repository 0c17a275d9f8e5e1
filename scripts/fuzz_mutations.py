"""Deterministic mutations of real forms: the same seed number always gives the same bytes."""

from __future__ import annotations

import io
import random
import re
import zipfile
from functools import lru_cache
from pathlib import Path

CASES = Path(__file__).resolve().parent.parent / "tests" / "forms" / "cases"
Seeds = tuple[tuple[str, bytes], ...]

_NUMBERS = [b"0", b"-1", b"1", b"63", b"65", b"2147483647", b"4294967296",
            b"99999999999999999999", b"1e308", b"NaN", b"abc", b""]
_TEXTS = [b"1.234.567", b"1,5", b"-", b"x", b"0", b"50 CTS", b"&#x0;", b"\xe2\x80\x8b",
          "Cộng hòa".encode(), "Ð".encode(), b"A" * 70_000, b"]]>", b"&amp;&lt;"]
_TAGS = [b"<w:tbl><w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl>", b'<w:gridSpan w:val="999999"/>',
         b"<w:vMerge/>", b'<w:vMerge w:val="restart"/>', b"<w:sdt><w:sdtContent>",
         b"</w:sdtContent></w:sdt>", b'<c r="XFD1048576"><v>1</v></c>',
         b'<row r="1048576"><c r="A1048576" t="s"><v>999999</v></c></row>',
         b'<mergeCell ref="A1:XFD1048576"/>', b"<w:p><w:r><w:t>2021</w:t></w:r></w:p>",
         b'<!DOCTYPE x [<!ENTITY e "e">]>', b"<x/>" * 1000]
_ATTRIBUTE = re.compile(rb'="(-?\d+)"')


@lru_cache(maxsize=1)
def load_seeds() -> Seeds:
    from parsers.spec.campaign import default_campaign
    from replies.forms.blank_docx import blank_form_docx
    from replies.forms.blank_xlsx import blank_form_xlsx

    campaign = default_campaign()
    seeds = [("blank.docx", blank_form_docx(campaign)), ("blank.xlsx", blank_form_xlsx(campaign))]
    for path in sorted(CASES.glob("*")):
        if path.suffix in (".docx", ".xlsx"):
            seeds.append((path.name, path.read_bytes()))
    return tuple(seeds)


def _bytes(rng: random.Random, data: bytearray, others: Seeds) -> str:
    action = rng.choice(["flip", "cut", "dup", "splice", "truncate", "magic"])
    if not data:
        data.extend(rng.randbytes(rng.randint(1, 64)))
        return "fill"
    at = rng.randrange(len(data))
    if action == "flip":
        for _ in range(rng.randint(1, 16)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    elif action == "cut":
        del data[at:at + rng.randint(1, 4096)]
    elif action == "dup":
        data[at:at] = data[at:at + rng.randint(1, 4096)] * rng.randint(1, 8)
    elif action == "splice":
        other = rng.choice(others)[1] or b"PK"
        start = rng.randrange(len(other))
        data[at:] = other[start:start + rng.randint(1, 8192)]
    elif action == "truncate":
        del data[at:]
    else:
        data[at:at + 4] = rng.choice([b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", b"\x7f\xff\xff\xff",
                                      b"PK\x05\x06", b"PK\x01\x02"])
    return action


def _xml(rng: random.Random, text: bytes) -> tuple[bytes, str]:
    data = bytearray(text)
    action = rng.choice(["flip", "delete", "repeat", "repeat", "number", "number", "number",
                         "text", "text", "text", "tag", "tag"])
    tags = [m.start() for m in re.finditer(rb"<", data)] or [0]
    a, b = sorted((rng.choice(tags), rng.choice(tags)))
    if action == "flip":
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(max(1, len(data)))] ^= 1 << rng.randrange(8)
    elif action == "delete":
        del data[a:b]
    elif action == "repeat":
        data[a:a] = bytes(data[a:b][:20_000]) * rng.randint(1, 60)
    elif action == "number":
        spots = list(_ATTRIBUTE.finditer(data))
        for spot in rng.sample(spots, min(len(spots), rng.randint(1, 5))):
            data[spot.start(1):spot.end(1)] = rng.choice(_NUMBERS)
            break  # offsets move after the first change
    elif action == "text":
        spots = list(re.finditer(rb">([^<]{1,40})<", data))
        if spots:
            spot = rng.choice(spots)
            data[spot.start(1):spot.end(1)] = rng.choice(_TEXTS + _NUMBERS)
    else:
        data[a:a] = rng.choice(_TAGS)
    return bytes(data), action


def _members(rng: random.Random, source: bytes) -> tuple[bytes, str]:
    with zipfile.ZipFile(io.BytesIO(source)) as z:
        members = {n: z.read(n) for n in z.namelist()}
    xml = sorted(n for n in members if n.endswith((".xml", ".rels")))
    labels = []
    for _ in range(rng.randint(1, 4)):
        name = rng.choice(xml)
        choice = rng.random()
        if choice < 0.08:
            members.pop(name, None)
            labels.append(f"drop:{name}")
        elif choice < 0.12 and len(xml) > 1:
            other = rng.choice(xml)
            members[name], members[other] = members.get(other, b""), members.get(name, b"")
            labels.append(f"swap:{name}")
        elif name in members:
            members[name], action = _xml(rng, members[name])
            labels.append(f"{action}:{name}")
    method = rng.choice([zipfile.ZIP_DEFLATED] * 6 + [zipfile.ZIP_STORED, zipfile.ZIP_BZIP2,
                                                       zipfile.ZIP_LZMA])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for n, d in members.items():
            z.writestr(n, d)
    return out.getvalue(), "+".join(labels)


def mutate(seeds: Seeds, seed: int) -> tuple[bytes, str]:
    """The case numbered `seed`: bytes and a label naming the seed file and the mutation."""
    rng = random.Random(seed)
    name, source = rng.choice(seeds)
    if rng.random() < 0.2:
        data = bytearray(source)
        actions = [_bytes(rng, data, seeds) for _ in range(rng.randint(1, 3))]
        return bytes(data), f"{name}.bytes-{'+'.join(actions)}"
    try:
        data2, label = _members(rng, source)
    except zipfile.BadZipFile:  # a seed that is not a zip (a broken-file case)
        return source, f"{name}.as-is"
    if rng.random() < 0.15:
        mutable = bytearray(data2)
        label += "+bytes-" + _bytes(rng, mutable, seeds)
        data2 = bytes(mutable)
    return data2, f"{name}.{label}"[:150]
