"""Make the encrypted twin of a plain bench database, for the cost-of-encryption table:

    python bench/make_encrypted.py PLAIN.db OUT_FOLDER

``OUT_FOLDER/spm.db`` is ``PLAIN.db`` exported by ``sqlcipher_export`` under a new random key
(what the first administrator login after the upgrade does), and ``OUT_FOLDER/spm.keys`` wraps
that key under the bench administrator's password. Then run a benchmark on each with
``SPM_BENCH_DB=…/spm.db python bench/run.py PATTERN``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import BENCH_ADMIN, BENCH_PASSWORD  # noqa: E402

from spm_desktop.core.security import vault
from spm_desktop.core.storage import db_keys  # noqa: E402


def main(argv: list[str]) -> int:
    plain, out = Path(argv[0]), Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    key = db_keys.new_db_key()
    t0, c0 = time.perf_counter(), time.process_time()
    vault.encrypt_file(plain, out / "spm.db", key)
    print(f"sqlcipher_export of {plain.stat().st_size / 1e6:.0f} MB: {time.perf_counter() - t0:.1f} s wall, "
          f"{time.process_time() - c0:.1f} s CPU")
    db_keys.KeyStore(db_keys.keys_path_for(out / "spm.db")).create(key, BENCH_ADMIN, BENCH_PASSWORD,
                                                                     db_keys.new_recovery_key())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
