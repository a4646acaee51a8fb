"""告知承诺核查: the 事后核查 of on-the-spot grants and the 告知承诺 exclusion list."""
