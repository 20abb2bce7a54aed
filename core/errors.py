from django.shortcuts import render


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
    return render(request, "core/error.html", {"status": 500, "title": "系统错误", "message": "系统出现错误，已记录，请稍后再试。"},
                  status=500)
