"""Amounts of money and dates mentioned in the text, normalised ("$278 billion" -> 278000000000 USD,
"February 2022" -> 2022-02)."""

from __future__ import annotations

import re

from newsflow_schemas import DateMention, MoneyMention

_CURRENCIES = {"$": "USD", "US$": "USD", "USD": "USD", "€": "EUR", "EUR": "EUR", "£": "GBP", "GBP": "GBP",
               "¥": "JPY", "JPY": "JPY", "CHF": "CHF", "A$": "AUD", "C$": "CAD", "₹": "INR", "₽": "RUB",
               "dollars": "USD", "euros": "EUR", "pounds": "GBP"}
_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9, "b": 1e9,
           "trillion": 1e12, "tn": 1e12}
_MONEY = re.compile(
    r"(?P<pre>US\$|A\$|C\$|[$€£¥₹₽]|\b(?:USD|EUR|GBP|JPY|CHF)\s?)\s?(?P<num>\d[\d,]*(?:\.\d+)?)"
    r"(?:\s?(?P<scale>thousand|million|billion|trillion|bn|mn|tn|[mkb])\b)?"
    r"|(?P<num2>\d[\d,]*(?:\.\d+)?)\s?(?P<scale2>thousand|million|billion|trillion)?\s(?P<post>dollars|euros|pounds)\b",
    re.IGNORECASE)
_MONTHS = {m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                       "september", "october", "november", "december"], 1)}
_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
_DATE = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}}),?\s+(\d{{4}})\b|\b(\d{{1,2}})\s+{_MONTH}\s+(\d{{4}})\b"
                   rf"|\b{_MONTH}\s+(\d{{4}})\b")


def find_money(text: str) -> list[MoneyMention]:
    found = []
    for match in _MONEY.finditer(text):
        number = match.group("num") or match.group("num2")
        scale = (match.group("scale") or match.group("scale2") or "").lower()
        symbol = (match.group("pre") or match.group("post") or "").strip()
        try:
            amount = float(number.replace(",", "")) * _SCALES.get(scale, 1)
        except ValueError:
            continue
        currency = _CURRENCIES.get(symbol) or _CURRENCIES.get(symbol.upper()) or _CURRENCIES.get(symbol.lower())
        found.append(MoneyMention(text=match.group(0).strip(), amount=amount, currency=currency,
                                  start=match.start(), end=match.end()))
    return found


def find_dates(text: str) -> list[DateMention]:
    found = []
    for match in _DATE.finditer(text):
        groups = match.groups()
        if groups[0]:
            value, precision = f"{groups[2]}-{_MONTHS[groups[0].lower()]:02d}-{int(groups[1]):02d}", "day"
        elif groups[4]:
            value, precision = f"{groups[5]}-{_MONTHS[groups[4].lower()]:02d}-{int(groups[3]):02d}", "day"
        else:
            value, precision = f"{groups[7]}-{_MONTHS[groups[6].lower()]:02d}", "month"
        found.append(DateMention(text=match.group(0), value=value, precision=precision, start=match.start(),
                                 end=match.end()))
    return found
