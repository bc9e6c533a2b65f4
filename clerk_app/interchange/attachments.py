"""Turns an attachment's transfer form back into its file: base64 decoded, taken out of the zip
some senders wrap it in, and checked against the digest the sender signed, if any. Damaged
attachments raise EdxmlAttachmentDamaged. No XML and no storage here."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import lzma
import zipfile
import zlib
from dataclasses import dataclass

from clerk_app import errors
from clerk_app.files.intake import MAX_BYTES

_BLANKS = b" \t\n\r\f\v"  # MIME senders break base64 into lines
_ZIP_MAGIC = b"PK\x03\x04"
# Formats that are zip archives by design: their bytes are the file, never a wrapper.
_ZIP_FORMATS = (
    ".zip",
    ".docx",
    ".xlsx",
    ".pptx",
    ".odt",
    ".ods",
    ".odp",
    ".epub",
)
# XML-DSig digest algorithms, by the identifiers a Reference's DigestMethod carries.
DIGESTS = {
    "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
    "http://www.w3.org/2001/04/xmldsig-more#sha224": "sha224",
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
}


@dataclass(frozen=True)
class Digest:
    """What a signature's Reference says an attachment hashes to."""

    algorithm: str  # DigestMethod/@Algorithm
    value: str  # DigestValue (base64)


@dataclass(frozen=True)
class DecodedFile:
    data: bytes
    zipped: bool  # the sender had zipped it; `data` is the file inside
    inner_name: str = ""  # the name inside the zip


def encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _matches(digest: Digest, data: bytes) -> bool | None:
    """True or False when the digest can be checked, None for an algorithm we do not know."""
    name = DIGESTS.get(digest.algorithm.strip())
    if name is None:
        return None
    actual = hashlib.new(name, data).digest()
    wanted = digest.value.strip()
    try:
        if base64.b64decode(wanted, validate=True) == actual:
            return True
    except (binascii.Error, ValueError):
        pass
    return wanted.lower() == actual.hex()


def _unzip_single(data: bytes, name: str) -> tuple[bytes, str] | None:
    """The one file of a zip wrapper, or None when `data` is not such a wrapper."""
    if not data.startswith(_ZIP_MAGIC) or name.lower().endswith(_ZIP_FORMATS):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) != 1:
                return None  # an archive sent as such, not a wrapped file
            member = members[0]
            if member.file_size > MAX_BYTES:
                raise errors.EdxmlAttachmentDamaged(name, "too_large")
            with archive.open(member) as stream:
                # The header's size may lie: read no more than the limit, whatever it says.
                inner = stream.read(MAX_BYTES + 1)
            if len(inner) > MAX_BYTES:
                raise errors.EdxmlAttachmentDamaged(name, "too_large")
            return inner, member.filename.replace("\\", "/").rsplit("/", 1)[-1]
    except (
        zipfile.BadZipFile,  # not a zip after all, or a bad CRC
        zipfile.LargeZipFile,
        zlib.error,  # a damaged deflate stream
        lzma.LZMAError,
        RuntimeError,  # an encrypted member
        NotImplementedError,  # a compression method zipfile does not have
        EOFError,  # cut short
        OSError,
        ValueError,
    ):
        raise errors.EdxmlAttachmentDamaged(name, "zip") from None


def decode(encoded: str, name: str, digest: Digest | None = None) -> DecodedFile:
    """The file carried in ContentTransferEncoded, checked and unwrapped."""
    text = encoded.encode("ascii", errors="replace").translate(None, _BLANKS)
    if not text:
        raise errors.EdxmlAttachmentDamaged(name, "empty")
    if len(text) * 3 // 4 > MAX_BYTES:
        raise errors.EdxmlAttachmentDamaged(name, "too_large")
    # Padded base64 comes in whole groups of four; a lenient decoder would turn a cut-short or
    # shifted text into wrong bytes without a word.
    if len(text) % 4:
        raise errors.EdxmlAttachmentDamaged(name, "base64")
    try:
        data = binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError):
        raise errors.EdxmlAttachmentDamaged(name, "base64") from None
    if not data:
        raise errors.EdxmlAttachmentDamaged(name, "empty")
    unwrapped = _unzip_single(data, name)
    if digest is not None:
        # Senders digest what they transmit; some digest the file before zipping it.
        verdicts = [_matches(digest, data)]
        if unwrapped is not None:
            verdicts.append(_matches(digest, unwrapped[0]))
        if True not in verdicts and False in verdicts:
            raise errors.EdxmlAttachmentDamaged(name, "hash")
    if unwrapped is None:
        return DecodedFile(data, zipped=False)
    inner, inner_name = unwrapped
    if not inner:
        raise errors.EdxmlAttachmentDamaged(name, "empty")
    return DecodedFile(inner, zipped=True, inner_name=inner_name)
