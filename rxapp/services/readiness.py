"""Is the database ready for customers?  What ``python -m rxapp.cli check-config`` says about the data."""

from __future__ import annotations

from sqlmodel import Session, func, select

from rxapp.models import ProductModel, Region, Role, SerialRecord, Store, User
from rxapp.services.demo_seed import DEMO_EMAILS


def problems(*, session: Session, demo: bool) -> list[str]:
    """One line per thing missing or wrong in the data (empty: ready)."""
    out: list[str] = []

    def count(query) -> int:
        return session.exec(query).one()

    if not demo:
        if count(select(func.count()).select_from(User).where(User.email.in_(sorted(DEMO_EMAILS)))):
            out.append("database: demo accounts exist (they cannot log in with demo mode off; "
                       "start from a fresh database for production)")
        if not count(select(func.count()).select_from(User).where(User.role == Role.admin,
                                                                   User.email.not_in(sorted(DEMO_EMAILS)))):
            out.append("database: no administrator yet (python -m rxapp.cli create-admin --email …)")
    if not count(select(func.count()).select_from(ProductModel)):
        out.append("database: no product models (python -m rxapp.cli load-catalog FILE.csv)")
    if not count(select(func.count()).select_from(SerialRecord)):
        out.append("database: the serial registry is empty (python -m rxapp.cli load-serials FILE.csv)")
    if not count(select(func.count()).select_from(Region)) or not count(select(func.count()).select_from(Store)):
        out.append("database: no regions or stores (python -m rxapp.cli load-stores FILE.csv)")
    return out
