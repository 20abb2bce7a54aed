def is_htmx(request):
    return request.headers.get("HX-Request") == "true"


def pick_template(request, full, partial):
    """An htmx request gets just the fragment it swaps in; a normal request gets the whole page."""
    return partial if is_htmx(request) else full
