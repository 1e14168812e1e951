"""Write Rasa's credentials file from the environment (`bot.settings.channel_credentials`): a channel is on
only when configured.

`python -m bot.ops.credentials PATH` writes the file `make run` starts Rasa with.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

import yaml

from bot.settings import channel_credentials


def write(path: Path, env: Mapping[str, str] | None = None) -> None:
    """Write the credentials readable by the owner only (0600): they hold tokens and keys.

    The file is created 0600 beside the target and renamed over it, so the secrets are
    never readable by others, not even while an older world-readable file is replaced.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as out:
            os.fchmod(out.fileno(), 0o600)  # a leftover partial file keeps its old mode otherwise
            out.write(yaml.safe_dump(channel_credentials(env), allow_unicode=True))
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


if __name__ == "__main__":
    write(Path(sys.argv[1]))
