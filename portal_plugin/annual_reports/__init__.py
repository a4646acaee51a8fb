"""年度报告 (annual reports): the clerk files, the bureau reviews and publishes."""
