"""工作日历: the holiday and 调休 calendar deadlines are counted in, as a page and an API."""
