"""Imports every table so the metadata is complete for migrations and `alembic check`."""

from service.auth import models as auth_models
from service.callbacks import models as callbacks_models
from service.calls import models as calls_models
from service.catalogue import knowledge as knowledge_models
from service.catalogue import models as catalogue_models
from service.departments import models as departments_models
from service.intake import models as intake_models
from service.notifications import models as notifications_models
from service.notifications import webhook_models
from service.open311 import models as open311_models
from service.places import models as places_models
from service.routing import models as routing_models
from service.sla import models as sla_models
from service.supervision import models as supervision_models
from service.tickets import models as tickets_models

__all__ = [
    "auth_models",
    "callbacks_models",
    "supervision_models",
    "calls_models",
    "catalogue_models",
    "departments_models",
    "intake_models",
    "knowledge_models",
    "notifications_models",
    "open311_models",
    "places_models",
    "routing_models",
    "sla_models",
    "tickets_models",
    "webhook_models",
]
