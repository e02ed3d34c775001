"""Settings for the web tests: the shared-server configuration, data in a private folder."""

import atexit
import getpass
import os
import shutil
import tempfile
from pathlib import Path

# one folder per account, reused by every run (secret key, output cache); the test databases
# themselves are Django's temporary ones
os.environ["BAOCAO_WEB_DATA"] = os.path.join(
    tempfile.gettempdir(), f"baocao-web-tests-{getpass.getuser()}"
)
os.environ["BAOCAO_WEB_SHARED"] = "1"

from generator.web.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast hashing in tests

# The output cache is keyed by the data file's content, not by baocao's code: a cache shared by
# every checkout on this machine (and kept between runs) served outputs an older baocao made.
# Each test run gets its own, removed at exit.
CACHE_DIR = Path(tempfile.mkdtemp(prefix="baocao-web-cache-"))
atexit.register(shutil.rmtree, CACHE_DIR, True)
