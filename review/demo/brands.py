"""Demo 党建工作品牌 and 观摩交流: the commended 示范支部 gets a recognised brand with two photos it
chose (drawn into the demo photo pool), a second branch's brand waits for its committee, and
the committee holds one 现场观摩 at the recognised brand's branch."""

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType

from branches.models import Organization
from ledgers.demo.bulk import pool_photos
from ledgers.models import Photo
from review import brands, exchanges
from review.brand_models import BrandEvent, ExchangeEvent, ExchangeKind, PartyBrand
from review.demo.flow import at_time
from review.model_branch_models import ModelBranchNomination
from wujin_branch import images

BRAND = {
    "name": "红色管家",
    "idea": "党员当管家，服务零距离：把支部建在网格上，让党员亮身份、作表率。",
    "measures": "划分党员责任区，每名党员联系10户群众；每月主题党日开展入户走访，建立群众需求清单；"
                "支委会每月研究清单办理情况，办结一件销号一件，办不了的及时向上级党组织反映。",
    "results": "全年走访群众1200余户，解决道路照明、老旧小区加装扶手等实事46件；"
               "组织生活台账图文齐全，连续两年考核为合格支部。",
}  # fmt: skip
PENDING = {
    "name": "先锋聚力",
    "idea": "一名党员一面旗，一个岗位一份责。",
    "measures": "党员设岗定责，亮身份、作承诺；结合主题党日结对帮扶困难群众，每季度在党员大会上践诺评诺。",
    "results": "设立党员示范岗12个，结对帮扶困难群众30户。",
}


def _pool_rows(rng, owner, branch, actor, n, folder):
    """``n`` pictures drawn into the pool and attached to ``owner`` (with history, as uploads)."""
    ct = ContentType.objects.get_for_model(owner)
    rows = []
    for i, (names, width, height) in enumerate(pool_photos(rng, n, folder=folder)):
        phash = images.to_signed64(rng.getrandbits(64))
        b = images.hash_bands(phash)
        p = Photo(branch=branch, owner_type=ct, owner_id=owner.pk, original=names["original"],
                  display=names["display"], thumb=names["thumb"], width=width, height=height, phash=phash,
                  band0=b[0], band1=b[1], band2=b[2], band3=b[3], sha256=f"{rng.getrandbits(256):064x}",
                  original_name=f"{folder}-{i + 1}.jpg", uploaded_by=actor)  # fmt: skip
        p._history_user = actor
        p.save()
        rows.append(p)
    return rows


def _dated(brand, field, when):
    """The step just taken happened at ``when``: its time on the brand, its event and history row."""
    PartyBrand.objects.filter(pk=brand.pk).update(**{field: when})
    BrandEvent.objects.filter(pk=BrandEvent.objects.filter(brand=brand).latest("id").pk).update(at=when)
    h = PartyBrand.history.filter(id=brand.pk).latest("history_id")
    PartyBrand.history.model.objects.filter(history_id=h.history_id).update(history_date=when)


def brands_and_exchanges(actor, staff, today, rng) -> dict:
    commended = list(ModelBranchNomination.objects.filter(status="commended").select_related("branch").order_by("pk"))
    counts = {"brands": 0, "exchanges": 0}
    if not commended:
        return counts
    branch = commended[0].branch
    committee = staff.committee_of.get(branch.pk)
    submitter = staff.submitter.get(branch.pk)
    reviewer = staff.reviewer.get(committee.pk) if committee is not None else None
    if submitter is None or reviewer is None:
        return counts
    brand = brands.brand_submit(actor=submitter, branch=branch, **BRAND)
    _pool_rows(rng, brand, branch, submitter, 2, "demo-brand")
    _dated(brand, "submitted_at", at_time(today - timedelta(days=30), rng))
    brand = brands.brand_recommend(actor=reviewer, brand=brand, note="做法可复制、可推广，同意推荐。")
    _dated(brand, "recommended_at", at_time(today - timedelta(days=18), rng))
    brand = brands.brand_recognise(actor=actor, brand=brand, recognised_on=today - timedelta(days=5),
                                   document_number=f"武组发〔{today.year}〕52号", note="认定为党建工作品牌。",
                                   )  # fmt: skip
    _dated(brand, "decided_at", at_time(today - timedelta(days=5), rng))
    counts["brands"] = 1
    # The pending one is under the same committee, so the demo reviewer has it to recommend or return.
    others = sorted(bid for bid, c in staff.committee_of.items()
                    if c.pk == committee.pk and bid != branch.pk and bid in staff.submitter)  # fmt: skip
    if others:
        other = Organization.objects.get(pk=others[0])
        brands.brand_submit(actor=staff.submitter[other.pk], branch=other, **PENDING)
        counts["brands"] += 1
    guests = list(exchanges.participant_choices(reviewer).exclude(pk=branch.pk).filter(kind="branch")[:3])
    event = exchanges.exchange_create(
        actor=reviewer, kind=ExchangeKind.OBSERVATION, held_on=today - timedelta(days=3), host=branch,
        title="“红色管家”党建品牌现场观摩", participants=[committee, *guests],
        shown="观摩党员活动室、党员责任区公示牌和群众需求清单台账，支部书记介绍入户走访和清单销号做法，"
              "参加单位交流三会一课和联系服务群众的经验。",
    )  # fmt: skip
    _pool_rows(rng, event, branch, reviewer, 1, "demo-exchange")
    counts["exchanges"] = ExchangeEvent.objects.filter(pk=event.pk).count()
    return counts
