"""The standards' vectors on the crypto provider, and SM2 interoperability with three independent implementations.

SM3: GB/T 32905-2016 Appendix A. SM4: GB/T 32907-2016 Appendix A. SM2: the signature example on the
recommended curve of GB/T 32918.5-2017 (GM/T 0003.5-2012) Appendix A — private key 3945208F…,
ID "1234567812345678" (the default ID, GB/T 35276), message "message digest".
"""

import gmalg
import gmssl_pyx
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from gmssl import func as gmssl_func
from gmssl import sm2 as gmssl_sm2

from core import crypto
from core.crypto import algorithms as algs
from core.crypto.software import _der, _raw

SM2_D = bytes.fromhex("3945208F7B2144B13F36E38AC6D39F9588939369 2860B51A42FB81EF4DF7C5B8".replace(" ", ""))
SM2_P = bytes.fromhex("04" "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
                      "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13")
SM2_MESSAGE = b"message digest"
SM2_SIGNATURE = bytes.fromhex("F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
                              "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA")
SM4_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")


@pytest.fixture
def p():
    return crypto.provider()


def standard_key_handle() -> bytes:
    """The standard's private key as our software provider holds keys (PKCS#8)."""
    from tongsuopy.crypto import serialization
    from tongsuopy.crypto.asymciphers import ec

    key = ec.derive_private_key(int.from_bytes(SM2_D, "big"), ec.SM2())
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def test_sm3_gbt_32905_appendix_a(p):
    assert p.hash(algs.SM3, b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert p.hash(algs.SM3, b"abcd" * 16).hex() == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"  # the 512-bit message


def sm4_block(key: bytes, block: bytes, times: int = 1) -> bytes:
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    for _ in range(times):
        block = encryptor.update(block)
    return block


def test_sm4_gbt_32907_appendix_a_single_block_and_a_million_times():
    # the provider's SM4-GCM is this block cipher (cryptography/OpenSSL) in GCM mode; the vectors are for the block itself
    assert sm4_block(SM4_KEY, SM4_KEY).hex() == "681edf34d206965e86b3e94f536e4246"
    assert sm4_block(SM4_KEY, SM4_KEY, 1_000_000).hex() == "595298c7c6fd271f0402f804c33d3f66"


def test_sm2_gbt_32918_5_example_verifies_and_our_signatures_with_the_standard_key_verify(p):
    assert p.public_of(algs.SM2, standard_key_handle()) == SM2_P  # the standard's key pair
    assert p.verify(algs.SM2, SM2_P, SM2_MESSAGE, SM2_SIGNATURE)
    assert not p.verify(algs.SM2, SM2_P, b"message digesT", SM2_SIGNATURE)
    ours = p.sign(algs.SM2, standard_key_handle(), SM2_MESSAGE)
    assert ours != SM2_SIGNATURE  # a fresh random k
    assert p.verify(algs.SM2, SM2_P, SM2_MESSAGE, ours)
    r, s = gmalg.SM2(SM2_D, algs.SM2_DEFAULT_ID, SM2_P).sign(SM2_MESSAGE)  # and an independent implementation's
    assert p.verify(algs.SM2, SM2_P, SM2_MESSAGE, r + s)


# --- the interop matrix: ours → theirs and theirs → ours, default ID ---------------------------


def gmssl_pyx_verify(public, message, signature):
    return gmssl_pyx.sm2_verify(public[1:], message, _der(signature))


def gmssl_pyx_sign(private, public, message):
    return _raw(gmssl_pyx.sm2_sign(private, public[1:], message))


def gmalg_verify(public, message, signature):
    return gmalg.SM2(None, algs.SM2_DEFAULT_ID, public).verify(message, signature[:32], signature[32:])


def gmalg_sign(private, public, message):
    r, s = gmalg.SM2(private, algs.SM2_DEFAULT_ID, public).sign(message)
    return r + s


def gmssl_verify(public, message, signature):
    return gmssl_sm2.CryptSM2(private_key=None, public_key=public[1:].hex()).verify_with_sm3(signature.hex(), message)


def gmssl_sign(private, public, message):
    signer = gmssl_sm2.CryptSM2(private_key=private.hex(), public_key=public[1:].hex())
    return bytes.fromhex(signer.sign_with_sm3(message, gmssl_func.random_hex(signer.para_len)))


OTHERS = {
    "gmssl-pyx 2.1.0 (GmSSL 3, C)": (gmssl_pyx_sign, gmssl_pyx_verify),
    "gmalg 1.1.2 (pure Python)": (gmalg_sign, gmalg_verify),
    "gmssl 3.2.2 (pure Python)": (gmssl_sign, gmssl_verify),
}


@pytest.mark.parametrize("other", OTHERS)
def test_our_signatures_verify_in_theirs(p, other):
    pair = p.generate_signing_key(algs.SM2)
    message = "亮证 qilu".encode()
    verify = OTHERS[other][1]
    assert verify(pair.public, message, p.sign(algs.SM2, pair.handle, message))
    assert not verify(pair.public, message + b"!", p.sign(algs.SM2, pair.handle, message))


@pytest.mark.parametrize("other", OTHERS)
def test_their_signatures_verify_in_ours(p, other):
    public, private = gmssl_pyx.sm2_key_generate()  # a key made outside our library
    public = b"\x04" + public
    message = "亮证 qilu".encode()
    signature = OTHERS[other][0](private, public, message)
    assert p.verify(algs.SM2, public, message, signature)
    assert not p.verify(algs.SM2, public, message + b"!", signature)
