"""Read-only: the export log as admins read it, newest first, one page at a time."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..pagination import Page, page_count
from .models import ExportLog

PER_PAGE = 50


def log_page(page: int, per_page: int = PER_PAGE) -> Page[ExportLog]:
    """One page of the export log (two statements: the count and the page with names)."""
    total = db.session.scalar(select(func.count(ExportLog.id))) or 0
    pages = page_count(total, per_page)
    items = []
    if 1 <= page <= pages:
        items = list(db.session.scalars(
            select(ExportLog).options(joinedload(ExportLog.staff))
            .order_by(ExportLog.started_at.desc(), ExportLog.id.desc())
            .limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, total=total, page=page, pages=pages)
