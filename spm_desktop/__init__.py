"""spm_desktop: case management and SPM reporting for a Dinas Sosial."""

__version__ = "0.1.0"
APP_NAME = "SPM Desktop"
