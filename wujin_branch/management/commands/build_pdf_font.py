"""``manage.py build_pdf_font``: build the CJK font subset embedded in the PDF 台账 (see ``wujin_branch.fonts``)."""

import time

from django.core.management.base import BaseCommand, CommandError

from wujin_branch import fonts


class Command(BaseCommand):
    help = (
        "从 fonts-noto-cjk 的 Noto Sans CJK SC 生成 PDF 用的中文字体子集（GB 2312 全部汉字及常用符号），"
        "已是最新时跳过。Build the GB 2312 subset of Noto Sans CJK SC used in PDFs; skipped when up to date."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="即使已是最新也重新生成 / rebuild even if up to date")

    def handle(self, *args, force=False, **options):
        started = time.monotonic()
        try:
            built = fonts.build(force=force, log=self.stdout.write)
        except fonts.PdfFontMissing as e:
            raise CommandError(str(e)) from e
        if built:
            self.stdout.write(self.style.SUCCESS(f"完成，用时 {time.monotonic() - started:.1f} 秒 / done"))
