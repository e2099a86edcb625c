"""典型宣传 pages: public (no login), cacheable, a fixed number of queries each. The photo view
hands out only the display copy of a photo chosen for a brand that is recognised now."""

from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from review import showcase
from wujin_branch.storage import stored_response

PAGE_MAX_AGE = 300
PHOTO_MAX_AGE = 86400


@require_safe
@cache_control(public=True, max_age=PAGE_MAX_AGE)
def showcase_list(request):
    return render(request, "review/showcase_list.html", showcase.showcase_page())


@require_safe
@cache_control(public=True, max_age=PAGE_MAX_AGE)
def showcase_brand(request, pk):
    return render(request, "review/showcase_brand.html", showcase.showcase_brand(pk))


@require_safe
@cache_control(public=True, max_age=PAGE_MAX_AGE)
def showcase_model_branch(request, pk):
    return render(request, "review/showcase_model.html", showcase.showcase_model_branch(pk))


@require_safe
def showcase_photo(request, pk):
    photo = showcase.showcase_photo(pk)
    return stored_response(photo.display, content_type="image/jpeg", cache_control=f"public, max-age={PHOTO_MAX_AGE}")
