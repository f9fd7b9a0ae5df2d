"""Which Postgres the local stack runs: the machine's binaries, else the embedded one from PyPI."""

from pathlib import Path

import pytest

from mimi_local import pg


def test_machine_binaries_are_preferred() -> None:
    assert (pg.find_bin_dir() / "initdb").exists()


def test_without_machine_binaries_the_embedded_wheel_is_used_or_the_error_says_how_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "pgserver" / "pginstall" / "bin"
    fake.mkdir(parents=True)
    (fake / "initdb").touch()
    monkeypatch.setattr(pg, "embedded_bin_dir", lambda: fake)
    assert pg.find_bin_dir(search_dirs=[tmp_path / "none"]) == fake
    monkeypatch.setattr(pg, "embedded_bin_dir", lambda: None)
    with pytest.raises(RuntimeError, match="pip install pgserver"):
        pg.find_bin_dir(search_dirs=[tmp_path / "none"])
