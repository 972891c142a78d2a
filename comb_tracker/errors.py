"""The answer to a bad request, and to a request too large to read.

Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE, or with too many fields, when the POST
data is first read (usually by the CSRF middleware, before any view), and answers it through
`handler400`. Such a post is not a broken page but too much typed or pasted, so it gets its own
answer (413): nothing from it was saved, the saved draft is as it was, and the way back; or,
for a script, JSON in the shape the questionnaire's background saves use.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults

TOO_LARGE_MESSAGE = (
    "Nothing was saved: what was sent was too large for this site to accept. Your saved draft "
    "is as it was before. Shorten any long text you pasted (a comment can be up to 2,000 "
    "characters) and save again."
)


def wants_json(request: HttpRequest) -> bool:
    """A request from a page's script (which says so, or asks for JSON) rather than a form."""
    return (
        "X-Requested-With" in request.headers
        or "application/json" in request.headers.get("Accept", "")
        or request.path.endswith("/autosave/")
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """`handler400`: a request too large gets its own page (413); any other, the usual one."""
    if not isinstance(exception, RequestDataTooBig | TooManyFieldsSent):
        return defaults.bad_request(request, exception)
    if wants_json(request):
        return JsonResponse({"saved": False, "error": TOO_LARGE_MESSAGE}, status=413)
    return render(
        request,
        "request_too_large.html",
        {"message": TOO_LARGE_MESSAGE, "back_url": request.get_full_path()},
        status=413,
    )
