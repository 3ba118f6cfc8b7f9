"""Subcommands of ``spm-desktop``. One module per subcommand, each with
``register(subparsers)`` that adds its parser and sets ``func(args, ctx) -> int``.

To add a subcommand: write ``spm_desktop/commands/<name>.py`` and add its name to
:data:`COMMAND_MODULES`.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

from spm_desktop.core import paths
from spm_desktop.core.domain.errors import DomainError

COMMAND_MODULES: list[str] = [
    "init",
    "wilayah",
    "demo_data",
    "check",
    "backup",
    "import_cmd",
    "targets",
    "duplicates",
    "recap",
    "espm",
    "mutu",
    "sync",
    "export",
    "layanan",
    "password",
    "recover",
    "reencrypt",
]


def load_command_modules():
    return [importlib.import_module(f"spm_desktop.commands.{name}") for name in COMMAND_MODULES]


# Commands that run without a user: ``init`` creates the first one, and ``wilayah`` looks up
# the code ``init --wilayah`` needs in the shipped national region list (it opens no
# database). (``--help`` and ``--self-test`` never reach a command.)
# ``recover`` opens the database with the recovery key instead of a password.
NO_LOGIN_COMMANDS = frozenset({"init", "wilayah", "recover"})
# Commands a user holding a one-time password may run (to choose their own).
ONE_TIME_COMMANDS = frozenset({"password"})
USER_ENV, PASSWORD_FILE_ENV = "SPM_USER", "SPM_PASSWORD_FILE"


class CredentialsMissing(DomainError):
    """No user given and no terminal to ask on: a usage error (exit code 2)."""


def read_secret_file(path: str, field: str) -> str:
    """First line of a file holding a password or passphrase."""
    from spm_desktop.core.domain.errors import ValidationError

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(f"Berkas {path} tidak bisa dibaca: {exc.strerror}.", field) from exc
    lines = text.splitlines()
    return lines[0] if lines else ""


class CliContext:
    """What a subcommand needs: the data folder, the database (opened on first use) and the
    logged-in user it acts as (:meth:`login`, :meth:`actor`)."""

    def __init__(self, data_dir: str | None, user: str | None = None, password_file: str | None = None) -> None:
        self._data_dir_arg = data_dir
        self._data_dir: Path | None = None
        self._db = None
        self._user_arg = user
        self._password_file_arg = password_file
        self._actor = None
        self._credentials: tuple[str, str] | None = None
        self._unlocked = None  # db_keys.Unlocked of the login that opened an encrypted database
        self.command: str | None = None

    def credentials(self) -> tuple[str, str]:
        """(username, password): ``--user`` + ``--password-file``, else ``SPM_USER`` +
        ``SPM_PASSWORD_FILE``, else asked on the terminal; without any: :class:`CredentialsMissing`."""
        if self._credentials is None:
            self._credentials = self._read_credentials()
        return self._credentials

    def _read_credentials(self) -> tuple[str, str]:
        user = self._user_arg or os.environ.get(USER_ENV) or ""
        password_file = self._password_file_arg or os.environ.get(PASSWORD_FILE_ENV) or ""
        if user and password_file:
            return user, read_secret_file(password_file, "password")
        if sys.stdin is not None and sys.stdin.isatty():
            import getpass

            if not user:
                user = input("Nama pengguna: ").strip()
            return user, getpass.getpass("Kata sandi: ")
        raise CredentialsMissing(
            "Perintah ini hanya untuk pengguna yang masuk. Sebutkan --user NAMA dan --password-file BERKAS "
            f"(atau variabel lingkungan {USER_ENV} dan {PASSWORD_FILE_ENV}), atau jalankan di terminal untuk "
            "ditanya nama pengguna dan kata sandi.")

    def login(self, db=None):
        """Check the credentials against ``db`` (the data folder's database by default); the
        command then acts as that user, with that user's permissions and scope, and the audit
        trail names them. Wrong password, locked or inactive account: DomainError (exit 1).

        An encrypted database was already unlocked with the same password by :meth:`database`
        (spm.keys); the failures recorded there reach the audit trail now. A plain database of
        an older version is encrypted at its administrator's login (the recovery key is printed
        once); other users are refused until then."""
        from spm_desktop.core.security import vault
        from spm_desktop.core.security.users import authenticate, verify_login

        username, password = self.credentials()
        own = db is None
        db = db if db is not None else self.database()
        info = verify_login(db, username, password) if db.read_only else authenticate(db, username, password)
        if own:
            vault.finish_login(db, info, self._unlocked)
            if vault.is_plain(vault.db_file_of(db)) and not db.read_only:
                if info.role != "admin":
                    raise DomainError(vault.PLAIN_NEEDS_ADMIN)
                recovery = vault.encrypt_folder(db, username, password)
                print_recovery_key(recovery, upgraded=True)
            if self._unlocked is not None and self._unlocked.one_time and self.command not in ONE_TIME_COMMANDS:
                raise DomainError(vault.ONE_TIME_PASSWORD)
        self._actor = info.actor()
        return self._actor

    def actor(self):
        """The logged-in user (:meth:`login` ran before the command)."""
        if self._actor is None:
            raise RuntimeError("the command ran without a login")
        return self._actor

    @property
    def data_dir(self) -> Path:
        if self._data_dir is None:
            self._data_dir = paths.data_dir(self._data_dir_arg)
            if paths.moved_notice:
                import sys

                print(paths.moved_notice, file=sys.stderr)
        return self._data_dir

    @property
    def database_url(self) -> str:
        return paths.database_url(self.data_dir)

    def database(self):
        """The migrated, seeded database (opened once per command)."""
        if self._db is None:
            from spm_desktop.core.storage.open import open_database, open_read_only, read_only_file

            read_only = read_only_file(self.database_url)
            self._unlock()
            if not read_only:
                self._remove_leftovers()
            try:
                self._db = open_read_only(read_only) if read_only else open_database(self.database_url)
            except DomainError:
                raise
            except Exception as exc:
                damaged = self._damage_report()
                if damaged:
                    raise DomainError(damaged) from exc
                raise
        return self._db

    def _unlock(self) -> None:
        """An encrypted SQLite database: unwrap its key with the user's password first."""
        from spm_desktop.core.security import vault
        from spm_desktop.core.storage.engine import encrypted_without_key, is_sqlite

        if not is_sqlite(self.database_url):
            return
        db_file = Path(self.database_url.removeprefix("sqlite:///"))
        if encrypted_without_key(db_file):
            self._unlocked = vault.unlock(db_file, *self.credentials())

    def _remove_leftovers(self) -> None:
        from spm_desktop.core.storage.backup import remove_leftovers
        from spm_desktop.core.storage.engine import is_sqlite

        if is_sqlite(self.database_url):
            remove_leftovers(Path(self.database_url.removeprefix("sqlite:///")))

    def _damage_report(self) -> str | None:
        """When the SQLite file fails its check: what is wrong and the newest good backup."""
        from spm_desktop.core.storage.backup import backups_dir_for, check_file, describe_backup, newest_good_backup
        from spm_desktop.core.storage.engine import is_sqlite

        if not is_sqlite(self.database_url):
            return None
        db_file = Path(self.database_url.removeprefix("sqlite:///"))
        result = check_file(db_file)
        if not db_file.exists() or result.ok:
            return None
        good = newest_good_backup(backups_dir_for(db_file))
        advice = (f"Cadangan baik terbaru: {good.path} ({describe_backup(good)}); pulihkan dengan "
                  f"'spm-desktop restore {good.path}'." if good else "Tidak ada cadangan yang lolos pemeriksaan.")
        return f"Basis data rusak: {result.message}. {advice}"

    def setup_logging(self) -> None:
        try:
            setup_file_logging(self.data_dir)
        except OSError:  # a read-only data folder: the read-only commands still run, without a log file
            pass

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None


RECOVERY_NOTICE = (
    "KUNCI PEMULIHAN (tampil sekali ini saja; cetak dan simpan di tempat terkunci, terpisah dari komputer):\n\n"
    "    {key}\n\n"
    "Dengan kunci ini administrator dapat membuka basis data terenkripsi bila kata sandinya lupa "
    "(spm-desktop recover). Siapa pun yang memegang kunci ini dan salinan basis data dapat membaca datanya.")


def print_recovery_key(recovery_key: str, upgraded: bool = False) -> None:
    if upgraded:
        print("Basis data versi lama telah dienkripsi (cadangan lama ikut dienkripsi). Pengguna lain perlu kata "
              "sandi sekali pakai dari administrator (menu Pengguna: Atur ulang kata sandi).")
    print(RECOVERY_NOTICE.format(key=recovery_key))


def setup_file_logging(data_dir: Path) -> None:
    """Rotating log file in ``<data>/logs``: technical detail goes there, never to the user."""
    root = logging.getLogger()
    if any(isinstance(h, RotatingFileHandler) for h in root.handlers):
        return
    handler = RotatingFileHandler(paths.logs_dir(data_dir) / "spm-desktop.log", maxBytes=2_000_000,
                                  backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
