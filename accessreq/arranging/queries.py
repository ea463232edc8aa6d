"""Reading providers: the searchable, paged list and the choices for a booking."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from ..extensions import db
from ..pagination import page_count
from .models import Provider, ProviderKind

PER_PAGE = 25
SEARCH_MAX_LENGTH = 100


@dataclass(frozen=True)
class ProviderFilters:
    q: str = ""
    kind: ProviderKind | None = None
    inactive_too: bool = False

    @property
    def narrowed(self) -> bool:
        return bool(self.q) or self.kind is not None

    def query_args(self) -> dict[str, str]:
        """The filters as query-string arguments, for the pager's links."""
        args = {}
        if self.q:
            args["q"] = self.q
        if self.kind is not None:
            args["kind"] = self.kind.value
        if self.inactive_too:
            args["inactive"] = "y"
        return args


@dataclass(frozen=True)
class ProviderPage:
    providers: list[Provider]
    total: int
    page: int
    pages: int


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def provider_page(filters: ProviderFilters, page: int) -> ProviderPage:
    """Providers by name, active ones only unless asked; ``q`` searches name, email and
    phone."""
    conditions = []
    if not filters.inactive_too:
        conditions.append(Provider.active.is_(True))
    if filters.kind is not None:
        conditions.append(Provider.kind == filters.kind)
    if filters.q:
        pattern = _like(filters.q)
        conditions.append(or_(*(func.lower(column).like(pattern, escape="\\")
                                for column in (Provider.name, Provider.email, Provider.phone))))
    total = db.session.scalar(select(func.count(Provider.id)).where(*conditions)) or 0
    pages = page_count(total, PER_PAGE)
    shown = min(max(page, 1), pages)
    providers = list(db.session.scalars(
        select(Provider).where(*conditions).order_by(func.lower(Provider.name), Provider.id)
        .limit(PER_PAGE).offset((shown - 1) * PER_PAGE)))
    return ProviderPage(providers=providers, total=total, page=page, pages=pages)
