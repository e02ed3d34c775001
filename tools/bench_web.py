"""`make bench`, web part: 30 units × 2 uploads each, 10 at a time, against `baocao web` as a
shared server (waitress, SQLite) on this machine. Prints p50/p95 of upload-to-preview (upload,
accept the correction, open the preview) and checks that no version was lost or mixed up:
every upload's bytes come back, and each version's Word file holds its own figure."""

from __future__ import annotations

import io
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "data_examples" / "xa_hoang_cat_6_thang_2024.yaml"
UNITS, UPLOADS, AT_ONCE = 30, 2, 10
PASSWORD = "mat-khau-bench-1"


class Session:
    """One browser: cookies and CSRF token kept by hand (the server sets Secure cookies; it is
    told the request came over HTTPS, as from the reverse proxy)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: bytes | None = None, content_type: str | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        connection = HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        if method == "POST":
            headers["Referer"] = f"https://127.0.0.1{path}"
            headers["Origin"] = "https://127.0.0.1"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        result = response.status, {k.lower(): v for k, v in response.getheaders()}, data
        connection.close()
        return result

    def token(self, path: str) -> str:
        _, _, page = self.request("GET", path)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        return match.group(1).decode() if match else self.cookies.get("csrftoken", "")

    def post(
        self,
        path: str,
        fields: dict[str, str],
        file: tuple[str, bytes] | None = None,
        token_from: str | None = None,
    ):
        fields = {"csrfmiddlewaretoken": self.token(token_from or path), **fields}
        if file is None:
            return self.request(
                "POST",
                path,
                urllib.parse.urlencode(fields).encode(),
                "application/x-www-form-urlencoded",
            )
        boundary = uuid.uuid4().hex
        body = io.BytesIO()
        for key, value in fields.items():
            body.write(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        body.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="tep"; '
            f'filename="{file[0]}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + file[1]
            + b"\r\n"
        )
        body.write(f"--{boundary}--\r\n".encode())
        return self.request(
            "POST", path, body.getvalue(), f"multipart/form-data; boundary={boundary}"
        )


def unit_data(index: int, upload: int) -> bytes:
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("Hoàng Cát", f"Thử Số {index:02d}")
    text = text.replace('"1.1.2": 25', f'"1.1.2": {300 + index * 2 + upload}')
    return text.encode("utf-8")


def setup(env: dict[str, str]) -> int:
    """Units, accounts and one period, made through Django's ORM before the server starts."""
    script = f"""
import django, datetime
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from django.utils import timezone
from generator.web.models import Member, Period, Unit
huyen = Unit.objects.create(ma="huyen", ten="Huyện Thử", loai="huyen")
for i in range({UNITS}):
    unit = Unit.objects.create(ma=f"xa-{{i:02d}}", ten=f"Xã Thử Số {{i:02d}}", loai="xa",
                               cap_tren=huyen)
    user = get_user_model().objects.create_user(f"xa{{i:02d}}", password="{PASSWORD}")
    Member.objects.create(user=user, don_vi=unit)
period = Period.objects.create(don_vi=huyen, danh_muc="cchc-xa-thanh-hoa-01b",
    ky_bao_cao="6 tháng đầu năm 2024", han_nop=timezone.now() + datetime.timedelta(days=9))
print(period.pk)
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout.strip().splitlines()[-1])


def one_unit(port: int, index: int, period: int) -> tuple[list[float], list[str]]:
    session = Session(port)
    problems: list[str] = []
    status, headers, _ = session.post(
        "/dang-nhap/", {"username": f"xa{index:02d}", "password": PASSWORD}
    )
    if status != 302:
        return [], [f"xã {index}: đăng nhập → {status}"]
    status, headers, body = session.post(
        f"/bao-cao/moi/?ky={period}", {}, file=("bao_cao.yaml", unit_data(index, 0))
    )
    if status != 302:
        return [], [f"xã {index}: lập báo cáo → {status} {body[:300]!r}"]
    report = headers["location"].strip("/").split("/")[-1]
    latencies = []
    for upload in range(UPLOADS):
        data = unit_data(index, upload)
        started = time.perf_counter()
        status, headers, _ = session.post(
            f"/bao-cao/{report}/tai-len/",
            {},
            file=("bao_cao.yaml", data),
            token_from=f"/bao-cao/{report}/",
        )
        if status != 302:
            problems.append(f"xã {index} lần {upload + 1}: tải lên → {status}")
            continue
        version = headers["location"].strip("/").split("/")[-1]
        status, _, page = session.request("GET", headers["location"])
        if "Chờ xác nhận".encode() in page:
            status, _, _ = session.post(
                f"/bao-cao/{report}/phien-ban/{version}/xac-nhan/",
                {"nhan": "1"},
                token_from=headers["location"],
            )
        status, _, page = session.request("GET", f"/bao-cao/{report}/xem/")
        latencies.append(time.perf_counter() - started)
        if status != 200 or str(300 + index * 2 + upload).encode() not in page:
            problems.append(f"xã {index} lần {upload + 1}: bản xem trước không đúng số liệu")
    # nothing lost or mixed up: version 1 is the start, 2 and 3 the uploads
    for upload in range(UPLOADS):
        number = upload + 2
        expected = unit_data(index, upload)
        status, _, stored = session.request("GET", f"/bao-cao/{report}/phien-ban/{number}/tep/")
        if stored != expected:
            problems.append(f"xã {index}: phiên bản {number} không trả lại đúng tệp đã gửi")
        status, _, docx = session.request("GET", f"/bao-cao/{report}/phien-ban/{number}/tai/docx/")
        from docx import Document

        text = "\n".join(p.text for p in Document(io.BytesIO(docx)).paragraphs)
        if f"Thử Số {index:02d}" not in text or str(300 + index * 2 + upload) not in text:
            problems.append(f"xã {index}: Word của phiên bản {number} không khớp số liệu của nó")
    return latencies, problems


def main() -> int:
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="baocao-bench-web-") as folder:
        env = {
            **os.environ,
            "BAOCAO_WEB_DATA": folder,
            "BAOCAO_WEB_SHARED": "1",
            "DJANGO_SETTINGS_MODULE": "generator.web.settings",
        }
        period = setup(env)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "generator",
                "web",
                "--shared",
                "--no-browser",
                "--data-dir",
                folder,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            match = None
            while match is None:  # the first lines may be advice (no admin account yet)
                line = server.stdout.readline()
                if not line:
                    raise SystemExit("baocao web không chạy được")
                match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            port = int(match.group(1))
            threading.Thread(target=server.stdout.read, daemon=True).start()
            time.sleep(1)
            started = time.perf_counter()
            with ThreadPoolExecutor(AT_ONCE) as pool:
                results = list(pool.map(lambda i: one_unit(port, i, period), range(UNITS)))
            elapsed = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(10)
    latencies = sorted(t for times, _ in results for t in times)
    problems = [p for _, found in results for p in found]
    print(
        f"5. Web: {UNITS} đơn vị × {UPLOADS} lần tải lên, {AT_ONCE} cùng lúc, SQLite, "
        f"nproc {os.cpu_count()}"
    )
    if latencies:
        p95 = latencies[min(len(latencies) - 1, round(0.95 * len(latencies)) - 1)]
        print(
            f"   tải lên → xem trước: trung vị {statistics.median(latencies):.2f} s, "
            f"p95 {p95:.2f} s, {len(latencies)} lần trong {elapsed:.0f} s; lỗi: {len(problems)}"
        )
    for problem in problems:
        print(f"   LỖI: {problem}")
    return 1 if problems or len(latencies) != UNITS * UPLOADS else 0


if __name__ == "__main__":
    raise SystemExit(main())
