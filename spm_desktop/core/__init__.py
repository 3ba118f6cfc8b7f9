"""Qt-free core: domain rules, storage, services, roll-up, reports, sync, security."""
