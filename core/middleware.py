from .context import acting_from, client_address


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.client_address = client_address(request)
        with acting_from(request.client_address):
            return self.get_response(request)
