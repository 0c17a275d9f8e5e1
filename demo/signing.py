"""A test PKI and signed cover letters, made when the demo or a test runs (shared by both, like
`demo.forms`): a government-like root
("RootCA chuyên dùng Chính phủ G2 (test)"), its intermediate, organisation and personal
certificates with Vietnamese names, a local time-stamping authority, and a stranger's root;
PDFs signed with pyHanko once, twice (the approver, then the records office), modified after
signing, signed under the stranger's root, or by another agency.

EC keys keep key generation fast (the time-stamping authority's is RSA, as pyHanko's local
one needs); nothing here touches the network."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from functools import lru_cache

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
TIMESTAMP_AT = dt.datetime(2021, 5, 10, 3, 4, 5, tzinfo=dt.UTC)
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
Name = list[tuple[x509.ObjectIdentifier, str] | tuple[x509.ObjectIdentifier, str, _ASN1Type]]


@dataclass(frozen=True)
class Identity:
    cert: x509.Certificate
    key: PrivateKey
    chain: tuple[x509.Certificate, ...] = ()  # issuers up to (not including) the root

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _name(parts: Name) -> x509.Name:
    attributes = []
    for part in parts:
        if len(part) == 3:
            oid, value, kind = part
            attributes.append(x509.NameAttribute(oid, value, _type=kind))
        else:
            oid, value = part
            attributes.append(x509.NameAttribute(oid, value))
    return x509.Name(attributes)


def _issue(subject: x509.Name, issuer: Identity | None, *, ca: bool = False,
           usage: str = "sign", key: PrivateKey | None = None) -> Identity:
    key = key or ec.generate_private_key(ec.SECP256R1())
    signer_key = issuer.key if issuer else key
    builder = (x509.CertificateBuilder()
               .subject_name(subject)
               .issuer_name(issuer.cert.subject if issuer else subject)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(NOW - dt.timedelta(days=3650))
               .not_valid_after(NOW + dt.timedelta(days=3650))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                              critical=False))
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False)
    builder = builder.add_extension(x509.KeyUsage(
        digital_signature=not ca, content_commitment=usage == "sign" and not ca,
        key_encipherment=False, data_encipherment=False, key_agreement=False,
        key_cert_sign=ca, crl_sign=ca, encipher_only=False, decipher_only=False), critical=True)
    if usage == "timestamp":
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                                        critical=True)
    cert = builder.sign(signer_key, hashes.SHA256())
    chain = (issuer.cert, *issuer.chain) if issuer and not _is_root(issuer) else ()
    return Identity(cert, key, chain)


def _is_root(identity: Identity) -> bool:
    return identity.cert.issuer == identity.cert.subject


def org(cn: str, o: str, **more: str) -> Name:
    """A subject such as CN=CỤC THUẾ, O=BỘ TÀI CHÍNH, L=Hà Nội, C=VN."""
    parts: Name = [(NameOID.COUNTRY_NAME, "VN"), (NameOID.LOCALITY_NAME, more.get("l", "Hà Nội")),
                   (NameOID.ORGANIZATION_NAME, o)]
    if "ou" in more:
        parts.append((NameOID.ORGANIZATIONAL_UNIT_NAME, more["ou"]))
    parts.append((NameOID.COMMON_NAME, cn))
    return parts


@dataclass(frozen=True)
class Pki:
    root: Identity
    intermediate: Identity
    tax_office: Identity  # CN=CỤC THUẾ, O=BỘ TÀI CHÍNH, L=Hà Nội, C=VN
    approver: Identity  # a person of the ministry: the first of two signatures
    records_office: Identity  # the ministry's records office: the second
    health: Identity  # another agency: CN=BỘ Y TẾ, O=BỘ Y TẾ
    bmp: Identity  # the ministry's name as a BMPString, as some CAs write it
    tsa: Identity
    stranger_root: Identity
    stranger: Identity  # names the ministry, under a root nobody trusts

    def root_pem(self) -> bytes:
        return self.root.pem


@lru_cache(maxsize=1)
def test_pki() -> Pki:
    root = _issue(_name([(NameOID.COUNTRY_NAME, "VN"),
                         (NameOID.ORGANIZATION_NAME, "Ban Cơ yếu Chính phủ"),
                         (NameOID.COMMON_NAME, "RootCA chuyên dùng Chính phủ G2 (test)")]),
                  None, ca=True)
    inter = _issue(_name([(NameOID.COUNTRY_NAME, "VN"),
                          (NameOID.ORGANIZATION_NAME, "Ban Cơ yếu Chính phủ"),
                          (NameOID.COMMON_NAME, "CA phục vụ các cơ quan Nhà nước G2 (test)")]),
                   root, ca=True)
    stranger_root = _issue(_name([(NameOID.COMMON_NAME, "RootCA Chính phủ (giả mạo)")]), None,
                           ca=True)
    bmp = _name([(NameOID.COUNTRY_NAME, "VN"),
                 (NameOID.ORGANIZATION_NAME, "BỘ TÀI CHÍNH", _ASN1Type.BMPString),
                 (NameOID.COMMON_NAME, "VĂN THƯ BỘ TÀI CHÍNH", _ASN1Type.BMPString)])
    return Pki(
        root=root, intermediate=inter,
        tax_office=_issue(_name(org("CỤC THUẾ", "BỘ TÀI CHÍNH")), inter),
        approver=_issue(_name(org("Nguyễn Văn Thành", "BỘ TÀI CHÍNH", ou="Lãnh đạo Bộ")), inter),
        records_office=_issue(_name(org("VĂN PHÒNG BỘ", "BỘ TÀI CHÍNH")), inter),
        health=_issue(_name(org("BỘ Y TẾ", "BỘ Y TẾ")), inter),
        bmp=_issue(bmp, inter),
        # pyHanko's local time-stamping authority signs with RSA only
        tsa=_issue(_name([(NameOID.COMMON_NAME, "Máy chủ cấp dấu thời gian (test)")]), inter,
                   usage="timestamp", key=rsa.generate_private_key(65537, 2048)),
        stranger_root=stranger_root,
        stranger=_issue(_name(org("CỤC THUẾ", "BỘ TÀI CHÍNH")), stranger_root))


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _asn1_key(key: PrivateKey) -> asn1_keys.PrivateKeyInfo:
    return asn1_keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))


def letter(text: str = "CONG VAN 215/BTC-THTK") -> bytes:
    """A one-page unsigned PDF."""
    w = PdfFileWriter()
    font = generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/Font"),
        generic.pdf_name("/Subtype"): generic.pdf_name("/Type1"),
        generic.pdf_name("/BaseFont"): generic.pdf_name("/Helvetica")})
    resources = generic.DictionaryObject({generic.pdf_name("/Font"): generic.DictionaryObject(
        {generic.pdf_name("/F1"): w.add_object(font)})})
    stream = generic.StreamObject(stream_data=f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode())
    w.insert_page(PageObject(contents=w.add_object(stream), media_box=[0, 0, 595, 842],
                             resources=resources))
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def sign(pdf: bytes, who: Identity, field: str = "Signature1", *,
         timestamp: bool = False) -> bytes:
    """`pdf` with one more signature by `who` (an incremental update), its chain embedded, and
    a time-stamp token from the local TSA when `timestamp`."""
    pki = test_pki()
    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(who.cert), signing_key=_asn1_key(who.key),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(c) for c in who.chain]))
    stamper = DummyTimeStamper(
        tsa_cert=_asn1_cert(pki.tsa.cert), tsa_key=_asn1_key(pki.tsa.key),
        certs_to_embed=SimpleCertificateStore.from_certs(
            [_asn1_cert(c) for c in pki.tsa.chain]),
        fixed_dt=TIMESTAMP_AT) if timestamp else None
    out = io.BytesIO()
    signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)),
                     signers.PdfSignatureMetadata(field_name=field), signer=signer,
                     timestamper=stamper, output=out)
    return out.getvalue()


def modify(pdf: bytes, text: str = "CONG VAN 999/BTC-THTK") -> bytes:
    """`pdf` with its page's text replaced by an incremental update: what a forger appends
    after the signatures."""
    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_ref = w.root["/Pages"]["/Kids"].raw_get(0)
    stream = generic.StreamObject(stream_data=f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode())
    page_ref.get_object()[generic.pdf_name("/Contents")] = w.add_object(stream)
    w.mark_update(page_ref)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def signed_once() -> bytes:
    return sign(letter(), test_pki().tax_office, timestamp=True)


def signed_twice() -> bytes:
    pki = test_pki()
    return sign(sign(letter(), pki.approver, "LanhDao"), pki.records_office, "VanThu")


def signed_then_modified() -> bytes:
    return modify(signed_once())


def signed_by_stranger() -> bytes:
    return sign(letter(), test_pki().stranger)


def signed_by_other_agency() -> bytes:
    return sign(letter("CONG VAN 310/BYT-CNTT"), test_pki().health)
