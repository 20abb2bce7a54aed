"""Generated .docx files render in an office suite: LibreOffice (headless) turns one into a PDF, poppler reads it.

python-docx writes whatever it is told; Word, WPS and LibreOffice refuse or mangle a document whose XML is
off. `./dev test` installs libreoffice-writer-nogui and poppler-utils for this test.
"""

import shutil
import subprocess

import pytest
from django.urls import reverse

from plans.tests.factories import approved_plan, topic

pytestmark = pytest.mark.django_db

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_office = pytest.mark.skipif(not (SOFFICE and shutil.which("pdfinfo") and shutil.which("pdftotext")),
                                  reason="LibreOffice and poppler-utils are not installed (./dev test installs them)")


@needs_office
def test_the_plan_docx_renders_to_pdf_pages_that_hold_its_text(world, as_user, tmp_path):
    plan = approved_plan(world, topics=[topic("学习习近平文化思想", month=3, lead="赵书记")])
    response = as_user(world.member_a).get(reverse("plans:docx", args=[plan.pk]))
    source = tmp_path / "plan.docx"
    source.write_bytes(response.content)
    # A profile of its own, so that a LibreOffice someone has open does not take the job.
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "plan.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= 1
    assert "(A4)" in info  # GB/T 9704 paper
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "学习习近平文化思想" in text.replace(" ", "")
