"""The crypto provider's contract, on the software provider and on the device provider against its fake device."""

import pytest

from core import crypto
from core.crypto import algorithms as algs
from core.crypto.device import DeviceConfig, DeviceProvider
from tests.core.crypto_device import SECRET, running_device


@pytest.fixture(scope="module")
def device_url(tmp_path_factory):
    with running_device(tmp_path_factory.mktemp("device") / "keys.json") as (url, _):
        yield url


@pytest.fixture(params=["software", "device"])
def p(request, settings):
    if request.param == "software":
        yield crypto.provider()
        return
    url = request.getfixturevalue("device_url")
    provider = DeviceProvider(DeviceConfig.parse(url, app="qilu", secret=SECRET.encode()))
    yield provider
    provider.close()


def test_configured_provider_is_software():
    assert crypto.provider().name == "software"


@pytest.mark.parametrize("alg", algs.SIGNATURES)
def test_sign_verify_round_trip(p, alg):
    pair = p.generate_signing_key(alg)
    sig = p.sign(alg, pair.handle, b"qilu")
    assert len(sig) == 64
    assert p.verify(alg, pair.public, b"qilu", sig)
    assert not p.verify(alg, pair.public, b"qilv", sig)
    assert not p.verify(alg, pair.public, b"qilu", bytes(64))
    assert p.public_of(alg, pair.handle) == pair.public


def test_sm2_and_es256_keys_do_not_cross(p):
    sm2 = p.generate_signing_key(algs.SM2)
    sig = p.sign(algs.SM2, sm2.handle, b"x")
    assert not p.verify(algs.ES256, sm2.public, b"x", sig)  # an SM2 point is not on P-256


@pytest.mark.parametrize("alg", algs.AEADS)
def test_aead_round_trip_and_binding(p, alg):
    blob = p.encrypt(alg, "test/v1", "身份证".encode(), b"column-a")
    assert p.decrypt(alg, "test/v1", blob, b"column-a") == "身份证".encode()
    with pytest.raises(crypto.CryptoError):
        p.decrypt(alg, "test/v1", blob, b"column-b")
    with pytest.raises(crypto.CryptoError):
        p.decrypt(alg, "other/v1", blob, b"column-a")


@pytest.mark.parametrize("alg", algs.MACS)
def test_mac_is_keyed_by_label(p, alg):
    assert p.mac(alg, "a/v1", b"x") == p.mac(alg, "a/v1", b"x")
    assert p.mac(alg, "a/v1", b"x") != p.mac(alg, "b/v1", b"x")
    assert len(p.mac(alg, "a/v1", b"x")) == 32


def test_sm3_vector_gbt_32905_abc(p):
    # GB/T 32905-2016, Appendix A.1: SM3("abc")
    assert p.hash(algs.SM3, b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_unknown_algorithm_is_refused(p):
    with pytest.raises(algs.UnknownAlgorithm):
        p.hash("md5", b"x")
