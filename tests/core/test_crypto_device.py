"""The device provider against the fake cipher device: key custody, the protocol's authentication, errors, production's refusal."""

import json
import os
import socket

import pytest

from core import crypto
from core.crypto import algorithms as algs
from core.crypto import sdf
from core.crypto.device import DeviceConfig, DeviceProvider
from tests.core.crypto_device import SECRET, running_device
from tests.portal.test_settings import manage, prod_env


@pytest.fixture(scope="module")
def device(tmp_path_factory):
    store = tmp_path_factory.mktemp("device") / "keys.json"
    with running_device(store) as (url, _):
        yield url, store


def provider_for(url, secret=SECRET, app="qilu"):
    return DeviceProvider(DeviceConfig.parse(url, app=app, secret=secret.encode(), timeout=2))


def test_a_signing_key_stays_in_the_device_and_the_handle_only_names_it(device):
    url, store = device
    p = provider_for(url)
    pair = p.generate_signing_key(algs.SM2)
    index = sdf.index_of(pair.handle)
    assert pair.handle == f"sdf:{index}".encode()
    held = json.loads(store.read_text())["sign"][str(index)]
    assert held["alg"] == "SM2" and len(bytes.fromhex(held["private"])) > 100  # the private key is in the device's store
    signature = p.sign(algs.SM2, pair.handle, b"qilu")
    assert crypto.provider().verify(algs.SM2, pair.public, b"qilu", signature)  # and verifies anywhere
    assert p.verify_with_key(pair.handle, b"qilu", signature)  # SDF_InternalVerify_ECC
    assert not p.verify_with_key(pair.handle, b"qilv", signature)


def test_device_and_software_keys_differ_per_label_and_never_cross(device):
    p = provider_for(device[0])
    blob = p.encrypt(algs.SM4_GCM, "field-encryption/v1", b"x", b"ctx")
    with pytest.raises(crypto.CryptoError):
        crypto.provider().decrypt(algs.SM4_GCM, "field-encryption/v1", blob, b"ctx")  # the device's keys are its own
    assert p.mac(algs.HMAC_SM3, "blind-index/v1", b"x") != crypto.provider().mac(algs.HMAC_SM3, "blind-index/v1", b"x")


def test_a_software_handle_is_refused_by_the_device(device):
    software_pair = crypto.provider().generate_signing_key(algs.SM2)
    with pytest.raises(crypto.CryptoError, match="not held by the cipher device"):
        provider_for(device[0]).sign(algs.SM2, software_pair.handle, b"x")


def test_device_return_codes_are_crypto_errors(device):
    p = provider_for(device[0])
    with pytest.raises(crypto.CryptoError, match="SDR_KEYNOTEXIST"):
        p.sign(algs.SM2, b"sdf:999999", b"x")
    pair = p.generate_signing_key(algs.ES256)
    with pytest.raises(crypto.CryptoError, match="SDR_KEYTYPEERR"):
        p.sign(algs.SM2, pair.handle, b"x")
    with pytest.raises(crypto.CryptoError, match="SDR_ENCDATAERR"):
        p.decrypt(algs.SM4_GCM, "l/v1", os.urandom(40))


def test_a_wrong_secret_is_refused_and_is_not_unavailability(device):
    with pytest.raises(crypto.CryptoError, match="SDR_PARDENY") as caught:
        provider_for(device[0], secret="not-the-secret").hash(algs.SM3, b"abc")
    assert not isinstance(caught.value, crypto.DeviceUnavailable)


def test_a_replayed_frame_is_refused(device):
    host, port = device[0].removeprefix("tcp://").split(":")
    with socket.create_connection((host, int(port)), timeout=2) as sock:
        nonce = os.urandom(16)
        sdf.send(sock, sdf.seal({"fn": "SDF_OpenSession", "app": "qilu", "nonce": sdf.b64(nonce), "seq": 0}, SECRET.encode()))
        opened = sdf.receive(sock)
        key = sdf.session_key(SECRET.encode(), nonce, sdf.unb64(opened["nonce"]))
        frame = sdf.seal({"fn": "SDF_GenerateRandom", "length": 8, "seq": 1}, key)
        sdf.send(sock, frame)
        assert sdf.receive(sock)["rc"] == sdf.SDR_OK
        sdf.send(sock, frame)
        assert sdf.receive(sock)["rc"] == sdf.SDR_PARDENY
        sdf.send(sock, {**frame, "seq": 2})  # a changed frame no longer carries a valid MAC
        assert sdf.receive(sock)["rc"] == sdf.SDR_PARDENY


def test_an_unreachable_device_is_device_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, not listening: connections are refused
        with pytest.raises(crypto.DeviceUnavailable):
            provider_for(f"tcp://127.0.0.1:{port}").check()


def test_a_restarted_device_is_reconnected_and_a_dead_one_is_unavailable(tmp_path):
    store = tmp_path / "keys.json"
    with running_device(store) as (url, _):
        p = provider_for(url)
        pair = p.generate_signing_key(algs.SM2)
    with pytest.raises(crypto.DeviceUnavailable):
        p.sign(algs.SM2, pair.handle, b"x")
    with running_device(store) as (url2, _):
        p.config = DeviceConfig.parse(url2, app="qilu", secret=SECRET.encode(), timeout=2)  # same device, new address
        assert crypto.provider().verify(algs.SM2, pair.public, b"x", p.sign(algs.SM2, pair.handle, b"x"))  # its keys survived


def test_production_refuses_a_device_it_cannot_reach():
    result = manage("check", env=prod_env(QILU_CRYPTO_PROVIDER="device", QILU_CRYPTO_DEVICE_URL="tcp://127.0.0.1:1",
                                          QILU_CRYPTO_DEVICE_SECRET=SECRET))
    assert result.returncode != 0
    assert "Refusing to start with QILU_ENV=prod" in result.stderr
    assert "cannot reach the cipher device" in result.stderr


def test_production_refuses_a_device_provider_without_an_address():
    result = manage("check", env=prod_env(QILU_CRYPTO_PROVIDER="device"))
    assert result.returncode != 0
    assert "QILU_CRYPTO_DEVICE_URL and QILU_CRYPTO_DEVICE_SECRET" in result.stderr


def test_production_starts_with_a_device_it_reaches(device):
    result = manage("check", env=prod_env(QILU_CRYPTO_PROVIDER="device", QILU_CRYPTO_DEVICE_URL=device[0], QILU_CRYPTO_DEVICE_SECRET=SECRET))
    assert result.returncode == 0, result.stderr


def test_a_session_opened_before_a_fork_is_not_used_after_it(device):
    """Celery's and gunicorn's pools fork after setup: a child must open its own session, never share the
    parent's socket and frame sequence."""
    url, _store = device
    p = provider_for(url)
    p.check()
    parent = p._local.session
    p._local.pid = -1  # as a forked child sees it: the session belongs to another process
    p.check()
    assert p._local.session is not parent
