"""典型宣传: the public showcase of recognised 党建工作品牌 and commended 示范支部 (reads only).

What is public: the branch's name, type and committee; the brand's texts as the district
recognised them (checked for members' names and ID numbers when written); the date and
document number of the recognition or commendation; the 观摩/座谈 the branch hosted (date,
form, theme, participating organizations); and the *display* copy of the photos the branch
chose for its brand. Never a committee's or reviewer's note, a member, or any other photo.
Every read runs a fixed number of queries.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch
from django.http import Http404

from branches.models import Organization
from ledgers.activities.photos import photos_by_owner
from ledgers.models import Photo
from review.brand_models import BrandStatus, ExchangeEvent, PartyBrand
from review.model_branch_models import ModelBranchNomination, NominationStatus
from review.public_views import COMMITTEE_PATH_LEN

PUBLIC_EXCHANGES = 10
BRANCH_FIELDS = tuple(f"branch__{f}" for f in ("id", "name", "path", "kind", "branch_type", "regional_kind",
                                                  "committee_kind"))  # fmt: skip
BRAND_FIELDS = ("pk", "name", "idea", "measures", "results", "recognised_on", "document_number", *BRANCH_FIELDS)
MODEL_FIELDS = ("pk", "year", "commended_on", "document_number", *BRANCH_FIELDS)


def recognised_brands():
    return PartyBrand.objects.filter(status=BrandStatus.RECOGNISED).select_related("branch").only(*BRAND_FIELDS)


def commended_nominations():
    return (
        ModelBranchNomination.objects.filter(status=NominationStatus.COMMENDED)
        .select_related("branch")
        .only(*MODEL_FIELDS)
    )


def committee_names(branches) -> dict[int, str]:
    """Branch id → the name of its 党(工)委 (one query)."""
    paths = {b.path[:COMMITTEE_PATH_LEN] for b in branches if len(b.path) > COMMITTEE_PATH_LEN}
    names = dict(Organization.objects.filter(path__in=paths).values_list("path", "name")) if paths else {}
    return {b.pk: names.get(b.path[:COMMITTEE_PATH_LEN], "") for b in branches}


def showcase_page() -> dict:
    """The list: brands newest first with a cover photo, then 示范支部 by year. Four queries."""
    brands = list(recognised_brands().order_by("-recognised_on", "-id"))
    models = list(commended_nominations().order_by("-year", "-commended_on", "-id"))
    committees = committee_names([b.branch for b in brands] + [n.branch for n in models])
    photos = photos_by_owner(PartyBrand, [b.pk for b in brands])
    brand_of = {}
    for b in brands:
        b.committee, b.cover = committees.get(b.branch.pk, ""), (photos.get(b.pk) or [None])[0]
        brand_of.setdefault(b.branch.pk, b)
    for n in models:
        n.committee, n.brand = committees.get(n.branch.pk, ""), brand_of.get(n.branch.pk)
    return {"brands": brands, "models": models}


def _hosted(branch):
    return list(
        ExchangeEvent.objects.filter(host=branch)
        .only("pk", "kind", "held_on", "title")
        .prefetch_related(Prefetch("participants", queryset=Organization.objects.only("id", "name").order_by("path")))
        .order_by("-held_on", "-id")[:PUBLIC_EXCHANGES]
    )


def showcase_brand(pk) -> dict:
    """One recognised brand (404 otherwise): texts, chosen photos, commendations, events hosted."""
    brand = recognised_brands().filter(pk=pk).first()
    if brand is None:
        raise Http404("未找到该党建品牌")
    branch = brand.branch
    return {
        "brand": brand,
        "branch": branch,
        "committee": committee_names([branch])[branch.pk],
        "photos": photos_by_owner(PartyBrand, [brand.pk]).get(brand.pk, []),
        "commendations": list(commended_nominations().filter(branch=branch).order_by("-year")),
        "exchanges": _hosted(branch),
    }


def showcase_model_branch(pk) -> dict:
    """One commended 示范支部 (404 otherwise), with its recognised brand and photos if it has one."""
    n = commended_nominations().filter(pk=pk).first()
    if n is None:
        raise Http404("未找到该示范支部")
    branch = n.branch
    brand = recognised_brands().filter(branch=branch).order_by("-recognised_on").first()
    return {
        "n": n,
        "branch": branch,
        "committee": committee_names([branch])[branch.pk],
        "brand": brand,
        "photos": photos_by_owner(PartyBrand, [brand.pk]).get(brand.pk, []) if brand else [],
        "exchanges": _hosted(branch),
    }


def showcase_photo(pk) -> Photo:
    """A photo the branch chose for a brand that is recognised now; anything else is 404."""
    photo = (
        Photo.objects.filter(
            pk=pk,
            owner_type=ContentType.objects.get_for_model(PartyBrand),
            owner_id__in=PartyBrand.objects.filter(status=BrandStatus.RECOGNISED).values("pk"),
        )
        .only("pk", "display")
        .first()
    )
    if photo is None:
        raise Http404("未找到该照片")
    return photo
