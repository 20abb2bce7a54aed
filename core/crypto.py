"""SM4-GCM for personal fields at rest, and a keyed SM3 digest so that encrypted values can still be
looked up for duplicates (the same phone number imported twice)."""

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings


def _key():
    configured = settings.FIELD_ENCRYPTION_KEY
    if configured:
        return bytes.fromhex(configured)
    return hashlib.new("sm3", ("field-key:" + settings.SECRET_KEY).encode()).digest()[:16]


def encrypt(text):
    if not text:
        return ""
    iv = os.urandom(12)
    enc = Cipher(algorithms.SM4(_key()), modes.GCM(iv)).encryptor()
    data = enc.update(text.encode()) + enc.finalize()
    return "sm4:" + base64.b64encode(iv + enc.tag + data).decode()


def decrypt(token):
    if not token:
        return ""
    raw = base64.b64decode(token.removeprefix("sm4:"))
    iv, tag, data = raw[:12], raw[12:28], raw[28:]
    dec = Cipher(algorithms.SM4(_key()), modes.GCM(iv, tag)).decryptor()
    return (dec.update(data) + dec.finalize()).decode()


def lookup_digest(text):
    if not text:
        return ""
    return hmac.new(_key(), text.encode(), lambda: hashlib.new("sm3")).hexdigest()


def mask_phone(phone):
    if len(phone) == 11:
        return phone[:3] + "****" + phone[7:]
    if len(phone) > 4:
        return phone[:2] + "*" * (len(phone) - 4) + phone[-2:]
    return "*" * len(phone)
