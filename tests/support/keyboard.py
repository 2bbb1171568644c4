"""What no tool checks, measured in the browser: where the keyboard's focus is, that it is
visible and not covered by anything stuck to the window (WCAG 2.4.7, 2.4.11), and that every
control is a target of at least 24x24 px or has room around it (2.5.8)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page

# The focused element: who it is, its box, whether a focus style shows, and which elements
# stuck to the window (position sticky or fixed, not holding it) overlap its box.
_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const r = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  const outlined = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  const covering = [];
  for (const other of document.body.querySelectorAll("*")) {
    const position = getComputedStyle(other).position;
    if ((position !== "sticky" && position !== "fixed") || other.contains(el)) continue;
    const o = other.getBoundingClientRect();
    const w = Math.min(r.right, o.right) - Math.max(r.left, o.left);
    const h = Math.min(r.bottom, o.bottom) - Math.max(r.top, o.top);
    if (w > 0 && h > 0) covering.push(other.id || other.className || other.tagName);
  }
  return {
    id: el.id, tag: el.tagName.toLowerCase(), name: el.getAttribute("name") || "",
    value: el.getAttribute("value") || "", text: (el.textContent || "").trim().slice(0, 60),
    box: [r.left, r.top, r.width, r.height], outlined, covering,
    shown: r.width > 0 && r.height > 0 && r.top >= -1 && r.bottom <= window.innerHeight + 1
      && r.left >= -1 && r.right <= window.innerWidth + 1,  // a pixel for sub-pixel layout
  };
}"""

# Targets under 24x24 px whose 24 px circle, centred on them, meets another target (the
# spacing exception of 2.5.8 fails) — links inside a sentence excepted, as 2.5.8 does.
_SMALL = """() => {
  const all = [...document.querySelectorAll("a, button, input, select, textarea, label[for]")]
    .filter((e) => e.type !== "hidden" && e.checkVisibility() && !e.closest("[hidden]"))
    .map((e) => ({e, r: e.getBoundingClientRect()}))
    .filter(({r}) => r.width > 0 && r.height > 0);
  const inline = (e) => e.tagName === "A" && getComputedStyle(e).display === "inline"
    && e.parentElement && e.parentElement.textContent.trim() !== e.textContent.trim();
  const near = (c, r) => {
    const dx = Math.max(r.left - c.x, 0, c.x - r.right);
    const dy = Math.max(r.top - c.y, 0, c.y - r.bottom);
    return dx * dx + dy * dy < 144;
  };
  const small = [];
  for (const {e, r} of all) {
    if ((r.width >= 23.5 && r.height >= 23.5) || inline(e)) continue;
    const c = {x: r.left + r.width / 2, y: r.top + r.height / 2};
    const others = all.filter((o) => o.e !== e && !o.e.contains(e) && !e.contains(o.e)
      && !(o.e.tagName === "LABEL" && o.e.htmlFor === e.id)
      && !(e.tagName === "LABEL" && e.htmlFor === o.e.id));
    if (others.some((o) => near(c, o.r)))
      small.push(`${e.tagName.toLowerCase()}#${e.id} ${Math.round(r.width)}x${Math.round(r.height)}`);
  }
  return small;
}"""


@dataclass(frozen=True)
class Stop:
    """One place the Tab key stopped."""

    id: str
    tag: str
    name: str
    value: str
    text: str
    box: list[float]
    outlined: bool
    covering: list[str]
    shown: bool

    def __str__(self) -> str:
        return f"{self.tag}#{self.id}[{self.name}={self.value}] “{self.text}” at {self.box}"


def focused(page: Page) -> Stop | None:
    found: dict[str, Any] | None = page.evaluate(_FOCUSED)
    return Stop(**found) if found else None


def check_stop(stop: Stop | None) -> Stop:
    """The focus is on a control, shown in the window with a visible focus style, and
    nothing stuck to the window overlaps it."""
    assert stop is not None, "the focus left the page's controls"
    assert stop.shown, f"focused but out of the window: {stop}"
    assert stop.outlined, f"focused without a visible focus style: {stop}"
    assert not stop.covering, f"{stop} is under {stop.covering}"
    return stop


def tab(page: Page, back: bool = False) -> Stop:
    page.keyboard.press("Shift+Tab" if back else "Tab")
    return check_stop(focused(page))


def tab_to(page: Page, selector: str, limit: int = 300) -> list[Stop]:
    """Press Tab until the focus is on ``selector``, checking every stop on the way."""
    stops = []
    for _ in range(limit):
        stops.append(tab(page))
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return stops
    raise AssertionError(f"{selector} not reached in {limit} Tab presses: {stops[-3:]}")


def small_targets(page: Page) -> list[str]:
    """Every visible control smaller than 24x24 px without room around it."""
    return list(page.evaluate(_SMALL))
