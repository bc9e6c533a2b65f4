"""Every table of the desk database in one metadata: the document tables, the secretary's,
sync's and exchange's, which share models.Base; what migrations and their checks compare against."""

from __future__ import annotations

from clerk_app.storage import exchange_models, secretary_models, sync_models
from clerk_app.storage.models import Base, include_object

METADATA = Base.metadata
# Named so the modules above count as used: importing them is what adds their tables.
TABLE_MODULES = (exchange_models, secretary_models, sync_models)

__all__ = ["METADATA", "TABLE_MODULES", "include_object"]
