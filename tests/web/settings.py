"""Settings for the web tests: the shared-server configuration, data in a private folder."""

import getpass
import os
import tempfile

# one folder per account, reused by every run (secret key, output cache); the test databases
# themselves are Django's temporary ones
os.environ["BAOCAO_WEB_DATA"] = os.path.join(
    tempfile.gettempdir(), f"baocao-web-tests-{getpass.getuser()}"
)
os.environ["BAOCAO_WEB_SHARED"] = "1"

from generator.web.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast hashing in tests
