from .api import MAX_ID
from .context import acting_from, client_address


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.client_address = client_address(request)
        with acting_from(request.client_address):
            return self.get_response(request)


class HostileInputMiddleware:
    """Refuse, before any view runs, the input that used to reach the database and come back as a 500.

    - an id in the URL that no database column can hold (not digits, negative, beyond bigint): 404, as for
      any object the user cannot see;
    - a NUL byte in a query or form value (PostgreSQL refuses it in any text): 400.
    """

    ID_NAMES = ("pk", "id")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for values in (request.GET, request.POST if request.method == "POST" else {}):
            for key, items in getattr(values, "lists", lambda: [])():
                if "\x00" in key or any(isinstance(v, str) and "\x00" in v for v in items):
                    return _refuse(request, 400, "请求中含有不允许的控制字符（NUL），请检查后重试")
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        for name, value in view_kwargs.items():
            if isinstance(value, int) and not 0 <= value <= MAX_ID:
                return _refuse(request, 404, "未找到")
            if name in self.ID_NAMES or name.endswith(("_pk", "_id")):
                text = str(value)
                if not text.isascii() or not text.isdigit() or int(text) > MAX_ID:
                    return _refuse(request, 404, "未找到")
        return None


def _refuse(request, status, message):
    from django.http import HttpResponse, JsonResponse

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status, json_dumps_params={"ensure_ascii": False})
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
