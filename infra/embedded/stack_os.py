"""Operating-system chores for the embedded stack: the unprivileged user and the system JDK."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
from pathlib import Path

from stack_install import InstallError

SERVICE_USER = os.environ.get("NEWSFLOW_STACK_USER", "newsflow")


def service_user() -> pwd.struct_passwd | None:
    """The user the Java and Node servers run as: ourselves, or an unprivileged one when we are root
    (OpenSearch refuses to run as root)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", SERVICE_USER], check=True)
        return pwd.getpwnam(SERVICE_USER)


def prepare_service_user(writable: list[Path], repo: Path) -> None:
    """Give the service user the folders it writes, and a way through the folders above them."""
    user = service_user()
    if user is None:
        return
    for folder in writable:
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["chown", "-R", f"{user.pw_uid}:{user.pw_gid}", str(folder)], check=True)
        _make_traversable(folder.parent)
    _make_traversable(repo / ".state")


def _make_traversable(folder: Path) -> None:
    """Add search (x) permission for others on each ancestor that lacks it: traverse only, no listing.
    A clone in a private folder (mode 700) would otherwise hide the server's files from its own user."""
    for part in [folder, *folder.parents]:
        if not part.exists():
            continue
        mode = part.stat().st_mode
        if not mode & stat.S_IXOTH:
            print(f"note: adding o+x (traverse only) to {part} so the '{SERVICE_USER}' user can reach the stack")
            part.chmod(mode | stat.S_IXOTH)


def system_jdk17() -> Path:
    """JAVA_HOME of a JDK 17 (OpenSearch 2.5 supports 11 and 17; newer ones break its security manager)."""
    candidates = sorted(Path("/usr/lib/jvm").glob("java-17-openjdk-*"))
    java = shutil.which("java")
    if java:
        candidates.append(Path(os.path.realpath(java)).parent.parent)
    for home in candidates:
        release = home / "release"
        if (home / "bin" / "java").exists() and release.exists() and 'JAVA_VERSION="17' in release.read_text():
            return home
    raise InstallError("no JDK 17 found: install it with 'apt-get install openjdk-17-jre-headless' "
                       "(make run does this when run as root)")
