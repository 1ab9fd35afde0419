"""One production instance for ``cluster.Cluster``: the backend with the exported frontend mounted.

``python tests/e2e/instance.py PORT``, run in an app folder whose ``.web``
holds the exported frontend: what ``reflex run --env prod --single-port``
serves, without exporting the frontend again (every instance shares one
build).  Workers: ``GRANIAN_WORKERS``.
"""

from __future__ import annotations

import sys


def main(port: int) -> None:
    from reflex.config import get_config
    from reflex.utils import exec as reflex_exec

    config = get_config()
    reflex_exec.run_backend_prod("127.0.0.1", port, config.loglevel.subprocess_level(), True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
