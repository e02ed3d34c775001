from django.core.management.base import BaseCommand, CommandError

from generator.errors import BaocaoError
from generator.web.units import import_units


class Command(BaseCommand):
    help = "Nhập danh sách đơn vị từ tệp CSV (ma,ten,loai,ma_cap_tren)."

    def add_arguments(self, parser):
        parser.add_argument("csv_file")

    def handle(self, *args, **options):
        path = options["csv_file"]
        try:
            with open(path, "rb") as handle:
                created, updated = import_units(handle.read(), path)
        except (OSError, BaocaoError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Đã nhập: {created} đơn vị mới, {updated} đơn vị cập nhật.")
