"""Settings for the web tests: the shared-server configuration, data in a private folder."""

import os
import tempfile

os.environ.setdefault("BAOCAO_WEB_DATA", tempfile.mkdtemp(prefix="baocao-web-tests-"))
os.environ["BAOCAO_WEB_SHARED"] = "1"

from generator.web.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast hashing in tests
