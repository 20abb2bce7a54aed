from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def _page(request, status, title, message):
    return render(request, "core/error.html", {"status": status, "title": title, "message": message}, status=status)


def bad_request(request, exception=None):
    return _page(request, 400, "请求有误", "提交的内容无法处理，请返回重试。")


def forbidden(request, exception=None):
    message = str(exception) if exception and str(exception) else "您没有权限进行此操作。"
    return _page(request, 403, "无权操作", message)


def not_found(request, exception=None):
    return _page(request, 404, "没有找到", "页面不存在，或您没有权限查看。")


def server_error(request):
    # Rendered without the request: context processors, the base template and {% static %} may be what failed.
    return HttpResponseServerError(loader.get_template("core/500.html").render())
