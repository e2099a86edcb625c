import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError

from assessment.models import RubricItem, RubricSection, RubricVersion


def _num(d: Decimal):
    """JSON numbers: 2 for whole points, 2.5 otherwise."""
    return int(d) if d == d.to_integral_value() else float(d)


class Command(BaseCommand):
    help = "Print a rubric version as JSON (default: the seed's 2016 annex)."

    def create_parser(self, prog_name, subcommand, **kwargs):
        # The issue asks for --version CODE, which Django reserves for its own version flag.
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--version", dest="code", default="2016", help="rubric version code")

    def handle(self, *args, code, **options):
        version = RubricVersion.objects.filter(code=code).first()
        if version is None:
            raise CommandError(f"没有代码为 {code} 的考核细则版本")
        data = {"version": version.code, "sections": []}
        for s in RubricSection.objects.filter(version=version).order_by("order"):
            data["sections"].append(
                {
                    "name": s.name,
                    "max_points": _num(s.max_points),
                    "items": [
                        {"code": i.code, "requirement": i.requirement, "standard": i.standard, "points": _num(i.points)}
                        for i in RubricItem.objects.filter(section=s).order_by("order")
                    ],
                }
            )
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
