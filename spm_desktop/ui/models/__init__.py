"""Table models (QAbstractTableModel); each one is checked by ``qtmodeltester``."""
