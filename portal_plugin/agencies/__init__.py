"""机构管理 (agency management): the registry's agencies, entered, edited and deleted by a 业务管理岗."""
