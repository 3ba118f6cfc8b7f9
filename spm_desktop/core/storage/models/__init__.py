"""All ORM models. Import from here: ``from spm_desktop.core.storage.models import Person``."""

from spm_desktop.core.storage.base import SYNCED_TABLES, Base, SyncMixin
from spm_desktop.core.storage.models.activity import (
    GroupActivity,
    GroupActivityPerson,
    GroupActivityVolunteer,
    Volunteer,
)
from spm_desktop.core.storage.models.casework import (
    Case,
    CaseNeed,
    DuplicateCandidate,
    NeedMet,
    Person,
    PersonNameKey,
    ServiceEvent,
    ServiceFirst,
    UncountedEvent,
)
from spm_desktop.core.storage.models.disaster import Disaster, Household, HouseholdMember
from spm_desktop.core.storage.models.layanan import (
    Complaint,
    ComplaintFollowUp,
    DtsenProposal,
    Letter,
    Referral,
)
from spm_desktop.core.storage.models.master import (
    MutuCheck,
    MutuQuantity,
    PmksCategory,
    Region,
    ServiceType,
    Setting,
    Target,
)
from spm_desktop.core.storage.models.system import (
    AuditEntry,
    LocalDevice,
    SyncConflict,
    SyncPackage,
    SyncPeer,
    User,
)

# Order matters for sync: parents before children.
SYNCED_MODELS = [
    Region,
    PmksCategory,
    ServiceType,
    Target,
    Setting,
    MutuCheck,
    MutuQuantity,
    Person,
    Case,
    CaseNeed,
    Disaster,
    Household,
    HouseholdMember,
    ServiceEvent,
    DuplicateCandidate,
    Volunteer,
    GroupActivity,
    GroupActivityPerson,
    GroupActivityVolunteer,
    Complaint,
    ComplaintFollowUp,
    Referral,
    DtsenProposal,
]
SYNCED_TABLES.extend(m.__tablename__ for m in SYNCED_MODELS)

__all__ = [
    "Base",
    "SyncMixin",
    "SYNCED_MODELS",
    "Region",
    "PmksCategory",
    "ServiceType",
    "Target",
    "Setting",
    "MutuCheck",
    "MutuQuantity",
    "Person",
    "Case",
    "CaseNeed",
    "ServiceEvent",
    "NeedMet",
    "ServiceFirst",
    "PersonNameKey",
    "UncountedEvent",
    "DuplicateCandidate",
    "Disaster",
    "Household",
    "HouseholdMember",
    "Volunteer",
    "GroupActivity",
    "GroupActivityPerson",
    "GroupActivityVolunteer",
    "Complaint",
    "ComplaintFollowUp",
    "Referral",
    "DtsenProposal",
    "Letter",
    "User",
    "AuditEntry",
    "LocalDevice",
    "SyncPeer",
    "SyncPackage",
    "SyncConflict",
]
