"""Generated files sent to the browser as downloads, with a Chinese file name every browser keeps."""

from urllib.parse import quote

from django.http import HttpResponse

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def docx_response(filename, content):
    return download(content, filename, DOCX)


def download(content, filename, content_type):
    response = HttpResponse(content, content_type=content_type)
    # RFC 5987: the plain filename= form would mangle Chinese names in some browsers.
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
