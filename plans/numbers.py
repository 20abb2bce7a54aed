"""Chinese numerals for section and topic numbers (一、二、…十二), shared by the plan page and the .docx;
apart from plans/documents.py so the page does not load python-docx."""

DIGITS = "〇一二三四五六七八九"


def cn_number(n):
    if n < 10:
        return DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")
