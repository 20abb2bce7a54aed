from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, pagination, serializers
from rest_framework.views import exception_handler as drf_handler

# The largest id either database can hold (PostgreSQL bigint, SQLite INTEGER); beyond it SQLite raises
# OverflowError and PostgreSQL DataError, both 500s before this limit existed.
MAX_ID = 2**63 - 1
MAX_OFFSET = 10**9
MAX_LIMIT = 500


def exception_handler(exc, context):
    # Services raise Django's ValidationError; answer it as a 400 with the Chinese messages, never a 500.
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    return drf_handler(exc, context)


class IdField(serializers.IntegerField):
    """An id in a query or a body: a positive integer a database column can hold."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """limit in 1..MAX_LIMIT and offset in 0..MAX_OFFSET, whatever the client sends (DRF alone passes a
    huge offset to the database, which overflows)."""

    max_limit = MAX_LIMIT

    def get_offset(self, request):
        return min(super().get_offset(request), MAX_OFFSET)

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for p in params:
            if p["name"] == self.limit_query_param:
                p["schema"].update({"minimum": 1, "maximum": MAX_LIMIT})
            elif p["name"] == self.offset_query_param:
                p["schema"].update({"minimum": 0, "maximum": MAX_OFFSET})
        return params
