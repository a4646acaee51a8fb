"""历史数据采集: the historical-data import (template, upload checks, preview, commit, records)."""
