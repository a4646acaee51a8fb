"""注销单位行政许可 (revocation): a 业务管理岗 ends a licence by decision."""
